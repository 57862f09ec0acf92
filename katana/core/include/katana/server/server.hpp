#pragma once
// katana::server: N reactors, each with its own SO_REUSEPORT listener and connections, serving
// one dispatcher. run() blocks until SIGINT/SIGTERM (or stop()), then drains gracefully.
#include <katana/http/parser.hpp>
#include <katana/memory/request_memory.hpp>
#include <katana/reactor/reactor.hpp>
#include <katana/server/handler.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <katana/util/expected.hpp>
#include <functional>
#include <memory>
#include <memory_resource>
#include <span>
#include <string>

namespace katana {

struct server_options {
    std::string host = "0.0.0.0";
    std::uint16_t port = 8080; // 0: pick a free port (see server_info::port)
    unsigned threads = 0;      // reactors; 0: one per hardware thread
    backend_kind backend = backend_kind::automatic;
    bool pin_threads = false;  // pin reactor i to CPU i
    http::parser_limits limits{};
    std::size_t max_connections_per_reactor = 10000;

    std::chrono::milliseconds header_timeout{10'000};    // first byte -> end of headers (slowloris)
    std::chrono::milliseconds body_timeout{30'000};      // max silence while a body arrives
    std::chrono::milliseconds keepalive_timeout{60'000}; // idle keep-alive connection
    std::chrono::milliseconds request_timeout{30'000};   // handler deadline -> 503
    std::chrono::milliseconds send_timeout{30'000};      // a client that stops reading
    std::chrono::milliseconds shutdown_grace{10'000};    // drain deadline on SIGTERM
    // After an error answer with request bytes still unread: send FIN, discard what arrives,
    // close at EOF or after this long (closing with unread bytes would send RST, which can
    // destroy the answer before the client reads it).
    std::chrono::milliseconds linger_timeout{2'000};

    memory_mode memory = memory_mode::arena;
    std::pmr::memory_resource* pmr_upstream = nullptr; // memory_mode::pmr; default resource if null
    std::size_t block_size = block_pool::default_block_size;

    bool health_endpoints = false; // GET /healthz and /readyz
    bool handle_signals = true;    // run() stops on SIGINT/SIGTERM
};

struct server_info {
    std::string host;
    std::uint16_t port = 0;
    unsigned reactors = 0;
    std::string backend;         // "epoll" or "io_uring"
    std::string fallback_reason; // why io_uring was not used, when it was wanted
};

struct server_stats {
    std::uint64_t connections_accepted = 0;
    std::uint64_t connections_rejected = 0; // over max_connections_per_reactor
    std::uint64_t requests = 0;
    std::uint64_t active_connections = 0;
    std::size_t arena_high_water = 0; // largest per-request memory seen, bytes
};

class server {
public:
    server(server_options options, dispatcher& handler);
    ~server();
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    // Binds, starts the reactors and blocks until stopped and drained. `on_ready` runs on the
    // calling thread once every reactor listens. Returns an error for bind/setup failures.
    katana::expected<void, std::string> run(std::function<void(const server_info&)> on_ready = {});
    // Begins a graceful stop. Safe from any thread and from signal handlers.
    void stop() noexcept;
    // Summed over reactors; approximate while running.
    [[nodiscard]] server_stats stats() const noexcept;

    struct impl;

private:
    std::unique_ptr<impl> impl_;
};

// Parses the flags every example binary accepts into `options`:
//   --port N  --host ADDR  --threads N  --backend auto|epoll|io_uring  --pin
//   --memory arena|pmr|heap  (--no-arena is heap)  --health
// Returns an error message for unknown flags or bad values; `--help` yields usage text as error.
katana::expected<void, std::string> parse_server_flags(std::span<char* const> args, server_options& options);
[[nodiscard]] std::string server_flags_usage();

} // namespace katana
