// What examples/hello answers for paths and methods it does not route, HEAD and OPTIONS, the
// connection headers of HTTP/1.0 and 1.1, the built-in health endpoints, the idle keep-alive
// timeout and every memory mode.
#include "e2e/hello_process.hpp"

#include <chrono>
#include <string>
#include <tuple>

namespace {

using namespace std::chrono_literals;
using katana::test::hello_fixture;
using katana::test::hello_test;
using katana::test::is_json_hello;
using katana::test::is_plaintext;
using katana::test::is_problem;
using katana::test::make_get;

class Routing : public hello_test {};

TEST_P(Routing, UnknownPathIs404Problem) {
    if (!start()) return;
    auto c = connect();
    ASSERT_TRUE(c);
    ASSERT_TRUE(c->send_all(make_get("/nope")));
    auto r = c->read_response(5s);
    ASSERT_TRUE(r.has_value()) << c->last_error();
    EXPECT_TRUE(is_problem(*r, 404));
    EXPECT_EQ(r->header("Content-Length"), std::to_string(r->body.size()));
    EXPECT_NE(r->body.find("/nope"), std::string::npos) << r->body;
    // A 404 is an ordinary answer: the connection stays usable.
    EXPECT_NE(r->header("Connection"), "close");
    ASSERT_TRUE(c->send_all(make_get("/plaintext")));
    auto next = c->read_response(5s);
    ASSERT_TRUE(next.has_value()) << c->last_error();
    EXPECT_TRUE(is_plaintext(*next));
}

TEST_P(Routing, QueryStringDoesNotChangeTheRoute) {
    if (!start()) return;
    auto r = exchange(make_get("/plaintext?x=1&y=%20"));
    ASSERT_TRUE(r);
    EXPECT_TRUE(is_plaintext(*r));
    auto missing = exchange(make_get("/plaintext/extra"));
    ASSERT_TRUE(missing);
    EXPECT_TRUE(is_problem(*missing, 404));
}

TEST_P(Routing, WrongMethodIs405WithAllow) {
    if (!start()) return;
    auto c = connect();
    ASSERT_TRUE(c);
    ASSERT_TRUE(c->send_all("POST /plaintext HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\n\r\nabc"
                            "DELETE /json HTTP/1.1\r\nHost: localhost\r\n\r\n"
                            "PUT /json HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n"));
    for (int i = 0; i < 3; ++i) {
        auto r = c->read_response(5s);
        ASSERT_TRUE(r.has_value()) << i << ": " << c->last_error();
        EXPECT_TRUE(is_problem(*r, 405)) << i;
        EXPECT_EQ(r->header("Allow"), "GET, HEAD, OPTIONS") << i;
        EXPECT_EQ(r->header_count("Allow"), 1u);
        EXPECT_NE(r->body.find("GET, HEAD, OPTIONS"), std::string::npos) << r->body;
        EXPECT_NE(r->header("Connection"), "close");
    }
}

TEST_P(Routing, OptionsIs204WithAllowAndNoBody) {
    if (!start()) return;
    auto c = connect();
    ASSERT_TRUE(c);
    ASSERT_TRUE(c->send_all("OPTIONS /json HTTP/1.1\r\nHost: localhost\r\n\r\nOPTIONS * HTTP/1.1\r\nHost: localhost\r\n\r\n" +
                            make_get("/json")));
    for (int i = 0; i < 2; ++i) {
        auto r = c->read_response(5s);
        ASSERT_TRUE(r.has_value()) << c->last_error();
        EXPECT_EQ(r->status, 204) << i;
        EXPECT_EQ(r->header("Allow"), "GET, HEAD, OPTIONS") << i;
        // RFC 9110 §8.6: no Content-Length in a 204 (or it must be 0).
        const std::string length = r->header("Content-Length");
        EXPECT_TRUE(length.empty() || length == "0") << length;
    }
    // A body after the 204 would be parsed as the next status line and fail here.
    auto r = c->read_response(5s);
    ASSERT_TRUE(r.has_value()) << c->last_error();
    EXPECT_TRUE(is_json_hello(*r));
}

TEST_P(Routing, HeadHasHeadersButNoBody) {
    if (!start()) return;
    auto c = connect();
    ASSERT_TRUE(c);
    ASSERT_TRUE(c->send_all("HEAD /plaintext HTTP/1.1\r\nHost: localhost\r\n\r\nHEAD /nope HTTP/1.1\r\nHost: localhost\r\n\r\n" +
                            make_get("/plaintext")));
    auto head = c->read_response(5s, true);
    ASSERT_TRUE(head.has_value()) << c->last_error();
    EXPECT_EQ(head->status, 200);
    EXPECT_EQ(head->header("Content-Length"), "13");
    EXPECT_EQ(head->header("Content-Type"), "text/plain");
    auto head404 = c->read_response(5s, true);
    ASSERT_TRUE(head404.has_value()) << c->last_error();
    EXPECT_EQ(head404->status, 404);
    EXPECT_EQ(head404->header("Content-Type"), "application/problem+json");
    EXPECT_NE(head404->header("Content-Length"), "0") << "HEAD must announce the length GET would have";
    // If either HEAD answer carried body bytes, this parse sees them instead of a status line.
    auto get = c->read_response(5s);
    ASSERT_TRUE(get.has_value()) << c->last_error();
    EXPECT_TRUE(is_plaintext(*get));
}

TEST_P(Routing, EveryAnswerHasDateAndServer) {
    if (!start()) return;
    auto r = exchange(make_get("/json"));
    ASSERT_TRUE(r);
    // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (29 characters).
    const std::string date = r->header("Date");
    EXPECT_EQ(date.size(), 29u) << date;
    EXPECT_TRUE(date.ends_with(" GMT")) << date;
    EXPECT_EQ(r->header_count("Date"), 1u);
    EXPECT_FALSE(r->header("Server").empty());
}

TEST_P(Routing, ConnectionCloseIsHonoured) {
    if (!start()) return;
    auto c = connect();
    ASSERT_TRUE(c);
    ASSERT_TRUE(c->send_all(make_get("/plaintext", "Connection: close\r\n")));
    auto r = c->read_response(5s);
    ASSERT_TRUE(r.has_value()) << c->last_error();
    EXPECT_TRUE(is_plaintext(*r));
    EXPECT_EQ(r->header("Connection"), "close");
    EXPECT_TRUE(c->wait_closed(5s));
}

TEST_P(Routing, ConnectionCloseInAPipelineStopsThere) {
    if (!start()) return;
    auto c = connect();
    ASSERT_TRUE(c);
    ASSERT_TRUE(c->send_all(make_get("/plaintext") + make_get("/json", "Connection: close\r\n") + make_get("/plaintext")));
    auto a = c->read_response(5s);
    ASSERT_TRUE(a.has_value()) << c->last_error();
    EXPECT_TRUE(is_plaintext(*a));
    auto b = c->read_response(5s);
    ASSERT_TRUE(b.has_value()) << c->last_error();
    EXPECT_TRUE(is_json_hello(*b));
    EXPECT_EQ(b->header("Connection"), "close");
    EXPECT_TRUE(c->wait_closed(5s));
    EXPECT_TRUE(c->buffered().empty()) << "answered a request after Connection: close: " << c->buffered();
}

TEST_P(Routing, Http10RawClosesByDefaultAndKeepsAliveOnRequest) {
    if (!start()) return;
    {
        auto c = connect();
        ASSERT_TRUE(c);
        ASSERT_TRUE(c->send_all("GET /plaintext HTTP/1.0\r\n\r\n"));
        auto r = c->read_response(5s);
        ASSERT_TRUE(r.has_value()) << c->last_error();
        EXPECT_TRUE(is_plaintext(*r));
        EXPECT_EQ(r->header("Connection"), "close");
        EXPECT_TRUE(c->wait_closed(5s));
    }
    {
        auto c = connect();
        ASSERT_TRUE(c);
        ASSERT_TRUE(c->send_all("GET /plaintext HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
        auto r = c->read_response(5s);
        ASSERT_TRUE(r.has_value()) << c->last_error();
        EXPECT_TRUE(is_plaintext(*r));
        EXPECT_EQ(r->header("Connection"), "keep-alive");
        ASSERT_TRUE(c->send_all("GET /json HTTP/1.0\r\n\r\n"));
        auto second = c->read_response(5s);
        ASSERT_TRUE(second.has_value()) << c->last_error();
        EXPECT_TRUE(is_json_hello(*second));
        EXPECT_EQ(second->header("Connection"), "close");
        EXPECT_TRUE(c->wait_closed(5s));
    }
}

TEST_P(Routing, HealthEndpointsOnlyWithTheFlag) {
    if (!start()) return;
    auto off = exchange(make_get("/healthz"));
    ASSERT_TRUE(off);
    EXPECT_TRUE(is_problem(*off, 404)) << "/healthz exists without --health";
}

TEST_P(Routing, HealthEndpointsWithTheFlag) {
    if (!start({"--health"})) return;
    auto health = exchange(make_get("/healthz"));
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);
    EXPECT_EQ(health->header("Content-Type"), "application/json");
    EXPECT_EQ(health->body, R"({"status":"ok"})");
    auto ready = exchange(make_get("/readyz"));
    ASSERT_TRUE(ready);
    EXPECT_EQ(ready->status, 200);
    EXPECT_EQ(ready->body, R"({"status":"ready"})");
    // The application routes are untouched by the flag.
    auto plain = exchange(make_get("/plaintext"));
    ASSERT_TRUE(plain);
    EXPECT_TRUE(is_plaintext(*plain));
}

TEST_P(Routing, IdleKeepAliveConnectionIsClosedAfterTheTimeout) {
    if (!start({"--keepalive-timeout-ms", "1000"})) return;
    auto c = connect();
    ASSERT_TRUE(c);
    ASSERT_TRUE(c->send_all(make_get("/plaintext")));
    auto r = c->read_response(5s);
    ASSERT_TRUE(r.has_value()) << c->last_error();
    EXPECT_TRUE(is_plaintext(*r));
    // Right away the connection is still good ...
    ASSERT_TRUE(c->send_all(make_get("/json")));
    auto again = c->read_response(5s);
    ASSERT_TRUE(again.has_value()) << c->last_error();
    EXPECT_TRUE(is_json_hello(*again));
    // ... and once idle for the timeout it is closed, silently (no 408 on an idle connection).
    const auto idle_again = std::chrono::steady_clock::now();
    EXPECT_TRUE(c->wait_closed(6s)) << "idle keep-alive connection never closed";
    const auto idle_for = std::chrono::steady_clock::now() - idle_again;
    EXPECT_GE(idle_for, 700ms) << "closed before the keep-alive timeout";
    EXPECT_TRUE(c->buffered().empty()) << "bytes on an idle close: " << c->buffered();
}

// Every memory mode serves the same bytes, over a pipeline long enough to reuse memory.
class MemoryModes : public hello_fixture,
                    public ::testing::WithParamInterface<std::tuple<std::string, std::string>> {
protected:
    [[nodiscard]] std::string backend() const override { return std::get<0>(GetParam()); }
};

TEST_P(MemoryModes, ServeAPipeline) {
    if (!start({"--memory", std::get<1>(GetParam())})) return;
    auto c = connect();
    ASSERT_TRUE(c);
    std::string all;
    for (int i = 0; i < 64; ++i) all += make_get(i % 3 == 2 ? "/missing" : i % 3 == 1 ? "/json" : "/plaintext");
    ASSERT_TRUE(c->send_all(all));
    for (int i = 0; i < 64; ++i) {
        auto r = c->read_response(5s);
        ASSERT_TRUE(r.has_value()) << i << ": " << c->last_error();
        if (i % 3 == 0) {
            EXPECT_TRUE(is_plaintext(*r)) << i;
        } else if (i % 3 == 1) {
            EXPECT_TRUE(is_json_hello(*r)) << i;
        } else {
            EXPECT_TRUE(is_problem(*r, 404)) << i;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Backends, Routing, KATANA_E2E_BACKENDS, katana::test::backend_name);
INSTANTIATE_TEST_SUITE_P(Modes, MemoryModes,
                         ::testing::Combine(KATANA_E2E_BACKENDS, ::testing::Values(std::string("arena"), std::string("pmr"),
                                                                                   std::string("heap"))),
                         [](const ::testing::TestParamInfo<std::tuple<std::string, std::string>>& param_info) {
                             return std::get<1>(param_info.param) + "_" + std::get<0>(param_info.param);
                         });

} // namespace
