#include "server/http_worker.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace katana::detail {
namespace {

// Sent, best effort, to a connection over the per-reactor limit before closing it.
constexpr std::string_view over_capacity_response =
    "HTTP/1.1 503 Service Unavailable\r\n"
    "Content-Type: application/problem+json\r\n"
    "Connection: close\r\n"
    "Retry-After: 1\r\n"
    "Content-Length: 97\r\n"
    "\r\n"
    R"({"type":"about:blank","title":"Service Unavailable","status":503,"detail":"too many connections"})";
static_assert(over_capacity_response.size() - over_capacity_response.find("\r\n\r\n") - 4 == 97);

} // namespace

http_worker::http_worker(reactor& owner, const server_options& options, dispatcher& handler, int listen_fd,
                         worker_counters& counters)
    : owner_(owner), options_(options), handler_(handler), listen_fd_(listen_fd), counters_(counters) {
    grace_timer_.owner = this;
    grace_timer_.callback = &http_worker::on_grace_expired;
    accept_retry_timer_.owner = this;
    accept_retry_timer_.callback = &http_worker::on_accept_retry;
}

http_worker::~http_worker() {
    owner_.timers().cancel(grace_timer_);
    owner_.timers().cancel(accept_retry_timer_);
    for (connection* c : free_) delete c;
    // Only after a forced shutdown: connections whose coroutine never finished.
    for (connection* c = live_; c != nullptr;) {
        connection* next = c->next;
        delete c;
        c = next;
    }
    if (listen_fd_ >= 0) ::close(listen_fd_);
}

bool http_worker::start() noexcept {
    listening_ = owner_.io().add_listener(listen_fd_, *this);
    return listening_;
}

void http_worker::on_accept(int fd) noexcept {
    if (draining_ || live_count_ >= options_.max_connections_per_reactor) {
        reject(fd);
        return;
    }
    connection* c = nullptr;
    if (!free_.empty()) {
        c = free_.back();
        free_.pop_back();
    } else {
        c = new (std::nothrow) connection(*this);
        if (c == nullptr) {
            reject(fd);
            return;
        }
    }
    c->prev = nullptr;
    c->next = live_;
    if (live_ != nullptr) live_->prev = c;
    live_ = c;
    ++live_count_;
    counters_.accepted.fetch_add(1, std::memory_order_relaxed);
    counters_.active.store(live_count_, std::memory_order_relaxed);
    c->open(fd);
}

void http_worker::reject(int fd) noexcept {
    counters_.rejected.fetch_add(1, std::memory_order_relaxed);
    // The socket buffer of a fresh connection always has room for this.
    [[maybe_unused]] const auto sent =
        ::send(fd, over_capacity_response.data(), over_capacity_response.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    // Polite close: stop sending, let the client read the answer, then release the socket.
    ::shutdown(fd, SHUT_WR);
    ::close(fd);
}

void http_worker::on_accept_error(int error) noexcept {
    if (error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM) {
        // Out of descriptors: stop accepting briefly instead of spinning on the error.
        if (listening_) {
            owner_.io().remove_listener(listen_fd_);
            listening_ = false;
            owner_.timers().schedule(accept_retry_timer_, owner_.now() + std::chrono::milliseconds(100));
        }
    }
}

void http_worker::on_accept_retry(timer_node& n) noexcept {
    auto* self = static_cast<owned_timer&>(n).owner;
    if (!self->draining_ && !self->listening_) self->listening_ = self->owner_.io().add_listener(self->listen_fd_, *self);
}

void http_worker::connection_recycled(connection& c) noexcept {
    if (c.prev != nullptr) c.prev->next = c.next;
    if (c.next != nullptr) c.next->prev = c.prev;
    if (live_ == &c) live_ = c.next;
    c.prev = c.next = nullptr;
    --live_count_;
    counters_.active.store(live_count_, std::memory_order_relaxed);
    free_.push_back(&c);
    if (draining_) check_drained();
}

void http_worker::count_request(std::size_t arena_bytes) noexcept {
    counters_.requests.fetch_add(1, std::memory_order_relaxed);
    if (arena_bytes > counters_.arena_high_water.load(std::memory_order_relaxed)) {
        counters_.arena_high_water.store(arena_bytes, std::memory_order_relaxed);
    }
}

void http_worker::begin_drain() noexcept {
    if (draining_) return;
    draining_ = true;
    if (listening_) {
        owner_.io().remove_listener(listen_fd_);
        listening_ = false;
    }
    owner_.timers().cancel(accept_retry_timer_);
    ::close(listen_fd_);
    listen_fd_ = -1;
    // begin_drain() may close (and so unlink) the connection: advance first.
    for (connection* c = live_; c != nullptr;) {
        connection* next = c->next;
        c->begin_drain();
        c = next;
    }
    owner_.timers().schedule(grace_timer_, owner_.now() + options_.shutdown_grace);
    check_drained();
}

void http_worker::on_grace_expired(timer_node& n) noexcept {
    auto* self = static_cast<owned_timer&>(n).owner;
    for (connection* c = self->live_; c != nullptr;) {
        connection* next = c->next;
        c->force_close();
        c = next;
    }
    // Sockets are closed; handlers still suspended are abandoned with their reactor.
    self->owner_.stop();
}

void http_worker::check_drained() noexcept {
    if (draining_ && live_count_ == 0) {
        owner_.timers().cancel(grace_timer_);
        owner_.stop();
    }
}

} // namespace katana::detail
