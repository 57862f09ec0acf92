// Coroutine handlers on a multi-reactor server: timer sleeps, cross-reactor calls, ordering of
// pipelined responses behind a suspended handler, exceptions and the request deadline. Runs
// under TSan in CI (label e2e).
#include "e2e/inprocess_server.hpp"
#include "support/tcp_client.hpp"

#include <katana/router/router.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;

class CoroutineHandlers : public ::testing::TestWithParam<katana::backend_kind> {
protected:
    void SetUp() override {
        routes_.get("/sleep", [](katana::request_context& ctx) -> katana::task<void> {
            co_await katana::sleep_for(20ms);
            ctx.response.content_type("text/plain").body("slept");
        });
        routes_.get("/fast", [](katana::request_context& ctx) { ctx.response.body("fast"); });
        routes_.get("/stream", [](katana::request_context& ctx) -> katana::task<void> {
            ctx.response.content_type("text/plain").begin_stream();
            ctx.response.write("first;");
            co_await ctx.response.flush(); // on the wire before the handler goes on
            co_await katana::sleep_for(250ms);
            ctx.response.write("second;");
            co_await ctx.response.flush();
            ctx.response.write("third");
            ctx.response.end_stream();
        });
        routes_.get("/hop", [](katana::request_context& ctx) -> katana::task<void> {
            katana::reactor* here = katana::reactor::current();
            katana::reactor* other = here->peers()[(here->index() + 1) % here->peers().size()];
            const unsigned ran_on = co_await katana::on_reactor(*other, [] { return katana::reactor::current()->index(); });
            const bool back_home = katana::reactor::current() == here;
            std::string text = std::to_string(here->index()) + "->" + std::to_string(ran_on) + (back_home ? " home" : " lost");
            ctx.response.body(text);
        });
        routes_.get("/throw", [](katana::request_context&) -> katana::task<void> {
            co_await katana::sleep_for(1ms);
            throw std::runtime_error("boom");
        });
        routes_.get("/forever", [](katana::request_context& ctx) -> katana::task<void> {
            co_await katana::sleep_for(1500ms);
            ctx.response.body("too late");
        });
        katana::server_options options;
        options.threads = 2;
        options.backend = GetParam();
        options.request_timeout = 300ms;
        server_.emplace(options, routes_);
        KATANA_REQUIRE_SERVER(*server_, GetParam());
        port_ = server_->info().port;
    }

    katana::test::tcp_client connect() {
        auto c = katana::test::tcp_client::connect(port_, 5s);
        EXPECT_TRUE(c.has_value());
        return std::move(*c);
    }

    katana::router routes_;
    std::optional<katana::test::inprocess_server> server_;
    std::uint16_t port_ = 0;
};

TEST_P(CoroutineHandlers, SleepingHandlerAnswers) {
    auto c = connect();
    c.send_all("GET /sleep HTTP/1.1\r\nHost: x\r\n\r\n");
    auto r = c.read_response(5s);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "slept");
}

TEST_P(CoroutineHandlers, PipelinedResponsesStayInOrderBehindASuspendedHandler) {
    auto c = connect();
    c.send_all("GET /fast HTTP/1.1\r\nHost: x\r\n\r\nGET /sleep HTTP/1.1\r\nHost: x\r\n\r\n"
               "GET /fast HTTP/1.1\r\nHost: x\r\n\r\nGET /sleep HTTP/1.1\r\nHost: x\r\n\r\n"
               "GET /fast HTTP/1.1\r\nHost: x\r\n\r\n");
    const char* expected[] = {"fast", "slept", "fast", "slept", "fast"};
    for (const char* body : expected) {
        auto r = c.read_response(5s);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 200);
        EXPECT_EQ(r->body, body);
    }
}

TEST_P(CoroutineHandlers, StreamingHandlerFlushesChunksBeforeItFinishes) {
    auto c = connect();
    const auto start = std::chrono::steady_clock::now();
    c.send_all("GET /stream HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\n\r\n");
    // The first chunk arrives while the handler still sleeps.
    while (c.buffered().find("first;") == std::string::npos) {
        ASSERT_TRUE(c.read_some(2s)) << c.last_error();
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, 200ms);
    EXPECT_EQ(c.buffered().find("second;"), std::string::npos);
    auto r = c.read_response(5s);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_TRUE(r->chunked);
    EXPECT_EQ(r->body, "first;second;third");
    EXPECT_GE(std::chrono::steady_clock::now() - start, 250ms);
    auto r2 = c.read_response(5s); // the pipelined request behind the stream is answered after it
    ASSERT_TRUE(r2);
    EXPECT_EQ(r2->body, "fast");
}

TEST_P(CoroutineHandlers, CrossReactorCallRunsThereAndResumesHome) {
    // Several connections so both reactors originate calls.
    for (int i = 0; i < 8; ++i) {
        auto c = connect();
        c.send_all("GET /hop HTTP/1.1\r\nHost: x\r\n\r\n");
        auto r = c.read_response(5s);
        ASSERT_TRUE(r);
        ASSERT_EQ(r->status, 200);
        const auto arrow = r->body.find("->");
        ASSERT_NE(arrow, std::string::npos) << r->body;
        const int from = std::stoi(r->body.substr(0, arrow));
        const int to = std::stoi(r->body.substr(arrow + 2));
        EXPECT_NE(from, to);
        EXPECT_NE(r->body.find(" home"), std::string::npos) << r->body;
    }
}

TEST_P(CoroutineHandlers, ExceptionBecomes500AndConnectionStaysUsable) {
    auto c = connect();
    c.send_all("GET /throw HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\n\r\n");
    auto r = c.read_response(5s);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 500);
    EXPECT_EQ(r->header("Content-Type"), "application/problem+json");
    auto r2 = c.read_response(5s);
    ASSERT_TRUE(r2);
    EXPECT_EQ(r2->body, "fast");
}

TEST_P(CoroutineHandlers, DeadlineAnswers503AndCloses) {
    auto c = connect();
    const auto start = std::chrono::steady_clock::now();
    c.send_all("GET /forever HTTP/1.1\r\nHost: x\r\n\r\n");
    auto r = c.read_response(5s);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503);
    EXPECT_NE(r->body.find("deadline"), std::string::npos);
    // Closed right after the 503, not when the abandoned handler finally ends (1.5 s).
    EXPECT_TRUE(c.wait_closed(1s));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1200ms);
}

TEST_P(CoroutineHandlers, ManyConcurrentSleepersAcrossReactors) {
    constexpr int clients = 16;
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < clients; ++i) {
        threads.emplace_back([&] {
            auto c = katana::test::tcp_client::connect(port_, 5s);
            if (!c) return;
            for (int k = 0; k < 5; ++k) {
                c->send_all("GET /sleep HTTP/1.1\r\nHost: x\r\n\r\n");
                auto r = c->read_response(5s);
                if (!r || r->status != 200 || r->body != "slept") return;
            }
            ok.fetch_add(1);
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(ok.load(), clients);
}

TEST_P(CoroutineHandlers, StopWhileHandlersSleepDrainsThem) {
    auto c = connect();
    c.send_all("GET /sleep HTTP/1.1\r\nHost: x\r\n\r\n");
    std::this_thread::sleep_for(5ms);
    server_->stop(); // graceful: the in-flight request is still answered
    auto r = c.read_response(5s);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "slept");
    EXPECT_EQ(r->header("Connection"), "close");
}

INSTANTIATE_TEST_SUITE_P(Backends, CoroutineHandlers,
                         ::testing::Values(katana::backend_kind::epoll, katana::backend_kind::io_uring),
                         [](const auto& p) { return std::string(katana::to_string(p.param)); });

} // namespace
