#include <katana/codegen/document.hpp>

#include <charconv>
#include <limits>

namespace katana::codegen {

namespace {

// RFC 6901 array index: "0" or digits without a leading zero ("-" and "01" name nothing).
bool parse_index(std::string_view token, std::size_t& out) noexcept {
    if (token.empty() || (token.size() > 1 && token.front() == '0')) return false;
    for (const char c : token) {
        if (c < '0' || c > '9') return false;
    }
    const auto r = std::from_chars(token.data(), token.data() + token.size(), out);
    return r.ec == std::errc{} && r.ptr == token.data() + token.size();
}

} // namespace

const node* document::at_pointer(std::string_view pointer) const {
    const node* current = root_;
    if (pointer.empty()) return current;
    if (pointer.front() != '/') return nullptr;
    std::string token;
    std::size_t pos = 1;
    while (current != nullptr) {
        const std::size_t slash = pointer.find('/', pos);
        const std::string_view raw =
            pointer.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos);
        // Most tokens carry no '~'; skip the copy for them.
        std::string_view key = raw;
        if (raw.find('~') != std::string_view::npos) {
            token = unescape_pointer_token(raw);
            // An invalid escape ("~2", trailing "~") comes back unchanged and so still holds a
            // '~' that is not followed by 0 or 1: such a pointer names nothing.
            if (escape_pointer_token(token) != raw) return nullptr;
            key = token;
        }
        if (current->is_object()) {
            current = current->get(key);
        } else if (current->is_array()) {
            std::size_t index = 0;
            if (!parse_index(key, index) || index >= current->items.size()) return nullptr;
            current = current->items[index];
        } else {
            return nullptr;
        }
        if (slash == std::string_view::npos) break;
        pos = slash + 1;
    }
    return current;
}

std::string escape_pointer_token(std::string_view token) {
    std::string out;
    out.reserve(token.size());
    for (const char c : token) {
        if (c == '~') {
            out += "~0";
        } else if (c == '/') {
            out += "~1";
        } else {
            out += c;
        }
    }
    return out;
}

std::string unescape_pointer_token(std::string_view token) {
    std::string out;
    out.reserve(token.size());
    for (std::size_t i = 0; i < token.size(); ++i) {
        const char c = token[i];
        if (c == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
            out += token[i + 1] == '0' ? '~' : '/';
            ++i;
        } else {
            // Not a valid escape: kept as written (callers that care re-escape and compare).
            out += c;
        }
    }
    return out;
}

} // namespace katana::codegen
