#pragma once
// The per-reactor half of katana::server: one listener, the reactor's connections, a pool of
// connection objects and counters. Lives and dies on its reactor's thread.
#include <katana/reactor/reactor.hpp>
#include <katana/server/server.hpp>

#include "reactor/io_backend.hpp"
#include "server/connection.hpp"

#include <cstdint>
#include <vector>

namespace katana::detail {

// Per-reactor counters. Owned by the server, not the worker, so that server::stats() may read
// them from any thread at any time, including while the workers are torn down.
struct worker_counters {
    std::atomic<std::uint64_t> accepted{0};
    std::atomic<std::uint64_t> rejected{0};
    std::atomic<std::uint64_t> requests{0};
    std::atomic<std::uint64_t> active{0};
    std::atomic<std::size_t> arena_high_water{0};
};

class http_worker final : public io_listener {
public:
    http_worker(reactor& owner, const server_options& options, dispatcher& handler, int listen_fd,
                worker_counters& counters);
    ~http_worker() override;
    http_worker(const http_worker&) = delete;
    http_worker& operator=(const http_worker&) = delete;

    bool start() noexcept;      // on the reactor thread
    void begin_drain() noexcept; // on the reactor thread: stop accepting, drain connections

    [[nodiscard]] reactor& owner() noexcept { return owner_; }
    [[nodiscard]] const server_options& options() const noexcept { return options_; }
    [[nodiscard]] dispatcher& handler() noexcept { return handler_; }
    [[nodiscard]] bool draining() const noexcept { return draining_; }

    // Connection life cycle.
    void connection_recycled(connection& c) noexcept;
    void count_request(std::size_t arena_bytes) noexcept;

    // io_listener
    void on_accept(int fd) noexcept override;
    void on_accept_error(int error) noexcept override;


private:
    void reject(int fd) noexcept;
    void check_drained() noexcept;
    static void on_grace_expired(timer_node& n) noexcept;
    static void on_accept_retry(timer_node& n) noexcept;

    reactor& owner_;
    const server_options& options_;
    dispatcher& handler_;
    int listen_fd_;
    bool listening_ = false;
    bool draining_ = false;
    connection* live_ = nullptr; // intrusive list of open connections
    std::size_t live_count_ = 0;
    std::vector<connection*> free_; // recycled connection objects
    worker_counters& counters_;
    struct owned_timer : timer_node {
        http_worker* owner = nullptr;
    };
    owned_timer grace_timer_;
    owned_timer accept_retry_timer_;
};

} // namespace katana::detail
