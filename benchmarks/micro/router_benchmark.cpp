// Route dispatch cost: katana::router (segment trie) against a naive linear scan over the same
// 50 REST-like templates. Both sides do the same per-request work around the match (push the
// parameters, call a handler that does not write, or write the same 404 problem response), and
// the "setup" benchmark measures the per-iteration harness alone so it can be subtracted.
#include <katana/http/output_buffer.hpp>
#include <katana/http/request.hpp>
#include <katana/http/response.hpp>
#include <katana/router/router.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory_resource>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace http = katana::http;
using katana::request_context;

struct route_def {
    http::method method;
    std::string_view path_template;
};

// Registration order is also the linear scan's order (specific before general, as one would
// hand-order such a table).
constexpr std::array<route_def, 50> table{{
    {http::method::get, "/"},
    {http::method::get, "/health"},
    {http::method::get, "/metrics"},
    {http::method::get, "/users"},
    {http::method::post, "/users"},
    {http::method::get, "/users/me"},
    {http::method::get, "/users/{id:int}"},
    {http::method::put, "/users/{id:int}"},
    {http::method::patch, "/users/{id:int}"},
    {http::method::delete_, "/users/{id:int}"},
    {http::method::get, "/users/{id:int}/posts"},
    {http::method::post, "/users/{id:int}/posts"},
    {http::method::get, "/users/{id:int}/posts/{post_id:int}"},
    {http::method::put, "/users/{id:int}/posts/{post_id:int}"},
    {http::method::delete_, "/users/{id:int}/posts/{post_id:int}"},
    {http::method::get, "/users/{id:int}/posts/{post_id:int}/comments"},
    {http::method::post, "/users/{id:int}/posts/{post_id:int}/comments"},
    {http::method::get, "/users/{id:int}/followers"},
    {http::method::get, "/users/{id:int}/following"},
    {http::method::get, "/orgs"},
    {http::method::post, "/orgs"},
    {http::method::get, "/orgs/{org}"},
    {http::method::patch, "/orgs/{org}"},
    {http::method::get, "/orgs/{org}/members"},
    {http::method::get, "/orgs/{org}/members/{username}"},
    {http::method::delete_, "/orgs/{org}/members/{username}"},
    {http::method::get, "/orgs/{org}/repos"},
    {http::method::post, "/orgs/{org}/repos"},
    {http::method::get, "/orgs/{org}/repos/{repo}"},
    {http::method::patch, "/orgs/{org}/repos/{repo}"},
    {http::method::delete_, "/orgs/{org}/repos/{repo}"},
    {http::method::get, "/orgs/{org}/repos/{repo}/issues"},
    {http::method::post, "/orgs/{org}/repos/{repo}/issues"},
    {http::method::get, "/orgs/{org}/repos/{repo}/issues/{number:uint}"},
    {http::method::patch, "/orgs/{org}/repos/{repo}/issues/{number:uint}"},
    {http::method::get, "/orgs/{org}/repos/{repo}/issues/{number:uint}/comments"},
    {http::method::post, "/orgs/{org}/repos/{repo}/issues/{number:uint}/comments"},
    {http::method::get, "/orgs/{org}/repos/{repo}/pulls"},
    {http::method::post, "/orgs/{org}/repos/{repo}/pulls"},
    {http::method::get, "/orgs/{org}/repos/{repo}/pulls/{number:uint}"},
    {http::method::put, "/orgs/{org}/repos/{repo}/pulls/{number:uint}/merge"},
    {http::method::get, "/orgs/{org}/repos/{repo}/commits/{sha}"},
    {http::method::get, "/orgs/{org}/repos/{repo}/contents/{path:*}"},
    {http::method::get, "/search/users"},
    {http::method::get, "/search/repos"},
    {http::method::post, "/sessions"},
    {http::method::get, "/sessions/{session:uuid}"},
    {http::method::delete_, "/sessions/{session:uuid}"},
    {http::method::get, "/static/{path:*}"},
    {http::method::get, "/admin/stats"},
}};

// The handler every route shares: touches the parameters, writes nothing, so the measurement
// is the routing itself.
void touch(request_context& ctx) { benchmark::DoNotOptimize(ctx.params().data()); }

// ---- the reference: what a straightforward router does ----

class linear_router {
public:
    enum class kind : std::uint8_t { literal, any, integer, unsigned_integer, uuid, catch_all };
    struct segment {
        kind k;
        std::string text; // literal bytes or parameter name
    };
    struct entry {
        http::method method;
        std::vector<segment> segments;
        void (*handler)(request_context&);
    };

    void add(http::method m, std::string_view t, void (*h)(request_context&)) {
        entry e{m, {}, h};
        if (t != "/") {
            std::size_t pos = 1;
            while (true) {
                const std::size_t slash = t.find('/', pos);
                const std::string_view seg = t.substr(pos, slash == std::string_view::npos ? t.npos : slash - pos);
                if (!seg.empty() && seg.front() == '{') {
                    const std::string_view inner = seg.substr(1, seg.size() - 2);
                    const std::size_t colon = inner.find(':');
                    const std::string_view type = colon == inner.npos ? std::string_view{} : inner.substr(colon + 1);
                    kind k = kind::any;
                    if (type == "int") k = kind::integer;
                    if (type == "uint") k = kind::unsigned_integer;
                    if (type == "uuid") k = kind::uuid;
                    if (type == "*") k = kind::catch_all;
                    e.segments.push_back({k, std::string(inner.substr(0, colon))});
                } else {
                    e.segments.push_back({kind::literal, std::string(seg)});
                }
                if (slash == std::string_view::npos) break;
                pos = slash + 1;
            }
        }
        entries_.push_back(std::move(e));
    }

    void dispatch(request_context& ctx) const {
        const std::string_view path = ctx.request.path;
        bool path_matched = false;
        for (const entry& e : entries_) {
            if (!matches(e, path, ctx)) continue;
            if (e.method == ctx.request.method) {
                e.handler(ctx);
                return;
            }
            ctx.clear_params();
            path_matched = true;
        }
        if (path_matched) {
            ctx.response.problem(405);
            return;
        }
        constexpr std::string_view prefix = "no route for ";
        char detail[prefix.size() + 100];
        std::memcpy(detail, prefix.data(), prefix.size());
        const std::size_t n = std::min<std::size_t>(path.size(), 100);
        std::memcpy(detail + prefix.size(), path.data(), n);
        ctx.response.problem(404, std::string_view(detail, prefix.size() + n));
    }

private:
    static bool accepts(kind k, std::string_view seg) {
        if (seg.empty()) return false;
        const char* const last = seg.data() + seg.size();
        switch (k) {
        case kind::integer: {
            std::int64_t v;
            const auto r = std::from_chars(seg.data(), last, v);
            return r.ec == std::errc{} && r.ptr == last;
        }
        case kind::unsigned_integer: {
            std::uint64_t v;
            const auto r = std::from_chars(seg.data(), last, v);
            return r.ec == std::errc{} && r.ptr == last;
        }
        case kind::uuid: {
            if (seg.size() != 36) return false;
            for (std::size_t i = 0; i < 36; ++i) {
                const char c = seg[i];
                const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
                const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
                if (dash ? c != '-' : !hex) return false;
            }
            return true;
        }
        default: return true;
        }
    }

    static bool matches(const entry& e, std::string_view path, request_context& ctx) {
        ctx.clear_params();
        if (path.empty() || path.front() != '/') return false;
        std::string_view rest = path == "/" ? std::string_view{} : path;
        for (const segment& s : e.segments) {
            if (rest.empty()) return false;
            const std::string_view after = rest.substr(1);
            if (s.k == kind::catch_all) {
                if (after.empty()) return false;
                ctx.push_param(s.text, after);
                return true;
            }
            const std::size_t slash = after.find('/');
            const std::string_view seg = after.substr(0, slash);
            rest = slash == std::string_view::npos ? std::string_view{} : after.substr(slash);
            if (s.k == kind::literal) {
                if (seg != s.text) return false;
                continue;
            }
            if (!accepts(s.k, seg)) return false;
            ctx.push_param(s.text, seg);
        }
        return rest.empty();
    }

    std::vector<entry> entries_;
};

// ---- harness ----

struct request_case {
    http::method method;
    std::string_view path;
};
constexpr request_case static_hit{http::method::get, "/search/repos"};                                  // static, late
constexpr request_case early_hit{http::method::get, "/users/42"};                                     // param, early
constexpr request_case deep_hit{http::method::get, "/orgs/acme/repos/katana/issues/1234/comments"};   // 5 params deep
constexpr request_case uuid_hit{http::method::delete_, "/sessions/123e4567-e89b-12d3-a456-426614174000"};
constexpr request_case catch_all_hit{http::method::get, "/static/css/site/main.css"};
constexpr request_case miss{http::method::get, "/orgs/acme/repos/katana/wiki"};                      // 404

// Per-iteration state shared by every benchmark: a request, a reused output buffer and a
// stack arena reset each time -- what a connection does between pipelined requests.
template <class Body>
void run(benchmark::State& state, const request_case& rc, Body&& body) {
    http::request req;
    req.method = rc.method;
    req.method_token = http::to_string(rc.method);
    req.path = rc.path;
    req.target = rc.path;
    http::output_buffer out;
    alignas(std::max_align_t) std::array<std::byte, 4096> bytes{};
    std::pmr::monotonic_buffer_resource arena(bytes.data(), bytes.size(), std::pmr::null_memory_resource());
    for (auto _ : state) {
        out.clear();
        arena.release();
        http::response res(out, &arena, http::response_options{});
        request_context ctx(req, res, &arena, nullptr);
        body(ctx);
        benchmark::DoNotOptimize(out.total_bytes());
    }
}

const katana::router& trie() {
    static const katana::router r = [] {
        katana::router built;
        for (const route_def& d : table) built.route(d.method, d.path_template, &touch);
        return built;
    }();
    return r;
}
const linear_router& linear() {
    static const linear_router r = [] {
        linear_router built;
        for (const route_def& d : table) built.add(d.method, d.path_template, &touch);
        return built;
    }();
    return r;
}

void trie_case(benchmark::State& state, const request_case& rc) {
    // dispatch() is not const (it is the dispatcher interface), but it only reads.
    auto& r = const_cast<katana::router&>(trie());
    run(state, rc, [&r](request_context& ctx) { (void)r.dispatch(ctx); });
}
void linear_case(benchmark::State& state, const request_case& rc) {
    const linear_router& r = linear();
    run(state, rc, [&r](request_context& ctx) { r.dispatch(ctx); });
}

void BM_setup_only(benchmark::State& state) {
    run(state, static_hit, [](request_context& ctx) { benchmark::DoNotOptimize(&ctx); });
}
BENCHMARK(BM_setup_only);

void BM_trie_static_hit(benchmark::State& s) { trie_case(s, static_hit); }
void BM_linear_static_hit(benchmark::State& s) { linear_case(s, static_hit); }
void BM_trie_early_hit(benchmark::State& s) { trie_case(s, early_hit); }
void BM_linear_early_hit(benchmark::State& s) { linear_case(s, early_hit); }
void BM_trie_deep_hit(benchmark::State& s) { trie_case(s, deep_hit); }
void BM_linear_deep_hit(benchmark::State& s) { linear_case(s, deep_hit); }
void BM_trie_uuid_hit(benchmark::State& s) { trie_case(s, uuid_hit); }
void BM_linear_uuid_hit(benchmark::State& s) { linear_case(s, uuid_hit); }
void BM_trie_catch_all_hit(benchmark::State& s) { trie_case(s, catch_all_hit); }
void BM_linear_catch_all_hit(benchmark::State& s) { linear_case(s, catch_all_hit); }
void BM_trie_404(benchmark::State& s) { trie_case(s, miss); }
void BM_linear_404(benchmark::State& s) { linear_case(s, miss); }
BENCHMARK(BM_trie_static_hit);
BENCHMARK(BM_linear_static_hit);
BENCHMARK(BM_trie_early_hit);
BENCHMARK(BM_linear_early_hit);
BENCHMARK(BM_trie_deep_hit);
BENCHMARK(BM_linear_deep_hit);
BENCHMARK(BM_trie_uuid_hit);
BENCHMARK(BM_linear_uuid_hit);
BENCHMARK(BM_trie_catch_all_hit);
BENCHMARK(BM_linear_catch_all_hit);
BENCHMARK(BM_trie_404);
BENCHMARK(BM_linear_404);

// Both routers must pick the same route for every case, or the comparison is meaningless:
// checked once before any timing.
std::string outcome(const request_case& rc, bool use_trie) {
    http::request req;
    req.method = rc.method;
    req.method_token = http::to_string(rc.method);
    req.path = rc.path;
    req.target = rc.path;
    http::output_buffer out;
    std::pmr::monotonic_buffer_resource arena;
    http::response res(out, &arena, http::response_options{});
    request_context ctx(req, res, &arena, nullptr);
    if (use_trie) {
        (void)const_cast<katana::router&>(trie()).dispatch(ctx);
    } else {
        linear().dispatch(ctx);
    }
    std::string text;
    for (const auto& p : ctx.params()) {
        text.append(p.name).append("=").append(p.value).append(";");
    }
    out.copy_to(text);
    return text;
}

} // namespace

int main(int argc, char** argv) {
    for (const request_case& rc : {static_hit, early_hit, deep_hit, uuid_hit, catch_all_hit, miss}) {
        const std::string a = outcome(rc, true);
        const std::string b = outcome(rc, false);
        if (a != b) {
            std::fprintf(stderr, "trie and linear router disagree on %.*s:\n  trie:   %s\n  linear: %s\n",
                         static_cast<int>(rc.path.size()), rc.path.data(), a.c_str(), b.c_str());
            return 1;
        }
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
