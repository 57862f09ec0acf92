#include <katana/reactor/mpsc_queue.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace {

struct message {
    std::uint32_t producer;
    std::uint32_t sequence;
};

TEST(MpscQueue, CapacityIsRoundedToPowerOfTwo) {
    EXPECT_EQ(katana::mpsc_queue<int>(0).capacity(), 2u);
    EXPECT_EQ(katana::mpsc_queue<int>(8).capacity(), 8u);
    EXPECT_EQ(katana::mpsc_queue<int>(9).capacity(), 16u);
}

TEST(MpscQueue, FifoFullAndEmpty) {
    katana::mpsc_queue<int> q(4);
    int out = -1;
    EXPECT_TRUE(q.empty_approx());
    EXPECT_FALSE(q.try_pop(out));
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(q.try_push(i));
    EXPECT_FALSE(q.try_push(99)) << "full";
    EXPECT_FALSE(q.empty_approx());
    for (int i = 0; i < 4; ++i) {
        ASSERT_TRUE(q.try_pop(out));
        EXPECT_EQ(out, i);
    }
    EXPECT_FALSE(q.try_pop(out));
    EXPECT_TRUE(q.empty_approx());
    // Wrap around several laps.
    for (int lap = 0; lap < 10; ++lap) {
        EXPECT_TRUE(q.try_push(lap));
        EXPECT_TRUE(q.try_push(lap + 100));
        ASSERT_TRUE(q.try_pop(out));
        EXPECT_EQ(out, lap);
        ASSERT_TRUE(q.try_pop(out));
        EXPECT_EQ(out, lap + 100);
    }
}

TEST(MpscQueue, CarriesFunctionMessages) {
    struct call {
        void (*fn)(void*);
        void* arg;
    };
    katana::mpsc_queue<call> q(8);
    int hits = 0;
    ASSERT_TRUE(q.try_push({[](void* p) { ++*static_cast<int*>(p); }, &hits}));
    call c{};
    ASSERT_TRUE(q.try_pop(c));
    c.fn(c.arg);
    EXPECT_EQ(hits, 1);
}

// 4 producers x 100k items through a small queue (so it is often full): every item arrives
// exactly once, and each producer's items arrive in the order it pushed them.
TEST(MpscQueue, FourProducersEveryItemOnceInPerProducerOrder) {
    constexpr std::uint32_t producers = 4;
    constexpr std::uint32_t per_producer = 100000;
    katana::mpsc_queue<message> q(1024);
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (std::uint32_t p = 0; p < producers; ++p) {
        threads.emplace_back([&q, &go, p] {
            while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
            for (std::uint32_t i = 0; i < per_producer; ++i) {
                while (!q.try_push(message{p, i})) std::this_thread::yield();
            }
        });
    }
    go.store(true, std::memory_order_release);
    std::vector<std::uint32_t> next(producers, 0);
    std::uint64_t received = 0;
    bool in_order = true;
    message m{};
    while (received < std::uint64_t{producers} * per_producer) {
        if (!q.try_pop(m)) {
            std::this_thread::yield();
            continue;
        }
        ASSERT_LT(m.producer, producers);
        if (m.sequence != next[m.producer]) in_order = false;
        next[m.producer] = m.sequence + 1;
        ++received;
    }
    for (auto& t : threads) t.join();
    EXPECT_TRUE(in_order);
    for (std::uint32_t p = 0; p < producers; ++p) EXPECT_EQ(next[p], per_producer);
    EXPECT_FALSE(q.try_pop(m)) << "nothing extra";
    EXPECT_TRUE(q.empty_approx());
}

} // namespace
