#pragma once
// UTF-8 decoding shared by the api/ sources (formats, pattern translation, parameter decoding).
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace katana::api::detail {

// Decodes the code point starting at s[i]. Returns its length in bytes (1-4), or 0 when the
// bytes there are not well-formed UTF-8 (overlong forms, surrogates, > U+10FFFF, truncation).
[[nodiscard]] inline std::size_t decode_utf8(std::string_view s, std::size_t i, char32_t& cp) noexcept {
    const std::size_t n = s.size();
    if (i >= n) return 0;
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
        cp = b0;
        return 1;
    }
    auto cont = [&](std::size_t k) noexcept -> int {
        if (i + k >= n) return -1;
        const auto b = static_cast<unsigned char>(s[i + k]);
        return (b & 0xC0) == 0x80 ? (b & 0x3F) : -1;
    };
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        const int c1 = cont(1);
        if (c1 < 0) return 0;
        cp = static_cast<char32_t>(((b0 & 0x1F) << 6) | c1);
        return 2;
    }
    if (b0 >= 0xE0 && b0 <= 0xEF) {
        const int c1 = cont(1);
        const int c2 = cont(2);
        if (c1 < 0 || c2 < 0) return 0;
        const char32_t v = static_cast<char32_t>(((b0 & 0x0F) << 12) | (c1 << 6) | c2);
        if (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF)) return 0;
        cp = v;
        return 3;
    }
    if (b0 >= 0xF0 && b0 <= 0xF4) {
        const int c1 = cont(1);
        const int c2 = cont(2);
        const int c3 = cont(3);
        if (c1 < 0 || c2 < 0 || c3 < 0) return 0;
        const char32_t v = static_cast<char32_t>(((b0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3);
        if (v < 0x10000 || v > 0x10FFFF) return 0;
        cp = v;
        return 4;
    }
    return 0;
}

[[nodiscard]] inline bool valid_utf8(std::string_view s) noexcept {
    std::size_t i = 0;
    while (i < s.size()) {
        if (static_cast<unsigned char>(s[i]) < 0x80) {
            ++i;
            continue;
        }
        char32_t cp;
        const std::size_t len = decode_utf8(s, i, cp);
        if (len == 0) return false;
        i += len;
    }
    return true;
}

// Writes cp as UTF-8 into out (room for 4 bytes); returns the number of bytes written.
inline std::size_t encode_utf8(char32_t cp, char* out) noexcept {
    if (cp < 0x80) {
        out[0] = static_cast<char>(cp);
        return 1;
    }
    if (cp < 0x800) {
        out[0] = static_cast<char>(0xC0 | (cp >> 6));
        out[1] = static_cast<char>(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = static_cast<char>(0xE0 | (cp >> 12));
        out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out[2] = static_cast<char>(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = static_cast<char>(0xF0 | (cp >> 18));
    out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[3] = static_cast<char>(0x80 | (cp & 0x3F));
    return 4;
}

[[nodiscard]] constexpr int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

[[nodiscard]] constexpr bool is_ascii_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
[[nodiscard]] constexpr bool is_ascii_digit(char c) noexcept { return c >= '0' && c <= '9'; }
[[nodiscard]] constexpr bool is_ascii_alnum(char c) noexcept { return is_ascii_alpha(c) || is_ascii_digit(c); }

} // namespace katana::api::detail
