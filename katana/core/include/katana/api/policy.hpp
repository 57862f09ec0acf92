#pragma once
// Per-route policies that `katana gen openapi` reads from x-katana-* operation extensions
// (docs/EXTENSIONS.md). The generator emits one constexpr `route_policy` per operation, so a
// policy costs nothing at run time until something reads it.
//
// What acts today: `alloc` (where the operation's request DTOs live, see route_memory in
// dispatch.hpp) and `serializer` (how response bodies are written). `cache`, `rate_limit` and
// `idempotency` are parsed, validated and carried here so middleware can read them, but nothing
// in katana_core enforces them yet (the generator warns about that).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace katana::api {

// x-katana-alloc: the memory an operation's request DTOs (parameters, parsed body) come from.
//   arena - the request memory the server gives every request (default; released in one step)
//   pmr   - a std::pmr::monotonic_buffer_resource over the heap, released after the response
//   heap  - every allocation its own operator new, freed when the handler is done (ASan-friendly)
enum class alloc_mode : std::uint8_t { arena, pmr, heap };

// x-katana-serializer: zero_copy writes typed values straight into the output (default); dom
// builds a katana::json::value of the body first and writes that.
enum class serializer_kind : std::uint8_t { zero_copy, dom };

[[nodiscard]] constexpr std::string_view to_string(alloc_mode m) noexcept {
    switch (m) {
    case alloc_mode::arena: return "arena";
    case alloc_mode::pmr: return "pmr";
    case alloc_mode::heap: return "heap";
    }
    return "arena";
}

[[nodiscard]] constexpr std::string_view to_string(serializer_kind s) noexcept {
    return s == serializer_kind::dom ? std::string_view("dom") : std::string_view("zero-copy");
}

struct cache_policy {
    bool enabled = false;
    std::uint32_t ttl_ms = 0;
    std::uint32_t stale_while_revalidate_ms = 0;
    std::uint32_t jitter_ms = 0;                // +- spread applied to ttl to avoid stampedes
    std::span<const std::string_view> vary{};   // request header names that key the cache
};

struct rate_limit_policy {
    bool enabled = false;
    std::uint32_t requests = 0;   // allowed per window
    std::uint32_t window_ms = 0;
    std::uint32_t burst = 0;      // extra requests tolerated above the steady rate
    std::string_view key{};       // "ip", "user" or "header:<Name>"
};

struct idempotency_policy {
    bool enabled = false;
    std::string_view header{};    // request header carrying the key, e.g. "Idempotency-Key"
    std::uint32_t ttl_ms = 0;     // how long a stored answer is replayed
    bool required = false;        // a request without the header is refused
};

struct alloc_policy {
    alloc_mode mode = alloc_mode::arena;
    std::size_t size_hint = 0;    // bytes reserved up front for this route's DTOs (0: none)
};

struct route_policy {
    cache_policy cache{};
    rate_limit_policy rate_limit{};
    idempotency_policy idempotency{};
    alloc_policy alloc{};
    serializer_kind serializer = serializer_kind::zero_copy;
};

} // namespace katana::api
