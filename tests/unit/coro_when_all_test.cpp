// katana::when_all: results in task order whatever the finishing order, completion only after the
// last task, tasks that never suspend, and exceptions surfacing after every task has finished.
#include <katana/coro/when_all.hpp>

#include <gtest/gtest.h>

#include <coroutine>
#include <stdexcept>
#include <vector>

namespace {

// Coroutines parked here until the test resumes them, in any order it likes.
struct gate {
    std::vector<std::coroutine_handle<>> parked;
    auto wait() {
        struct awaiter {
            gate& g;
            bool await_ready() const noexcept { return false; }
            void await_suspend(std::coroutine_handle<> h) { g.parked.push_back(h); }
            void await_resume() const noexcept {}
        };
        return awaiter{*this};
    }
};

katana::task<int> later(gate& g, int v, std::vector<int>& finished) {
    co_await g.wait();
    finished.push_back(v);
    co_return v;
}

katana::task<int> now(int v) { co_return v; }

katana::task<int> fails_later(gate& g) {
    co_await g.wait();
    throw std::runtime_error("boom");
}

struct outcome {
    std::vector<int> values;
    bool done = false;
    bool threw = false;
};

katana::task<void> collect(std::vector<katana::task<int>> tasks, outcome& out) {
    try {
        out.values = co_await katana::when_all(std::move(tasks));
    } catch (const std::runtime_error&) {
        out.threw = true;
    }
    out.done = true;
}

TEST(WhenAll, ResultsKeepTaskOrderWhateverTheFinishingOrder) {
    gate g;
    std::vector<int> finished;
    std::vector<katana::task<int>> tasks;
    for (int v : {1, 2, 3}) tasks.push_back(later(g, v, finished));
    outcome out;
    katana::start_detached(collect(std::move(tasks), out), nullptr, nullptr);
    ASSERT_EQ(g.parked.size(), 3u) << "every task starts before any finishes";
    g.parked[2].resume();
    g.parked[0].resume();
    EXPECT_FALSE(out.done);
    g.parked[1].resume();
    EXPECT_TRUE(out.done);
    EXPECT_EQ(finished, (std::vector<int>{3, 1, 2}));
    EXPECT_EQ(out.values, (std::vector<int>{1, 2, 3}));
}

TEST(WhenAll, TasksThatNeverSuspendAndNoTasksAtAll) {
    std::vector<katana::task<int>> tasks;
    tasks.push_back(now(7));
    tasks.push_back(now(8));
    outcome out;
    katana::start_detached(collect(std::move(tasks), out), nullptr, nullptr);
    EXPECT_TRUE(out.done);
    EXPECT_EQ(out.values, (std::vector<int>{7, 8}));

    outcome empty;
    katana::start_detached(collect({}, empty), nullptr, nullptr);
    EXPECT_TRUE(empty.done);
    EXPECT_TRUE(empty.values.empty());
}

TEST(WhenAll, AnExceptionIsRethrownAfterEveryTaskFinished) {
    gate g;
    std::vector<int> finished;
    std::vector<katana::task<int>> tasks;
    tasks.push_back(fails_later(g));
    tasks.push_back(later(g, 5, finished));
    outcome out;
    katana::start_detached(collect(std::move(tasks), out), nullptr, nullptr);
    ASSERT_EQ(g.parked.size(), 2u);
    g.parked[0].resume(); // throws
    EXPECT_FALSE(out.done) << "the other task is still running";
    g.parked[1].resume();
    EXPECT_TRUE(out.done);
    EXPECT_TRUE(out.threw);
    EXPECT_EQ(finished, (std::vector<int>{5}));
}

} // namespace
