#pragma once
// One reactor per core: an event loop on its own thread that owns an I/O backend, a timing wheel,
// a block pool and its connections. Nothing a reactor owns is touched by another thread; the only
// way in from outside is post(), a lock-free queue plus an eventfd wake-up.
#include <katana/coro/task.hpp>
#include <katana/memory/block_pool.hpp>
#include <katana/reactor/mpsc_queue.hpp>
#include <katana/reactor/timer_wheel.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <coroutine>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace katana {

namespace detail {
class io_backend;
}

enum class backend_kind : std::uint8_t { automatic, epoll, io_uring };

[[nodiscard]] std::string_view to_string(backend_kind kind) noexcept;

class reactor {
public:
    using clock = std::chrono::steady_clock;
    struct message {
        void (*fn)(void*) noexcept;
        void* arg;
    };

    // Creates the backend; `automatic` prefers io_uring and falls back to epoll, recording why
    // in fallback_reason(). Throws std::runtime_error when no backend can be created.
    reactor(unsigned index, backend_kind kind, std::size_t block_size = block_pool::default_block_size);
    ~reactor();
    reactor(const reactor&) = delete;
    reactor& operator=(const reactor&) = delete;

    [[nodiscard]] unsigned index() const noexcept { return index_; }
    // The reactor whose loop runs on the calling thread, or nullptr.
    [[nodiscard]] static reactor* current() noexcept;

    [[nodiscard]] detail::io_backend& io() noexcept { return *backend_; }
    [[nodiscard]] std::string_view backend_name() const noexcept;
    [[nodiscard]] const std::string& fallback_reason() const noexcept { return fallback_reason_; }
    [[nodiscard]] timer_wheel& timers() noexcept { return timers_; }
    [[nodiscard]] block_pool& blocks() noexcept { return blocks_; }

    // Time as of this loop iteration's wake-up: read once after the loop wakes, then cached,
    // so timeouts cost one clock read per iteration, not per use.
    [[nodiscard]] clock::time_point now() noexcept {
        if (!now_fresh_) {
            now_ = clock::now();
            now_fresh_ = true;
        }
        return now_;
    }
    // "Date: <IMF-fixdate>\r\n", refreshed once a second by a timer.
    [[nodiscard]] std::string_view date_line() const noexcept { return {date_line_.data(), date_line_size_}; }

    // Runs fn(arg) on this reactor's thread. Safe from any thread; false when the queue is full.
    bool post(void (*fn)(void*) noexcept, void* arg) noexcept;

    // Peers, for cross-reactor calls. Set once before the loops start.
    void set_peers(std::span<reactor* const> peers) noexcept { peers_ = peers; }
    [[nodiscard]] std::span<reactor* const> peers() const noexcept { return peers_; }

    // Runs the loop on the calling thread until stop() (called on this thread).
    void run();
    void stop() noexcept { running_ = false; }
    // Runs one iteration without sleeping longer than `max_wait` (tests drive loops this way).
    void run_once(std::chrono::milliseconds max_wait);

private:
    static void on_wakeup(void* self) noexcept;
    static void on_date_tick(timer_node& node) noexcept;
    void drain_messages() noexcept;
    void refresh_date() noexcept;

    unsigned index_;
    std::unique_ptr<detail::io_backend> backend_;
    std::string fallback_reason_;
    block_pool blocks_;
    clock::time_point now_;
    bool now_fresh_ = false; // false while the loop sleeps: the cached time is stale after it
    timer_wheel timers_;
    struct owned_timer : timer_node {
        reactor* owner = nullptr;
    };
    owned_timer date_timer_;
    mpsc_queue<message> inbox_;
    int wake_fd_ = -1;
    std::atomic<bool> sleeping_{false};
    // post() and the loop both do an RMW here between their store and their load: whichever
    // comes second sees the other's store (no lost wake-up), in a form TSan understands.
    std::atomic<unsigned> wake_rendezvous_{0};
    bool running_ = false;
    std::span<reactor* const> peers_;
    std::array<char, 48> date_line_{};
    std::size_t date_line_size_ = 0;
};

// co_await sleep_for(d): resumes on the same reactor after at least `d`.
class sleep_awaitable {
public:
    explicit sleep_awaitable(std::chrono::milliseconds d) noexcept : delay_(d) {}
    bool await_ready() const noexcept { return delay_.count() <= 0; }
    // Off a reactor (plain threads, tests) this blocks the thread for the delay instead.
    bool await_suspend(std::coroutine_handle<> h) noexcept;
    void await_resume() const noexcept {}

private:
    struct node_type : timer_node {
        std::coroutine_handle<> handle;
        std::pmr::memory_resource* frames = nullptr; // restored on resume (see task.hpp)
    };
    static void fire(timer_node& n) noexcept;
    std::chrono::milliseconds delay_;
    node_type node_;
};
[[nodiscard]] inline sleep_awaitable sleep_for(std::chrono::milliseconds d) noexcept { return sleep_awaitable{d}; }

// co_await on_reactor(target, fn): runs fn() on `target` and resumes on the calling reactor with
// its result. fn must not throw; captured references must stay valid (they live in the suspended
// coroutine's frame, which they do for the duration of the call).
template <class F>
class cross_reactor_call {
public:
    using result_type = std::invoke_result_t<F&>;

    cross_reactor_call(reactor& target, F fn) noexcept : target_(&target), fn_(std::move(fn)) {}
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> h) noexcept {
        origin_ = reactor::current();
        handle_ = h;
        frames_ = current_frame_resource();
        if (origin_ == nullptr || origin_ == target_) return false; // already there: run inline
        try_post();
        return true;
    }
    result_type await_resume() {
        if (origin_ == nullptr || origin_ == target_) {
            if constexpr (std::is_void_v<result_type>) {
                fn_();
                return;
            } else {
                return fn_();
            }
        }
        if constexpr (!std::is_void_v<result_type>) return std::move(*result_);
    }

private:
    static void run_on_target(void* self_ptr) noexcept {
        auto* self = static_cast<cross_reactor_call*>(self_ptr);
        if constexpr (std::is_void_v<result_type>) {
            self->fn_();
        } else {
            self->result_.emplace(self->fn_());
        }
        // Back to the origin; if its queue is full, retry from here until it has room: the
        // origin drains its queue every iteration, so this terminates.
        while (!self->origin_->post(&resume_on_origin, self)) {
        }
    }
    static void resume_on_origin(void* self_ptr) noexcept {
        auto* self = static_cast<cross_reactor_call*>(self_ptr);
        frame_resource_scope scope(self->frames_); // child frames keep coming from request memory
        self->handle_.resume();
    }
    // A full target queue is back-pressure, not an error: retry from the origin a tick later.
    void try_post() noexcept {
        if (target_->post(&run_on_target, this)) return;
        retry_.owner = this;
        retry_.callback = [](timer_node& n) noexcept { static_cast<retry_node&>(n).owner->try_post(); };
        origin_->timers().schedule(retry_, origin_->now() + std::chrono::milliseconds(1));
    }
    struct retry_node : timer_node {
        cross_reactor_call* owner = nullptr;
    };

    reactor* target_;
    reactor* origin_ = nullptr;
    F fn_;
    std::coroutine_handle<> handle_;
    std::pmr::memory_resource* frames_ = nullptr;
    retry_node retry_;
    struct empty {};
    std::conditional_t<std::is_void_v<result_type>, std::optional<empty>, std::optional<result_type>> result_;
};
template <class F>
[[nodiscard]] cross_reactor_call<F> on_reactor(reactor& target, F fn) noexcept {
    return cross_reactor_call<F>(target, std::move(fn));
}

} // namespace katana
