#pragma once
// HTTP request methods as a small enum so routers switch instead of comparing strings.
#include <cstdint>
#include <string_view>

namespace katana::http {

enum class method : std::uint8_t { get, head, post, put, delete_, patch, options, trace, connect, other };

inline constexpr std::size_t method_count = 10;

[[nodiscard]] constexpr std::string_view to_string(method m) noexcept {
    switch (m) {
    case method::get: return "GET";
    case method::head: return "HEAD";
    case method::post: return "POST";
    case method::put: return "PUT";
    case method::delete_: return "DELETE";
    case method::patch: return "PATCH";
    case method::options: return "OPTIONS";
    case method::trace: return "TRACE";
    case method::connect: return "CONNECT";
    case method::other: return "OTHER";
    }
    return "OTHER";
}

// Maps a method token (case-sensitive, RFC 9110 §9.1) to the enum; unknown tokens are `other`.
[[nodiscard]] constexpr method method_from_token(std::string_view t) noexcept {
    switch (t.size()) {
    case 3:
        if (t == "GET") return method::get;
        if (t == "PUT") return method::put;
        break;
    case 4:
        if (t == "HEAD") return method::head;
        if (t == "POST") return method::post;
        break;
    case 5:
        if (t == "PATCH") return method::patch;
        if (t == "TRACE") return method::trace;
        break;
    case 6:
        if (t == "DELETE") return method::delete_;
        break;
    case 7:
        if (t == "OPTIONS") return method::options;
        if (t == "CONNECT") return method::connect;
        break;
    default: break;
    }
    return method::other;
}

} // namespace katana::http
