#pragma once
// A parsed HTTP/1.x request. Every view points into the connection's input buffer (or, for a
// de-chunked body, into the same buffer rewritten in place). Lifetime: valid until the
// connection's response to this request has been written; never store a view beyond that.
#include <katana/http/method.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace katana::http {

struct header {
    std::string_view name;
    std::string_view value; // leading/trailing whitespace removed
};

// ASCII case-insensitive comparison for header names (RFC 9110 field names are case-insensitive).
[[nodiscard]] constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
        if (x != y) return false;
    }
    return true;
}

struct request {
    http::method method = http::method::other;
    std::string_view method_token;   // as sent, e.g. "GET" or an extension method
    std::string_view target;         // raw request-target
    std::string_view path;           // target up to '?' (still percent-encoded)
    std::string_view query;          // after '?', without it; empty when absent
    std::uint8_t version_minor = 1;  // HTTP/1.<minor>
    std::span<const header> headers;
    std::span<const header> trailers; // chunked trailer fields, if any
    std::string_view body;            // complete, de-chunked body
    bool keep_alive = true;           // after Connection header and version defaults
    bool expect_continue = false;     // "Expect: 100-continue" was sent
    bool chunked = false;             // body arrived with Transfer-Encoding: chunked

    // First header with this name (case-insensitive), or an empty view.
    [[nodiscard]] constexpr std::string_view header_value(std::string_view name) const noexcept {
        for (const auto& h : headers) {
            if (iequals(h.name, name)) return h.value;
        }
        return {};
    }
    [[nodiscard]] constexpr bool has_header(std::string_view name) const noexcept {
        for (const auto& h : headers) {
            if (iequals(h.name, name)) return true;
        }
        return false;
    }
};

} // namespace katana::http
