#include <katana/reactor/reactor.hpp>

#include "reactor/io_backend.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <thread>

namespace katana {
namespace {

thread_local reactor* current_reactor = nullptr;

// Room for bursts of cross-reactor calls without blocking producers.
constexpr std::size_t inbox_capacity = 1u << 14;

} // namespace

std::string_view to_string(backend_kind kind) noexcept {
    switch (kind) {
    case backend_kind::automatic: return "auto";
    case backend_kind::epoll: return "epoll";
    case backend_kind::io_uring: return "io_uring";
    }
    return "auto";
}

reactor::reactor(unsigned index, backend_kind kind, std::size_t block_size)
    : index_(index), blocks_(block_size), now_(clock::now()), timers_(now_), inbox_(inbox_capacity) {
    std::string error;
    if (kind == backend_kind::io_uring || kind == backend_kind::automatic) {
        backend_ = detail::make_io_uring_backend(error);
        if (!backend_) {
            if (kind == backend_kind::io_uring) throw std::runtime_error("io_uring backend unavailable: " + error);
            fallback_reason_ = "io_uring unavailable (" + error + "), using epoll";
        }
    }
    if (!backend_) {
        std::string epoll_error;
        backend_ = detail::make_epoll_backend(epoll_error);
        if (!backend_) throw std::runtime_error("epoll backend unavailable: " + epoll_error);
    }
    wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd_ < 0) throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
    if (!backend_->add_wakeup(wake_fd_, &reactor::on_wakeup, this)) {
        throw std::runtime_error("cannot register the reactor wake-up eventfd");
    }
    refresh_date();
    date_timer_.owner = this;
    date_timer_.callback = &reactor::on_date_tick;
    timers_.schedule(date_timer_, now_ + std::chrono::milliseconds(1000));
}

reactor::~reactor() {
    timers_.cancel(date_timer_);
    backend_.reset();
    if (wake_fd_ >= 0) ::close(wake_fd_);
}

reactor* reactor::current() noexcept { return current_reactor; }

std::string_view reactor::backend_name() const noexcept { return backend_->name(); }

bool reactor::post(void (*fn)(void*) noexcept, void* arg) noexcept {
    if (!inbox_.try_push(message{fn, arg})) return false;
    // Pairs with the rendezvous in run_once(): either the loop sees the message before sleeping
    // or we see that it sleeps and wake it.
    wake_rendezvous_.fetch_add(1, std::memory_order_acq_rel);
    if (sleeping_.load(std::memory_order_relaxed)) {
        const std::uint64_t one = 1;
        [[maybe_unused]] const auto written = ::write(wake_fd_, &one, sizeof one);
    }
    return true;
}

void reactor::on_wakeup(void* self) noexcept { static_cast<reactor*>(self)->drain_messages(); }

void reactor::drain_messages() noexcept {
    message m{};
    // Bounded batch: a flood of messages cannot starve I/O.
    for (int i = 0; i < 4096 && inbox_.try_pop(m); ++i) m.fn(m.arg);
}

void reactor::on_date_tick(timer_node& node) noexcept {
    reactor* self = static_cast<owned_timer&>(node).owner;
    self->refresh_date();
    self->timers_.schedule(self->date_timer_, self->now_ + std::chrono::milliseconds(1000));
}

void reactor::refresh_date() noexcept {
    static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    // IMF-fixdate (RFC 9110 §5.6.7), e.g. "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n".
    char* p = date_line_.data();
    auto two = [&p](int v) {
        *p++ = static_cast<char>('0' + v / 10);
        *p++ = static_cast<char>('0' + v % 10);
    };
    std::memcpy(p, "Date: ", 6);
    p += 6;
    std::memcpy(p, days[tm.tm_wday], 3);
    p += 3;
    *p++ = ',';
    *p++ = ' ';
    two(tm.tm_mday);
    *p++ = ' ';
    std::memcpy(p, months[tm.tm_mon], 3);
    p += 3;
    *p++ = ' ';
    const int year = tm.tm_year + 1900;
    two(year / 100);
    two(year % 100);
    *p++ = ' ';
    two(tm.tm_hour);
    *p++ = ':';
    two(tm.tm_min);
    *p++ = ':';
    two(tm.tm_sec);
    std::memcpy(p, " GMT\r\n", 6);
    p += 6;
    date_line_size_ = static_cast<std::size_t>(p - date_line_.data());
}

void reactor::run_once(std::chrono::milliseconds max_wait) {
    reactor* const previous = current_reactor;
    current_reactor = this;
    now_fresh_ = false;
    timers_.advance(now());
    drain_messages();

    std::optional<std::chrono::milliseconds> wait = max_wait;
    if (auto next = timers_.time_until_next(now_)) {
        auto ms = std::chrono::ceil<std::chrono::milliseconds>(*next);
        if (ms < *wait) wait = ms;
    }
    sleeping_.store(true, std::memory_order_relaxed);
    wake_rendezvous_.fetch_add(1, std::memory_order_acq_rel);
    if (!inbox_.empty_approx()) wait = std::chrono::milliseconds(0);
    now_fresh_ = false; // callbacks run by poll() must not see the time from before the sleep
    backend_->poll(wait);
    sleeping_.store(false, std::memory_order_relaxed);
    current_reactor = previous;
}

void reactor::run() {
    running_ = true;
    while (running_) run_once(std::chrono::milliseconds(1000));
}

bool sleep_awaitable::await_suspend(std::coroutine_handle<> h) noexcept {
    reactor* r = reactor::current();
    if (r == nullptr) {
        std::this_thread::sleep_for(delay_);
        return false;
    }
    node_.handle = h;
    node_.frames = current_frame_resource();
    node_.callback = &sleep_awaitable::fire;
    r->timers().schedule(node_, r->now() + delay_);
    return true;
}

void sleep_awaitable::fire(timer_node& n) noexcept {
    auto& node = static_cast<node_type&>(n);
    frame_resource_scope scope(node.frames); // child frames keep coming from request memory
    node.handle.resume();
}

} // namespace katana
