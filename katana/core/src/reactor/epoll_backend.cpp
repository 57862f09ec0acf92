// epoll backend: edge-triggered sockets registered once for IN|OUT|RDHUP, readv/writev straight
// into the buffers the streams provide. No epoll_ctl on the request path.
#include "reactor/io_backend.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <new>
#include <vector>

namespace katana::detail {
namespace {

// Low pointer bit tags epoll registrations that are not streams.
constexpr std::uintptr_t tag_mask = 1;

enum stream_flag : std::uint32_t {
    flag_closed = 1u << 0,     // close_stream() called; do not touch the socket
    flag_read_paused = 1u << 1, // read_space() was empty while data may be pending
    flag_readable = 1u << 2,    // last read did not prove the socket drained
    flag_send_pending = 1u << 3,
    flag_peer_done = 1u << 4, // RDHUP/HUP/ERR seen: keep reading until read() says 0 or fails
};

struct registration {
    enum class kind : std::uint8_t { listener, wakeup, watch } what;
    int fd;
    io_listener* listener = nullptr;
    void (*callback)(void*) noexcept = nullptr;
    void* context = nullptr;
    bool active = true;
    watch_callback on_watch = nullptr;
};

std::uint32_t epoll_interest(std::uint32_t interest) noexcept {
    std::uint32_t ev = 0;
    if ((interest & watch_readable) != 0) ev |= EPOLLIN | EPOLLRDHUP;
    if ((interest & watch_writable) != 0) ev |= EPOLLOUT;
    return ev; // level-triggered: libpq reads only what it needs, the rest must wake us again
}

class epoll_backend final : public io_backend {
public:
    explicit epoll_backend(int epfd) noexcept : epfd_(epfd) {}
    ~epoll_backend() override {
        flush_detached();
        for (registration* reg : registrations_) delete reg;
        ::close(epfd_);
    }

    std::string_view name() const noexcept override { return "epoll"; }

    bool add_listener(int fd, io_listener& listener) noexcept override {
        auto* reg = new (std::nothrow) registration{registration::kind::listener, fd, &listener};
        if (reg == nullptr) return false;
        registrations_.push_back(reg);
        epoll_event ev{};
        ev.events = EPOLLIN; // level-triggered: we accept a bounded batch per wake-up
        ev.data.u64 = reinterpret_cast<std::uintptr_t>(reg) | tag_mask;
        return ::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) == 0;
    }

    void remove_listener(int fd) noexcept override {
        for (registration* reg : registrations_) {
            if (reg->what == registration::kind::listener && reg->fd == fd && reg->active) {
                ::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
                reg->active = false;
            }
        }
    }

    bool add_stream(io_stream& s) noexcept override {
        s.io_flags = flag_readable; // data may already be queued before the first edge (clears peer_done)
        s.io_pending = 0;
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
        ev.data.u64 = reinterpret_cast<std::uintptr_t>(&s);
        if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, s.fd, &ev) != 0) return false;
        // Eagerly try a read: with TCP_DEFER_ACCEPT-like clients the request is often there.
        schedule_read(s);
        return true;
    }

    void resume_reading(io_stream& s) noexcept override {
        if ((s.io_flags & flag_read_paused) == 0 || (s.io_flags & flag_closed) != 0) return;
        s.io_flags &= ~flag_read_paused;
        schedule_read(s);
    }

    send_status send(io_stream& s, std::span<iovec> iov) noexcept override {
        s.send_iov = iov.data();
        s.send_iovcnt = iov.size();
        const int err = write_some(s);
        if (err != 0) {
            s.send_iovcnt = 0;
            return send_status::failed;
        }
        if (s.send_iovcnt == 0) return send_status::done;
        s.io_flags |= flag_send_pending; // EPOLLOUT edge will continue it
        return send_status::pending;
    }

    void close_stream(io_stream& s) noexcept override {
        if ((s.io_flags & flag_closed) != 0) return;
        s.io_flags |= flag_closed;
        // Closing the fd removes it from the epoll set (we never dup() it).
        ::close(s.fd);
        s.fd = -1;
        s.io_detached_next = detached_;
        detached_ = &s;
    }

    bool add_wakeup(int fd, void (*callback)(void*) noexcept, void* context) noexcept override {
        auto* reg = new (std::nothrow) registration{registration::kind::wakeup, fd, nullptr, callback, context};
        if (reg == nullptr) return false;
        registrations_.push_back(reg);
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = reinterpret_cast<std::uintptr_t>(reg) | tag_mask;
        return ::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) == 0;
    }

    io_watch* add_watch(int fd, std::uint32_t interest, watch_callback callback, void* context) noexcept override {
        auto* reg = new (std::nothrow) registration{registration::kind::watch, fd, nullptr, nullptr, context};
        if (reg == nullptr) return nullptr;
        reg->on_watch = callback;
        epoll_event ev{};
        ev.events = epoll_interest(interest);
        ev.data.u64 = reinterpret_cast<std::uintptr_t>(reg) | tag_mask;
        if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
            delete reg;
            return nullptr;
        }
        try {
            registrations_.push_back(reg);
        } catch (...) {
            ::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
            delete reg;
            return nullptr;
        }
        return reinterpret_cast<io_watch*>(reg);
    }

    bool modify_watch(io_watch* watch, std::uint32_t interest) noexcept override {
        auto* reg = reinterpret_cast<registration*>(watch);
        if (!reg->active) return false;
        epoll_event ev{};
        ev.events = epoll_interest(interest);
        ev.data.u64 = reinterpret_cast<std::uintptr_t>(reg) | tag_mask;
        return ::epoll_ctl(epfd_, EPOLL_CTL_MOD, reg->fd, &ev) == 0;
    }

    void remove_watch(io_watch* watch) noexcept override {
        auto* reg = reinterpret_cast<registration*>(watch);
        if (!reg->active) return;
        ::epoll_ctl(epfd_, EPOLL_CTL_DEL, reg->fd, nullptr);
        reg->active = false;
        // Events of this batch may still name it: freed after the batch (sweep in poll()).
        sweep_needed_ = true;
    }

    void poll(std::optional<std::chrono::milliseconds> timeout) noexcept override {
        // Reads scheduled outside an event (add_stream, resume_reading) run first, without
        // sleeping.
        int wait_ms = timeout ? static_cast<int>(timeout->count()) : -1;
        // Work queued outside an event (reads to retry, streams closed from a timer or another
        // callback and waiting for on_detached) must not wait for the next event.
        if (ready_reads_ != nullptr || detached_ != nullptr) wait_ms = 0;
        const int n = ::epoll_wait(epfd_, events_.data(), static_cast<int>(events_.size()), wait_ms);
        for (int i = 0; i < n; ++i) dispatch(events_[static_cast<std::size_t>(i)]);
        run_ready_reads();
        flush_detached();
        if (sweep_needed_) sweep_watches();
    }

private:
    void dispatch(const epoll_event& ev) noexcept {
        const std::uintptr_t bits = ev.data.u64;
        if ((bits & tag_mask) != 0) {
            auto* reg = reinterpret_cast<registration*>(bits & ~tag_mask);
            if (!reg->active) return;
            if (reg->what == registration::kind::listener) {
                accept_batch(*reg);
            } else if (reg->what == registration::kind::watch) {
                std::uint32_t events = 0;
                if ((ev.events & EPOLLIN) != 0) events |= watch_readable;
                if ((ev.events & EPOLLOUT) != 0) events |= watch_writable;
                if ((ev.events & (EPOLLERR | EPOLLHUP | EPOLLRDHUP)) != 0) events |= watch_error | watch_readable;
                reg->on_watch(reg->context, events);
            } else {
                std::uint64_t count;
                while (::read(reg->fd, &count, sizeof count) == static_cast<ssize_t>(sizeof count)) {
                }
                reg->callback(reg->context);
            }
            return;
        }
        auto& s = *reinterpret_cast<io_stream*>(bits);
        if ((s.io_flags & flag_closed) != 0) return;
        if ((ev.events & EPOLLOUT) != 0 && (s.io_flags & flag_send_pending) != 0) {
            const int err = write_some(s);
            if (err != 0 || s.send_iovcnt == 0) {
                s.io_flags &= ~flag_send_pending;
                s.send_iovcnt = 0;
                s.on_send_done(err);
                if ((s.io_flags & flag_closed) != 0) return;
            }
        }
        if ((ev.events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
            // The FIN's edge comes once: remember it, or a short read (or a pause) would lose it.
            if ((ev.events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) s.io_flags |= flag_peer_done;
            s.io_flags |= flag_readable;
            read_some(s);
        }
    }

    void sweep_watches() noexcept {
        sweep_needed_ = false;
        std::erase_if(registrations_, [](registration* reg) {
            if (reg->what != registration::kind::watch || reg->active) return false;
            delete reg;
            return true;
        });
    }

    void accept_batch(registration& reg) noexcept {
        // Bounded so one busy listener cannot starve the connections already accepted.
        for (int i = 0; i < 64 && reg.active; ++i) {
            const int fd = ::accept4(reg.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK) return;
                if (errno == EINTR || errno == ECONNABORTED) continue;
                reg.listener->on_accept_error(errno);
                return;
            }
            reg.listener->on_accept(fd);
        }
    }

    void schedule_read(io_stream& s) noexcept {
        s.io_flags |= flag_readable;
        if ((s.io_pending & 1u) != 0) return; // already queued
        s.io_ready_next = ready_reads_;
        ready_reads_ = &s;
        s.io_pending |= 1u;
    }

    void run_ready_reads() noexcept {
        while (ready_reads_ != nullptr) {
            io_stream* s = ready_reads_;
            ready_reads_ = s->io_ready_next;
            s->io_pending &= ~1u;
            if ((s->io_flags & flag_closed) == 0) read_some(*s);
        }
    }

    void read_some(io_stream& s) noexcept {
        // Edge-triggered: keep reading until the kernel says EAGAIN or a short read shows the
        // socket buffer is drained, or the stream pauses us.
        for (int rounds = 0; rounds < 16 && (s.io_flags & flag_readable) != 0; ++rounds) {
            std::span<char> space = s.read_space();
            if (space.empty()) {
                s.io_flags |= flag_read_paused;
                return;
            }
            iovec iov{space.data(), space.size()};
            const ssize_t n = ::readv(s.fd, &iov, 1);
            if (n > 0) {
                const bool drained = static_cast<std::size_t>(n) < space.size() && (s.io_flags & flag_peer_done) == 0;
                if (drained) s.io_flags &= ~flag_readable;
                s.on_received(static_cast<std::size_t>(n));
                if ((s.io_flags & flag_closed) != 0) return;
                if (drained) s.on_read_drained();
                continue;
            }
            if (n == 0) {
                s.io_flags &= ~flag_readable;
                s.on_read_end(0);
                return;
            }
            if (errno == EINTR) continue;
            s.io_flags &= ~flag_readable;
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                s.on_read_end(errno);
            } else {
                s.on_read_drained();
            }
            return;
        }
        if ((s.io_flags & flag_readable) != 0 && (s.io_flags & flag_closed) == 0) {
            schedule_read(s); // fairness: continue after other sockets had a turn
        }
    }

    // Returns 0 or an errno; advances s.send_iov / send_iovcnt past what was written.
    static int write_some(io_stream& s) noexcept {
        while (s.send_iovcnt != 0) {
            const int cnt = static_cast<int>(s.send_iovcnt < IOV_MAX ? s.send_iovcnt : IOV_MAX);
            msghdr msg{};
            msg.msg_iov = s.send_iov;
            msg.msg_iovlen = static_cast<std::size_t>(cnt);
            const ssize_t n = ::sendmsg(s.fd, &msg, MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
                return errno;
            }
            skip_sent(s, static_cast<std::size_t>(n));
        }
        return 0;
    }

    void flush_detached() noexcept {
        while (detached_ != nullptr) {
            io_stream* s = detached_;
            detached_ = s->io_detached_next;
            // A stream still queued for reading is skipped there via flag_closed; unlink it.
            if ((s->io_pending & 1u) != 0) unlink_ready(*s);
            s->on_detached();
        }
    }

    void unlink_ready(io_stream& s) noexcept {
        io_stream** at = &ready_reads_;
        while (*at != nullptr) {
            if (*at == &s) {
                *at = s.io_ready_next;
                break;
            }
            at = &(*at)->io_ready_next;
        }
        s.io_pending &= ~1u;
    }

    int epfd_;
    std::array<epoll_event, 256> events_{};
    std::vector<registration*> registrations_;
    io_stream* ready_reads_ = nullptr;
    io_stream* detached_ = nullptr;
    bool sweep_needed_ = false;

public:
    epoll_backend(const epoll_backend&) = delete;
    epoll_backend& operator=(const epoll_backend&) = delete;
};

} // namespace

std::unique_ptr<io_backend> make_epoll_backend(std::string& error) {
    const int epfd = ::epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) {
        error = std::string("epoll_create1: ") + std::strerror(errno);
        return nullptr;
    }
    return std::make_unique<epoll_backend>(epfd);
}

} // namespace katana::detail
