#pragma once
// Routing pieces of generated servers (router.cpp): the positional match state the generated
// route tree fills, segment templates, and the 404 / 405 / OPTIONS answers. Kept apart from
// dispatch.hpp so the route tree compiles without the binding and JSON machinery.
#include <katana/http/method.hpp>
#include <katana/http/response.hpp>
#include <katana/server/handler.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace katana::api {

[[nodiscard]] constexpr std::uint16_t method_bit(http::method m) noexcept {
    return static_cast<std::uint16_t>(1U << static_cast<unsigned>(m));
}

// State of one match of the generated route tree. The tree captures path parameter values
// positionally (raw, still percent-encoded views into the request); once an operation is
// chosen, its own parameter names are attached (so two templates that differ only in
// parameter names share one branch of the tree).
struct route_match {
    static constexpr std::size_t max_params = request_context::max_path_params;

    std::string_view path;
    http::method method = http::method::other;
    std::array<std::string_view, max_params> values{};
    std::uint8_t count = 0;
    // Methods of every template whose path matched but whose method did not (405 / OPTIONS).
    std::uint16_t allow = 0;

    bool push(std::string_view v) noexcept {
        if (count == max_params) return false;
        values[count++] = v;
        return true;
    }
    void truncate(std::uint8_t n) noexcept { count = n < count ? n : count; }
};

// The segment starting after the '/' at `pos`; `end` receives the index of the next '/' or the
// path size. Precondition: path[pos] == '/'.
[[nodiscard]] constexpr std::string_view path_segment(std::string_view path, std::size_t pos,
                                                      std::size_t& end) noexcept {
    const std::size_t start = pos + 1;
    std::size_t e = start;
    while (e < path.size() && path[e] != '/') ++e;
    end = e;
    return path.substr(start, e - start);
}

// A segment template with several parts, e.g. "{name}.{ext}" or "report-{id}.pdf":
// `literals` holds the literal text before the first parameter, between parameters and after
// the last one (size = parameters + 1; only the first and last may be empty). Matched right to
// left: each parameter after the first starts after the LAST occurrence of the literal before it
// ("{name}.{ext}" on "a.b.txt" gives "a.b" and "txt"); every value must be non-empty. Appends the
// values to `m`; on failure `m` is unchanged. Linear in the segment length.
bool match_segment_template(std::string_view segment, std::span<const std::string_view> literals,
                            route_match& m) noexcept;

// Appends "GET, HEAD, POST" style lists for `allow` (HEAD implied by GET, OPTIONS always).
void write_allow_header(http::response& res, std::uint16_t allow);
// 404 problem+json: "no route for <path>" (path cut, non-printable bytes escaped).
void answer_not_found(request_context& ctx);
// 405 problem+json with Allow.
void answer_method_not_allowed(request_context& ctx, std::uint16_t allow);
// 204 with Allow (OPTIONS on a path whose spec does not declare OPTIONS).
void answer_options(request_context& ctx, std::uint16_t allow);

// The service's own spec at /openapi.json (generated servers, off by default).

// Answers GET/HEAD /openapi.json with `json`; false when the request is something else.
bool serve_spec_document(request_context& ctx, std::string_view json);

} // namespace katana::api
