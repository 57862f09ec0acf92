#pragma once
// katana::when_all: runs several tasks concurrently on this thread and yields all their results,
// in the order the tasks were given (not the order they finish).
//
//   std::vector<task<expected<pg::result, pg::error>>> calls;
//   for (auto& args : sets) calls.push_back(db.execute(stmt, args));
//   auto results = co_await when_all(std::move(calls)); // every query is on the wire before the first answer
//
// Each task starts at once, up to its first suspension, before the next one starts; the awaiting
// coroutine resumes when the last one finishes. If any task throws, the other tasks still run to
// completion (nothing can cancel them) and then the first exception is rethrown. Tasks must not
// outlive the frame resource that was current when when_all was called (see task.hpp).
#include <katana/coro/task.hpp>

#include <coroutine>
#include <cstddef>
#include <exception>
#include <optional>
#include <utility>
#include <vector>

namespace katana {

namespace detail {

template <class T>
struct when_all_state {
    std::vector<std::optional<T>> results;
    std::size_t remaining = 0; // unfinished tasks, plus one for the awaiting coroutine
    std::coroutine_handle<> waiter;
    std::exception_ptr error;

    static void finished(void* self, std::exception_ptr e) noexcept {
        auto* s = static_cast<when_all_state*>(self);
        if (e && !s->error) s->error = std::move(e);
        if (--s->remaining == 0) s->waiter.resume();
    }

    struct awaiter {
        when_all_state& s;
        // The awaiting coroutine's own count: zero now means every task already finished.
        [[nodiscard]] bool await_ready() const noexcept { return --s.remaining == 0; }
        void await_suspend(std::coroutine_handle<> h) noexcept { s.waiter = h; }
        void await_resume() const noexcept {}
    };
};

template <class T>
task<void> when_all_one(task<T> t, std::optional<T>* out) {
    out->emplace(co_await std::move(t));
}

} // namespace detail

template <class T>
task<std::vector<T>> when_all(std::vector<task<T>> tasks) {
    detail::when_all_state<T> st;
    st.results.resize(tasks.size());
    st.remaining = tasks.size() + 1;
    for (std::size_t i = 0; i < tasks.size(); ++i) {
        start_detached(detail::when_all_one(std::move(tasks[i]), &st.results[i]), &detail::when_all_state<T>::finished, &st);
    }
    co_await typename detail::when_all_state<T>::awaiter{st};
    if (st.error) std::rethrow_exception(st.error);
    std::vector<T> out;
    out.reserve(st.results.size());
    for (auto& r : st.results) out.push_back(std::move(*r));
    co_return out;
}

} // namespace katana
