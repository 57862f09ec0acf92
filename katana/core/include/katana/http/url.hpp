#pragma once
// Percent-decoding (RFC 3986 §2.1) for path parameters and other URL components.
//
// The router matches on raw, still-encoded segments, so "%2F" inside a segment can never split
// it into two; handlers decode a value only when they need its text. '+' is left alone: it
// means space only in application/x-www-form-urlencoded bodies and queries, never in a path.
#include <cstddef>
#include <memory_resource>
#include <optional>
#include <span>
#include <string_view>

namespace katana::http {

// Decodes `in` into `out`; returns the decoded length, or nullopt when `in` holds a malformed
// escape ('%' not followed by two hex digits) or `out` is too small. The decoded length never
// exceeds in.size(), so an `out` of that size always suffices. Decoded bytes are not checked
// for UTF-8 validity or NUL: that is the caller's policy.
[[nodiscard]] constexpr std::optional<std::size_t> percent_decode(std::string_view in, std::span<char> out) noexcept {
    constexpr auto hex_value = [](char c) noexcept -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::size_t n = 0;
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (n == out.size()) return std::nullopt;
        char c = in[i];
        if (c == '%') {
            if (in.size() - i < 3) return std::nullopt;
            const int hi = hex_value(in[i + 1]);
            const int lo = hex_value(in[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            c = static_cast<char>(static_cast<unsigned char>(hi * 16 + lo));
            i += 2;
        }
        out[n++] = c;
    }
    return n;
}

// Decodes into `memory` when `in` contains an escape; otherwise returns `in` itself without
// allocating. Lifetime: the result points into `in` or into `memory` (the request arena in a
// handler), whichever lives shorter bounds it. nullopt on a malformed escape.
[[nodiscard]] inline std::optional<std::string_view> percent_decode(std::string_view in,
                                                                    std::pmr::memory_resource& memory) {
    if (in.find('%') == std::string_view::npos) return in;
    char* buffer = static_cast<char*>(memory.allocate(in.size(), 1));
    const auto n = percent_decode(in, std::span<char>{buffer, in.size()});
    if (!n) return std::nullopt;
    return std::string_view{buffer, *n};
}

} // namespace katana::http

namespace katana {
using http::percent_decode;
} // namespace katana
