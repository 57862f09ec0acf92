#pragma once
// katana::task<T>: a lazy, move-only coroutine result with symmetric transfer.
//
//   task<int> child() { co_return 42; }
//   task<void> parent() { int v = co_await child(); ... }
//
// Starting: a task does nothing until it is co_awaited (which starts it and resumes the awaiter
// when it finishes, returning its value or rethrowing its exception) or handed to
// start_detached() from plain code.
//
// Frames: every task frame is allocated from the *current frame resource* captured when the
// coroutine function is called: the thread_local set by frame_resource_scope, or ::operator new
// when none is set. The resource is recorded in a header in front of the frame, so the frame goes
// back to where it came from however long it lives. Consequences for callers:
//   - the resource must outlive every frame allocated from it (with a request arena: the request
//     must not be reset while any of its tasks is alive);
//   - a coroutine that calls a child task *after* resuming from a reactor callback allocates the
//     child from whatever scope is current then; the code that resumes request coroutines should
//     open the request's frame_resource_scope around the resume.
//
// Threading: a task is resumed only on the thread (reactor) that owns it; nothing is atomic.
#include <cassert>
#include <concepts>
#include <coroutine>
#include <cstddef>
#include <exception>
#include <memory_resource>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>

namespace katana {

namespace detail {
// Constant-initialised, trivially destructible: no TLS init wrapper, one load per frame.
inline thread_local std::pmr::memory_resource* current_frame_resource = nullptr;
} // namespace detail

// The resource new task frames come from on this thread (nullptr: ::operator new).
[[nodiscard]] inline std::pmr::memory_resource* current_frame_resource() noexcept {
    return detail::current_frame_resource;
}

// Sets the current frame resource for the enclosing scope and restores the previous one on exit.
// Scopes nest. The resource must outlive every frame allocated while the scope is open.
class frame_resource_scope {
public:
    explicit frame_resource_scope(std::pmr::memory_resource* resource) noexcept
        : previous_(detail::current_frame_resource) {
        detail::current_frame_resource = resource;
    }
    ~frame_resource_scope() { detail::current_frame_resource = previous_; }
    frame_resource_scope(const frame_resource_scope&) = delete;
    frame_resource_scope& operator=(const frame_resource_scope&) = delete;

private:
    std::pmr::memory_resource* previous_;
};

template <class T = void>
class task;

// Completion callback of start_detached(): `error` is the exception the task ended with, or null.
using detached_callback = void (*)(void* ctx, std::exception_ptr error) noexcept;

namespace detail {

inline constexpr std::size_t frame_alignment = __STDCPP_DEFAULT_NEW_ALIGNMENT__;

struct frame_header {
    std::pmr::memory_resource* resource; // null: ::operator new
    std::size_t total;                   // bytes including this header
};

// The header is padded to the frame alignment so the frame itself stays aligned.
inline constexpr std::size_t frame_header_size =
    (sizeof(frame_header) + frame_alignment - 1) / frame_alignment * frame_alignment;

[[nodiscard]] inline void* allocate_frame(std::size_t size) {
    std::pmr::memory_resource* r = current_frame_resource;
    const std::size_t total = size + frame_header_size;
    void* raw = r != nullptr ? r->allocate(total, frame_alignment) : ::operator new(total);
    ::new (raw) frame_header{r, total};
    return static_cast<std::byte*>(raw) + frame_header_size;
}

inline void deallocate_frame(void* frame) noexcept {
    void* raw = static_cast<std::byte*>(frame) - frame_header_size;
    const frame_header h = *std::launder(static_cast<frame_header*>(raw));
    if (h.resource != nullptr) {
        h.resource->deallocate(raw, h.total, frame_alignment);
    } else {
        ::operator delete(raw); // unsized: clang builds without -fsized-deallocation
    }
}

class task_promise_base {
public:
    // The size comes from the frame header, so only the unsized form is needed.
    static void* operator new(std::size_t size) { return allocate_frame(size); }
    static void operator delete(void* frame) noexcept { deallocate_frame(frame); }

    struct final_awaiter {
        [[nodiscard]] bool await_ready() const noexcept { return false; }

        template <class Promise>
        std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> self) noexcept {
            task_promise_base& p = self.promise();
            if (p.continuation_) return p.continuation_;
            if (p.detached_) {
                // Take what the callback needs, then free the frame *before* calling it, so the
                // callback may release the memory the frame (and its parameters) came from.
                const detached_callback cb = p.on_done_;
                void* ctx = p.on_done_ctx_;
                std::exception_ptr error = std::move(p.exception_);
                self.destroy();
                if (cb != nullptr) cb(ctx, std::move(error));
            }
            return std::noop_coroutine();
        }

        void await_resume() const noexcept {}
    };

    [[nodiscard]] std::suspend_always initial_suspend() const noexcept { return {}; }
    [[nodiscard]] final_awaiter final_suspend() const noexcept { return {}; }
    void unhandled_exception() noexcept { exception_ = std::current_exception(); }

    void set_continuation(std::coroutine_handle<> c) noexcept { continuation_ = c; }
    void set_detached(detached_callback cb, void* ctx) noexcept {
        detached_ = true;
        on_done_ = cb;
        on_done_ctx_ = ctx;
    }

protected:
    void rethrow_if_failed() const {
        if (exception_) std::rethrow_exception(exception_);
    }

private:
    std::coroutine_handle<> continuation_;
    std::exception_ptr exception_;
    detached_callback on_done_ = nullptr;
    void* on_done_ctx_ = nullptr;
    bool detached_ = false;
};

template <class T>
class task_promise final : public task_promise_base {
public:
    task<T> get_return_object() noexcept;

    template <class U = T>
        requires std::constructible_from<T, U&&>
    void return_value(U&& value) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
        value_.emplace(std::forward<U>(value));
    }

    T& result() & {
        rethrow_if_failed();
        return *value_;
    }
    T result() && {
        rethrow_if_failed();
        return std::move(*value_);
    }

private:
    std::optional<T> value_;
};

template <class T>
class task_promise<T&> final : public task_promise_base {
public:
    task<T&> get_return_object() noexcept;
    void return_value(T& value) noexcept { value_ = std::addressof(value); }
    T& result() const {
        rethrow_if_failed();
        return *value_;
    }

private:
    T* value_ = nullptr;
};

template <>
class task_promise<void> final : public task_promise_base {
public:
    task<void> get_return_object() noexcept;
    void return_void() const noexcept {}
    void result() const { rethrow_if_failed(); }
};

} // namespace detail

template <class T>
class [[nodiscard]] task {
public:
    using promise_type = detail::task_promise<T>;
    using handle_type = std::coroutine_handle<promise_type>;
    using value_type = T;

    // An empty task: valid() is false. Awaiting an empty task<void> completes at once; awaiting
    // an empty task<T> is a precondition violation.
    task() noexcept = default;
    explicit task(handle_type h) noexcept : h_(h) {}
    task(task&& other) noexcept : h_(std::exchange(other.h_, {})) {}
    task& operator=(task&& other) noexcept {
        if (this != &other) {
            destroy();
            h_ = std::exchange(other.h_, {});
        }
        return *this;
    }
    task(const task&) = delete;
    task& operator=(const task&) = delete;
    // Destroys the frame, whether never started or finished. Destroying a task that is suspended
    // mid-way is allowed only while nothing will resume it again.
    ~task() { destroy(); }

    [[nodiscard]] bool valid() const noexcept { return static_cast<bool>(h_); }
    explicit operator bool() const noexcept { return valid(); }
    // True once the coroutine has run to completion (value or exception stored).
    [[nodiscard]] bool done() const noexcept { return h_ && h_.done(); }

    // Gives up ownership of the frame (for start_detached and custom schedulers).
    [[nodiscard]] handle_type release() noexcept { return std::exchange(h_, {}); }

    // co_await std::move(t) / co_await f(): yields T (moved out of the frame).
    auto operator co_await() && noexcept {
        struct awaiter : awaiter_base {
            decltype(auto) await_resume() {
                if constexpr (std::is_void_v<T>) {
                    if (this->h) this->h.promise().result();
                } else if constexpr (std::is_reference_v<T>) {
                    return this->h.promise().result();
                } else {
                    return std::move(this->h.promise()).result();
                }
            }
        };
        return awaiter{{h_}};
    }
    // co_await t (lvalue): yields a reference to the stored result, valid while `t` lives.
    auto operator co_await() & noexcept {
        struct awaiter : awaiter_base {
            decltype(auto) await_resume() {
                if constexpr (std::is_void_v<T>) {
                    if (this->h) this->h.promise().result();
                } else {
                    return this->h.promise().result();
                }
            }
        };
        return awaiter{{h_}};
    }

private:
    struct awaiter_base {
        handle_type h;
        [[nodiscard]] bool await_ready() const noexcept {
            if constexpr (std::is_void_v<T>) {
                if (!h) return true;
            }
            assert(h && "co_await on an empty katana::task");
            return h.done();
        }
        std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiting) noexcept {
            h.promise().set_continuation(awaiting);
            return h; // symmetric transfer: start the child without growing the stack
        }
    };

    void destroy() noexcept {
        if (h_) std::exchange(h_, {}).destroy();
    }

    handle_type h_;
};

namespace detail {

template <class T>
task<T> task_promise<T>::get_return_object() noexcept {
    return task<T>{std::coroutine_handle<task_promise<T>>::from_promise(*this)};
}
template <class T>
task<T&> task_promise<T&>::get_return_object() noexcept {
    return task<T&>{std::coroutine_handle<task_promise<T&>>::from_promise(*this)};
}
inline task<void> task_promise<void>::get_return_object() noexcept {
    return task<void>{std::coroutine_handle<task_promise<void>>::from_promise(*this)};
}

} // namespace detail

// Runs `t` from plain code until its first suspension, without allocating. When it completes
// (now, or later when whatever it awaits resumes it) its frame is destroyed and then
// on_done(ctx, error) is called exactly once, error being the exception it ended with or null;
// no exception escapes. on_done may be null (result and error are then dropped). An empty task
// counts as completed at once.
inline void start_detached(task<void>&& t, detached_callback on_done, void* ctx) noexcept {
    auto h = t.release();
    if (!h) {
        if (on_done != nullptr) on_done(ctx, nullptr);
        return;
    }
    h.promise().set_detached(on_done, ctx);
    h.resume();
}

} // namespace katana
