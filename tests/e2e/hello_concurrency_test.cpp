// Many simultaneous connections against examples/hello with two reactors, and the
// --max-connections limit.
#include "e2e/hello_process.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <filesystem>
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

class Concurrency : public hello_test {};

TEST_P(Concurrency, ThousandConnectionsAcrossTwoReactors) {
    constexpr std::size_t connections = 1000;
    // Both ends live in this process tree: 1000 client sockets here, 1000 accepted ones in hello.
    const rlim_t limit = katana::test::raise_fd_limit(4096);
    if (limit < connections + 200) GTEST_SKIP() << "RLIMIT_NOFILE hard limit too low for this test: " << limit;
    if (!start({"--threads", "2"})) return;
    ASSERT_EQ(hello().ready().reactors, 2u) << hello().ready_line();

    const auto started = std::chrono::steady_clock::now();
    std::vector<tcp_client> clients;
    clients.reserve(connections);
    for (std::size_t i = 0; i < connections; ++i) {
        auto c = tcp_client::connect(port(), 5s);
        ASSERT_TRUE(c.has_value()) << "connection " << i << ": " << c.error();
        clients.push_back(std::move(*c));
    }
    // Every connection is open before any is used: the server holds all 1000 at once. The
    // kernel spreads them over both reactors' SO_REUSEPORT listeners, so a reactor that does
    // not serve shows up as hundreds of missing answers.
    for (std::size_t i = 0; i < connections; ++i) {
        ASSERT_TRUE(clients[i].send_all(make_get(i % 2 == 0 ? "/plaintext" : "/json"))) << i << ": " << clients[i].last_error();
    }
    std::size_t ok = 0;
    for (std::size_t i = 0; i < connections; ++i) {
        auto r = clients[i].read_response(10s);
        ASSERT_TRUE(r.has_value()) << "connection " << i << ": " << clients[i].last_error();
        ok += (i % 2 == 0 ? is_plaintext(*r) : is_json_hello(*r)) ? 1 : 0;
    }
    EXPECT_EQ(ok, connections);

    // Keep-alive on a sample: every tenth connection asks again.
    for (std::size_t i = 0; i < connections; i += 10) {
        ASSERT_TRUE(clients[i].send_all(make_get("/json"))) << i << ": " << clients[i].last_error();
    }
    for (std::size_t i = 0; i < connections; i += 10) {
        auto r = clients[i].read_response(10s);
        ASSERT_TRUE(r.has_value()) << "second request on connection " << i << ": " << clients[i].last_error();
        EXPECT_TRUE(is_json_hello(*r)) << i;
    }
    // And no connection was dropped meanwhile: none is readable (a close would be).
    std::vector<pollfd> fds;
    for (const auto& c : clients) fds.push_back({c.fd(), POLLIN | POLLRDHUP, 0});
    ASSERT_GE(::poll(fds.data(), fds.size(), 0), 0);
    std::size_t closed = 0;
    for (const auto& p : fds) closed += p.revents != 0 ? 1 : 0;
    EXPECT_EQ(closed, 0u) << "idle keep-alive connections were closed or got unsolicited bytes";

    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_LT(took, 30s) << "1000 connections took "
                         << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
    RecordProperty("thousand_connections_ms",
                   static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
}

TEST_P(Concurrency, OverTheConnectionLimitIsAnswered503AndClosed) {
    if (!start({"--threads", "1", "--max-connections", "2"})) return;
    auto a = connect();
    auto b = connect();
    ASSERT_TRUE(a && b);
    // Requests on both make sure both were accepted (and counted) before the third arrives.
    for (auto* c : {&*a, &*b}) {
        ASSERT_TRUE(c->send_all(make_get("/plaintext")));
        auto r = c->read_response(5s);
        ASSERT_TRUE(r.has_value()) << c->last_error();
        EXPECT_TRUE(is_plaintext(*r));
    }
    auto third = connect();
    ASSERT_TRUE(third);
    // Polite: the answer arrives without the client having to send anything, then a clean close.
    auto refused = third->read_response(5s);
    ASSERT_TRUE(refused.has_value()) << third->last_error();
    EXPECT_TRUE(katana::test::is_problem(*refused, 503));
    EXPECT_EQ(refused->header("Connection"), "close");
    EXPECT_FALSE(refused->header("Retry-After").empty());
    EXPECT_TRUE(third->wait_closed(5s));

    // The two accepted connections are unaffected.
    ASSERT_TRUE(a->send_all(make_get("/json")));
    auto again = a->read_response(5s);
    ASSERT_TRUE(again.has_value()) << a->last_error();
    EXPECT_TRUE(is_json_hello(*again));

    // A slot freed by a client that leaves is available again.
    b->close();
    bool served = false;
    for (int attempt = 0; attempt < 50 && !served; ++attempt) {
        auto c = connect();
        ASSERT_TRUE(c);
        // While the slot is still taken the server answers 503 and closes, and the send may
        // already meet the closed socket.
        if (c->send_all(make_get("/plaintext"))) {
            auto r = c->read_response(5s);
            served = r.has_value() && r->status == 200;
        }
        if (!served) std::this_thread::sleep_for(50ms);
    }
    EXPECT_TRUE(served) << "a closed connection's slot was never given back";
}

// Open descriptors of a process, from /proc.
std::size_t open_fds(pid_t pid) {
    std::size_t n = 0;
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
        ++n;
    }
    return n;
}

TEST_P(Concurrency, ConnectionChurnLeaksNoDescriptors) {
    if (!start({"--threads", "2"})) return;
    const pid_t pid = hello().process().pid();
    const std::size_t baseline = open_fds(pid);
    ASSERT_GT(baseline, 0u);
    // Every way a connection can end: the server closes (Connection: close), the client closes
    // after its answer, the client resets (SO_LINGER 0) with requests still unanswered, and the
    // client goes away without sending anything.
    for (int i = 0; i < 800; ++i) {
        auto c = tcp_client::connect(port(), 5s);
        ASSERT_TRUE(c.has_value()) << i << ": " << c.error();
        switch (i % 4) {
        case 0: {
            ASSERT_TRUE(c->send_all(make_get("/plaintext", "Connection: close\r\n")));
            auto r = c->read_response(5s);
            ASSERT_TRUE(r.has_value()) << i << ": " << c->last_error();
            ASSERT_TRUE(c->wait_closed(5s));
            break;
        }
        case 1: {
            ASSERT_TRUE(c->send_all(make_get("/json")));
            auto r = c->read_response(5s);
            ASSERT_TRUE(r.has_value()) << i << ": " << c->last_error();
            break;
        }
        case 2: {
            std::string burst;
            for (int k = 0; k < 50; ++k) burst += make_get("/plaintext");
            ASSERT_TRUE(c->send_all(burst));
            const linger hard{1, 0};
            ::setsockopt(c->fd(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
            break;
        }
        default: break;
        }
    }
    // The server notices every close within a moment; give it a few seconds under sanitizers.
    std::size_t now = open_fds(pid);
    for (int i = 0; i < 100 && now > baseline + 4; ++i) {
        std::this_thread::sleep_for(50ms);
        now = open_fds(pid);
    }
    EXPECT_LE(now, baseline + 4) << "hello holds " << now - baseline << " more descriptors than before 800 closed connections";
    auto r = exchange(make_get("/plaintext"));
    ASSERT_TRUE(r);
    EXPECT_TRUE(is_plaintext(*r));
}

INSTANTIATE_TEST_SUITE_P(Backends, Concurrency, KATANA_E2E_BACKENDS, katana::test::backend_name);

} // namespace
