#include <katana/server/server.hpp>

#include "server/http_worker.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>
#include <cstring>
#include <exception>
#include <latch>
#include <mutex>
#include <thread>
#include <vector>

namespace katana {

struct server::impl {
    server_options options;
    dispatcher& handler;
    int stop_fd = -1;
    std::vector<std::unique_ptr<reactor>> reactors;
    std::vector<reactor*> peers;
    std::vector<std::unique_ptr<detail::http_worker>> workers;
    mutable std::mutex counters_mutex; // guards the vector, not the (atomic) counters
    std::vector<std::unique_ptr<detail::worker_counters>> counters;

    impl(server_options o, dispatcher& d) : options(std::move(o)), handler(d) {
        stop_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    }
    ~impl() {
        if (stop_fd >= 0) ::close(stop_fd);
    }
};

namespace {

std::string errno_text(std::string_view what) { return std::string(what) + ": " + std::strerror(errno); }

// One listening socket per reactor; the kernel spreads connections across them (SO_REUSEPORT).
expected<int, std::string> open_listener(const std::string& host, std::uint16_t port) {
    sockaddr_storage addr{};
    socklen_t addr_len = 0;
    int family = AF_INET;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
    if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        addr_len = sizeof(sockaddr_in);
    } else if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
        family = AF_INET6;
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        addr_len = sizeof(sockaddr_in6);
    } else {
        return unexpected(std::string("not a numeric IPv4/IPv6 address: ") + host);
    }
    const int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return unexpected(errno_text("socket"));
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
        ::close(fd);
        return unexpected(errno_text("SO_REUSEPORT"));
    }
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), addr_len) != 0) {
        std::string e = errno_text("bind " + host + ":" + std::to_string(port));
        ::close(fd);
        return unexpected(std::move(e));
    }
    if (::listen(fd, 4096) != 0) {
        std::string e = errno_text("listen");
        ::close(fd);
        return unexpected(std::move(e));
    }
    return fd;
}

std::uint16_t bound_port(int fd) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
    return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
}

void drain_reactor(void* worker) noexcept { static_cast<detail::http_worker*>(worker)->begin_drain(); }

} // namespace

server::server(server_options options, dispatcher& handler)
    : impl_(std::make_unique<impl>(std::move(options), handler)) {}

server::~server() = default;

void server::stop() noexcept {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(impl_->stop_fd, &one, sizeof one);
}

server_stats server::stats() const noexcept {
    server_stats s;
    std::lock_guard lock(impl_->counters_mutex);
    for (const auto& counters : impl_->counters) {
        const auto& c = *counters;
        s.connections_accepted += c.accepted.load(std::memory_order_relaxed);
        s.connections_rejected += c.rejected.load(std::memory_order_relaxed);
        s.requests += c.requests.load(std::memory_order_relaxed);
        s.active_connections += c.active.load(std::memory_order_relaxed);
        s.arena_high_water = std::max(s.arena_high_water, c.arena_high_water.load(std::memory_order_relaxed));
    }
    return s;
}

expected<void, std::string> server::run(std::function<void(const server_info&)> on_ready) {
    impl& m = *impl_;
    if (m.stop_fd < 0) return unexpected(errno_text("eventfd"));
    unsigned n = m.options.threads;
    if (n == 0) n = std::max(1u, std::thread::hardware_concurrency());

    // Listeners first, so that bind errors surface before anything runs.
    std::vector<int> listeners;
    std::uint16_t port = m.options.port;
    for (unsigned i = 0; i < n; ++i) {
        auto fd = open_listener(m.options.host, port);
        if (!fd) {
            for (int l : listeners) ::close(l);
            return unexpected(fd.error());
        }
        if (i == 0) port = bound_port(*fd); // port 0: the others join the port the kernel chose
        listeners.push_back(*fd);
    }

    try {
        for (unsigned i = 0; i < n; ++i) {
            m.reactors.push_back(std::make_unique<reactor>(i, m.options.backend, m.options.block_size));
            m.peers.push_back(m.reactors.back().get());
        }
    } catch (const std::exception& e) {
        for (int l : listeners) ::close(l);
        m.reactors.clear();
        m.peers.clear();
        return unexpected(std::string(e.what()));
    }
    {
        std::lock_guard lock(m.counters_mutex);
        m.counters.clear();
        for (unsigned i = 0; i < n; ++i) m.counters.push_back(std::make_unique<detail::worker_counters>());
    }
    for (unsigned i = 0; i < n; ++i) {
        m.reactors[i]->set_peers(m.peers);
        m.workers.push_back(
            std::make_unique<detail::http_worker>(*m.reactors[i], m.options, m.handler, listeners[i], *m.counters[i]));
    }

    // Reactor threads must not receive SIGINT/SIGTERM: only this thread waits for them.
    sigset_t stop_signals, previous_mask;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    if (m.options.handle_signals) ::pthread_sigmask(SIG_BLOCK, &stop_signals, &previous_mask);

    std::latch started(static_cast<std::ptrdiff_t>(n));
    std::atomic<unsigned> start_failures{0};
    std::vector<std::thread> threads;
    threads.reserve(n);
    for (unsigned i = 0; i < n; ++i) {
        threads.emplace_back([&, i] {
            if (m.options.pin_threads) {
                cpu_set_t set;
                CPU_ZERO(&set);
                CPU_SET(i % std::max(1u, std::thread::hardware_concurrency()), &set);
                ::pthread_setaffinity_np(::pthread_self(), sizeof set, &set);
            }
            const bool ok = m.workers[i]->start();
            if (!ok) start_failures.fetch_add(1);
            started.count_down();
            if (ok) m.reactors[i]->run();
        });
    }
    started.wait();

    std::string failure;
    if (start_failures.load() == 0) {
        if (on_ready) {
            server_info info;
            info.host = m.options.host;
            info.port = port;
            info.reactors = n;
            info.backend = std::string(m.reactors[0]->backend_name());
            info.fallback_reason = m.reactors[0]->fallback_reason();
            on_ready(info);
        }
        // Wait for a stop request: SIGINT/SIGTERM or stop().
        int sig_fd = -1;
        if (m.options.handle_signals) sig_fd = ::signalfd(-1, &stop_signals, SFD_CLOEXEC);
        pollfd fds[2] = {{m.stop_fd, POLLIN, 0}, {sig_fd, POLLIN, 0}};
        while (::poll(fds, sig_fd >= 0 ? 2 : 1, -1) < 0 && errno == EINTR) {
        }
        if (sig_fd >= 0) {
            signalfd_siginfo info{}; // consume it, or unmasking at the end would deliver it
            [[maybe_unused]] const auto got = ::read(sig_fd, &info, sizeof info);
            ::close(sig_fd);
        }
    } else {
        failure = "a reactor could not start listening";
    }

    // Graceful drain on every reactor, then wait for them.
    for (unsigned i = 0; i < n; ++i) {
        while (!m.reactors[i]->post(&drain_reactor, m.workers[i].get())) std::this_thread::yield();
    }
    for (auto& t : threads) t.join();
    m.workers.clear();
    m.reactors.clear();
    m.peers.clear();
    if (m.options.handle_signals) {
        // A second SIGINT/SIGTERM during the drain is absorbed too: the drain already ran.
        const timespec no_wait{0, 0};
        while (::sigtimedwait(&stop_signals, nullptr, &no_wait) > 0) {
        }
        ::pthread_sigmask(SIG_SETMASK, &previous_mask, nullptr);
    }
    if (!failure.empty()) return unexpected(std::move(failure));
    return {};
}

// ---------------------------------------------------------------------------------------------

std::string server_flags_usage() {
    return "  --port N                 TCP port (default 8080; 0 picks a free one)\n"
           "  --host ADDR              numeric address to bind (default 0.0.0.0)\n"
           "  --threads N              reactors, one thread each (default: hardware threads)\n"
           "  --backend B              auto | epoll | io_uring (default auto: io_uring, else epoll)\n"
           "  --pin                    pin reactor i to CPU i\n"
           "  --memory M               arena | pmr | heap: request memory (default arena)\n"
           "  --no-arena               same as --memory heap\n"
           "  --health                 serve GET /healthz and /readyz\n"
           "  --max-connections N      per reactor; more are answered 503 and closed (default 10000)\n"
           "  --max-header-bytes N     request line + headers (default 16384) -> 431\n"
           "  --max-body-bytes N       request body (default 1048576) -> 413\n"
           "  --header-timeout-ms N    first byte to end of headers (default 10000) -> 408\n"
           "  --body-timeout-ms N      silence while a body arrives (default 30000) -> 408\n"
           "  --keepalive-timeout-ms N idle keep-alive connection (default 60000)\n"
           "  --request-timeout-ms N   handler deadline (default 30000) -> 503\n"
           "  --shutdown-grace-ms N    drain deadline after SIGTERM (default 10000)\n"
           "  --linger-timeout-ms N    after an error answer, discard input this long before closing (default 2000)\n";
}

namespace {

// Flags that set one number in server_options.
std::function<void(unsigned long)> numeric_flag(std::string_view flag, server_options& o) {
    using ms = std::chrono::milliseconds;
    if (flag == "--max-connections") return [&o](unsigned long v) { o.max_connections_per_reactor = v; };
    if (flag == "--max-header-bytes") return [&o](unsigned long v) { o.limits.max_header_bytes = v; };
    if (flag == "--max-body-bytes") return [&o](unsigned long v) { o.limits.max_body_bytes = v; };
    if (flag == "--header-timeout-ms") return [&o](unsigned long v) { o.header_timeout = ms(v); };
    if (flag == "--body-timeout-ms") return [&o](unsigned long v) { o.body_timeout = ms(v); };
    if (flag == "--keepalive-timeout-ms") return [&o](unsigned long v) { o.keepalive_timeout = ms(v); };
    if (flag == "--request-timeout-ms") return [&o](unsigned long v) { o.request_timeout = ms(v); };
    if (flag == "--shutdown-grace-ms") return [&o](unsigned long v) { o.shutdown_grace = ms(v); };
    if (flag == "--linger-timeout-ms") return [&o](unsigned long v) { o.linger_timeout = ms(v); };
    return {};
}

} // namespace

expected<void, std::string> parse_server_flags(std::span<char* const> args, server_options& o) {
    auto number = [](std::string_view text, unsigned long max) -> std::optional<unsigned long> {
        unsigned long v = 0;
        auto r = std::from_chars(text.data(), text.data() + text.size(), v);
        if (r.ec != std::errc{} || r.ptr != text.data() + text.size() || v > max) return std::nullopt;
        return v;
    };
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string_view flag = args[i];
        auto value = [&]() -> std::optional<std::string_view> {
            if (i + 1 >= args.size()) return std::nullopt;
            return std::string_view(args[++i]);
        };
        if (flag == "--help" || flag == "-h") return unexpected(server_flags_usage());
        if (flag == "--pin") {
            o.pin_threads = true;
        } else if (flag == "--health") {
            o.health_endpoints = true;
        } else if (flag == "--no-arena") {
            o.memory = memory_mode::heap;
        } else if (auto target = numeric_flag(flag, o)) {
            auto v = value();
            if (!v) return unexpected(std::string(flag) + " needs a value");
            auto parsed = number(*v, 1ul << 40);
            if (!parsed || *parsed == 0) return unexpected(std::string(flag) + ": expected a positive number, got " + std::string(*v));
            target(*parsed);
        } else if (flag == "--port" || flag == "--threads" || flag == "--host" || flag == "--backend" ||
                   flag == "--memory") {
            auto v = value();
            if (!v) return unexpected(std::string(flag) + " needs a value");
            if (flag == "--port") {
                auto p = number(*v, 65535);
                if (!p) return unexpected("--port: not a port number: " + std::string(*v));
                o.port = static_cast<std::uint16_t>(*p);
            } else if (flag == "--threads") {
                auto t = number(*v, 1024);
                if (!t || *t == 0) return unexpected("--threads: expected 1..1024, got " + std::string(*v));
                o.threads = static_cast<unsigned>(*t);
            } else if (flag == "--host") {
                o.host = std::string(*v);
            } else if (flag == "--backend") {
                if (*v == "epoll") {
                    o.backend = backend_kind::epoll;
                } else if (*v == "io_uring" || *v == "uring") {
                    o.backend = backend_kind::io_uring;
                } else if (*v == "auto") {
                    o.backend = backend_kind::automatic;
                } else {
                    return unexpected("--backend: expected auto, epoll or io_uring, got " + std::string(*v));
                }
            } else {
                if (*v == "arena") {
                    o.memory = memory_mode::arena;
                } else if (*v == "pmr") {
                    o.memory = memory_mode::pmr;
                } else if (*v == "heap") {
                    o.memory = memory_mode::heap;
                } else {
                    return unexpected("--memory: expected arena, pmr or heap, got " + std::string(*v));
                }
            }
        } else {
            return unexpected("unknown flag: " + std::string(flag));
        }
    }
    return {};
}

} // namespace katana
