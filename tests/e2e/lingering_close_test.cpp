// After an error answer the server may not have read everything the client sent. Closing a
// socket with unread bytes makes the kernel send RST, and on a real network an RST can destroy
// the 4xx before the client reads it. The server must end such connections with FIN (orderly
// EOF for the client), after discarding what still arrives.
#include "e2e/inprocess_server.hpp"

#include <katana/router/router.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <thread>

namespace {

using namespace std::chrono_literals;


// Reads until EOF, error or timeout. Returns what was read; `end` is 0 for EOF, an errno, or
// ETIMEDOUT.
std::string read_to_end(int fd, int& end, std::chrono::milliseconds timeout) {
    std::string out;
    char buf[4096];
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            end = ETIMEDOUT;
            return out;
        }
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n > 0) {
            out.append(buf, static_cast<std::size_t>(n));
        } else if (n == 0) {
            end = 0;
            return out;
        } else if (errno != EINTR) {
            end = errno;
            return out;
        }
    }
}

class LingeringClose : public ::testing::TestWithParam<katana::backend_kind> {};

TEST_P(LingeringClose, ErrorAnswerWithUnreadBytesEndsWithFinNotReset) {
    katana::router routes;
    routes.get("/plaintext", [](katana::request_context& ctx) { ctx.response.body("Hello, World!"); });
    katana::server_options options;
    options.threads = 1;
    options.backend = GetParam();
    katana::test::inprocess_server server(options, routes);
    KATANA_REQUIRE_SERVER(server, GetParam());
    const int fd = katana::test::connect_loopback(server.info().port);
    ASSERT_GE(fd, 0);
    // A malformed head followed by a large body the server never parses.
    std::string request = "GET /plaintext HTTP/1.1\r\nHost: x\r\nBad Header: y\r\nContent-Length: 200000\r\n\r\n";
    request.append(200000, 'z');
    std::size_t sent = 0;
    while (sent < request.size()) {
        const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break; // the server may stop reading early; what matters is how it closes
        sent += static_cast<std::size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
    int end = -1;
    const std::string answer = read_to_end(fd, end, 5s);
    ::close(fd);
    EXPECT_EQ(answer.substr(0, 24), "HTTP/1.1 400 Bad Request");
    EXPECT_NE(answer.find("Connection: close"), std::string::npos);
    EXPECT_EQ(end, 0) << "expected an orderly FIN, got " << (end == ECONNRESET ? "ECONNRESET" : std::to_string(end));
}

TEST_P(LingeringClose, ClientThatKeepsSendingIsCutOffAfterTheLingerTime) {
    katana::router routes;
    katana::server_options options;
    options.threads = 1;
    options.backend = GetParam();
    options.linger_timeout = 300ms;
    katana::test::inprocess_server server(options, routes);
    KATANA_REQUIRE_SERVER(server, GetParam());
    const int fd = katana::test::connect_loopback(server.info().port);
    ASSERT_GE(fd, 0);
    const std::string bad = "GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n";
    ASSERT_EQ(::send(fd, bad.data(), bad.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bad.size()));
    const auto start = std::chrono::steady_clock::now();
    // The answer, then EOF (the server's FIN) while our side stays open.
    int end = -1;
    const std::string answer = read_to_end(fd, end, 2s);
    EXPECT_EQ(answer.substr(0, 24), "HTTP/1.1 400 Bad Request");
    EXPECT_EQ(end, 0);
    // Keep trickling bytes: the server discards them, but must not wait for us forever. Once it
    // closes, our sends fail (EPIPE/ECONNRESET).
    bool closed = false;
    while (std::chrono::steady_clock::now() - start < 3s) {
        if (::send(fd, "zzzz", 4, MSG_NOSIGNAL) < 0) {
            closed = true;
            break;
        }
        std::this_thread::sleep_for(10ms);
    }
    ::close(fd);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_TRUE(closed);
    EXPECT_GE(elapsed, 250ms); // it did linger
    EXPECT_LT(elapsed, 2s);    // and stopped at linger_timeout (300 ms)
}

INSTANTIATE_TEST_SUITE_P(Backends, LingeringClose,
                         ::testing::Values(katana::backend_kind::epoll, katana::backend_kind::io_uring),
                         [](const auto& p) { return std::string(katana::to_string(p.param)); });

} // namespace
