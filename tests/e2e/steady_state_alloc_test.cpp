// Proves the plaintext and JSON paths make zero heap allocations per request once warm: the
// whole process (server reactor + a client that uses only raw syscalls on fixed buffers) is
// counted by the replaced global operator new in tests/support/alloc_counter.
#include "e2e/inprocess_server.hpp"
#include "support/alloc_counter.hpp"

#include <katana/router/router.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string_view>

namespace {


// Sends `depth` pipelined copies of `request` and reads until `depth` bodies equal to
// `expected_body` arrived. No allocation: fixed buffers only. Returns false on any mismatch.
bool round_trip(int fd, std::string_view request, int depth, std::string_view expected_body) {
    static char out[64 * 1024];
    static char in[256 * 1024];
    std::size_t n = 0;
    for (int i = 0; i < depth; ++i) {
        std::memcpy(out + n, request.data(), request.size());
        n += request.size();
    }
    if (::send(fd, out, n, MSG_NOSIGNAL) != static_cast<ssize_t>(n)) return false;
    std::size_t have = 0;
    int seen = 0;
    std::size_t scan = 0;
    while (seen < depth) {
        const ssize_t r = ::recv(fd, in + have, sizeof in - have, 0);
        if (r <= 0) return false;
        have += static_cast<std::size_t>(r);
        // Count complete responses: each ends with its body after a blank line.
        for (;;) {
            const std::string_view window(in + scan, have - scan);
            const auto head_end = window.find("\r\n\r\n");
            if (head_end == std::string_view::npos) break;
            if (window.size() < head_end + 4 + expected_body.size()) break;
            if (window.substr(0, 15) != "HTTP/1.1 200 OK") return false;
            if (window.substr(head_end + 4, expected_body.size()) != expected_body) return false;
            scan += head_end + 4 + expected_body.size();
            ++seen;
        }
    }
    return scan == have;
}

class SteadyStateAllocation : public ::testing::TestWithParam<katana::backend_kind> {};

// Counts heap allocations over `rounds` steady-state plaintext requests.
std::size_t allocations_for_plaintext(katana::server_options options, int rounds) {
    katana::router routes;
    routes.get("/plaintext", [](katana::request_context& ctx) {
        ctx.response.content_type("text/plain").body_ref("Hello, World!");
    });
    options.threads = 1;
    katana::test::inprocess_server server(options, routes);
    EXPECT_TRUE(server.ready()) << server.error();
    const int fd = katana::test::connect_loopback(server.info().port);
    EXPECT_GE(fd, 0);
    constexpr std::string_view plaintext = "GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n";
    for (int i = 0; i < 200; ++i) EXPECT_TRUE(round_trip(fd, plaintext, 1, "Hello, World!"));
    const auto before = katana::test::global_allocation_count();
    for (int i = 0; i < rounds; ++i) {
        if (!round_trip(fd, plaintext, 1, "Hello, World!")) break;
    }
    const auto after = katana::test::global_allocation_count();
    ::close(fd);
    return after - before;
}

// Negative control: with --no-arena every request allocates (response headers, request
// objects), so the counter demonstrably sees the server thread's allocations.
TEST(SteadyStateAllocationControl, HeapModeAllocatesAndIsCounted) {
    katana::server_options options;
    options.backend = katana::backend_kind::epoll;
    options.memory = katana::memory_mode::heap;
    EXPECT_GE(allocations_for_plaintext(options, 500), 500u);
}

TEST_P(SteadyStateAllocation, PlaintextAndJsonAllocateNothingPerRequest) {
    katana::router routes;
    routes.get("/plaintext", [](katana::request_context& ctx) {
        ctx.response.content_type("text/plain").body_ref("Hello, World!");
    });
    routes.get("/json", [](katana::request_context& ctx) {
        ctx.response.content_type("application/json").body_ref(R"({"message":"Hello, World!"})");
    });
    katana::server_options options;
    options.threads = 1;
    options.backend = GetParam();
    katana::test::inprocess_server server(options, routes);
    KATANA_REQUIRE_SERVER(server, GetParam());
    const int fd = katana::test::connect_loopback(server.info().port);
    ASSERT_GE(fd, 0);
    constexpr std::string_view plaintext = "GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n";
    constexpr std::string_view json = "GET /json HTTP/1.1\r\nHost: x\r\n\r\n";

    // Warm up: pools, connection objects and buffers reach their steady size.
    for (int i = 0; i < 200; ++i) {
        ASSERT_TRUE(round_trip(fd, plaintext, 1, "Hello, World!"));
        ASSERT_TRUE(round_trip(fd, json, 16, R"({"message":"Hello, World!"})"));
    }
    const auto before = katana::test::global_allocation_count();
    for (int i = 0; i < 2000; ++i) {
        if (!round_trip(fd, plaintext, 1, "Hello, World!")) FAIL() << "plaintext round trip " << i;
    }
    for (int i = 0; i < 200; ++i) {
        if (!round_trip(fd, json, 16, R"({"message":"Hello, World!"})")) FAIL() << "json round trip " << i;
    }
    const auto after = katana::test::global_allocation_count();
    ::close(fd);
    EXPECT_EQ(after - before, 0u) << "heap allocations during 5,200 steady-state requests";
    EXPECT_GE(server.stats().requests, 5200u + 200u * 17u);
}

katana::task<std::size_t> child_task(std::string_view text) {
    co_await katana::sleep_for(std::chrono::milliseconds(1));
    co_return text.size();
}

TEST_P(SteadyStateAllocation, CoroutineHandlerWithChildTaskAllocatesNothing) {
    katana::router routes;
    routes.get("/async", [](katana::request_context& ctx) -> katana::task<void> {
        co_await katana::sleep_for(std::chrono::milliseconds(1));
        // Called after a resume from a timer: its frame must still come from request memory.
        const std::size_t n = co_await child_task("Hello, World!");
        ctx.response.content_type("text/plain").body_ref(n == 13 ? "Hello, World!" : "wrong length!");
    });
    katana::server_options options;
    options.threads = 1;
    options.backend = GetParam();
    katana::test::inprocess_server server(options, routes);
    KATANA_REQUIRE_SERVER(server, GetParam());
    const int fd = katana::test::connect_loopback(server.info().port);
    ASSERT_GE(fd, 0);
    constexpr std::string_view request = "GET /async HTTP/1.1\r\nHost: x\r\n\r\n";
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(round_trip(fd, request, 2, "Hello, World!")); // same shape as measured
    const auto before = katana::test::global_allocation_count();
    for (int i = 0; i < 100; ++i) {
        if (!round_trip(fd, request, 2, "Hello, World!")) FAIL() << "round trip " << i;
    }
    const auto after = katana::test::global_allocation_count();
    ::close(fd);
    EXPECT_EQ(after - before, 0u) << "heap allocations during 200 coroutine requests";
}

INSTANTIATE_TEST_SUITE_P(Backends, SteadyStateAllocation,
                         ::testing::Values(katana::backend_kind::epoll, katana::backend_kind::io_uring),
                         [](const auto& p) { return std::string(katana::to_string(p.param)); });

} // namespace
