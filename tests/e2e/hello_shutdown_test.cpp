// Graceful shutdown of examples/hello: SIGTERM/SIGINT drain and exit 0, requests in flight are
// answered, idle connections are closed, /readyz turns 503 while draining, and the grace
// deadline bounds the drain.
#include "e2e/hello_process.hpp"

#include <fmt/core.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using katana::test::hello_test;
using katana::test::is_json_hello;
using katana::test::is_plaintext;
using katana::test::make_get;
using katana::test::tcp_client;
using clock_type = std::chrono::steady_clock;

class Shutdown : public hello_test {
protected:
    // Signals hello and waits for its exit; the exit code, or nullopt when it did not exit.
    std::optional<int> signal_and_wait(int sig, std::chrono::milliseconds timeout) {
        mark_stopped();
        hello().process().send_signal(sig);
        return hello().process().wait_for(timeout);
    }

    // True once connecting to hello's port is refused: its listener is closed, so the drain began.
    bool wait_listener_closed(std::chrono::milliseconds timeout) {
        const auto deadline = clock_type::now() + timeout;
        while (clock_type::now() < deadline) {
            auto c = tcp_client::connect(port(), 1s);
            if (!c) return true;
            std::this_thread::sleep_for(10ms);
        }
        return false;
    }
};

TEST_P(Shutdown, SigtermWithIdleConnectionsExitsZeroPromptly) {
    if (!start({"--threads", "2"})) return;
    // Idle keep-alive connections (default keep-alive timeout 60 s) must not hold the drain.
    std::vector<tcp_client> idle;
    for (int i = 0; i < 20; ++i) {
        auto c = connect();
        ASSERT_TRUE(c);
        ASSERT_TRUE(c->send_all(make_get("/plaintext")));
        auto r = c->read_response(5s);
        ASSERT_TRUE(r.has_value()) << c->last_error();
        idle.push_back(std::move(*c));
    }
    const auto sent = clock_type::now();
    const auto code = signal_and_wait(SIGTERM, 8s);
    ASSERT_TRUE(code.has_value()) << "hello did not exit after SIGTERM; output:\n" << hello().output();
    EXPECT_EQ(*code, 0) << hello().output();
    EXPECT_LT(clock_type::now() - sent, 5s) << "idle connections delayed the shutdown";
    for (auto& c : idle) {
        EXPECT_TRUE(c.wait_closed(2s));
        EXPECT_TRUE(c.buffered().empty()) << "unsolicited bytes on an idle connection: " << c.buffered();
    }
}

TEST_P(Shutdown, SigintExitsZero) {
    if (!start()) return;
    auto r = exchange(make_get("/json"));
    ASSERT_TRUE(r);
    EXPECT_TRUE(is_json_hello(*r));
    const auto code = signal_and_wait(SIGINT, 8s);
    ASSERT_TRUE(code.has_value()) << "hello did not exit after SIGINT";
    EXPECT_EQ(*code, 0) << hello().output();
}

TEST_P(Shutdown, RequestInFlightIsAnsweredDuringTheDrain) {
    if (!start({"--threads", "1"})) return;
    auto c = connect();
    ASSERT_TRUE(c);
    ASSERT_TRUE(c->send_all("GET /plaintext HTTP/1.1\r\nHost: local")); // half a head
    // Time for the server to read it, so that the drain finds a request in progress (the race
    // of a request arriving together with the signal is RequestsSentJustBeforeSigtermAreAnswered).
    std::this_thread::sleep_for(200ms);
    mark_stopped();
    hello().process().send_signal(SIGTERM);
    ASSERT_TRUE(wait_listener_closed(5s)) << "hello kept accepting after SIGTERM";
    // The rest of this request and two more pipelined behind it: all three are answered, the
    // last one read says Connection: close, then the connection closes.
    ASSERT_TRUE(c->send_all("host\r\n\r\n" + make_get("/json") + make_get("/plaintext")));
    for (int i = 0; i < 3; ++i) {
        auto r = c->read_response(5s);
        ASSERT_TRUE(r.has_value()) << "answer " << i << ": " << c->last_error();
        EXPECT_TRUE(i == 1 ? is_json_hello(*r) : is_plaintext(*r)) << i;
        if (i == 2) {
            EXPECT_EQ(r->header("Connection"), "close");
        }
    }
    EXPECT_TRUE(c->wait_closed(5s));
    const auto code = hello().process().wait_for(5s);
    ASSERT_TRUE(code.has_value()) << "hello did not exit once drained";
    EXPECT_EQ(*code, 0) << hello().output();
}

// Requests that are in the server's socket buffers when SIGTERM arrives, on connections that
// were idle until then: the server has not read them yet, but they were fully sent before it
// closed anything, so each must get its answer (with Connection: close), never a reset.
TEST_P(Shutdown, RequestsSentJustBeforeSigtermAreAnswered) {
    constexpr int rounds = 5;
    constexpr int connections = 8;
    int lost = 0;
    std::string first_loss;
    for (int round = 0; round < rounds; ++round) {
        hello_.reset();
        stopped_on_purpose_ = false;
        if (!start({"--threads", "2"})) return;
        std::vector<tcp_client> clients;
        for (int i = 0; i < connections; ++i) {
            auto c = connect();
            ASSERT_TRUE(c);
            ASSERT_TRUE(c->send_all(make_get("/plaintext"))); // accepted and idle afterwards
            auto r = c->read_response(5s);
            ASSERT_TRUE(r.has_value()) << c->last_error();
            clients.push_back(std::move(*c));
        }
        for (auto& c : clients) ASSERT_TRUE(c.send_all(make_get("/json")));
        mark_stopped();
        hello().process().send_signal(SIGTERM);
        for (int i = 0; i < connections; ++i) {
            auto r = clients[static_cast<std::size_t>(i)].read_response(5s);
            if (!r || !is_json_hello(*r)) {
                ++lost;
                if (first_loss.empty()) {
                    first_loss = fmt::format("round {} connection {}: {}", round, i,
                                             r ? "status " + std::to_string(r->status)
                                               : clients[static_cast<std::size_t>(i)].last_error());
                }
            }
        }
        const auto code = hello().process().wait_for(8s);
        ASSERT_TRUE(code.has_value()) << "hello did not exit after SIGTERM";
        EXPECT_EQ(*code, 0) << hello().output();
    }
    EXPECT_EQ(lost, 0) << lost << " of " << rounds * connections
                       << " requests sent before SIGTERM were dropped unanswered; first: " << first_loss;
}

TEST_P(Shutdown, ReadyzIs200BeforeAnd503WhileDraining) {
    if (!start({"--threads", "1", "--health"})) return;
    auto before = exchange(make_get("/readyz"));
    ASSERT_TRUE(before);
    EXPECT_EQ(before->status, 200);
    EXPECT_EQ(before->body, R"({"status":"ready"})");

    // There is no slow endpoint, so the request that observes the drain is held half-sent
    // across the SIGTERM and completed once the listener is closed.
    auto c = connect();
    ASSERT_TRUE(c);
    ASSERT_TRUE(c->send_all("GET /readyz HTTP/1.1\r\nHost: localhost\r\n"));
    std::this_thread::sleep_for(200ms); // read by the server before the drain begins
    mark_stopped();
    hello().process().send_signal(SIGTERM);
    ASSERT_TRUE(wait_listener_closed(5s)) << "hello kept accepting after SIGTERM";
    ASSERT_TRUE(c->send_all("\r\n"));
    auto during = c->read_response(5s);
    ASSERT_TRUE(during.has_value()) << c->last_error();
    EXPECT_EQ(during->status, 503);
    EXPECT_EQ(during->body, R"({"status":"draining"})");
    EXPECT_EQ(during->header("Connection"), "close");
    EXPECT_TRUE(c->wait_closed(5s));
    const auto code = hello().process().wait_for(5s);
    ASSERT_TRUE(code.has_value()) << "hello did not exit once drained";
    EXPECT_EQ(*code, 0) << hello().output();
}

TEST_P(Shutdown, GraceDeadlineClosesStuckConnections) {
    if (!start({"--threads", "1", "--shutdown-grace-ms", "1000"})) return;
    auto c = connect();
    ASSERT_TRUE(c);
    // A head that never completes (header timeout 10 s): only the grace deadline ends it.
    ASSERT_TRUE(c->send_all("GET /plaintext HTTP/1.1\r\nHost: localhost\r\n"));
    std::this_thread::sleep_for(50ms);
    const auto sent = clock_type::now();
    const auto code = signal_and_wait(SIGTERM, 8s);
    const auto took = clock_type::now() - sent;
    ASSERT_TRUE(code.has_value()) << "hello ignored its shutdown grace; output:\n" << hello().output();
    EXPECT_EQ(*code, 0) << hello().output();
    EXPECT_GE(took, 900ms) << "the drain did not wait for the request in progress";
    EXPECT_LT(took, 6s);
    EXPECT_TRUE(c->wait_closed(2s));
}

// Several clients hammer keep-alive requests while SIGTERM arrives. Every request that reached
// the server before the signal must be answered completely; after the signal a connection may
// be closed before a request was read (the client then sees a close with no bytes), but never
// in the middle of an answer.
TEST_P(Shutdown, UnderLoadNoRequestIsLost) {
    if (!start({"--threads", "2", "--shutdown-grace-ms", "5000"})) return;
    constexpr int client_threads = 4;
    std::atomic<clock_type::rep> term_at{clock_type::time_point::max().time_since_epoch().count()};
    std::atomic<long> answered{0};
    std::atomic<long> benign{0}; // closed before the request could be read, after SIGTERM
    std::atomic<bool> stop{false};
    std::mutex failures_mutex;
    std::vector<std::string> failures;
    auto failed = [&](std::string what) {
        std::lock_guard lock(failures_mutex);
        failures.push_back(std::move(what));
    };
    auto after_term = [&](clock_type::time_point t) { return t.time_since_epoch().count() >= term_at.load(); };

    const std::uint16_t p = port();
    std::vector<std::thread> threads;
    for (int t = 0; t < client_threads; ++t) {
        threads.emplace_back([&, t] {
            std::optional<tcp_client> c;
            for (long n = 0; !stop.load(); ++n) {
                if (!c) {
                    const auto when = clock_type::now();
                    auto made = tcp_client::connect(p, 5s);
                    if (!made) {
                        if (!after_term(when)) failed(fmt::format("thread {}: connect before SIGTERM: {}", t, made.error()));
                        return; // the listener is gone: the server is draining
                    }
                    c.emplace(std::move(*made));
                }
                const bool json = (n + t) % 2 == 0;
                const bool sent = c->send_all(make_get(json ? "/json" : "/plaintext"));
                const auto sent_at = clock_type::now();
                if (!sent) {
                    // Not (fully) sent: only acceptable once the server may close connections.
                    if (!after_term(sent_at)) failed(fmt::format("thread {}: send failed before SIGTERM: {}", t, c->last_error()));
                    else benign.fetch_add(1);
                    c.reset();
                    continue;
                }
                auto r = c->read_response(10s);
                if (!r) {
                    const bool nothing = c->buffered().empty() && c->peer_closed();
                    if (nothing && after_term(sent_at)) {
                        benign.fetch_add(1);
                    } else {
                        failed(fmt::format("thread {}: request {} sent {} SIGTERM: {} (received {} bytes: '{}')", t, n,
                                           after_term(sent_at) ? "after" : "before", c->last_error(), c->buffered().size(),
                                           c->buffered().substr(0, 80)));
                    }
                    c.reset();
                    continue;
                }
                if (!(json ? is_json_hello(*r) : is_plaintext(*r))) {
                    failed(fmt::format("thread {}: request {}: status {} body '{}'", t, n, r->status, r->body));
                }
                answered.fetch_add(1);
                if (r->header("Connection") == "close") {
                    EXPECT_TRUE(c->wait_closed(5s)) << "Connection: close but the server kept the connection";
                    c.reset();
                }
            }
        });
    }

    // Let the load build up first.
    const auto load_deadline = clock_type::now() + 10s;
    while (answered.load() < 400 && clock_type::now() < load_deadline) std::this_thread::sleep_for(5ms);
    const long before = answered.load();
    mark_stopped();
    term_at.store(clock_type::now().time_since_epoch().count());
    hello().process().send_signal(SIGTERM);
    const auto code = hello().process().wait_for(10s);
    stop.store(true);
    for (auto& th : threads) th.join();

    ASSERT_TRUE(code.has_value()) << "hello did not exit within the grace period under load";
    EXPECT_EQ(*code, 0) << hello().output();
    EXPECT_GE(before, 400) << "the load never built up";
    std::string listed;
    for (std::size_t i = 0; i < failures.size() && i < 10; ++i) listed += failures[i] + "\n";
    EXPECT_TRUE(failures.empty()) << failures.size() << " failed requests (first 10):\n" << listed;
    RecordProperty("answered_before_sigterm", static_cast<int>(before));
    RecordProperty("answered_total", static_cast<int>(answered.load()));
    RecordProperty("closed_before_read_after_sigterm", static_cast<int>(benign.load()));
}

INSTANTIATE_TEST_SUITE_P(Backends, Shutdown, KATANA_E2E_BACKENDS, katana::test::backend_name);

} // namespace
