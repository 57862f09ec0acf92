// The reactor's I/O backends (epoll and io_uring) against real sockets. Every test runs on both:
// the seam promises identical behaviour, so one suite checks both. io_uring is skipped, with the
// reason, when the kernel refuses it.
//
// The backend header is private to katana_core (src/), hence the path relative to this file.
#include "reactor/io_backend.hpp" // private header: tests/CMakeLists.txt adds katana/core/src

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace katana::detail {
namespace {

using namespace std::chrono_literals;

// ---- helpers ----------------------------------------------------------------------------

struct fd_guard {
    int fd = -1;
    fd_guard() = default;
    explicit fd_guard(int f) : fd(f) {}
    fd_guard(fd_guard&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
    fd_guard& operator=(fd_guard&& o) noexcept {
        reset();
        fd = std::exchange(o.fd, -1);
        return *this;
    }
    ~fd_guard() { reset(); }
    void reset() {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
    int release() { return std::exchange(fd, -1); }
};

void set_nonblocking(int fd, bool on) {
    const int flags = ::fcntl(fd, F_GETFL);
    ::fcntl(fd, F_SETFL, on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK));
}

// A connected stream socket pair; [0] goes to the backend (non-blocking), [1] is the test's
// blocking peer.
std::pair<fd_guard, fd_guard> stream_pair() {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return {};
    set_nonblocking(sv[0], true);
    return {fd_guard(sv[0]), fd_guard(sv[1])};
}

fd_guard tcp_listener(std::uint16_t& port) {
    fd_guard l(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(l.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return {};
    if (::listen(l.fd, 4096) != 0) return {};
    socklen_t len = sizeof a;
    ::getsockname(l.fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    return l;
}

fd_guard tcp_connect(std::uint16_t port) {
    fd_guard c(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    if (::connect(c.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return {};
    return c;
}

std::string pattern(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    return s;
}

bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

// A stream that appends what it receives. `allow` caps how many bytes it accepts before
// read_space() goes empty (pausing the backend); `chunk` caps each read_space().
class test_stream final : public io_stream {
public:
    std::string data;
    std::size_t allow = SIZE_MAX;
    std::size_t chunk = 64 * 1024;
    int receive_calls = 0;
    int empty_space_calls = 0;
    int read_end_calls = 0;
    int read_end_error = -1;
    std::size_t data_at_read_end = 0;
    int send_done_calls = 0;
    int send_done_error = -1;
    int detached_calls = 0;
    int drained_calls = 0;
    bool in_close = false;       // set around close_stream(): on_detached must not run then
    bool detached_reentrant = false;
    std::function<void(test_stream&)> after_receive; // may close the stream
    iovec out{};                                      // what a callback sends from

    std::span<char> read_space() noexcept override {
        const std::size_t room = allow > data.size() ? std::min(allow - data.size(), chunk) : 0;
        if (room == 0) ++empty_space_calls;
        buf_.resize(std::max<std::size_t>(room, 1));
        return {buf_.data(), room};
    }
    void on_received(std::size_t n) noexcept override {
        ++receive_calls;
        data.append(buf_.data(), n);
        if (after_receive) after_receive(*this);
    }
    void on_read_end(int error) noexcept override {
        ++read_end_calls;
        read_end_error = error;
        data_at_read_end = data.size();
    }
    void on_send_done(int error) noexcept override {
        ++send_done_calls;
        send_done_error = error;
    }
    void on_read_drained() noexcept override { ++drained_calls; }
    void on_detached() noexcept override {
        if (in_close) detached_reentrant = true;
        ++detached_calls;
    }

private:
    std::vector<char> buf_;
};

class test_listener final : public io_listener {
public:
    std::vector<int> accepted;
    std::vector<int> errors;
    std::function<void(int)> handler; // takes ownership of the fd when set
    void on_accept(int fd) noexcept override {
        if (handler) {
            handler(fd);
        } else {
            accepted.push_back(fd);
        }
    }
    void on_accept_error(int error) noexcept override { errors.push_back(error); }
    ~test_listener() override {
        for (int fd : accepted) ::close(fd);
    }
};

// Joins on scope exit so that a failed ASSERT cannot leave a joinable thread behind.
struct joining_thread {
    std::thread t;
    template <typename F>
    explicit joining_thread(F&& f) : t(std::forward<F>(f)) {}
    ~joining_thread() { join(); }
    void join() {
        if (t.joinable()) t.join();
    }
};

void close_now(io_backend& b, test_stream& s) {
    s.in_close = true;
    b.close_stream(s);
    s.in_close = false;
}

// ---- fixture ----------------------------------------------------------------------------

enum class which { epoll, io_uring };

class IoBackendTest : public ::testing::TestWithParam<which> {
protected:
    void SetUp() override {
        std::string error;
        backend_ = GetParam() == which::epoll ? make_epoll_backend(error) : make_io_uring_backend(error);
        if (!backend_) {
            if (GetParam() == which::io_uring) GTEST_SKIP() << "io_uring unavailable: " << error;
            FAIL() << "epoll backend: " << error;
        }
    }

    // Polls until `done()` or the deadline; returns done().
    bool pump(const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (!done()) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            backend_->poll(10ms);
        }
        return true;
    }
    void pump_for(std::chrono::milliseconds d) {
        const auto deadline = std::chrono::steady_clock::now() + d;
        while (std::chrono::steady_clock::now() < deadline) backend_->poll(5ms);
    }

    io_backend& b() { return *backend_; }

    std::unique_ptr<io_backend> backend_;
};

// ---- tests ------------------------------------------------------------------------------

TEST_P(IoBackendTest, NameMatchesBackend) {
    EXPECT_EQ(b().name(), GetParam() == which::epoll ? "epoll" : "io_uring");
}

TEST_P(IoBackendTest, AcceptDeliversNonBlockingCloexecSockets) {
    std::uint16_t port = 0;
    fd_guard l = tcp_listener(port);
    ASSERT_GE(l.fd, 0);
    test_listener listener;
    ASSERT_TRUE(b().add_listener(l.fd, listener));
    std::vector<fd_guard> clients;
    for (int i = 0; i < 3; ++i) clients.push_back(tcp_connect(port));
    ASSERT_TRUE(pump([&] { return listener.accepted.size() == 3; })) << listener.accepted.size();
    EXPECT_TRUE(listener.errors.empty());
    for (int fd : listener.accepted) {
        EXPECT_NE(::fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
        EXPECT_NE(::fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
    }
    // Each accepted socket is the other end of one of our clients.
    std::vector<std::uint16_t> client_ports, server_peer_ports;
    for (auto& c : clients) {
        sockaddr_in a{};
        socklen_t len = sizeof a;
        ::getsockname(c.fd, reinterpret_cast<sockaddr*>(&a), &len);
        client_ports.push_back(ntohs(a.sin_port));
    }
    for (int fd : listener.accepted) {
        sockaddr_in a{};
        socklen_t len = sizeof a;
        ::getpeername(fd, reinterpret_cast<sockaddr*>(&a), &len);
        server_peer_ports.push_back(ntohs(a.sin_port));
    }
    std::ranges::sort(client_ports);
    std::ranges::sort(server_peer_ports);
    EXPECT_EQ(client_ports, server_peer_ports);
    b().remove_listener(l.fd);
}

TEST_P(IoBackendTest, ReceivesSmallData) {
    auto [mine, peer] = stream_pair();
    test_stream s;
    s.fd = mine.release();
    ASSERT_TRUE(b().add_stream(s));
    ASSERT_TRUE(write_all(peer.fd, "hello"));
    ASSERT_TRUE(pump([&] { return s.data.size() >= 5; }));
    EXPECT_EQ(s.data, "hello");
    EXPECT_EQ(s.read_end_calls, 0);
    ASSERT_TRUE(pump([&] { return s.drained_calls > 0; })) << "idle socket never reported drained";
    close_now(b(), s);
    ASSERT_TRUE(pump([&] { return s.detached_calls == 1; }));
}

TEST_P(IoBackendTest, ReceivesLargeDataOverManyCompletions) {
    auto [mine, peer] = stream_pair();
    test_stream s;
    s.fd = mine.release();
    ASSERT_TRUE(b().add_stream(s));
    const std::string payload = pattern(3 * 1024 * 1024 + 17, 1);
    joining_thread writer([&, pfd = peer.fd] { EXPECT_TRUE(write_all(pfd, payload)); });
    const bool ok = pump([&] { return s.data.size() >= payload.size(); }, 20s);
    writer.join();
    ASSERT_TRUE(ok) << s.data.size();
    EXPECT_TRUE(s.data == payload);
    EXPECT_GT(s.receive_calls, 1);
    close_now(b(), s);
    ASSERT_TRUE(pump([&] { return s.detached_calls == 1; }));
}

TEST_P(IoBackendTest, TinyReadSpaceSplitsDeliveries) {
    auto [mine, peer] = stream_pair();
    test_stream s;
    s.chunk = 100; // far smaller than one kernel buffer
    s.fd = mine.release();
    ASSERT_TRUE(b().add_stream(s));
    const std::string payload = pattern(50'000, 2);
    ASSERT_TRUE(write_all(peer.fd, payload));
    ASSERT_TRUE(pump([&] { return s.data.size() >= payload.size(); }));
    EXPECT_TRUE(s.data == payload);
    EXPECT_GE(s.receive_calls, 500);
    close_now(b(), s);
    ASSERT_TRUE(pump([&] { return s.detached_calls == 1; }));
}

TEST_P(IoBackendTest, EmptyReadSpacePausesUntilResume) {
    auto [mine, peer] = stream_pair();
    test_stream s;
    s.allow = 1000;
    s.fd = mine.release();
    ASSERT_TRUE(b().add_stream(s));
    const std::string payload = pattern(200'000, 3);
    joining_thread writer([&, pfd = peer.fd] {
        EXPECT_TRUE(write_all(pfd, payload));
        ::shutdown(pfd, SHUT_WR);
    });
    ASSERT_TRUE(pump([&] { return s.data.size() >= 1000 && s.empty_space_calls > 0; }));
    pump_for(100ms);
    // Paused: nothing beyond the allowance, and the end of stream waits behind the held bytes.
    EXPECT_EQ(s.data.size(), 1000u);
    EXPECT_EQ(s.read_end_calls, 0);
    const int empty_calls = s.empty_space_calls;
    pump_for(50ms);
    EXPECT_LE(s.empty_space_calls, empty_calls + 1) << "a paused stream must not be polled for space";

    s.allow = 50'000;
    b().resume_reading(s);
    ASSERT_TRUE(pump([&] { return s.data.size() >= 50'000; }));
    pump_for(50ms);
    EXPECT_EQ(s.data.size(), 50'000u);
    s.allow = SIZE_MAX;
    b().resume_reading(s);
    ASSERT_TRUE(pump([&] { return s.read_end_calls == 1; }, 10s)) << s.data.size();
    writer.join();
    EXPECT_TRUE(s.data == payload);
    EXPECT_EQ(s.read_end_error, 0);
    EXPECT_EQ(s.data_at_read_end, payload.size()) << "on_read_end before all bytes were delivered";
    close_now(b(), s);
    ASSERT_TRUE(pump([&] { return s.detached_calls == 1; }));
}

TEST_P(IoBackendTest, ResumeWithoutPauseIsHarmless) {
    auto [mine, peer] = stream_pair();
    test_stream s;
    s.fd = mine.release();
    ASSERT_TRUE(b().add_stream(s));
    b().resume_reading(s);
    ASSERT_TRUE(write_all(peer.fd, "abc"));
    ASSERT_TRUE(pump([&] { return s.data.size() >= 3; }));
    pump_for(30ms);
    EXPECT_EQ(s.data, "abc");
    close_now(b(), s);
    ASSERT_TRUE(pump([&] { return s.detached_calls == 1; }));
}

// More paused streams holding unread bytes than the io_uring backend parks in its buffer ring:
// nothing may be lost, and other streams must keep receiving meanwhile.
TEST_P(IoBackendTest, ManyPausedStreamsKeepTheirBytes) {
    constexpr int count = 150;
    std::vector<std::unique_ptr<test_stream>> streams;
    std::vector<fd_guard> peers;
    std::vector<std::string> payloads;
    for (int i = 0; i < count; ++i) {
        auto [mine, peer] = stream_pair();
        ASSERT_GE(mine.fd, 0);
        auto s = std::make_unique<test_stream>();
        s->allow = 100;
        s->fd = mine.release();
        ASSERT_TRUE(b().add_stream(*s));
        payloads.push_back(pattern(3000, 100 + static_cast<unsigned>(i)));
        ASSERT_TRUE(write_all(peer.fd, payloads.back()));
        streams.push_back(std::move(s));
        peers.push_back(std::move(peer));
    }
    ASSERT_TRUE(pump([&] {
        return std::ranges::all_of(streams, [](auto& s) { return s->data.size() == 100; });
    }));
    // An unpaused stream still receives while the others hold their bytes.
    auto [mine, peer] = stream_pair();
    test_stream fresh;
    fresh.fd = mine.release();
    ASSERT_TRUE(b().add_stream(fresh));
    const std::string big = pattern(600'000, 99);
    joining_thread writer([&, pfd = peer.fd] { EXPECT_TRUE(write_all(pfd, big)); });
    const bool fresh_ok = pump([&] { return fresh.data.size() >= big.size(); }, 10s);
    writer.join();
    ASSERT_TRUE(fresh_ok) << fresh.data.size();
    EXPECT_TRUE(fresh.data == big);

    for (auto& s : streams) {
        s->allow = SIZE_MAX;
        b().resume_reading(*s);
    }
    ASSERT_TRUE(pump([&] {
        return std::ranges::all_of(streams, [](auto& s) { return s->data.size() >= 3000; });
    }));
    for (int i = 0; i < count; ++i) {
        EXPECT_TRUE(streams[static_cast<std::size_t>(i)]->data == payloads[static_cast<std::size_t>(i)]) << i;
    }
    for (auto& s : streams) close_now(b(), *s);
    close_now(b(), fresh);
    ASSERT_TRUE(pump([&] {
        return fresh.detached_calls == 1 &&
               std::ranges::all_of(streams, [](auto& s) { return s->detached_calls == 1; });
    }));
}

// Data already queued on hundreds of sockets when they are added: more completions than the
// io_uring buffer ring holds arrive at once (ENOBUFS must re-arm, not fail).
TEST_P(IoBackendTest, BurstLargerThanBufferRing) {
    constexpr int count = 700;
    std::vector<std::unique_ptr<test_stream>> streams;
    std::vector<fd_guard> peers;
    for (int i = 0; i < count; ++i) {
        auto [mine, peer] = stream_pair();
        ASSERT_GE(mine.fd, 0);
        ASSERT_TRUE(write_all(peer.fd, pattern(2000, static_cast<unsigned>(i))));
        auto s = std::make_unique<test_stream>();
        s->fd = mine.release();
        streams.push_back(std::move(s));
        peers.push_back(std::move(peer));
    }
    for (auto& s : streams) ASSERT_TRUE(b().add_stream(*s));
    ASSERT_TRUE(pump([&] {
        return std::ranges::all_of(streams, [](auto& s) { return s->data.size() >= 2000; });
    }, 10s));
    for (int i = 0; i < count; ++i) {
        const auto& s = *streams[static_cast<std::size_t>(i)];
        EXPECT_TRUE(s.data == pattern(2000, static_cast<unsigned>(i))) << i;
        EXPECT_EQ(s.read_end_calls, 0) << i << " error " << s.read_end_error;
    }
    for (auto& s : streams) close_now(b(), *s);
    ASSERT_TRUE(pump([&] { return std::ranges::all_of(streams, [](auto& s) { return s->detached_calls == 1; }); }));
}

TEST_P(IoBackendTest, PeerCloseReportsReadEndZero) {
    auto [mine, peer] = stream_pair();
    test_stream s;
    s.fd = mine.release();
    ASSERT_TRUE(b().add_stream(s));
    ASSERT_TRUE(write_all(peer.fd, "bye"));
    peer.reset();
    ASSERT_TRUE(pump([&] { return s.read_end_calls > 0; }));
    pump_for(30ms);
    EXPECT_EQ(s.read_end_calls, 1);
    EXPECT_EQ(s.read_end_error, 0);
    EXPECT_EQ(s.data, "bye");
    EXPECT_EQ(s.data_at_read_end, 3u);
    close_now(b(), s);
    ASSERT_TRUE(pump([&] { return s.detached_calls == 1; }));
}

// >1 MiB over more than IOV_MAX iovecs to a reader that takes its time: partial sends must carry
// on until everything is written, then on_send_done(0) exactly once.
TEST_P(IoBackendTest, SendManyIovecsToSlowReader) {
    std::uint16_t port = 0;
    fd_guard l = tcp_listener(port);
    ASSERT_GE(l.fd, 0);
    fd_guard client = tcp_connect(port);
    ASSERT_GE(client.fd, 0);
    fd_guard server;
    for (int i = 0; i < 100 && server.fd < 0; ++i) {
        server = fd_guard(::accept4(l.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (server.fd < 0) std::this_thread::sleep_for(5ms);
    }
    ASSERT_GE(server.fd, 0);
    const int small_buf = 16 * 1024;
    ::setsockopt(server.fd, SOL_SOCKET, SO_SNDBUF, &small_buf, sizeof small_buf);
    ::setsockopt(client.fd, SOL_SOCKET, SO_RCVBUF, &small_buf, sizeof small_buf);

    test_stream s;
    s.fd = server.release();
    ASSERT_TRUE(b().add_stream(s));

    const std::string payload = pattern(1536 * 1024 + 123, 4);
    std::vector<iovec> iov;
    // Uneven pieces, including empty ones, 3000+ entries (> IOV_MAX).
    for (std::size_t off = 0, i = 0; off < payload.size(); ++i) {
        const std::size_t len = std::min<std::size_t>(payload.size() - off, (i % 7 == 3) ? 0 : 257 + (i * 131) % 700);
        iov.push_back({const_cast<char*>(payload.data() + off), len});
        off += len;
    }
    ASSERT_GT(iov.size(), static_cast<std::size_t>(IOV_MAX));

    std::string got;
    std::atomic<bool> reader_done{false};
    joining_thread reader([&, cfd = client.fd] {
        char buf[8192];
        while (got.size() < payload.size()) {
            const ssize_t n = ::read(cfd, buf, sizeof buf);
            if (n <= 0) break;
            got.append(buf, static_cast<std::size_t>(n));
            if (got.size() < 256 * 1024) std::this_thread::sleep_for(1ms); // slow at first
        }
        reader_done = true;
    });
    const send_status st = b().send(s, iov);
    bool ok = true;
    if (st == send_status::pending) {
        ok = pump([&] { return s.send_done_calls > 0; }, 30s);
    }
    const bool reader_ok = pump([&] { return reader_done.load(); }, 30s);
    reader.join();
    ASSERT_NE(st, send_status::failed);
    ASSERT_TRUE(ok);
    ASSERT_TRUE(reader_ok);
    EXPECT_EQ(st, send_status::pending) << "1.5 MiB cannot fit a 16 KiB socket buffer";
    EXPECT_EQ(s.send_done_calls, 1);
    EXPECT_EQ(s.send_done_error, 0);
    EXPECT_EQ(got.size(), payload.size());
    EXPECT_TRUE(got == payload);
    close_now(b(), s);
    ASSERT_TRUE(pump([&] { return s.detached_calls == 1; }));
}

TEST_P(IoBackendTest, SmallSendCompletes) {
    auto [mine, peer] = stream_pair();
    test_stream s;
    s.fd = mine.release();
    ASSERT_TRUE(b().add_stream(s));
    std::string a = "HTTP/1.1 200 OK\r\n", c = "\r\nbody";
    iovec iov[2] = {{a.data(), a.size()}, {c.data(), c.size()}};
    const send_status st = b().send(s, iov);
    ASSERT_NE(st, send_status::failed);
    if (st == send_status::pending) {
        ASSERT_TRUE(pump([&] { return s.send_done_calls == 1; }));
        EXPECT_EQ(s.send_done_error, 0);
    } else {
        EXPECT_EQ(s.send_done_calls, 0) << "an immediate result must not also call back";
    }
    std::string got(a.size() + c.size(), '\0');
    ASSERT_EQ(::recv(peer.fd, got.data(), got.size(), MSG_WAITALL), static_cast<ssize_t>(got.size()));
    EXPECT_EQ(got, a + c);
    // An empty send has nothing to wait for.
    EXPECT_EQ(b().send(s, {}), send_status::done);
    close_now(b(), s);
    ASSERT_TRUE(pump([&] { return s.detached_calls == 1; }));
}

TEST_P(IoBackendTest, SendToResetPeerFails) {
    std::uint16_t port = 0;
    fd_guard l = tcp_listener(port);
    fd_guard client = tcp_connect(port);
    ASSERT_GE(client.fd, 0);
    fd_guard server;
    for (int i = 0; i < 100 && server.fd < 0; ++i) {
        server = fd_guard(::accept4(l.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (server.fd < 0) std::this_thread::sleep_for(5ms);
    }
    ASSERT_GE(server.fd, 0);
    test_stream s;
    s.fd = server.release();
    ASSERT_TRUE(b().add_stream(s));
    // Abortive close: the peer answers with RST.
    linger lg{1, 0};
    ::setsockopt(client.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    client.reset();
    ASSERT_TRUE(pump([&] { return s.read_end_calls > 0; }));
    EXPECT_EQ(s.read_end_error, ECONNRESET);

    const std::string payload = pattern(256 * 1024, 5);
    iovec iov{const_cast<char*>(payload.data()), payload.size()};
    const send_status st = b().send(s, {&iov, 1});
    if (st == send_status::pending) {
        ASSERT_TRUE(pump([&] { return s.send_done_calls > 0; }));
        EXPECT_NE(s.send_done_error, 0);
        EXPECT_TRUE(s.send_done_error == EPIPE || s.send_done_error == ECONNRESET) << s.send_done_error;
    } else {
        EXPECT_EQ(st, send_status::failed);
    }
    close_now(b(), s);
    ASSERT_TRUE(pump([&] { return s.detached_calls == 1; }));
}

TEST_P(IoBackendTest, CloseWithPendingSendDetachesOnceLater) {
    auto [mine, peer] = stream_pair();
    test_stream s;
    s.fd = mine.release();
    ASSERT_TRUE(b().add_stream(s));
    // The peer never reads, so the send stays pending.
    const std::string payload = pattern(4 * 1024 * 1024, 6);
    iovec iov{const_cast<char*>(payload.data()), payload.size()};
    ASSERT_EQ(b().send(s, {&iov, 1}), send_status::pending);
    pump_for(30ms);
    EXPECT_EQ(s.send_done_calls, 0);
    close_now(b(), s);
    EXPECT_FALSE(s.detached_reentrant);
    EXPECT_EQ(s.detached_calls, 0) << "on_detached() from inside close_stream()";
    b().close_stream(s); // a second close is a no-op
    ASSERT_TRUE(pump([&] { return s.detached_calls > 0; }));
    pump_for(50ms);
    EXPECT_EQ(s.detached_calls, 1);
    EXPECT_EQ(s.send_done_calls, 0) << "no callbacks after close_stream()";
    EXPECT_EQ(s.read_end_calls, 0);
    // The socket really is closed: the peer sees EOF after the buffered bytes.
    set_nonblocking(peer.fd, false);
    char buf[65536];
    ssize_t n;
    while ((n = ::read(peer.fd, buf, sizeof buf)) > 0) {
    }
    EXPECT_EQ(n, 0);
}

TEST_P(IoBackendTest, CloseFromInsideCallbackStopsDelivery) {
    auto [mine, peer] = stream_pair();
    test_stream s;
    s.chunk = 10;
    s.fd = mine.release();
    io_backend& backend = b();
    s.after_receive = [&backend](test_stream& self) {
        self.in_close = true;
        backend.close_stream(self);
        self.in_close = false;
    };
    ASSERT_TRUE(b().add_stream(s));
    ASSERT_TRUE(write_all(peer.fd, pattern(5000, 7)));
    ASSERT_TRUE(pump([&] { return s.detached_calls > 0; }));
    pump_for(30ms);
    EXPECT_EQ(s.detached_calls, 1);
    EXPECT_FALSE(s.detached_reentrant);
    EXPECT_EQ(s.receive_calls, 1) << "bytes delivered after close_stream()";
    EXPECT_EQ(s.data.size(), 10u);
    EXPECT_EQ(s.read_end_calls, 0);
}

TEST_P(IoBackendTest, CloseRightAfterAddDetachesOnce) {
    auto [mine, peer] = stream_pair();
    test_stream s;
    s.fd = mine.release();
    ASSERT_TRUE(b().add_stream(s));
    close_now(b(), s);
    EXPECT_EQ(s.detached_calls, 0);
    ASSERT_TRUE(pump([&] { return s.detached_calls > 0; }));
    pump_for(30ms);
    EXPECT_EQ(s.detached_calls, 1);
    char c;
    EXPECT_EQ(::read(peer.fd, &c, 1), 0) << "socket not closed";
}

TEST_P(IoBackendTest, WakeupEventfdRunsCallback) {
    fd_guard efd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    ASSERT_GE(efd.fd, 0);
    std::atomic<int> calls{0};
    ASSERT_TRUE(b().add_wakeup(
        efd.fd, [](void* ctx) noexcept { static_cast<std::atomic<int>*>(ctx)->fetch_add(1); }, &calls));
    pump_for(30ms);
    EXPECT_EQ(calls.load(), 0);
    std::thread t([fd = efd.fd] {
        const std::uint64_t one = 1;
        EXPECT_EQ(::write(fd, &one, sizeof one), 8);
    });
    t.join();
    ASSERT_TRUE(pump([&] { return calls.load() >= 1; }));
    pump_for(30ms);
    EXPECT_EQ(calls.load(), 1) << "eventfd not drained";
    std::uint64_t v;
    EXPECT_EQ(::read(efd.fd, &v, sizeof v), -1);
    const std::uint64_t two = 2;
    ASSERT_EQ(::write(efd.fd, &two, sizeof two), 8);
    ASSERT_TRUE(pump([&] { return calls.load() >= 2; }));
}

TEST_P(IoBackendTest, WakeupInterruptsBlockingPoll) {
    fd_guard efd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    std::atomic<int> calls{0};
    ASSERT_TRUE(b().add_wakeup(
        efd.fd, [](void* ctx) noexcept { static_cast<std::atomic<int>*>(ctx)->fetch_add(1); }, &calls));
    b().poll(0ms);
    std::thread t([fd = efd.fd] {
        std::this_thread::sleep_for(50ms);
        const std::uint64_t one = 1;
        EXPECT_EQ(::write(fd, &one, sizeof one), 8);
    });
    const auto start = std::chrono::steady_clock::now();
    while (calls.load() == 0 && std::chrono::steady_clock::now() - start < 5s) b().poll(std::nullopt);
    const auto waited = std::chrono::steady_clock::now() - start;
    t.join();
    EXPECT_EQ(calls.load(), 1);
    EXPECT_LT(waited, 2s);
}

TEST_P(IoBackendTest, PollTimesOut) {
    auto timed_poll = [&] {
        const auto start = std::chrono::steady_clock::now();
        b().poll(60ms);
        return std::chrono::steady_clock::now() - start;
    };
    auto waited = timed_poll();
    // Tearing down an io_uring ring (the previous test's) makes the kernel interrupt this
    // thread's next sleep once (task work queued with TWA_SIGNAL), so one early return is legal.
    if (waited < 50ms) waited = timed_poll();
    EXPECT_GE(waited, 50ms);
    EXPECT_LT(waited, 1s);
}

TEST_P(IoBackendTest, RemoveListenerStopsAccepting) {
    std::uint16_t port = 0;
    fd_guard l = tcp_listener(port);
    test_listener listener;
    ASSERT_TRUE(b().add_listener(l.fd, listener));
    fd_guard c1 = tcp_connect(port);
    ASSERT_TRUE(pump([&] { return listener.accepted.size() == 1; }));
    b().remove_listener(l.fd);
    fd_guard c2 = tcp_connect(port); // completes in the kernel backlog
    ASSERT_GE(c2.fd, 0);
    pump_for(150ms);
    EXPECT_EQ(listener.accepted.size(), 1u);
    EXPECT_TRUE(listener.errors.empty());
    // The pending connection is still in the backlog for whoever accepts next.
    set_nonblocking(l.fd, false);
    fd_guard later(::accept4(l.fd, nullptr, nullptr, SOCK_CLOEXEC));
    EXPECT_GE(later.fd, 0);
}

TEST_P(IoBackendTest, RemoveListenerBeforeFirstPoll) {
    std::uint16_t port = 0;
    fd_guard l = tcp_listener(port);
    test_listener listener;
    ASSERT_TRUE(b().add_listener(l.fd, listener));
    b().remove_listener(l.fd);
    l.reset(); // the caller closes right away
    pump_for(50ms);
    EXPECT_TRUE(listener.accepted.empty());
    EXPECT_TRUE(listener.errors.empty());
}

// Backend built on one thread, driven on another (how reactors are started).
TEST_P(IoBackendTest, CreatedOnOneThreadPolledOnAnother) {
    std::uint16_t port = 0;
    fd_guard l = tcp_listener(port);
    test_listener listener;
    ASSERT_TRUE(b().add_listener(l.fd, listener));
    auto [mine, peer] = stream_pair();
    test_stream s;
    s.fd = mine.release();
    ASSERT_TRUE(b().add_stream(s));
    ASSERT_TRUE(write_all(peer.fd, "across"));
    fd_guard c = tcp_connect(port);
    bool ok = false;
    joining_thread runner([&] {
        ok = pump([&] { return s.data.size() >= 6 && listener.accepted.size() == 1; });
        close_now(b(), s);
        ok = ok && pump([&] { return s.detached_calls == 1; });
    });
    runner.join();
    EXPECT_TRUE(ok);
    EXPECT_EQ(s.data, "across");
}

TEST_P(IoBackendTest, ThousandConnections) {
    constexpr int count = 1000;
    std::uint16_t port = 0;
    fd_guard l = tcp_listener(port);
    ASSERT_GE(l.fd, 0);
    std::vector<std::unique_ptr<test_stream>> streams;
    streams.reserve(count);
    test_listener listener;
    io_backend& backend = b();
    listener.handler = [&](int fd) {
        auto s = std::make_unique<test_stream>();
        s->fd = fd;
        // Echo each 8-byte greeting back once it is complete.
        s->after_receive = [&backend](test_stream& self) {
            if (self.data.size() == 8) {
                self.out = {self.data.data(), 8};
                const send_status st = backend.send(self, {&self.out, 1});
                if (st == send_status::done) self.on_send_done(0);
                if (st == send_status::failed) self.on_send_done(EIO);
            }
        };
        EXPECT_TRUE(backend.add_stream(*s));
        streams.push_back(std::move(s));
    };
    ASSERT_TRUE(b().add_listener(l.fd, listener));

    std::vector<fd_guard> clients;
    clients.reserve(count);
    for (int i = 0; i < count; ++i) {
        clients.push_back(tcp_connect(port));
        ASSERT_GE(clients.back().fd, 0) << i;
        char greeting[9];
        std::snprintf(greeting, sizeof greeting, "c%07d", i);
        ASSERT_TRUE(write_all(clients.back().fd, std::string_view(greeting, 8)));
        if (i % 100 == 99) b().poll(0ms);
    }
    ASSERT_TRUE(pump([&] {
        return streams.size() == count &&
               std::ranges::all_of(streams, [](auto& s) { return s->send_done_calls == 1; });
    }, 20s)) << streams.size();
    EXPECT_TRUE(listener.errors.empty());
    for (auto& s : streams) EXPECT_EQ(s->send_done_error, 0);
    for (int i = 0; i < count; ++i) {
        char expect[9], got[9] = {};
        std::snprintf(expect, sizeof expect, "c%07d", i);
        ASSERT_EQ(::recv(clients[static_cast<std::size_t>(i)].fd, got, 8, MSG_WAITALL), 8) << i;
        EXPECT_STREQ(got, expect);
    }
    for (auto& s : streams) close_now(b(), *s);
    ASSERT_TRUE(pump([&] {
        return std::ranges::all_of(streams, [](auto& s) { return s->detached_calls == 1; });
    }, 10s));
    for (auto& s : streams) EXPECT_FALSE(s->detached_reentrant);
    b().remove_listener(l.fd);
}

TEST_P(IoBackendTest, DestroyWithOpenStreamsAndListeners) {
    std::uint16_t port = 0;
    fd_guard l = tcp_listener(port);
    test_listener listener;
    ASSERT_TRUE(b().add_listener(l.fd, listener));
    auto [mine, peer] = stream_pair();
    test_stream open_stream;
    open_stream.fd = mine.release();
    ASSERT_TRUE(b().add_stream(open_stream));
    auto [mine2, peer2] = stream_pair();
    test_stream closed_stream;
    closed_stream.fd = mine2.release();
    ASSERT_TRUE(b().add_stream(closed_stream));
    b().poll(0ms);
    close_now(b(), closed_stream);
    backend_.reset(); // must not touch freed memory (ASan) or hang
    EXPECT_EQ(closed_stream.detached_calls, 1) << "a closed stream must be handed back";
    EXPECT_EQ(open_stream.detached_calls, 0);
    ::close(open_stream.fd);
}

// Destroyed on another thread than the one that polled it (reactor thread joined, then the
// reactor destroyed on main): closed streams are still handed back exactly once.
TEST_P(IoBackendTest, DestroyOffThreadDetachesClosedStreams) {
    auto [mine, peer] = stream_pair();
    test_stream s;
    s.fd = mine.release();
    ASSERT_TRUE(b().add_stream(s));
    const std::string payload = pattern(1024 * 1024, 8);
    iovec iov{const_cast<char*>(payload.data()), payload.size()};
    joining_thread runner([&] {
        b().poll(0ms);
        EXPECT_EQ(b().send(s, {&iov, 1}), send_status::pending); // the peer does not read
        b().poll(0ms);
        close_now(b(), s);
    });
    runner.join();
    EXPECT_FALSE(s.detached_reentrant);
    backend_.reset();
    EXPECT_EQ(s.detached_calls, 1);
    EXPECT_EQ(s.send_done_calls, 0);
}

// Resumed streams are worked through in one batch; a callback of one closing another that is
// still waiting in that batch must not corrupt it.
TEST_P(IoBackendTest, CallbackClosesAnotherResumedStream) {
    auto [m1, p1] = stream_pair();
    auto [m2, p2] = stream_pair();
    test_stream a, c;
    a.allow = c.allow = 10;
    a.fd = m1.release();
    c.fd = m2.release();
    ASSERT_TRUE(b().add_stream(a));
    ASSERT_TRUE(b().add_stream(c));
    ASSERT_TRUE(write_all(p1.fd, pattern(3000, 9)));
    ASSERT_TRUE(write_all(p2.fd, pattern(3000, 10)));
    ASSERT_TRUE(pump([&] { return a.empty_space_calls > 0 && c.empty_space_calls > 0; }));
    io_backend& backend = b();
    auto close_other = [&backend](test_stream& other) {
        return [&backend, &other](test_stream&) {
            if (other.fd < 0) return;
            other.in_close = true;
            backend.close_stream(other);
            other.in_close = false;
        };
    };
    a.after_receive = close_other(c);
    c.after_receive = close_other(a);
    a.allow = c.allow = SIZE_MAX;
    b().resume_reading(a);
    b().resume_reading(c);
    ASSERT_TRUE(pump([&] { return a.detached_calls + c.detached_calls >= 1; }));
    pump_for(30ms);
    // Exactly one got to run; it closed the other, which received nothing more.
    EXPECT_EQ(a.detached_calls + c.detached_calls, 1);
    EXPECT_EQ((a.data.size() > 10) + (c.data.size() > 10), 1);
    EXPECT_FALSE(a.detached_reentrant);
    EXPECT_FALSE(c.detached_reentrant);
    test_stream& open = a.detached_calls == 0 ? a : c;
    open.after_receive = nullptr;
    close_now(b(), open);
    ASSERT_TRUE(pump([&] { return a.detached_calls == 1 && c.detached_calls == 1; }));
}

INSTANTIATE_TEST_SUITE_P(Backends, IoBackendTest, ::testing::Values(which::epoll, which::io_uring),
                         [](const ::testing::TestParamInfo<which>& param_info) {
                             return std::string(param_info.param == which::epoll ? "epoll" : "io_uring");
                         });

} // namespace
} // namespace katana::detail
