#include <katana/api/security.hpp>

#include <cstdint>
#include <cstring>

namespace katana::api {
namespace {

constexpr bool is_space(char c) noexcept { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

// "<scheme> <credentials>" with the scheme compared case-insensitively (RFC 9110 §11.1).
std::optional<std::string_view> credentials_for(std::string_view header, std::string_view scheme) noexcept {
    header = trim(header);
    if (header.size() <= scheme.size() || !is_space(header[scheme.size()])) return std::nullopt;
    if (!http::iequals(header.substr(0, scheme.size()), scheme)) return std::nullopt;
    const std::string_view rest = trim(header.substr(scheme.size()));
    if (rest.empty()) return std::nullopt;
    return rest;
}

// token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
bool token68(std::string_view s) noexcept {
    std::size_t i = 0;
    while (i < s.size()) {
        const char c = s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            std::strchr("-._~+/", c) != nullptr) {
            ++i;
        } else {
            break;
        }
    }
    if (i == 0) return false;
    while (i < s.size() && s[i] == '=') ++i;
    return i == s.size();
}

int base64_value(char c) noexcept {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

} // namespace

std::optional<std::string_view> bearer_token(std::string_view authorization_header) noexcept {
    auto token = credentials_for(authorization_header, "Bearer");
    if (!token || !token68(*token)) return std::nullopt;
    return token;
}

std::optional<std::string_view> bearer_token(const http::request& req) noexcept {
    return bearer_token(req.header_value("Authorization"));
}

std::optional<std::string_view> decode_base64(std::string_view text, std::pmr::memory_resource* memory) {
    if (text.size() % 4 != 0) return std::nullopt;
    if (text.empty()) return std::string_view{};
    std::size_t pad = 0;
    if (text.back() == '=') ++pad;
    if (text[text.size() - 2] == '=') ++pad;
    if (pad == 1 && text.back() != '=') return std::nullopt; // "x=y" style padding in the middle
    const std::size_t out_size = text.size() / 4 * 3 - pad;
    char* out = static_cast<char*>(memory->allocate(out_size == 0 ? 1 : out_size, 1));
    std::size_t o = 0;
    for (std::size_t i = 0; i < text.size(); i += 4) {
        int v[4];
        const bool last = i + 4 == text.size();
        for (std::size_t k = 0; k < 4; ++k) {
            const char c = text[i + k];
            if (c == '=' && last && k >= 4 - pad) {
                v[k] = 0;
            } else {
                v[k] = base64_value(c);
            }
            if (v[k] < 0) {
                memory->deallocate(out, out_size == 0 ? 1 : out_size, 1);
                return std::nullopt;
            }
        }
        const std::uint32_t bits = static_cast<std::uint32_t>(v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3]);
        const char bytes[3] = {static_cast<char>(bits >> 16), static_cast<char>(bits >> 8), static_cast<char>(bits)};
        const std::size_t n = last ? 3 - pad : 3;
        for (std::size_t k = 0; k < n; ++k) out[o++] = bytes[k];
    }
    return std::string_view(out, o);
}

std::optional<std::pair<std::string_view, std::string_view>> basic_credentials(std::string_view authorization_header,
                                                                               std::pmr::memory_resource* memory) {
    auto encoded = credentials_for(authorization_header, "Basic");
    if (!encoded || !token68(*encoded)) return std::nullopt;
    auto decoded = decode_base64(*encoded, memory);
    if (!decoded) return std::nullopt;
    const std::size_t colon = decoded->find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    return std::pair{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

std::optional<std::pair<std::string_view, std::string_view>> basic_credentials(const http::request& req,
                                                                               std::pmr::memory_resource* memory) {
    return basic_credentials(req.header_value("Authorization"), memory);
}

} // namespace katana::api
