// Behaviour of the code `katana gen openapi` generates for operations, linked against
// tests/codegen/operations/operations.yaml (generated at build time): routing (404, 405 + Allow,
// OPTIONS, literal before parameter, segment templates), every parameter style, defaults and
// constraints, bodies (JSON, form, text, bytes; 400/415/422), Accept negotiation (406), typed
// responses with headers, ranges and default, security (401/403 and the hook), plain and
// coroutine handlers, x-katana-alloc/serializer, and the spec at /openapi.json.
#include "ops_empty/server.hpp"
#include "ops_test/server.hpp"

#include "support/alloc_counter.hpp"

#include <katana/coro/task.hpp>
#include <katana/http/output_buffer.hpp>
#include <katana/http/response.hpp>
#include <katana/server/handler.hpp>

#include <gtest/gtest.h>

#include <cctype>
#include <exception>
#include <map>
#include <sstream>
#include <memory_resource>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using namespace ops_test;

struct exchange {
    int status = 0;
    std::multimap<std::string, std::string> headers; // lower-case names
    std::string body;
    bool completed = false;

    [[nodiscard]] std::string header(const std::string& name) const {
        auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
    [[nodiscard]] bool has_header(const std::string& name) const { return headers.contains(name); }
};

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// Runs one request through a dispatcher the way a connection does (response over an output
// buffer, request memory, coroutines started detached) and parses what was written.
exchange run(katana::dispatcher& d, std::string_view method, std::string_view target,
             std::vector<std::pair<std::string, std::string>> headers = {}, std::string_view body = {}) {
    katana::http::request req;
    req.method = katana::http::method_from_token(method);
    req.method_token = method;
    req.target = target;
    const auto q = target.find('?');
    req.path = target.substr(0, q);
    req.query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
    std::vector<katana::http::header> hs;
    for (const auto& [n, v] : headers) hs.push_back({n, v});
    req.headers = hs;
    req.body = body;

    katana::http::output_buffer out;
    std::pmr::monotonic_buffer_resource memory;
    katana::http::response_options opts;
    opts.head_request = req.method == katana::http::method::head;
    katana::http::response res(out, &memory, opts);
    katana::request_context ctx(req, res, &memory, nullptr);

    struct state {
        bool done = false;
        std::exception_ptr error;
    } st;
    katana::start_detached(
        d.dispatch(ctx),
        [](void* p, std::exception_ptr e) noexcept {
            auto* s = static_cast<state*>(p);
            s->done = true;
            s->error = std::move(e);
        },
        &st);
    exchange ex;
    ex.completed = st.done && !st.error && res.finished();
    std::string bytes;
    out.copy_to(bytes);
    const auto head_end = bytes.find("\r\n\r\n");
    if (head_end == std::string::npos) return ex;
    ex.body = bytes.substr(head_end + 4);
    std::string_view head(bytes.data(), head_end);
    const auto first = head.find("\r\n");
    const std::string_view status_line = head.substr(0, first);
    ex.status = std::stoi(std::string(status_line.substr(9, 3)));
    std::size_t pos = first == std::string_view::npos ? head.size() : first + 2;
    while (pos < head.size()) {
        auto end = head.find("\r\n", pos);
        if (end == std::string_view::npos) end = head.size();
        const std::string_view line = head.substr(pos, end - pos);
        const auto colon = line.find(':');
        if (colon != std::string_view::npos) {
            std::string_view v = line.substr(colon + 1);
            while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
            ex.headers.emplace(lower(std::string(line.substr(0, colon))), std::string(v));
        }
        pos = end + 2;
    }
    return ex;
}

std::string join(const std::pmr::vector<std::pmr::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : "|") + std::string(x);
    return s;
}

template <class T>
std::string join_numbers(const std::pmr::vector<T>& v) {
    std::string s;
    for (const auto& x : v) {
        std::ostringstream o;
        o << x;
        s += (s.empty() ? "" : "|") + o.str();
    }
    return s;
}

// Every operation of operations.yaml. Records what it saw in `seen` (key=value;...).
struct test_handler {
    std::string seen;
    int calls = 0;
    katana::api::auth_result verdict = katana::api::auth_result::allow;
    std::string auth_seen;

    bool record = true; // false: no bookkeeping (allocation test)

    void note(std::string_view k, std::string_view v) {
        seen += std::string(k) + "=" + std::string(v) + ";";
    }

    katana::api::auth_result authenticate(katana::request_context&, const katana::api::auth_request& a) {
        auth_seen.clear();
        for (std::size_t i = 0; i < a.credentials.size(); ++i) {
            const auto& c = a.credentials[i];
            auth_seen += std::string(c.scheme_name) + ":" + std::string(c.value) + std::string(c.user) +
                         (c.password.empty() ? "" : ":" + std::string(c.password));
            for (auto scope : a.requirement->items[i].scopes) auth_seen += "[" + std::string(scope) + "]";
            auth_seen += ";";
        }
        return verdict;
    }

    GetItemResponse get_item(katana::request_context&, GetItemRequest& req) {
        ++calls;
        const auto& p = req.params;
        if (record) {
            note("id", std::to_string(p.id));
            note("limit", std::to_string(p.limit));
            if (p.tags) note("tags", join(*p.tags));
            if (p.ids) note("ids", join_numbers(*p.ids));
            if (p.pipes) note("pipes", join(*p.pipes));
            if (p.spaces) note("spaces", join_numbers(*p.spaces));
            if (p.filter) {
                if (p.filter->color) note("filter.color", *p.filter->color);
                if (p.filter->size) note("filter.size", std::to_string(*p.filter->size));
            }
            if (p.color) note("color", to_string(*p.color));
            if (p.flag) note("flag", *p.flag ? "true" : "false");
            if (p.x_request_id) note("rid", *p.x_request_id);
            if (p.x_count) note("count", std::to_string(*p.x_count));
            if (p.session) note("session", *p.session);
            note("q", p.q);
        }
        if (p.id == 404) return GetItemResponse::not_found(Problem{std::pmr::string("nope"), 404});
        if (p.id == 503) return GetItemResponse::default_response(503, Problem{std::pmr::string("busy"), 503});
        if (p.id == 999) return GetItemResponse::default_response(42, Problem{}); // invalid status
        return GetItemResponse::ok(Item{p.id, "thing", 2.5}, {.x_total = 7, .x_note = std::pmr::string("hi")});
    }

    PutItemResponse put_item(katana::request_context&, PutItemRequest& req) {
        ++calls;
        switch (req.body_media) {
        case PutItemRequest::media::application_json:
            if (record) note("json", std::string(req.application_json->name));
            return PutItemResponse::ok(std::move(*req.application_json)); // moved: stays in request memory
        case PutItemRequest::media::application_x_www_form_urlencoded:
            note("form", std::string(req.application_x_www_form_urlencoded->name));
            return PutItemResponse::ok(*req.application_x_www_form_urlencoded);
        case PutItemRequest::media::text_plain: note("text", req.text_plain); return PutItemResponse::no_content();
        case PutItemRequest::media::none: break;
        }
        return PutItemResponse::no_content();
    }

    DeleteItemResponse delete_item(katana::request_context&, DeleteItemRequest& req) {
        ++calls;
        if (req.params.id == 2) return DeleteItemResponse::accepted({.location = std::pmr::string("/queue/2"), .retry_after = 5});
        return DeleteItemResponse::no_content();
    }

    LabelStyleResponse label_style(katana::request_context&, LabelStyleRequest& req) {
        ++calls;
        return LabelStyleResponse::ok(req.params.values);
    }

    MatrixStyleResponse matrix_style(katana::request_context& ctx, MatrixStyleRequest& req) {
        ++calls;
        std::pmr::vector<std::int64_t> out(ctx.memory);
        out.push_back(req.params.point.x.value_or(-1));
        out.push_back(req.params.point.y.value_or(-1));
        return MatrixStyleResponse::ok(std::move(out));
    }

    SimpleStyleResponse simple_style(katana::request_context&, SimpleStyleRequest& req) {
        ++calls;
        seen = join(req.params.list);
        if (req.params.obj) {
            seen += ";a=" + std::string(req.params.obj->a.value_or("")) + ";b=" + std::to_string(req.params.obj->b.value_or(-1));
        }
        return SimpleStyleResponse::ok(std::string_view(seen));
    }

    MoreStylesResponse more_styles(katana::request_context&, MoreStylesRequest& req) {
        ++calls;
        const auto& p = req.params;
        seen = "lbl=" + join_numbers(p.lbl) + ";mtx=" + std::string(p.mtx);
        if (p.pair) seen += ";pair=" + std::string(p.pair->a.value_or("-")) + "/" + std::to_string(p.pair->b.value_or(-1));
        if (p.rgb) seen += ";rgb=" + std::to_string(p.rgb->r.value_or(-1)) + "/" + std::to_string(p.rgb->g.value_or(-1));
        if (p.list) seen += ";list=" + join(*p.list);
        return MoreStylesResponse::ok(std::string_view(seen));
    }

    GetFileResponse get_file(katana::request_context&, GetFileRequest& req) {
        ++calls;
        seen = std::string(req.params.name) + "." + std::string(to_string(req.params.ext));
        return GetFileResponse::ok(std::string_view(seen));
    }

    GetMeResponse get_me(katana::request_context& ctx, GetMeRequest&) {
        ++calls;
        if (ctx.request.header_value("X-Stream") == "yes") {
            // Answers by itself; the typed response below is then not written.
            ctx.response.content_type("text/plain");
            ctx.response.begin_stream();
            ctx.response.write("stre");
            ctx.response.write("amed");
            ctx.response.end_stream();
        }
        return GetMeResponse::ok("me");
    }

    GetUserResponse get_user(katana::request_context&, GetUserRequest& req) {
        ++calls;
        seen = "user:" + std::string(req.params.user_id);
        return GetUserResponse::ok(std::string_view(seen));
    }

    BasicOnlyResponse basic_only(katana::request_context&, BasicOnlyRequest&) {
        ++calls;
        return BasicOnlyResponse::no_content();
    }
    KeysAndScopesResponse keys_and_scopes(katana::request_context&, KeysAndScopesRequest&) {
        ++calls;
        return KeysAndScopesResponse::no_content();
    }
    OptionalAuthResponse optional_auth(katana::request_context&, OptionalAuthRequest&) {
        ++calls;
        return OptionalAuthResponse::no_content();
    }

    // A coroutine handler: awaits a child task before answering.
    static katana::task<std::int64_t> twice(std::int64_t n) { co_return n * 2; }
    katana::task<AsyncEchoResponse> async_echo(katana::request_context&, AsyncEchoRequest& req) {
        ++calls;
        const std::int64_t v = co_await twice(req.params.n);
        co_return AsyncEchoResponse::ok(v);
    }

    RangesResponse ranges(katana::request_context& ctx, RangesRequest&) {
        ++calls;
        const std::string_view which = ctx.request.header_value("X-Which");
        if (which == "206") return RangesResponse::status_2xx<206>(Item{1, "partial", std::nullopt}, {.x_kind = std::pmr::string("p")});
        if (which == "418") return RangesResponse::status_4xx<418>();
        if (which == "500") return RangesResponse::default_response(500);
        return RangesResponse::status_2xx<200>(Item{2, "full", std::nullopt}, {});
    }

    NegotiateResponse negotiate(katana::request_context&, NegotiateRequest&) {
        ++calls;
        return NegotiateResponse::ok(Item{3, "neg", std::nullopt});
    }

    UploadResponse upload(katana::request_context&, UploadRequest& req) {
        ++calls;
        return UploadResponse::ok(static_cast<std::int64_t>(req.body ? req.body->size() : 0));
    }

    HeapRouteResponse heap_route(katana::request_context&, HeapRouteRequest& req) {
        ++calls;
        // x-katana-alloc: heap -- the parsed strings do not live in the request memory.
        note("heap_name", std::string(req.body.name));
        return HeapRouteResponse::ok(req.body);
    }

    PmrRouteResponse pmr_route(katana::request_context&, PmrRouteRequest& req) {
        ++calls;
        return PmrRouteResponse::ok(std::move(req.body));
    }

    ArenaHintResponse arena_hint(katana::request_context&, ArenaHintRequest& req) {
        ++calls;
        if (!req.body) return ArenaHintResponse::no_content();
        return ArenaHintResponse::ok(*req.body);
    }

    // No `responses` in the spec: the one default response, any status, no body.
    BareResponse bare(katana::request_context& ctx, BareRequest&) {
        ++calls;
        return BareResponse::default_response(ctx.request.header_value("X-Status") == "202" ? 202 : 204);
    }

    // Returns the text as a view or as an owned string; Accept picks text or JSON either way.
    TextOrJsonResponse text_or_json(katana::request_context& ctx, TextOrJsonRequest& req) {
        ++calls;
        if (record) note("accept_media", req.info.accept_media);
        if (req.params.owned.value_or(false)) return TextOrJsonResponse::ok(std::pmr::string("say \"hi\"", ctx.memory));
        return TextOrJsonResponse::ok(std::string_view("say \"hi\""));
    }

    BodilessSuccessResponse bodiless_success(katana::request_context& ctx, BodilessSuccessRequest&) {
        ++calls;
        if (ctx.request.header_value("X-Fail") == "yes") {
            return BodilessSuccessResponse::default_response(409, Problem{std::pmr::string("taken"), 409});
        }
        return BodilessSuccessResponse::no_content();
    }
};

class GeneratedOperations : public ::testing::Test {
protected:
    test_handler handler_;
    Server<test_handler> server_{handler_};

    exchange call(std::string_view method, std::string_view target, std::vector<std::pair<std::string, std::string>> headers = {},
                  std::string_view body = {}) {
        handler_.seen.clear();
        return run(server_, method, target, std::move(headers), body);
    }
};

// ---- routing -------------------------------------------------------------------------------

TEST_F(GeneratedOperations, RoutesToTheOperationWithTypedPathAndQuery) {
    const auto r = call("GET", "/items/42?q=hello&limit=5");
    ASSERT_TRUE(r.completed);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(handler_.seen, "id=42;limit=5;q=hello;");
    EXPECT_EQ(r.header("content-type"), "application/json");
    EXPECT_EQ(r.body, R"({"id":42,"name":"thing","price":2.5})");
    EXPECT_EQ(r.header("x-total"), "7");
    EXPECT_EQ(r.header("x-note"), "hi");
}

TEST_F(GeneratedOperations, UnknownPathIs404ProblemJson) {
    const auto r = call("GET", "/nothing/here");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.header("content-type"), "application/problem+json");
    EXPECT_NE(r.body.find("no route for /nothing/here"), std::string::npos) << r.body;
    EXPECT_EQ(handler_.calls, 0);
    EXPECT_EQ(call("GET", "/items").status, 404);
    EXPECT_EQ(call("GET", "/items/").status, 404);   // trailing slash is another resource
    EXPECT_EQ(call("GET", "/items/1/x").status, 404);
    EXPECT_EQ(call("GET", "/items//1").status, 404); // empty segments never match
    EXPECT_EQ(call("GET", "").status, 404);
    EXPECT_EQ(call("GET", "*").status, 404);
}

TEST_F(GeneratedOperations, WrongMethodIs405WithAllow) {
    const auto r = call("POST", "/items/1?q=xx");
    EXPECT_EQ(r.status, 405);
    EXPECT_EQ(r.header("allow"), "GET, HEAD, PUT, DELETE, OPTIONS");
    EXPECT_EQ(handler_.calls, 0);
    const auto p = call("PATCH", "/negotiate");
    EXPECT_EQ(p.status, 405);
    EXPECT_EQ(p.header("allow"), "GET, HEAD, OPTIONS");
}

TEST_F(GeneratedOperations, OptionsAnswers204WithAllowAndHeadRunsGet) {
    const auto o = call("OPTIONS", "/upload");
    EXPECT_EQ(o.status, 204);
    EXPECT_EQ(o.header("allow"), "POST, OPTIONS");
    const auto h = call("HEAD", "/items/3?q=xy");
    EXPECT_EQ(h.status, 200);
    EXPECT_TRUE(h.body.empty());
    EXPECT_EQ(h.header("content-length"), std::to_string(std::string_view(R"({"id":3,"name":"thing","price":2.5})").size()));
}

TEST_F(GeneratedOperations, LiteralSegmentBeatsParameterAndFallsBack) {
    EXPECT_EQ(call("GET", "/users/me", {{"Authorization", "Bearer t"}}).body, "me");
    EXPECT_EQ(call("GET", "/users/mex").body, "user:mex");
    EXPECT_EQ(call("GET", "/users/m%C3%A9").body, "user:m\xC3\xA9"); // decoded
}

TEST_F(GeneratedOperations, SegmentTemplatesCaptureSeveralParameters) {
    const auto r = call("GET", "/files/report.2024.txt");
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body, "report.2024.txt");
    EXPECT_EQ(call("GET", "/files/report").status, 404);
    const auto bad = call("GET", "/files/a.pdf");
    EXPECT_EQ(bad.status, 400);
    EXPECT_NE(bad.body.find(R"("pointer":"/path/ext")"), std::string::npos) << bad.body;
}

// ---- parameters ----------------------------------------------------------------------------

TEST_F(GeneratedOperations, QueryStylesAndDefaults) {
    const auto r = call("GET", "/items/7?q=ab&tags=a&tags=b%20c&ids=1,2,3&pipes=x|y&spaces=1.5%202&"
                              "filter[color]=red&filter[size]=3&color=green&flag=true");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(handler_.seen, "id=7;limit=10;tags=a|b c;ids=1|2|3;pipes=x|y;spaces=1.5|2;filter.color=red;filter.size=3;"
                             "color=green;flag=true;q=ab;");
}

TEST_F(GeneratedOperations, HeaderAndCookieParameters) {
    const auto r = call("GET", "/items/7?q=ab", {{"X-Request-Id", "abc-1"}, {"x-count", "12"}, {"Cookie", "a=1; session=s3"}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(handler_.seen, "id=7;limit=10;rid=abc-1;count=12;session=s3;q=ab;");
}

TEST_F(GeneratedOperations, CookieParametersArePercentDecoded) {
    const auto r = call("GET", "/items/7?q=ab", {{"Cookie", "a=1; session=s%203+x%C3%A9"}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(handler_.seen, "id=7;limit=10;session=s 3+x\xC3\xA9;q=ab;");
    for (const char* bad : {"session=%zz", "session=%C3"}) {
        const auto b = call("GET", "/items/7?q=ab", {{"Cookie", bad}});
        EXPECT_EQ(b.status, 400) << bad;
        EXPECT_NE(b.body.find(R"("pointer":"/cookie/session")"), std::string::npos) << b.body;
    }
}

TEST_F(GeneratedOperations, EnumParameterErrorsListTheAllowedValues) {
    const auto path = call("GET", "/files/a.pdf");
    EXPECT_EQ(path.status, 400);
    EXPECT_NE(path.body.find(R"(unknown value \"pdf\"; allowed: json, txt)"), std::string::npos) << path.body;
    const auto query = call("GET", "/items/7?q=ab&color=pink");
    EXPECT_EQ(query.status, 400);
    EXPECT_NE(query.body.find(R"(unknown value \"pink\"; allowed: red, green, blue)"), std::string::npos) << query.body;
}

TEST_F(GeneratedOperations, PathLabelMatrixAndSimpleStyles) {
    const auto l = call("GET", "/styles/label.3.4.5");
    EXPECT_EQ(l.status, 200) << l.body;
    EXPECT_EQ(l.body, "[3,4,5]");
    const auto m = call("GET", "/styles/matrix/;x=1;y=2");
    EXPECT_EQ(m.status, 200) << m.body;
    EXPECT_EQ(m.body, "[1,2]");
    const auto s = call("GET", "/styles/simple/a,b%2Cc,d", {{"obj", "a=x,b=5"}});
    EXPECT_EQ(s.status, 200) << s.body;
    EXPECT_EQ(s.body, "a|b,c|d;a=x;b=5");
    EXPECT_EQ(s.header("content-type"), "text/plain");
}

TEST_F(GeneratedOperations, MoreStyleAndExplodeCombinations) {
    const auto r = call("GET", "/styles/more/.1,2,3/;mtx=m%20x?pair=a,hello,b,7&r=255&g=0", {{"Cookie", "list=x,y,z"}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body, "lbl=1|2|3;mtx=m x;pair=hello/7;rgb=255/0;list=x|y|z");
    const auto partial = call("GET", "/styles/more/.4/;mtx=q?g=9");
    ASSERT_EQ(partial.status, 200) << partial.body;
    EXPECT_EQ(partial.body, "lbl=4;mtx=q;rgb=-1/9");
    // A malformed label value and an odd member list are 400s at their own pointers.
    const auto bad = call("GET", "/styles/more/1,2/;mtx=q?pair=a,hello,b");
    EXPECT_EQ(bad.status, 400);
    EXPECT_NE(bad.body.find(R"("pointer":"/path/lbl")"), std::string::npos) << bad.body;
    EXPECT_NE(bad.body.find(R"("pointer":"/query/pair")"), std::string::npos) << bad.body;
}

TEST_F(GeneratedOperations, BadParametersAre400ListingEveryError) {
    const auto r = call("GET", "/items/0?limit=500&ids=1,x,3,4&color=purple&flag=yes&q=a", {{"X-Request-Id", "UPPER"}});
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.header("content-type"), "application/problem+json");
    EXPECT_EQ(handler_.calls, 0);
    for (const char* pointer : {"/path/id", "/query/limit", "/query/ids/1", "/query/color", "/query/flag", "/query/q",
                                "/header/X-Request-Id"}) {
        EXPECT_NE(r.body.find(std::string("\"pointer\":\"") + pointer + "\""), std::string::npos) << pointer << " in " << r.body;
    }
}

TEST_F(GeneratedOperations, RequiredParameterMissingAndOverflow) {
    const auto r = call("GET", "/items/99999999999999999999");
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find(R"("pointer":"/path/id")"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find(R"("pointer":"/query/q","detail":"required parameter is missing")"), std::string::npos) << r.body;
    const auto m = call("GET", "/items/1?q=ab&ids=1,2,3,4");
    EXPECT_EQ(m.status, 400);
    EXPECT_NE(m.body.find(R"("pointer":"/query/ids")"), std::string::npos) << m.body; // maxItems
    const auto bad_escape = call("GET", "/items/1?q=%zz");
    EXPECT_EQ(bad_escape.status, 400);
    EXPECT_NE(bad_escape.body.find(R"("pointer":"/query/q")"), std::string::npos) << bad_escape.body;
}

TEST_F(GeneratedOperations, DeepObjectMemberTypeErrorsPointIntoTheObject) {
    const auto r = call("GET", "/items/1?q=ab&filter[size]=big");
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find(R"("pointer":"/query/filter/size")"), std::string::npos) << r.body;
}

// ---- bodies and negotiation ------------------------------------------------------------------

TEST_F(GeneratedOperations, JsonFormAndTextBodiesSayWhichArrived) {
    const auto j = call("PUT", "/items/1", {{"Content-Type", "application/json; charset=utf-8"}}, R"({"id":1,"name":"js"})");
    EXPECT_EQ(j.status, 200) << j.body;
    EXPECT_EQ(handler_.seen, "json=js;");
    EXPECT_EQ(j.body, R"({"id":1,"name":"js"})");
    const auto f = call("PUT", "/items/1", {{"Content-Type", "application/x-www-form-urlencoded"}}, "id=2&name=from+form&price=1.5");
    EXPECT_EQ(f.status, 200) << f.body;
    EXPECT_EQ(handler_.seen, "form=from form;");
    EXPECT_EQ(f.body, R"({"id":2,"name":"from form","price":1.5})");
    const auto t = call("PUT", "/items/1", {{"Content-Type", "text/plain"}}, "just text");
    EXPECT_EQ(t.status, 204);
    EXPECT_EQ(handler_.seen, "text=just text;");
}

TEST_F(GeneratedOperations, BodyErrors) {
    const auto malformed = call("PUT", "/items/1", {{"Content-Type", "application/json"}}, R"({"id":1,)");
    EXPECT_EQ(malformed.status, 400);
    EXPECT_NE(malformed.body.find("malformed JSON"), std::string::npos) << malformed.body;
    const auto invalid = call("PUT", "/items/1", {{"Content-Type", "application/json"}}, R"({"id":0,"name":""})");
    EXPECT_EQ(invalid.status, 422);
    EXPECT_NE(invalid.body.find(R"("pointer":"/id")"), std::string::npos) << invalid.body;
    EXPECT_NE(invalid.body.find(R"("pointer":"/name")"), std::string::npos) << invalid.body;
    const auto form_invalid = call("PUT", "/items/1", {{"Content-Type", "application/x-www-form-urlencoded"}}, "id=x");
    EXPECT_EQ(form_invalid.status, 422) << form_invalid.body;
    const auto form_bad = call("PUT", "/items/1", {{"Content-Type", "application/x-www-form-urlencoded"}}, "id=%G1");
    EXPECT_EQ(form_bad.status, 400) << form_bad.body;
    const auto unsupported = call("PUT", "/items/1", {{"Content-Type", "application/xml"}}, "<a/>");
    EXPECT_EQ(unsupported.status, 415);
    EXPECT_NE(unsupported.body.find("application/json, application/x-www-form-urlencoded, text/plain"), std::string::npos)
        << unsupported.body;
    const auto missing = call("PUT", "/items/1");
    EXPECT_EQ(missing.status, 400);
    EXPECT_NE(missing.body.find("requires a request body"), std::string::npos);
    const auto no_type = call("PUT", "/items/1", {}, "{}");
    EXPECT_EQ(no_type.status, 415);
    EXPECT_EQ(handler_.calls, 0);
}

TEST_F(GeneratedOperations, OptionalAndBinaryBodies) {
    const auto none = call("POST", "/upload");
    EXPECT_EQ(none.status, 200);
    EXPECT_EQ(none.body, "0");
    const auto bytes = call("POST", "/upload", {{"Content-Type", "application/octet-stream"}}, std::string_view("a\0b\xff", 4));
    EXPECT_EQ(bytes.body, "4");
    const auto hint_empty = call("POST", "/arena-hint");
    EXPECT_EQ(hint_empty.status, 204);
}

TEST_F(GeneratedOperations, AcceptNegotiation) {
    const auto csv_only = call("GET", "/negotiate", {{"Accept", "text/html"}});
    EXPECT_EQ(csv_only.status, 406);
    EXPECT_NE(csv_only.body.find("application/json, text/csv"), std::string::npos) << csv_only.body;
    const auto json = call("GET", "/negotiate", {{"Accept", "text/csv;q=0.5, application/json"}});
    EXPECT_EQ(json.status, 200);
    EXPECT_EQ(json.header("content-type"), "application/json");
    const auto any = call("GET", "/negotiate", {{"Accept", "*/*"}});
    EXPECT_EQ(any.status, 200);
    // An error response uses its own media type even when the client asked for another one.
    const auto err = call("GET", "/items/404?q=xx", {{"Accept", "application/json, application/problem+json;q=0.1"}});
    EXPECT_EQ(err.status, 404);
    EXPECT_EQ(err.header("content-type"), "application/problem+json");
    EXPECT_EQ(err.body, R"({"title":"nope","status":404})");
}

TEST_F(GeneratedOperations, AcceptPicksTextOrJsonForOneStringValue) {
    for (const char* owned : {"", "?owned=true"}) {
        const std::string target = std::string("/text-or-json") + owned;
        const auto json = call("GET", target, {{"Accept", "application/json"}});
        EXPECT_EQ(json.status, 200) << owned;
        EXPECT_EQ(json.header("content-type"), "application/json") << owned;
        EXPECT_EQ(json.body, R"("say \"hi\"")") << owned;
        EXPECT_EQ(handler_.seen, "accept_media=application/json;") << owned;
        const auto text = call("GET", target, {{"Accept", "application/json;q=0.4, text/plain"}});
        EXPECT_EQ(text.header("content-type"), "text/plain") << owned;
        EXPECT_EQ(text.body, R"(say "hi")") << owned;
        EXPECT_EQ(handler_.seen, "accept_media=text/plain;") << owned;
        const auto any = call("GET", target);
        EXPECT_EQ(any.header("content-type"), "text/plain") << owned; // first declared wins a tie
        EXPECT_EQ(call("GET", target, {{"Accept", "image/png"}}).status, 406) << owned;
    }
}

TEST_F(GeneratedOperations, BodilessSuccessIsNever406AndErrorsKeepTheirMedia) {
    const auto ok = call("DELETE", "/bodiless-success", {{"Accept", "text/html"}});
    EXPECT_EQ(ok.status, 204) << ok.body;
    const auto err = call("DELETE", "/bodiless-success", {{"Accept", "text/html"}, {"X-Fail", "yes"}});
    EXPECT_EQ(err.status, 409);
    EXPECT_EQ(err.header("content-type"), "application/problem+json");
    EXPECT_EQ(err.body, R"({"title":"taken","status":409})");
    // Only error media match: the success media decide 406 (/items/{id} answers 200 JSON).
    const auto refused = call("GET", "/items/3?q=xy", {{"Accept", "application/problem+json"}});
    EXPECT_EQ(refused.status, 406) << refused.body;
    EXPECT_EQ(refused.body.find("problem+json,"), std::string::npos) << refused.body;
}

TEST_F(GeneratedOperations, OperationWithoutResponsesAnswersTheHandlersStatus) {
    const auto r = call("GET", "/bare", {{"Accept", "image/png"}});
    EXPECT_TRUE(r.completed);
    EXPECT_EQ(r.status, 204);
    EXPECT_TRUE(r.body.empty());
    EXPECT_EQ(call("GET", "/bare", {{"X-Status", "202"}}).status, 202);
    EXPECT_EQ(BareResponse::default_response(201).status(), 201);
}

// ---- typed responses -----------------------------------------------------------------------

TEST_F(GeneratedOperations, ResponsesWithoutBodyWithAndWithoutHeaders) {
    const auto gone = call("DELETE", "/items/1");
    EXPECT_EQ(gone.status, 204);
    EXPECT_TRUE(gone.body.empty());
    EXPECT_FALSE(gone.has_header("content-type"));
    const auto queued = call("DELETE", "/items/2");
    EXPECT_EQ(queued.status, 202);
    EXPECT_EQ(queued.header("location"), "/queue/2");
    EXPECT_EQ(queued.header("retry-after"), "5");
    EXPECT_EQ(queued.header("content-length"), "0");
}

TEST_F(GeneratedOperations, ResponseObjectsSayWhatTheyHold) {
    const auto ok = GetItemResponse::ok(Item{1, "a", std::nullopt}, {.x_total = 3, .x_note = std::nullopt});
    EXPECT_EQ(ok.status(), 200);
    EXPECT_EQ(ok.index(), 0);
    ASSERT_NE(ok.get_if<GetItemResponse::response_200>(), nullptr);
    EXPECT_EQ(ok.get_if<GetItemResponse::response_200>()->body.name, "a");
    EXPECT_EQ(ok.get_if<GetItemResponse::response_404>(), nullptr);
    auto other = GetItemResponse::default_response(418, Problem{});
    EXPECT_EQ(other.status(), 418);
    auto moved = std::move(other); // move-only (tagged union)
    EXPECT_EQ(moved.status(), 418);
    auto second = GetItemResponse::ok(Item{2, "b", std::nullopt}, {.x_total = 3, .x_note = std::nullopt});
    moved = std::move(second);
    EXPECT_EQ(moved.status(), 200);
    EXPECT_EQ(moved.get_if<GetItemResponse::response_200>()->headers.x_total, 3);
    static_assert(!std::is_copy_constructible_v<GetItemResponse>);
    static_assert(std::is_nothrow_move_constructible_v<GetItemResponse>);
    EXPECT_EQ(RangesResponse::status_2xx<203>(Item{}).status(), 203);
}

TEST_F(GeneratedOperations, DefaultResponseCarriesTheChosenStatus) {
    const auto r = call("GET", "/items/503?q=xx");
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.body, R"({"title":"busy","status":503})");
    const auto bad = call("GET", "/items/999?q=xx");
    EXPECT_EQ(bad.status, 500); // a handler that picks status 42 is answered with 500
}

TEST_F(GeneratedOperations, RangeResponsesAndHeaders) {
    const auto p = call("GET", "/ranges", {{"X-Which", "206"}});
    EXPECT_EQ(p.status, 206);
    EXPECT_EQ(p.header("x-kind"), "p");
    EXPECT_EQ(p.body, R"({"id":1,"name":"partial"})");
    const auto ok = call("GET", "/ranges");
    EXPECT_EQ(ok.status, 200);
    EXPECT_FALSE(ok.has_header("x-kind"));
    const auto teapot = call("GET", "/ranges", {{"X-Which", "418"}});
    EXPECT_EQ(teapot.status, 418);
    EXPECT_TRUE(teapot.body.empty());
    EXPECT_EQ(call("GET", "/ranges", {{"X-Which", "500"}}).status, 500);
}

// The response types accept exactly what the spec declares (the rest does not compile; see
// tests/codegen/compile_fail for the negative side).
template <class R, class... A>
concept has_ok = requires(A&&... a) { R::ok(std::forward<A>(a)...); };
static_assert(has_ok<GetItemResponse, Item, GetItemResponse::response_200::headers_type>);
static_assert(!has_ok<GetItemResponse, Problem, GetItemResponse::response_200::headers_type>);
static_assert(!has_ok<GetItemResponse, Item>); // X-Total is a required header
static_assert(!has_ok<GetMeResponse, std::string>); // a view of a temporary would dangle
template <class R>
concept has_created = requires { R::created(); };
static_assert(!has_created<DeleteItemResponse>);
template <class R, katana::http::status_code C>
concept has_2xx = requires { R::template status_2xx<C>(Item{}, RangesResponse::response_2xx::headers_type{}); };
static_assert(has_2xx<RangesResponse, 204>);
static_assert(!has_2xx<RangesResponse, 302>);

// ---- security --------------------------------------------------------------------------------

TEST_F(GeneratedOperations, MissingCredentialsAre401WithChallenge) {
    const auto r = call("GET", "/users/me");
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.header("www-authenticate"), "Bearer realm=\"api\"");
    EXPECT_EQ(handler_.calls, 0);
    const auto basic = call("GET", "/secure/basic", {{"Authorization", "Bearer x"}});
    EXPECT_EQ(basic.status, 401);
    EXPECT_EQ(basic.header("www-authenticate"), "Basic realm=\"api\"");
}

TEST_F(GeneratedOperations, HookSeesCredentialsAndScopes) {
    const auto b = call("GET", "/secure/basic", {{"Authorization", "Basic dXNlcjpwYXNz"}});
    EXPECT_EQ(b.status, 204);
    EXPECT_EQ(handler_.auth_seen, "basicAuth:user:pass;");
    // Alternatives in order: header+cookie (both needed), then query, then oauth2 bearer.
    const auto half = call("GET", "/secure/keys", {{"X-Api-Key", "k1"}});
    EXPECT_EQ(half.status, 401);
    EXPECT_NE(half.header("www-authenticate").find("ApiKey"), std::string::npos);
    const auto both = call("GET", "/secure/keys", {{"X-Api-Key", "k1"}, {"Cookie", "sid=c1"}});
    EXPECT_EQ(both.status, 204);
    EXPECT_EQ(handler_.auth_seen, "apiKeyHeader:k1;apiKeyCookie:c1;");
    EXPECT_EQ(call("GET", "/secure/keys?api_key=q%201").status, 204);
    EXPECT_EQ(handler_.auth_seen, "apiKeyQuery:q 1;");
    EXPECT_EQ(call("GET", "/secure/keys", {{"Authorization", "Bearer tok"}}).status, 204);
    EXPECT_EQ(handler_.auth_seen, "oauth:tok[read];");
}

TEST_F(GeneratedOperations, HookVerdicts403And401) {
    handler_.verdict = katana::api::auth_result::forbidden;
    const auto f = call("GET", "/users/me", {{"Authorization", "Bearer t"}});
    EXPECT_EQ(f.status, 403);
    EXPECT_EQ(handler_.calls, 0);
    handler_.verdict = katana::api::auth_result::unauthenticated;
    const auto u = call("GET", "/users/me", {{"Authorization", "Bearer t"}});
    EXPECT_EQ(u.status, 401);
    EXPECT_TRUE(u.has_header("www-authenticate"));
}

TEST_F(GeneratedOperations, OptionalSecurityAndOpenOperations) {
    EXPECT_EQ(call("GET", "/secure/optional").status, 204); // anonymous allowed: hook not asked
    EXPECT_TRUE(handler_.auth_seen.empty());
    handler_.verdict = katana::api::auth_result::forbidden;
    EXPECT_EQ(call("GET", "/secure/optional", {{"Authorization", "Bearer t"}}).status, 403);
    EXPECT_EQ(call("GET", "/users/bob").status, 200); // security: [] overrides the global default
}

TEST_F(GeneratedOperations, CoroutineAuthenticationHook) {
    struct async_auth : test_handler {
        int hook_calls = 0;
        static katana::task<bool> token_is_valid(std::string_view token) { co_return token == "good"; }
        katana::task<katana::api::auth_result> authenticate(katana::request_context&, const katana::api::auth_request& a) {
            ++hook_calls;
            const bool ok = co_await token_is_valid(a.credentials[0].value); // the request outlives the suspension
            co_return ok ? katana::api::auth_result::allow : katana::api::auth_result::forbidden;
        }
    } h;
    Server<async_auth> s(h);
    const auto allowed = run(s, "GET", "/users/me", {{"Authorization", "Bearer good"}});
    ASSERT_TRUE(allowed.completed);
    EXPECT_EQ(allowed.status, 200);
    EXPECT_EQ(allowed.body, "me");
    EXPECT_EQ(run(s, "GET", "/users/me", {{"Authorization", "Bearer bad"}}).status, 403);
    EXPECT_EQ(run(s, "GET", "/users/me").status, 401);
    EXPECT_EQ(h.hook_calls, 2);
    EXPECT_EQ(h.calls, 1);
}

// ---- handlers, memory modes, spec ------------------------------------------------------------

TEST_F(GeneratedOperations, HandlerMayAnswerThroughTheResponseItself) {
    const auto r = call("GET", "/users/me", {{"Authorization", "Bearer t"}, {"X-Stream", "yes"}});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("transfer-encoding"), "chunked");
    EXPECT_EQ(r.body, "4\r\nstre\r\n4\r\named\r\n0\r\n\r\n");
}

TEST_F(GeneratedOperations, CoroutineHandler) {
    const auto r = call("GET", "/async/21");
    ASSERT_TRUE(r.completed);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "42");
    EXPECT_EQ(call("GET", "/async/x").status, 400);
}

TEST_F(GeneratedOperations, HeapAllocAndDomSerializer) {
    static_assert(route_policies[static_cast<std::size_t>(operation_id::heap_route)].alloc.mode == katana::api::alloc_mode::heap);
    static_assert(route_policies[static_cast<std::size_t>(operation_id::heap_route)].serializer ==
                  katana::api::serializer_kind::dom);
    const auto r = call("POST", "/heap", {{"Content-Type", "application/json"}}, R"({"name":"a\u00e9b","id":5})");
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(handler_.seen, "heap_name=a\xC3\xA9" "b;");
    EXPECT_EQ(r.body, "{\"id\":5,\"name\":\"a\xC3\xA9" "b\"}");
    EXPECT_EQ(call("POST", "/heap", {{"Content-Type", "application/json"}}, R"({"id":0})").status, 422);
}

TEST_F(GeneratedOperations, PmrAllocMode) {
    static_assert(route_policies[static_cast<std::size_t>(operation_id::pmr_route)].alloc.mode == katana::api::alloc_mode::pmr);
    const auto r = call("POST", "/pmr", {{"Content-Type", "application/json"}}, R"({"id":3,"name":"n"})");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, R"({"id":3,"name":"n"})");
    const auto bad = call("POST", "/pmr", {{"Content-Type", "application/json"}}, R"({"id":3})");
    EXPECT_EQ(bad.status, 422);
    EXPECT_NE(bad.body.find("name"), std::string::npos) << bad.body;
}

TEST_F(GeneratedOperations, ArenaHintAndPolicyTable) {
    constexpr auto& p = route_policies[static_cast<std::size_t>(operation_id::arena_hint)];
    static_assert(p.alloc.size_hint == 8 * 1024);
    static_assert(p.cache.enabled && p.cache.ttl_ms == 30'000 && p.cache.stale_while_revalidate_ms == 300'000);
    static_assert(p.cache.jitter_ms == 2'000 && p.cache.vary.size() == 1);
    static_assert(p.rate_limit.requests == 100 && p.rate_limit.window_ms == 60'000 && p.rate_limit.burst == 10);
    static_assert(p.idempotency.required && p.idempotency.ttl_ms == 86'400'000);
    EXPECT_EQ(p.cache.vary[0], "Accept-Language");
    EXPECT_EQ(p.rate_limit.key, "header:X-Api-Key");
    const auto r = call("POST", "/arena-hint", {{"Content-Type", "application/json"}}, R"({"id":9,"name":"hint"})");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, R"({"id":9,"name":"hint"})");
}

TEST_F(GeneratedOperations, OperationTableAndWebhooks) {
    const auto& op = ServerBase::operation(operation_id::get_item);
    EXPECT_EQ(op.operation_id, "getItem");
    EXPECT_EQ(op.method, "GET");
    EXPECT_EQ(op.path, "/items/{id}");
    ASSERT_EQ(op.path_params.size(), 1U);
    EXPECT_TRUE(op.security.empty());
    EXPECT_EQ(ServerBase::operation(operation_id::get_me).security.size(), 1U);
    static_assert(webhooks.size() == 1);
    EXPECT_EQ(webhooks[0].name, "itemCreated");
    EXPECT_EQ(webhooks[0].method, "POST");
    EXPECT_EQ(webhooks[0].operation_id, "itemCreatedHook");
    EXPECT_EQ(call("POST", "/itemCreated").status, 404); // listed, not routed
}

TEST_F(GeneratedOperations, ServesItsSpecOnlyWhenAsked) {
    EXPECT_EQ(call("GET", "/openapi.json").status, 404);
    server_.serve_spec(true);
    const auto r = call("GET", "/openapi.json");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("content-type"), "application/json");
    EXPECT_TRUE(r.body.starts_with(R"({"openapi":"3.1.0","info":{"title":"operations behaviour")")) << r.body.substr(0, 80);
    EXPECT_NE(r.body.find(R"("/items/{id}":)"), std::string::npos);
    std::pmr::monotonic_buffer_resource dom_memory; // the DOM never frees: an arena-style resource
    auto parsed = katana::json::parse(r.body, &dom_memory);
    EXPECT_TRUE(parsed.has_value());
    server_.serve_spec(false);
    EXPECT_EQ(call("GET", "/openapi.json").status, 404);
}

TEST_F(GeneratedOperations, PathParametersAreNamedForTheHandler) {
    struct peek_handler : test_handler {
        std::string names;
        GetFileResponse get_file(katana::request_context& ctx, GetFileRequest& req) {
            for (const auto& p : ctx.params()) names += std::string(p.name) + "=" + std::string(p.value) + ";";
            return test_handler::get_file(ctx, req);
        }
    } h;
    Server<peek_handler> s(h);
    EXPECT_EQ(run(s, "GET", "/files/a%20b.json").status, 200);
    EXPECT_EQ(h.names, "name=a%20b;ext=json;");
    EXPECT_EQ(h.seen, "a b.json");
}

// The request path allocates from the request memory only: binding parameters of every kind,
// parsing a JSON body, negotiating, calling the handler (plain and coroutine, whose frame comes
// from the frame resource the connection installs) and writing the typed response.
TEST_F(GeneratedOperations, RequestPathMakesNoHeapAllocations) {
    handler_.record = false;
    struct case_t {
        std::string_view method;
        std::string_view target;
        std::string_view content_type;
        std::string_view body;
        int status;
    };
    const case_t cases[] = {
        {"GET", "/items/42?q=hello&limit=5&tags=a&tags=b%20c&ids=1,2&filter[color]=red&filter[size]=3&flag=true", "", "", 200},
        {"GET", "/items/0?q=x&limit=900", "", "", 400},
        {"PUT", "/items/1", "application/json", R"({"id":1,"name":"longer than sso!!"})", 200},
        {"PUT", "/items/1", "application/json", R"({"id":0})", 422},
        {"GET", "/async/21", "", "", 200},
        {"GET", "/nowhere", "", "", 404},
        {"POST", "/negotiate", "", "", 405},
    };
    for (const auto& c : cases) {
        katana::http::request req;
        req.method = katana::http::method_from_token(c.method);
        req.method_token = c.method;
        req.target = c.target;
        const auto q = c.target.find('?');
        req.path = c.target.substr(0, q);
        req.query = q == std::string_view::npos ? std::string_view() : c.target.substr(q + 1);
        const katana::http::header hs[] = {{"Content-Type", c.content_type}, {"Accept", "*/*"}};
        req.headers = std::span<const katana::http::header>(hs, c.content_type.empty() ? 0 : 2);
        req.body = c.body;
        katana::http::output_buffer out;
        static_cast<void>(out.reserve(64 * 1024)); // the connection's buffer is warm too
        alignas(std::max_align_t) static std::byte buffer[256 * 1024];
        std::pmr::monotonic_buffer_resource memory(buffer, sizeof buffer, std::pmr::null_memory_resource());
        katana::http::response res(out, &memory, katana::http::response_options{});
        katana::request_context ctx(req, res, &memory, nullptr);

        const auto before = katana::test::thread_allocation_count();
        {
            katana::frame_resource_scope frames(&memory);
            katana::start_detached(server_.dispatch(ctx), nullptr, nullptr);
        }
        const auto after = katana::test::thread_allocation_count();
        EXPECT_TRUE(res.finished()) << c.target;
        EXPECT_EQ(res.code(), c.status) << c.target;
        EXPECT_EQ(after - before, 0U) << c.method << " " << c.target;
    }
}

// ---- the runtime pieces behind the generated code ---------------------------------------------

// tests/codegen/operations/no_operations.yaml (`paths: {}`): the server compiles warning-free
// (this file is built with -Werror) and answers everything with 404.
TEST(OperationsRuntime, SpecWithoutOperationsServes404) {
    struct empty_handler {};
    empty_handler h;
    ops_empty::Server<empty_handler> server(h);
    static_assert(ops_empty::operation_count == 0);
    EXPECT_EQ(run(server, "GET", "/").status, 404);
    EXPECT_EQ(run(server, "POST", "/anything").status, 404);
}

TEST(OperationsRuntime, EnumConversionErrorsNameTheValueAndTheAllowedOnes) {
    std::pmr::monotonic_buffer_resource memory;
    katana::api::validation_context vc(&memory);
    Color c{};
    EXPECT_FALSE(katana::api::convert_param("pink", c, &memory, vc, "red, green, blue"));
    std::optional<Color> oc;
    EXPECT_FALSE(katana::api::convert_param("teal", oc, &memory, vc, "red, green, blue"));
    EXPECT_FALSE(oc.has_value());
    std::pmr::vector<Color> list;
    const std::string_view items[] = {"red", "mauve"};
    EXPECT_FALSE(katana::api::convert_array(std::span<const std::string_view>(items), list, &memory, vc, "red, green, blue"));
    EXPECT_FALSE(katana::api::convert_param("pink", c, &memory, vc)); // no listing given
    std::int32_t n = 0;
    EXPECT_FALSE(katana::api::convert_param("x", n, &memory, vc, "ignored for non-enums"));
    ASSERT_EQ(vc.errors().size(), 5U);
    EXPECT_EQ(vc.errors()[0].detail, R"(unknown value "pink"; allowed: red, green, blue)");
    EXPECT_EQ(vc.errors()[1].detail, R"(unknown value "teal"; allowed: red, green, blue)");
    EXPECT_EQ(vc.errors()[2].detail, R"(unknown value "mauve"; allowed: red, green, blue)");
    EXPECT_EQ(vc.errors()[2].pointer, "/1");
    EXPECT_EQ(vc.errors()[3].detail, "not one of the allowed values");
    EXPECT_EQ(vc.errors()[4].detail, "expected an integer (int32)");
}

TEST(OperationsRuntime, SegmentTemplatesMatchRightToLeftAndNeverEmpty) {
    using katana::api::match_segment_template;
    using katana::api::route_match;
    const std::string_view name_ext[] = {"", ".", ""};
    route_match m;
    ASSERT_TRUE(match_segment_template("a.b.txt", name_ext, m));
    ASSERT_EQ(m.count, 2);
    EXPECT_EQ(m.values[0], "a.b");
    EXPECT_EQ(m.values[1], "txt");
    route_match e;
    EXPECT_FALSE(match_segment_template(".txt", name_ext, e));
    EXPECT_FALSE(match_segment_template("a.", name_ext, e));
    EXPECT_FALSE(match_segment_template("abc", name_ext, e));
    EXPECT_EQ(e.count, 0) << "a failed match leaves nothing behind";
    const std::string_view report[] = {"report-", "-", ".pdf"};
    route_match r;
    ASSERT_TRUE(match_segment_template("report-2024-01.pdf", report, r));
    EXPECT_EQ(r.values[0], "2024");
    EXPECT_EQ(r.values[1], "01");
    route_match n;
    EXPECT_FALSE(match_segment_template("report-2024.pdf", report, n));
    EXPECT_FALSE(match_segment_template("rep-1-2.pdf", report, n));
    // Linear whatever the input: a long segment of separators is rejected at once.
    const std::string dots(100000, '.');
    EXPECT_FALSE(match_segment_template(dots, name_ext, n));
}

TEST(OperationsRuntime, PairsToJsonTypesArraysAndUnknownNames) {
    std::pmr::monotonic_buffer_resource memory;
    const katana::api::form_field fields[] = {{"n", katana::api::field_kind::number},
                                              {"b", katana::api::field_kind::boolean},
                                              {"tags", katana::api::field_kind::string_array},
                                              {"s", katana::api::field_kind::string}};
    const std::pair<std::string_view, std::string_view> pairs[] = {
        {"x", "1"}, {"tags", "a"}, {"n", "12.5e1"}, {"b", "yes"}, {"tags", "b\"c"}, {"n", "7"}, {"x", "2"}, {"s", "\x01"}};
    EXPECT_EQ(katana::api::pairs_to_json(pairs, fields, &memory),
              R"({"n":12.5e1,"b":"yes","tags":["a","b\"c"],"s":"\u0001","x":"1"})");
    EXPECT_EQ(katana::api::pairs_to_json({}, fields, &memory), "{}");
    EXPECT_EQ(katana::api::text_to_json("-0.5", &memory), "-0.5");
    EXPECT_EQ(katana::api::text_to_json("01", &memory), "\"01\"");
    EXPECT_EQ(katana::api::text_to_json("null", &memory), "null");
}

TEST(OperationsRuntime, HugeFormsAndQueriesStayLinear) {
    std::pmr::monotonic_buffer_resource memory;
    std::vector<std::pair<std::string_view, std::string_view>> pairs;
    std::vector<std::string> names;
    for (int i = 0; i < 200000; ++i) names.push_back("k" + std::to_string(i % 50000));
    for (const auto& n : names) pairs.emplace_back(n, "v");
    const katana::api::form_field fields[] = {{"k1", katana::api::field_kind::string_array}};
    const auto json = katana::api::pairs_to_json(pairs, fields, &memory);
    EXPECT_TRUE(json.starts_with(R"({"k1":["v","v","v","v"],"k0":"v","k2":"v")")) << json.substr(0, 60);

    test_handler h;
    Server<test_handler> server(h);
    std::string form;
    while (form.size() < 1000000) form += "name=x&zz=1&";
    const auto r = run(server, "PUT", "/items/1", {{"Content-Type", "application/x-www-form-urlencoded"}}, form);
    EXPECT_EQ(r.status, 422) << r.body.substr(0, 200); // id is missing
    std::string target = "/items/1?q=ab";
    while (target.size() < 8000) target += "&tags=t";
    const auto q = run(server, "GET", target);
    EXPECT_EQ(q.status, 200);
}

TEST(OperationsRuntime, AllowHeaderListsMethodsInAFixedOrder) {
    std::pmr::monotonic_buffer_resource memory;
    katana::http::output_buffer out;
    katana::http::response res(out, &memory, katana::http::response_options{});
    using katana::api::method_bit;
    katana::api::write_allow_header(res, method_bit(katana::http::method::delete_) | method_bit(katana::http::method::get) |
                                             method_bit(katana::http::method::patch));
    res.finish();
    std::string bytes;
    out.copy_to(bytes);
    EXPECT_NE(bytes.find("Allow: GET, HEAD, PATCH, DELETE, OPTIONS\r\n"), std::string::npos) << bytes;
}

} // namespace
