#pragma once
// The hand-written router: a segment trie over path templates, dispatching on method.
//
// Templates
//   "/users/{id:int}/posts/{slug}" -- literal segments and one parameter per segment:
//     {name}        any non-empty segment
//     {name:int}    optional '-' and decimal digits, fitting int64
//     {name:uint}   decimal digits, fitting uint64
//     {name:uuid}   8-4-4-4-12 hex digits (either case)
//     {name:*}      catch-all, last segment only: the non-empty rest of the path, '/' included
//   A segment is either entirely literal or entirely one parameter ("{a}.json" is rejected).
//   "/" is the root; a trailing slash is significant: "/a/" and "/a" are different resources,
//   and neither matches the other (no implicit redirect). Empty segments ("//") are rejected in
//   templates and therefore never match.
//
// Matching
//   Paths are matched on raw, still percent-encoded segments: "%2F" never splits a segment and a
//   literal must be registered exactly as clients send it. Parameter values are raw views into
//   the request; decode them with katana::percent_decode. The query string is not matched.
//   At each segment the candidates are tried in a fixed order -- literal, int, uint, uuid,
//   plain {name}, catch-all -- and a candidate that fails deeper (or has no handler for the
//   method) falls back to the next one. The first complete match whose route accepts the method
//   wins. HEAD uses the GET handler when no HEAD handler exists (the response suppresses the
//   body). If the path matches but no route accepts the method: OPTIONS gets 204 with `Allow`,
//   anything else 405 problem+json with `Allow` (the union of the methods of every route the
//   path matches, plus HEAD when GET exists, plus OPTIONS). No match at all: 404 problem+json
//   ("no route for <path>", the path cut to ~100 bytes, bytes outside printable ASCII as %XX).
//   "OPTIONS *" answers 204 with every method any route has. Dispatch itself neither allocates
//   from the heap nor throws (its own answers allocate headers from request memory through the
//   response); handlers and coroutine frames are their own business.
//
// Lifetimes: parameter names handed to request_context point into the router and live as long
// as it does; parameter values point into the request (see request_context).
//
// Registration happens at start-up: it allocates and reports a malformed template, an
// unsupported method or a conflicting duplicate (same method, same template shape regardless of
// parameter names) by throwing std::invalid_argument from route()/get()/..., or by returning the
// message from try_route() as katana::expected<void, std::string>. A router must not be
// modified while any reactor dispatches through it; dispatch itself only reads, so one router
// may serve every reactor thread at once.
//
// Handlers are callables invocable as `const H&` with `request_context&`, returning void
// (answer through ctx.response before returning) or katana::task<void> (answer before the task
// completes). They run concurrently on every reactor, hence the const call: shared mutable state
// in a handler needs its own synchronisation. The router owns each handler object for its whole
// lifetime, so a coroutine lambda's captures (which the coroutine reaches through the stored
// closure) stay valid while its task runs, provided the router outlives the server. Exceptions
// thrown by a handler propagate out of dispatch() (or the task) to the connection, which
// answers 500. A moved-from router is empty: it answers 404 and accepts new routes.
#include <katana/coro/task.hpp>
#include <katana/http/method.hpp>
#include <katana/http/url.hpp>
#include <katana/server/handler.hpp>
#include <katana/util/expected.hpp>

#include <array>
#include <charconv>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace katana {

// The priority order of parameter candidates at one segment (lower value is tried first).
enum class param_kind : std::uint8_t { integer, unsigned_integer, uuid, any, catch_all };

class router final : public dispatcher {
public:
    router();
    ~router() override;
    router(const router&) = delete;
    router& operator=(const router&) = delete;
    router(router&&) noexcept;
    router& operator=(router&&) noexcept;

    // Registers `h` for `m` on `path_template`. Throws std::invalid_argument (message names the
    // template and the column) on a syntax error, on method::other, or on a conflict.
    template <class Handler>
    router& route(http::method m, std::string_view path_template, Handler&& h) {
        auto added = try_route(m, path_template, std::forward<Handler>(h));
        if (!added) throw std::invalid_argument(std::move(added).error());
        return *this;
    }
    // As route(), but returns the error message instead of throwing it.
    template <class Handler>
    [[nodiscard]] expected<void, std::string> try_route(http::method m, std::string_view path_template, Handler&& h) {
        using stored = std::decay_t<Handler>;
        static_assert(std::is_invocable_v<const stored&, request_context&>,
                      "a route handler must be callable as `const H&` with `request_context&`");
        using result = std::invoke_result_t<const stored&, request_context&>;
        static_assert(std::is_void_v<result> || std::is_same_v<result, task<void>>,
                      "a route handler must return void or katana::task<void>");
        erased_handler erased;
        erased.object = new stored(std::forward<Handler>(h));
        erased.destroy = [](void* object) noexcept { delete static_cast<stored*>(object); };
        erased.invoke = [](const void* object, request_context& ctx) -> task<void> {
            const stored& fn = *static_cast<const stored*>(object);
            if constexpr (std::is_void_v<result>) {
                std::invoke(fn, ctx);
                return task<void>{};
            } else {
                return std::invoke(fn, ctx);
            }
        };
        return add(m, path_template, erased); // takes ownership of erased.object in every case
    }

    template <class Handler>
    router& get(std::string_view path_template, Handler&& h) {
        return route(http::method::get, path_template, std::forward<Handler>(h));
    }
    template <class Handler>
    router& post(std::string_view path_template, Handler&& h) {
        return route(http::method::post, path_template, std::forward<Handler>(h));
    }
    template <class Handler>
    router& put(std::string_view path_template, Handler&& h) {
        return route(http::method::put, path_template, std::forward<Handler>(h));
    }
    template <class Handler>
    router& patch(std::string_view path_template, Handler&& h) {
        return route(http::method::patch, path_template, std::forward<Handler>(h));
    }
    template <class Handler>
    router& del(std::string_view path_template, Handler&& h) {
        return route(http::method::delete_, path_template, std::forward<Handler>(h));
    }
    template <class Handler>
    router& head(std::string_view path_template, Handler&& h) {
        return route(http::method::head, path_template, std::forward<Handler>(h));
    }
    template <class Handler>
    router& options(std::string_view path_template, Handler&& h) {
        return route(http::method::options, path_template, std::forward<Handler>(h));
    }

    // Matches ctx.request and runs the handler, or answers 404/405/OPTIONS itself (returning an
    // empty task). Path parameters are appended to ctx's table after any already there.
    task<void> dispatch(request_context& ctx) override;

    // Where a request would go, without running anything (tests, tooling, diagnostics).
    struct match_result {
        enum class outcome : std::uint8_t { found, method_not_allowed, not_found };
        outcome result = outcome::not_found;
        std::string_view path_template; // of the selected route when found; router storage
        std::uint16_t allowed = 0;      // bit (1 << method) per method of the matched routes
    };
    // Params of the selected route are appended to `ctx`; HEAD falls back to GET as in dispatch.
    [[nodiscard]] match_result match(http::method m, std::string_view path, request_context& ctx) const noexcept;

    [[nodiscard]] std::size_t route_count() const noexcept;

private:
    struct erased_handler {
        void* object = nullptr;
        task<void> (*invoke)(const void*, request_context&) = nullptr;
        void (*destroy)(void*) noexcept = nullptr;
    };
    struct route_entry; // one registered (method, template, handler)
    struct node;        // one trie node
    struct search;      // the state of one match

    expected<void, std::string> add(http::method m, std::string_view path_template, erased_handler h);
    bool descend(search& s, std::uint32_t node_index, std::string_view rest) const noexcept;
    bool accept_terminal(search& s, const node& n) const noexcept;
    bool find(search& s, std::string_view path) const noexcept;

    std::vector<node> nodes_;          // nodes_[0] is the root
    std::vector<route_entry> routes_;  // indexed by node::route_of[...] - 1
    std::uint16_t all_methods_ = 0;    // union over every route, for "OPTIONS *"
};

// The value of path parameter `name` converted to T: any integer type (std::from_chars on the
// whole value, range-checked: "300" is nullopt for uint8_t) or std::string_view (the raw view).
// nullopt when the parameter is absent or does not convert.
template <class T>
[[nodiscard]] std::optional<T> path_param_as(const request_context& ctx, std::string_view name) noexcept {
    static_assert(std::is_same_v<T, std::string_view> || (std::is_integral_v<T> && !std::is_same_v<T, bool>),
                  "path_param_as supports integer types and std::string_view");
    for (const path_param& p : ctx.params()) {
        if (p.name != name) continue;
        if constexpr (std::is_same_v<T, std::string_view>) {
            return p.value;
        } else {
            T value{};
            const char* const first = p.value.data();
            const char* const last = first + p.value.size();
            const auto [end, ec] = std::from_chars(first, last, value);
            if (ec != std::errc{} || end != last || p.value.empty()) return std::nullopt;
            return value;
        }
    }
    return std::nullopt;
}

// ---- implementation details (declared here so the trie can be walked inline) ----

struct router::route_entry {
    route_entry(http::method m, std::unique_ptr<char[]> text, std::size_t size, erased_handler h) noexcept;
    ~route_entry();
    route_entry(route_entry&& other) noexcept;
    route_entry& operator=(route_entry&&) = delete;
    route_entry(const route_entry&) = delete;

    // The template text lives in its own block so the views below survive vector growth.
    std::unique_ptr<char[]> text;
    std::string_view path_template;
    std::array<std::string_view, request_context::max_path_params> names{}; // into `text`
    std::uint8_t param_count = 0;
    http::method method = http::method::get;
    erased_handler handler;
};

struct router::node {
    struct literal_edge {
        std::string segment;
        std::uint32_t child;
    };
    struct param_edge {
        param_kind kind;
        std::uint32_t child;
    };
    // Sorted by (length, bytes): a lookup rejects most candidates on the length alone.
    std::vector<literal_edge> literals;
    // Sorted by kind, at most one per kind; the catch-all kind is stored here too, last.
    std::vector<param_edge> params;
    // route_of[method] = index into routes_ plus one; 0 = no route for that method here.
    std::array<std::uint32_t, http::method_count> route_of{};
    std::uint16_t methods = 0;
};

inline std::size_t router::route_count() const noexcept { return routes_.size(); }

} // namespace katana
