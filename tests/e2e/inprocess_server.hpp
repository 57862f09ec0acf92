#pragma once
// Runs a katana::server inside the test process on a free port, on its own thread.
#include <katana/server/server.hpp>

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace katana::test {

// A plain blocking TCP socket to 127.0.0.1:port (-1 on failure), for tests that must control
// every syscall (allocation counting, FIN vs RST).
inline int connect_loopback(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        if (fd >= 0) ::close(fd);
        return -1;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

class inprocess_server {
public:
    inprocess_server(server_options options, dispatcher& d) : server_(for_tests(std::move(options)), d) {
        thread_ = std::thread([this] {
            auto r = server_.run([this](const server_info& info) {
                std::lock_guard lock(mutex_);
                info_ = info;
                ready_.notify_all();
            });
            std::lock_guard lock(mutex_);
            if (!r) error_ = r.error();
            finished_ = true;
            ready_.notify_all();
        });
        std::unique_lock lock(mutex_);
        ready_.wait_for(lock, std::chrono::seconds(10), [this] { return info_.has_value() || finished_; });
    }
    ~inprocess_server() { stop(); }
    inprocess_server(const inprocess_server&) = delete;
    inprocess_server& operator=(const inprocess_server&) = delete;

    [[nodiscard]] bool ready() {
        std::lock_guard lock(mutex_);
        return info_.has_value();
    }
    [[nodiscard]] server_info info() {
        std::lock_guard lock(mutex_);
        return info_.value_or(server_info{});
    }
    [[nodiscard]] std::string error() {
        std::lock_guard lock(mutex_);
        return error_;
    }
    [[nodiscard]] server_stats stats() const { return server_.stats(); }
    void stop() {
        if (thread_.joinable()) {
            server_.stop();
            thread_.join();
        }
    }

private:
    static server_options for_tests(server_options o) {
        o.host = "127.0.0.1";
        o.port = 0;               // a free port, reported in info()
        o.handle_signals = false; // the test process keeps its own signal handling
        return o;
    }

    server server_;
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::optional<server_info> info_;
    std::string error_;
    bool finished_ = false;
};

} // namespace katana::test

// In a test body: fail unless `server` started, except that a machine without io_uring skips
// io_uring runs (the backend seam falls back to epoll elsewhere; here the backend is the point).
#define KATANA_REQUIRE_SERVER(server, backend)                                                    \
    do {                                                                                           \
        if (!(server).ready()) {                                                                   \
            if ((backend) == katana::backend_kind::io_uring)                                       \
                GTEST_SKIP() << "io_uring unavailable: " << (server).error();                      \
            FAIL() << (server).error();                                                            \
        }                                                                                          \
    } while (false)
