#include <katana/codegen/names.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace katana::codegen::names {
namespace {

// C++23 keywords and alternative tokens, plus names that break or confuse generated code.
constexpr std::array<std::string_view, 107> reserved_words = {
    "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break", "case", "catch",
    "char", "char8_t", "char16_t", "char32_t", "class", "compl", "concept", "const", "consteval", "constexpr",
    "constinit", "const_cast", "continue", "co_await", "co_return", "co_yield", "decltype", "default", "delete",
    "do", "double", "dynamic_cast", "else", "enum", "explicit", "export", "extern", "false", "float", "for",
    "friend", "goto", "if", "inline", "int", "long", "mutable", "namespace", "new", "noexcept", "not", "not_eq",
    "nullptr", "operator", "or", "or_eq", "private", "protected", "public", "register", "reinterpret_cast",
    "requires", "return", "short", "signed", "sizeof", "static", "static_assert", "static_cast", "struct",
    "switch", "template", "this", "thread_local", "throw", "true", "try", "typedef", "typeid", "typename",
    "union", "unsigned", "using", "virtual", "void", "volatile", "wchar_t", "while", "xor", "xor_eq",
    // Contextual keywords, the namespaces generated code names (`std::` inside a struct with a
    // member `std` still works, but readers should not have to know that), and standard macros
    // that would expand inside generated declarations (GNU mode also predefines unix/linux).
    "final", "override", "import", "module", "std", "katana", "errno", "assert", "NULL", "EOF",
    "stdin", "stdout", "stderr", "unix", "linux",
};

bool is_ident_start(unsigned char c) noexcept { return std::isalpha(c) != 0 || c == '_'; }
bool is_ident_char(unsigned char c) noexcept { return std::isalnum(c) != 0 || c == '_'; }

// Splits `raw` into words at non-alphanumerics and at case changes ("getHTTPServer2" ->
// get, HTTP, Server2), the shared first step of both case conversions.
std::vector<std::string> words_of(std::string_view raw) {
    std::vector<std::string> words;
    std::string cur;
    auto flush = [&] {
        if (!cur.empty()) words.push_back(std::move(cur));
        cur.clear();
    };
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const auto c = static_cast<unsigned char>(raw[i]);
        if (std::isalnum(c) == 0) {
            flush();
            continue;
        }
        if (std::isupper(c) != 0 && !cur.empty()) {
            const auto prev = static_cast<unsigned char>(cur.back());
            const bool next_lower = i + 1 < raw.size() && std::islower(static_cast<unsigned char>(raw[i + 1])) != 0;
            // lower->Upper starts a word; in an acronym run, the last capital before a lower
            // letter starts the next word ("HTTPServer" -> HTTP, Server).
            if (std::islower(prev) != 0 || std::isdigit(prev) != 0 || (std::isupper(prev) != 0 && next_lower)) flush();
        }
        cur.push_back(static_cast<char>(c));
    }
    flush();
    return words;
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

} // namespace

bool is_reserved(std::string_view word) noexcept {
    return std::find(reserved_words.begin(), reserved_words.end(), word) != reserved_words.end();
}

namespace {

// Names made only of non-ASCII characters ("✓", "日付") would otherwise become a bare "_":
// spell their code points instead ("u2713"), so that they stay readable and distinct.
std::string code_point_name(std::string_view raw) {
    std::string out;
    std::size_t i = 0;
    while (i < raw.size()) {
        const auto c = static_cast<unsigned char>(raw[i]);
        if (c < 0x80) { // ASCII punctuation between the symbols adds nothing readable
            ++i;
            continue;
        }
        std::size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
        std::uint32_t cp = len == 4 ? c & 0x07u : len == 3 ? c & 0x0fu : len == 2 ? c & 0x1fu : c;
        bool valid = c < 0xf8 && (c & 0xc0) != 0x80 && i + len <= raw.size();
        for (std::size_t k = 1; valid && k < len; ++k) {
            const auto cc = static_cast<unsigned char>(raw[i + k]);
            if ((cc & 0xc0) != 0x80) valid = false;
            cp = (cp << 6) | (cc & 0x3fu);
        }
        if (!valid) {
            len = 1;
            cp = c;
        }
        if (!out.empty()) out.push_back('_');
        char buf[16];
        const int n = std::snprintf(buf, sizeof buf, valid ? "u%04x" : "x%02x", static_cast<unsigned>(cp));
        out.append(buf, static_cast<std::size_t>(n));
        i += len;
    }
    return out;
}

} // namespace

std::string identifier(std::string_view raw) {
    const bool ascii_word = std::any_of(raw.begin(), raw.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 && static_cast<unsigned char>(c) < 0x80;
    });
    const bool non_ascii = std::any_of(raw.begin(), raw.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
    if (!ascii_word && non_ascii) return code_point_name(raw);
    std::string out;
    out.reserve(raw.size() + 2);
    for (char c : raw) out.push_back(is_ident_char(static_cast<unsigned char>(c)) ? c : '_');
    if (out.empty()) return "_";
    if (!is_ident_start(static_cast<unsigned char>(out.front()))) out.insert(out.begin(), '_');
    // Identifiers with "__" anywhere or "_" + capital at the start are reserved to the
    // implementation; a single trailing '_' moves them out of that space.
    const bool impl_reserved = out.find("__") != std::string::npos ||
                               (out.size() > 1 && out[0] == '_' && std::isupper(static_cast<unsigned char>(out[1])) != 0);
    if (impl_reserved) {
        std::string collapsed;
        for (char c : out) {
            if (c == '_' && !collapsed.empty() && collapsed.back() == '_') continue;
            collapsed.push_back(c);
        }
        out = std::move(collapsed);
        if (out.size() > 1 && out[0] == '_' && std::isupper(static_cast<unsigned char>(out[1])) != 0) out.insert(0, "x");
    }
    if (is_reserved(out)) out.push_back('_');
    return out;
}

std::string pascal_case(std::string_view raw) {
    std::string out;
    for (auto& w : words_of(raw)) {
        w = lower(std::move(w));
        w[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])));
        out += w;
    }
    if (out.empty()) return identifier(raw); // symbols only: "✓" -> "u2713"
    return identifier(out);
}

std::string snake_case(std::string_view raw) {
    std::string out;
    for (auto& w : words_of(raw)) {
        if (!out.empty()) out.push_back('_');
        out += lower(std::move(w));
    }
    if (out.empty()) return identifier(raw); // symbols only: "✓" -> "u2713"
    return identifier(out);
}

std::string numbered(std::string_view base, int n) {
    // "x_" + "_2" would form "__", reserved to the implementation.
    std::string out(base);
    if (out.empty() || out.back() != '_') out.push_back('_');
    out += std::to_string(n);
    return out;
}

std::string scope::claim(std::string_view wanted) {
    std::string base = identifier(wanted);
    if (used_.insert(base).second) return base;
    for (int n = 2;; ++n) {
        std::string candidate = numbered(base, n);
        if (used_.insert(candidate).second) return candidate;
    }
}

bool scope::taken(std::string_view name) const { return used_.contains(std::string(name)); }

void scope::reserve(std::string_view name) { used_.insert(std::string(name)); }

} // namespace katana::codegen::names
