// katana::router: matching, priorities, backtracking, automatic 404/405/OPTIONS/HEAD answers,
// coroutine handlers, parameter access and registration errors. Every test dispatches a
// hand-made request and inspects the bytes the response wrote into the output buffer.
#include <katana/coro/task.hpp>
#include <katana/http/output_buffer.hpp>
#include <katana/http/request.hpp>
#include <katana/http/response.hpp>
#include <katana/http/url.hpp>
#include <katana/router/router.hpp>

#include "support/alloc_counter.hpp"

#include <gtest/gtest.h>

#include <array>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <memory_resource>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using katana::request_context;
using katana::router;
using katana::task;
namespace http = katana::http;

// One request/response pair, wired the way a connection wires it (owner = nullptr).
struct exchange {
    exchange(http::method m, std::string_view path, std::string_view query = {})
        : request(make_request(m, path, query)),
          response(out, &arena, options_for(m)),
          ctx(request, response, &arena, nullptr) {}

    static http::response_options options_for(http::method m) {
        http::response_options o;
        o.head_request = m == http::method::head;
        return o;
    }
    static http::request make_request(http::method m, std::string_view path, std::string_view query) {
        http::request r;
        r.method = m;
        r.method_token = http::to_string(m);
        r.path = path;
        r.target = path;
        r.query = query;
        return r;
    }

    [[nodiscard]] std::string bytes() const {
        std::string s;
        out.copy_to(s);
        return s;
    }

    http::request request;
    http::output_buffer out;
    alignas(std::max_align_t) std::array<std::byte, 4096> arena_bytes{};
    std::pmr::monotonic_buffer_resource arena{arena_bytes.data(), arena_bytes.size()};
    http::response response;
    request_context ctx;
};

struct parsed_response {
    int status = 0;
    std::string head; // status line and headers
    std::string body;
    [[nodiscard]] std::string header(std::string_view name) const {
        const std::string needle = "\r\n" + std::string(name) + ": ";
        const auto at = head.find(needle);
        if (at == std::string::npos) return "<absent>";
        const auto from = at + needle.size();
        return head.substr(from, head.find("\r\n", from) - from);
    }
};

parsed_response parse(const std::string& bytes) {
    parsed_response r;
    const auto end = bytes.find("\r\n\r\n");
    if (bytes.rfind("HTTP/1.1 ", 0) != 0 || end == std::string::npos) return r;
    r.status = std::stoi(bytes.substr(9, 3));
    r.head = bytes.substr(0, end + 2);
    r.body = bytes.substr(end + 4);
    return r;
}

// Dispatches synchronously; a coroutine handler's task must be empty here.
parsed_response call(router& rt, http::method m, std::string_view path) {
    exchange ex(m, path);
    task<void> t = rt.dispatch(ex.ctx);
    EXPECT_FALSE(static_cast<bool>(t)) << "unexpected coroutine for " << path;
    return parse(ex.bytes());
}
parsed_response get(router& rt, std::string_view path) { return call(rt, http::method::get, path); }

// A handler that answers with a fixed label and every parameter as name=value.
auto labelled(std::string label) {
    return [label = std::move(label)](request_context& ctx) {
        std::string text = label;
        for (const auto& p : ctx.params()) {
            text += ' ';
            text += p.name;
            text += '=';
            text += p.value;
        }
        ctx.response.body(text);
    };
}

TEST(Router, StaticRoutesAndRoot) {
    router rt;
    rt.get("/", labelled("root")).get("/health", labelled("health")).get("/users", labelled("users"))
        .get("/users/me", labelled("me"));
    EXPECT_EQ(get(rt, "/").body, "root");
    EXPECT_EQ(get(rt, "/health").body, "health");
    EXPECT_EQ(get(rt, "/users").body, "users");
    EXPECT_EQ(get(rt, "/users/me").body, "me");
    EXPECT_EQ(get(rt, "/users/me").status, 200);
    EXPECT_EQ(get(rt, "/Users").status, 404); // literals are case-sensitive
    EXPECT_EQ(get(rt, "/users/m").status, 404);
    EXPECT_EQ(get(rt, "/users/mee").status, 404);
    EXPECT_EQ(rt.route_count(), 4u);
}

TEST(Router, TrailingSlashIsSignificant) {
    router rt;
    rt.get("/a", labelled("a")).get("/b/", labelled("b-slash"));
    EXPECT_EQ(get(rt, "/a").body, "a");
    EXPECT_EQ(get(rt, "/a/").status, 404);
    EXPECT_EQ(get(rt, "/b/").body, "b-slash");
    EXPECT_EQ(get(rt, "/b").status, 404);
    EXPECT_EQ(get(rt, "//a").status, 404);
    EXPECT_EQ(get(rt, "").status, 404);
    EXPECT_EQ(get(rt, "a").status, 404);
}

TEST(Router, QueryStringIsNotMatched) {
    router rt;
    rt.get("/search", [](request_context& ctx) { ctx.response.body(ctx.request.query); });
    exchange ex(http::method::get, "/search", "q=1&page=2");
    EXPECT_FALSE(static_cast<bool>(rt.dispatch(ex.ctx)));
    EXPECT_EQ(parse(ex.bytes()).body, "q=1&page=2");
}

TEST(Router, PlainParametersAreExtracted) {
    router rt;
    rt.get("/orgs/{org}/repos/{repo}/issues", labelled("issues"));
    EXPECT_EQ(get(rt, "/orgs/acme/repos/katana/issues").body, "issues org=acme repo=katana");
    EXPECT_EQ(get(rt, "/orgs/acme/repos//issues").status, 404); // a parameter is never empty
    EXPECT_EQ(get(rt, "/orgs/acme/repos/katana").status, 404);
    EXPECT_EQ(get(rt, "/orgs/acme/repos/katana/issues/1").status, 404);
}

TEST(Router, TypedParameters) {
    router rt;
    rt.get("/i/{v:int}", labelled("int")).get("/u/{v:uint}", labelled("uint")).get("/g/{v:uuid}", labelled("uuid"));
    EXPECT_EQ(get(rt, "/i/42").body, "int v=42");
    EXPECT_EQ(get(rt, "/i/-42").body, "int v=-42");
    EXPECT_EQ(get(rt, "/i/9223372036854775807").body, "int v=9223372036854775807");
    EXPECT_EQ(get(rt, "/i/-9223372036854775808").body, "int v=-9223372036854775808");
    EXPECT_EQ(get(rt, "/i/9223372036854775808").status, 404); // does not fit int64
    EXPECT_EQ(get(rt, "/i/-").status, 404);
    EXPECT_EQ(get(rt, "/i/+1").status, 404);
    EXPECT_EQ(get(rt, "/i/4x").status, 404);
    EXPECT_EQ(get(rt, "/i/x4").status, 404);
    EXPECT_EQ(get(rt, "/u/18446744073709551615").body, "uint v=18446744073709551615");
    EXPECT_EQ(get(rt, "/u/18446744073709551616").status, 404);
    EXPECT_EQ(get(rt, "/u/-1").status, 404);
    EXPECT_EQ(get(rt, "/g/123e4567-e89b-12d3-a456-426614174000").body, "uuid v=123e4567-e89b-12d3-a456-426614174000");
    EXPECT_EQ(get(rt, "/g/123E4567-E89B-12D3-A456-426614174000").status, 200);
    EXPECT_EQ(get(rt, "/g/123e4567-e89b-12d3-a456-42661417400").status, 404);  // short
    EXPECT_EQ(get(rt, "/g/123e4567e-89b-12d3-a456-426614174000").status, 404); // dash misplaced
    EXPECT_EQ(get(rt, "/g/123e4567-e89b-12d3-a456-42661417400g").status, 404); // not hex
}

TEST(Router, CandidatePriorityAtOneSegment) {
    router rt;
    rt.get("/p/{v:*}", labelled("catch-all"))
        .get("/p/{v}", labelled("plain"))
        .get("/p/{v:uuid}", labelled("uuid"))
        .get("/p/{v:uint}", labelled("uint"))
        .get("/p/{v:int}", labelled("int"))
        .get("/p/7", labelled("static"));
    EXPECT_EQ(get(rt, "/p/7").body, "static");
    EXPECT_EQ(get(rt, "/p/8").body, "int v=8");
    EXPECT_EQ(get(rt, "/p/-8").body, "int v=-8");
    EXPECT_EQ(get(rt, "/p/9223372036854775808").body, "uint v=9223372036854775808"); // too big for int
    EXPECT_EQ(get(rt, "/p/123e4567-e89b-12d3-a456-426614174000").body, "uuid v=123e4567-e89b-12d3-a456-426614174000");
    EXPECT_EQ(get(rt, "/p/word").body, "plain v=word");
    EXPECT_EQ(get(rt, "/p/two/segments").body, "catch-all v=two/segments");
}

TEST(Router, BacktracksWhenADeeperLiteralFails) {
    router rt;
    rt.get("/a/b/c", labelled("static"))
        .get("/a/{x}/d", labelled("param"))
        .get("/a/{x:int}/e", labelled("int"))
        .get("/a/{rest:*}", labelled("rest"));
    EXPECT_EQ(get(rt, "/a/b/c").body, "static");
    EXPECT_EQ(get(rt, "/a/b/d").body, "param x=b");
    EXPECT_EQ(get(rt, "/a/5/d").body, "param x=5"); // int branch fails at "d", plain succeeds
    EXPECT_EQ(get(rt, "/a/5/e").body, "int x=5");
    EXPECT_EQ(get(rt, "/a/b/e").body, "rest rest=b/e"); // everything else fell through
    EXPECT_EQ(get(rt, "/a/b").body, "rest rest=b");
    // A failed branch leaves no parameter behind.
    EXPECT_EQ(get(rt, "/a/5/x/y").body, "rest rest=5/x/y");
}

TEST(Router, BacktracksWhenABranchLacksTheMethod) {
    router rt;
    rt.del("/users/{id:int}", labelled("delete-by-id")).get("/users/{name}", labelled("get-by-name"));
    EXPECT_EQ(call(rt, http::method::delete_, "/users/5").body, "delete-by-id id=5");
    EXPECT_EQ(get(rt, "/users/5").body, "get-by-name name=5");
    const auto r = call(rt, http::method::post, "/users/5");
    EXPECT_EQ(r.status, 405);
    EXPECT_EQ(r.header("Allow"), "GET, HEAD, DELETE, OPTIONS"); // union of both matching routes
}

TEST(Router, CatchAll) {
    router rt;
    rt.get("/files/{path:*}", labelled("file")).get("/files/special/x", labelled("special"));
    EXPECT_EQ(get(rt, "/files/a").body, "file path=a");
    EXPECT_EQ(get(rt, "/files/a/b/c.txt").body, "file path=a/b/c.txt");
    EXPECT_EQ(get(rt, "/files/a//b/").body, "file path=a//b/");
    EXPECT_EQ(get(rt, "/files/special/x").body, "special");
    EXPECT_EQ(get(rt, "/files/special/y").body, "file path=special/y");
    EXPECT_EQ(get(rt, "/files/").status, 404); // the rest must be non-empty
    EXPECT_EQ(get(rt, "/files").status, 404);
}

TEST(Router, NotFoundIsProblemJson) {
    router rt;
    rt.get("/users", labelled("users"));
    const auto r = get(rt, "/nope/x");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.header("Content-Type"), "application/problem+json");
    EXPECT_EQ(r.body, R"({"type":"about:blank","title":"Not Found","status":404,"detail":"no route for /nope/x"})");
    EXPECT_EQ(r.header("Content-Length"), std::to_string(r.body.size()));
}

TEST(Router, NotFoundDetailIsShortAndClean) {
    router rt;
    const std::string long_path = "/" + std::string(5000, 'x');
    const auto r = get(rt, long_path);
    EXPECT_EQ(r.status, 404);
    EXPECT_LT(r.body.size(), 250u);
    EXPECT_NE(r.body.find("no route for /xxxx"), std::string::npos);
    EXPECT_NE(r.body.find("...\"}"), std::string::npos);

    // Quotes, control bytes and non-ASCII bytes cannot break the JSON or its UTF-8.
    const auto odd = get(rt, std::string_view("/a\"b\x01\xff", 6));
    EXPECT_EQ(odd.body,
              R"({"type":"about:blank","title":"Not Found","status":404,"detail":"no route for /a\"b%01%FF"})");
}

TEST(Router, MethodNotAllowedListsAllow) {
    router rt;
    rt.get("/items", labelled("list")).post("/items", labelled("create")).del("/items/{id:int}", labelled("del"));
    const auto r = call(rt, http::method::put, "/items");
    EXPECT_EQ(r.status, 405);
    EXPECT_EQ(r.header("Allow"), "GET, HEAD, POST, OPTIONS");
    EXPECT_EQ(r.header("Content-Type"), "application/problem+json");
    EXPECT_NE(r.body.find(R"("status":405)"), std::string::npos);
    EXPECT_NE(r.body.find("GET, HEAD, POST, OPTIONS"), std::string::npos);

    const auto d = call(rt, http::method::get, "/items/3");
    EXPECT_EQ(d.status, 405);
    EXPECT_EQ(d.header("Allow"), "DELETE, OPTIONS"); // no GET, hence no HEAD

    // Extension methods arrive as method::other and can never be routed.
    const auto o = call(rt, http::method::other, "/items");
    EXPECT_EQ(o.status, 405);
}

TEST(Router, AutomaticOptions) {
    router rt;
    rt.get("/items", labelled("list")).patch("/items", labelled("patch")).get("/other", labelled("o"));
    const auto r = call(rt, http::method::options, "/items");
    EXPECT_EQ(r.status, 204);
    EXPECT_EQ(r.header("Allow"), "GET, HEAD, PATCH, OPTIONS");
    EXPECT_EQ(r.body, "");
    EXPECT_EQ(r.header("Content-Length"), "<absent>");
    EXPECT_EQ(call(rt, http::method::options, "/missing").status, 404);
}

TEST(Router, ExplicitOptionsHandlerWins) {
    router rt;
    rt.get("/items", labelled("list")).options("/items", labelled("custom-options"));
    const auto r = call(rt, http::method::options, "/items");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "custom-options");
}

TEST(Router, OptionsAsteriskDescribesTheServer) {
    router rt;
    rt.get("/a", labelled("a")).put("/b", labelled("b"));
    const auto r = call(rt, http::method::options, "*");
    EXPECT_EQ(r.status, 204);
    EXPECT_EQ(r.header("Allow"), "GET, HEAD, PUT, OPTIONS");
    EXPECT_EQ(get(rt, "*").status, 404);
}

TEST(Router, HeadFallsBackToGet) {
    router rt;
    rt.get("/doc", labelled("document body"));
    const auto r = call(rt, http::method::head, "/doc");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("Content-Length"), "13"); // as for GET
    EXPECT_EQ(r.body, "");                       // but no body bytes

    rt.head("/doc", [](request_context& ctx) { ctx.response.header("X-Head", "explicit").finish(); });
    const auto explicit_head = call(rt, http::method::head, "/doc");
    EXPECT_EQ(explicit_head.header("X-Head"), "explicit");
    EXPECT_EQ(get(rt, "/doc").body, "document body");
}

// An awaitable the test resumes by hand, standing in for I/O that completes later.
// The awaiter is a separate object pointing back at the event, so no compiler's treatment of an
// lvalue awaitable (g++ 12 may copy one) can hide the stored handle.
struct manual_event {
    std::coroutine_handle<> waiter;
    struct awaiter {
        manual_event* event;
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<> h) const noexcept { event->waiter = h; }
        void await_resume() const noexcept {}
    };
    awaiter operator co_await() noexcept { return awaiter{this}; }
};

struct completion {
    bool done = false;
    std::exception_ptr error;
    static void on_done(void* self, std::exception_ptr e) noexcept {
        auto* c = static_cast<completion*>(self);
        c->done = true;
        c->error = e;
    }
};

TEST(Router, CoroutineHandlerAnswersWhenTheTaskRuns) {
    manual_event event;
    router rt;
    rt.get("/slow/{id:int}", [&event](request_context& ctx) -> task<void> {
        co_await event;
        // The context and its parameter views survive the suspension.
        ctx.response.body("slow " + std::string(ctx.param("id")));
    });
    exchange ex(http::method::get, "/slow/77");
    task<void> t = rt.dispatch(ex.ctx);
    ASSERT_TRUE(static_cast<bool>(t));
    EXPECT_TRUE(ex.bytes().empty()); // lazy: nothing ran yet

    completion c;
    katana::start_detached(std::move(t), &completion::on_done, &c);
    EXPECT_FALSE(c.done);
    ASSERT_TRUE(static_cast<bool>(event.waiter));
    EXPECT_TRUE(ex.bytes().empty());
    event.waiter.resume();
    EXPECT_TRUE(c.done);
    EXPECT_FALSE(static_cast<bool>(c.error));
    EXPECT_EQ(parse(ex.bytes()).body, "slow 77");
}

TEST(Router, CoroutineHandlerCanBeAwaited) {
    router rt;
    rt.post("/echo/{word}", [](request_context& ctx) -> task<void> {
        ctx.response.status(201).body(ctx.param("word"));
        co_return;
    });
    exchange ex(http::method::post, "/echo/hi");
    auto outer = [](router& r, request_context& ctx) -> task<void> { co_await r.dispatch(ctx); };
    completion c;
    katana::start_detached(outer(rt, ex.ctx), &completion::on_done, &c);
    EXPECT_TRUE(c.done);
    const auto r = parse(ex.bytes());
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(r.body, "hi");
}

TEST(Router, CoroutineHandlerExceptionReachesTheAwaiter) {
    router rt;
    rt.get("/boom", [](request_context&) -> task<void> {
        throw std::runtime_error("boom");
        co_return;
    });
    exchange ex(http::method::get, "/boom");
    completion c;
    katana::start_detached(rt.dispatch(ex.ctx), &completion::on_done, &c);
    EXPECT_TRUE(c.done);
    ASSERT_TRUE(static_cast<bool>(c.error));
    EXPECT_THROW(std::rethrow_exception(c.error), std::runtime_error);
}

TEST(Router, SynchronousHandlerExceptionPropagates) {
    router rt;
    rt.get("/boom", [](request_context&) { throw std::runtime_error("boom"); });
    exchange ex(http::method::get, "/boom");
    EXPECT_THROW((void)rt.dispatch(ex.ctx), std::runtime_error);
}

TEST(Router, PathParamAs) {
    router rt;
    std::optional<std::int64_t> as_i64;
    std::optional<std::uint8_t> as_u8;
    std::optional<int> missing;
    std::optional<std::string_view> as_view;
    std::optional<int> from_word;
    rt.get("/t/{n:int}/{w}", [&](request_context& ctx) {
        as_i64 = katana::path_param_as<std::int64_t>(ctx, "n");
        as_u8 = katana::path_param_as<std::uint8_t>(ctx, "n");
        missing = katana::path_param_as<int>(ctx, "nope");
        as_view = katana::path_param_as<std::string_view>(ctx, "w");
        from_word = katana::path_param_as<int>(ctx, "w");
        ctx.response.finish();
    });
    (void)get(rt, "/t/200/abc");
    EXPECT_EQ(as_i64, 200);
    EXPECT_EQ(as_u8, 200);
    EXPECT_EQ(missing, std::nullopt);
    EXPECT_EQ(as_view, "abc");
    EXPECT_EQ(from_word, std::nullopt);

    (void)get(rt, "/t/300/12x");
    EXPECT_EQ(as_i64, 300);
    EXPECT_EQ(as_u8, std::nullopt); // out of range for uint8_t
    EXPECT_EQ(from_word, std::nullopt);

    (void)get(rt, "/t/-5/7");
    EXPECT_EQ(as_i64, -5);
    EXPECT_EQ(as_u8, std::nullopt);
    EXPECT_EQ(from_word, 7);
}

TEST(Router, ParamsAreAppendedAfterExistingOnes) {
    router rt;
    rt.get("/x/{a}", labelled("x"));
    exchange ex(http::method::get, "/x/1");
    ASSERT_TRUE(ex.ctx.push_param("tenant", "t1"));
    EXPECT_FALSE(static_cast<bool>(rt.dispatch(ex.ctx)));
    EXPECT_EQ(parse(ex.bytes()).body, "x tenant=t1 a=1");
}

TEST(Router, DifferentParameterNamesPerRoute) {
    router rt;
    rt.get("/users/{id}", labelled("get")).del("/users/{user_id}", labelled("del"))
        .get("/users/{uid}/posts", labelled("posts"));
    EXPECT_EQ(get(rt, "/users/9").body, "get id=9");
    EXPECT_EQ(call(rt, http::method::delete_, "/users/9").body, "del user_id=9");
    EXPECT_EQ(get(rt, "/users/9/posts").body, "posts uid=9");
}

TEST(Router, MatchesOnRawSegmentsAndDecodesOnDemand) {
    router rt;
    std::string decoded;
    rt.get("/names/{name}", [&decoded](request_context& ctx) {
        const auto value = katana::percent_decode(ctx.param("name"), *ctx.memory);
        decoded = value ? std::string(*value) : "<malformed>";
        ctx.response.body(ctx.param("name"));
    });
    rt.get("/caf%C3%A9", labelled("literal"));
    EXPECT_EQ(get(rt, "/names/caf%C3%A9").body, "caf%C3%A9");
    EXPECT_EQ(decoded, "caf\xC3\xA9");
    EXPECT_EQ(get(rt, "/names/a%2Fb").body, "a%2Fb"); // an encoded slash does not split a segment
    EXPECT_EQ(decoded, "a/b");
    EXPECT_EQ(get(rt, "/names/100%").status, 200);
    EXPECT_EQ(decoded, "<malformed>");
    EXPECT_EQ(get(rt, "/caf%C3%A9").body, "literal");
    EXPECT_EQ(get(rt, "/caf%c3%a9").status, 404); // raw bytes, so escapes' case matters
}

TEST(PercentDecode, Span) {
    std::array<char, 16> buf{};
    const auto n = katana::percent_decode("a%20b%7e%7E+", buf);
    ASSERT_TRUE(n.has_value());
    EXPECT_EQ(std::string_view(buf.data(), *n), "a b~~+"); // '+' stays: not form encoding
    EXPECT_EQ(katana::percent_decode("%", buf), std::nullopt);
    EXPECT_EQ(katana::percent_decode("%4", buf), std::nullopt);
    EXPECT_EQ(katana::percent_decode("%4g", buf), std::nullopt);
    EXPECT_EQ(katana::percent_decode("%g4", buf), std::nullopt);
    EXPECT_EQ(katana::percent_decode("%00", buf), std::optional<std::size_t>(1));
    EXPECT_EQ(buf[0], '\0');
    std::array<char, 3> small{};
    EXPECT_EQ(katana::percent_decode("abcd", small), std::nullopt);
    EXPECT_EQ(katana::percent_decode("%41%42%43", small), std::optional<std::size_t>(3));
    EXPECT_EQ(katana::percent_decode("", small), std::optional<std::size_t>(0));
    static_assert(katana::percent_decode("x", std::span<char>{}) == std::nullopt);
}

TEST(PercentDecode, MemoryResourceAvoidsCopiesWithoutEscapes) {
    std::array<std::byte, 256> bytes{};
    std::pmr::monotonic_buffer_resource arena(bytes.data(), bytes.size(), std::pmr::null_memory_resource());
    const std::string_view plain = "plain-text";
    const auto same = katana::percent_decode(plain, arena);
    ASSERT_TRUE(same.has_value());
    EXPECT_EQ(same->data(), plain.data());
    const auto decoded = katana::percent_decode("x%41y", arena);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, "xAy");
    const auto* base = reinterpret_cast<const char*>(bytes.data());
    EXPECT_TRUE(decoded->data() >= base && decoded->data() < base + bytes.size());
}

TEST(Router, MalformedTemplatesAreRejected) {
    const std::vector<std::pair<std::string_view, std::string_view>> bad = {
        {"", "must start with '/'"},
        {"users", "must start with '/'"},
        {"/a//b", "empty segment"},
        {"/a/{id", "unterminated '{'"},
        {"/a/{id}x", "whole segment"},
        {"/a/x{id}", "whole segment"},
        {"/a/id}", "whole segment"},
        {"/a/{}", "identifier"},
        {"/a/{1x}", "identifier"},
        {"/a/{a-b}", "identifier"},
        {"/a/{id:}", "unknown parameter type"},
        {"/a/{id:float}", "unknown parameter type"},
        {"/a/{{id}}", "brace"},
        {"/a/{rest:*}/b", "catch-all"},
        {"/a/{x}/{x}", "duplicate parameter name"},
        {"/a?b=1", "not allowed"},
        {"/a#frag", "not allowed"},
        {"/a b", "not allowed"},
        {"/caf\xC3\xA9", "not allowed"},
        {"/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}/{j}/{k}/{l}/{m}/{n}/{o}/{p}/{q}", "more than 16"},
    };
    for (const auto& [tmpl, why] : bad) {
        router rt;
        auto added = rt.try_route(http::method::get, tmpl, labelled("x"));
        ASSERT_FALSE(added.has_value()) << tmpl;
        EXPECT_NE(added.error().find(why), std::string::npos) << tmpl << " -> " << added.error();
        EXPECT_NE(added.error().find("column"), std::string::npos) << added.error();
        EXPECT_THROW(rt.get(tmpl, labelled("x")), std::invalid_argument) << tmpl;
        EXPECT_EQ(rt.route_count(), 0u);
    }
    router rt;
    const auto column = rt.try_route(http::method::get, "/ab/{id:float}", labelled("x"));
    ASSERT_FALSE(column.has_value());
    EXPECT_NE(column.error().find("column 9"), std::string::npos) << column.error(); // where "float" starts
    EXPECT_FALSE(rt.try_route(http::method::other, "/ok", labelled("x")).has_value());
    // 16 parameters is the limit, not an error.
    EXPECT_TRUE(rt.try_route(http::method::get, "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}/{j}/{k}/{l}/{m}/{n}/{o}/{p}",
                             labelled("x"))
                    .has_value());
}

TEST(Router, ConflictingDuplicatesAreRejected) {
    router rt;
    rt.get("/users/{id:int}", labelled("a"));
    EXPECT_THROW(rt.get("/users/{id:int}", labelled("b")), std::invalid_argument);
    const auto renamed = rt.try_route(http::method::get, "/users/{user:int}", labelled("c"));
    ASSERT_FALSE(renamed.has_value());
    EXPECT_NE(renamed.error().find("conflicts with the already registered \"/users/{id:int}\""), std::string::npos)
        << renamed.error();
    // Different method, or a different kind at the same position, is a different route.
    EXPECT_NO_THROW(rt.put("/users/{id:int}", labelled("put")));
    EXPECT_NO_THROW(rt.get("/users/{name}", labelled("name")));
    EXPECT_NO_THROW(rt.get("/users/{id:uint}", labelled("uint")));
    EXPECT_EQ(rt.route_count(), 4u);
    // The first registration still answers.
    EXPECT_EQ(get(rt, "/users/-1").body, "a id=-1");
}

TEST(Router, ManyRoutesEachReachTheirOwnHandler) {
    router rt;
    std::vector<std::pair<std::string, std::string>> cases; // request path, expected body
    for (int i = 0; i < 20; ++i) {
        const std::string n = std::to_string(i);
        rt.get("/r" + n, labelled("static" + n));
        rt.get("/r" + n + "/{id:int}", labelled("int" + n));
        rt.post("/r" + n + "/{id:int}/sub/{name}", labelled("sub" + n));
        cases.emplace_back("/r" + n, "static" + n);
        const std::string id = std::to_string(i * 1000 + 7);
        cases.emplace_back("/r" + n + "/" + id, "int" + n + " id=" + id);
    }
    rt.get("/r1/{slug}", labelled("slug1"));
    EXPECT_EQ(rt.route_count(), 61u);
    for (const auto& [path, body] : cases) EXPECT_EQ(get(rt, path).body, body) << path;
    for (int i = 0; i < 20; ++i) {
        const std::string n = std::to_string(i);
        EXPECT_EQ(call(rt, http::method::post, "/r" + n + "/5/sub/x").body, "sub" + n + " id=5 name=x");
        EXPECT_EQ(get(rt, "/r" + n + "/5/sub/x").status, 405);
        EXPECT_EQ(get(rt, "/r" + n + "x").status, 404);
    }
    EXPECT_EQ(get(rt, "/r1/abc").body, "slug1 slug=abc");
    EXPECT_EQ(get(rt, "/r2/abc").status, 404);
}

TEST(Router, MatchReportsWithoutRunning) {
    router rt;
    int runs = 0;
    rt.get("/a/{x:int}", [&runs](request_context& ctx) {
        ++runs;
        ctx.response.finish();
    });
    exchange ex(http::method::get, "/unused");
    const auto found = rt.match(http::method::head, "/a/12", ex.ctx);
    EXPECT_EQ(found.result, router::match_result::outcome::found);
    EXPECT_EQ(found.path_template, "/a/{x:int}");
    EXPECT_EQ(ex.ctx.param("x"), "12");
    const auto wrong = rt.match(http::method::post, "/a/12", ex.ctx);
    EXPECT_EQ(wrong.result, router::match_result::outcome::method_not_allowed);
    EXPECT_EQ(wrong.allowed, 1u << static_cast<unsigned>(http::method::get));
    EXPECT_EQ(rt.match(http::method::get, "/a/b", ex.ctx).result, router::match_result::outcome::not_found);
    EXPECT_EQ(runs, 0);
}

TEST(Router, MovedRouterKeepsItsRoutes) {
    router original;
    original.get("/users/{id:int}", labelled("user"));
    router moved(std::move(original));
    EXPECT_EQ(get(moved, "/users/3").body, "user id=3");
    router assigned;
    assigned = std::move(moved);
    EXPECT_EQ(get(assigned, "/users/4").body, "user id=4");
    // A moved-from router is empty but usable.
    EXPECT_EQ(get(original, "/users/3").status, 404); // NOLINT(bugprone-use-after-move)
    original.get("/again", labelled("again"));
    EXPECT_EQ(get(original, "/again").body, "again");
}

void free_function_handler(request_context& ctx) { ctx.response.body("free"); }
task<void> free_coroutine_handler(request_context& ctx) {
    ctx.response.body("free-co");
    co_return;
}

TEST(Router, FunctionPointersAreHandlers) {
    router rt;
    rt.get("/f", &free_function_handler).get("/c", free_coroutine_handler);
    EXPECT_EQ(get(rt, "/f").body, "free");
    exchange ex(http::method::get, "/c");
    completion c;
    katana::start_detached(rt.dispatch(ex.ctx), &completion::on_done, &c);
    EXPECT_TRUE(c.done);
    EXPECT_EQ(parse(ex.bytes()).body, "free-co");
}

TEST(Router, DispatchDoesNotAllocate) {
    router rt;
    rt.get("/users/{id:int}/posts/{post:int}", [](request_context& ctx) { ctx.response.body_ref("ok"); });
    rt.get("/orgs/{org}/repos/{repo}", [](request_context& ctx) { ctx.response.body_ref("ok"); });
    rt.get("/files/{path:*}", [](request_context& ctx) { ctx.response.body_ref("ok"); });
    rt.post("/users", [](request_context& ctx) { ctx.response.body_ref("ok"); });
    for (int i = 0; i < 50; ++i) rt.get("/pad" + std::to_string(i) + "/{x}", [](request_context&) {});

    const std::vector<std::pair<http::method, std::string_view>> requests = {
        {http::method::get, "/users/1/posts/2"},     {http::method::get, "/orgs/a/repos/b"},
        {http::method::get, "/files/a/b/c"},         {http::method::head, "/users/1/posts/2"},
        {http::method::get, "/nowhere/at/all"},      {http::method::put, "/users"},
        {http::method::options, "/users"},           {http::method::options, "*"},
    };
    for (const auto& [m, path] : requests) {
        exchange ex(m, path);
        (void)ex.out.reserve(1024); // the output buffer's first block is the connection's, not the router's
        const auto before = katana::test::thread_allocation_count();
        task<void> t = rt.dispatch(ex.ctx);
        const auto after = katana::test::thread_allocation_count();
        EXPECT_EQ(after - before, 0u) << http::to_string(m) << ' ' << path;
        EXPECT_FALSE(static_cast<bool>(t));
        EXPECT_TRUE(ex.response.finished()) << path;
    }
}

TEST(Router, CoroutineDispatchAllocatesOnlyFromTheRequestArena) {
    router rt;
    rt.get("/co/{id:int}", [](request_context& ctx) -> task<void> {
        ctx.response.body_ref("co");
        co_return;
    });
    exchange ex(http::method::get, "/co/5");
    (void)ex.out.reserve(1024);
    completion c;
    const auto before = katana::test::thread_allocation_count();
    {
        // What the connection does: coroutine frames of this request come from its arena.
        katana::frame_resource_scope scope(&ex.arena);
        katana::start_detached(rt.dispatch(ex.ctx), &completion::on_done, &c);
    }
    EXPECT_EQ(katana::test::thread_allocation_count() - before, 0u);
    EXPECT_TRUE(c.done);
    EXPECT_EQ(parse(ex.bytes()).body, "co");
}

} // namespace
