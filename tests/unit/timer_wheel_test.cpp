#include <katana/reactor/timer_wheel.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <vector>

namespace {

using namespace std::chrono_literals;
using clock_type = katana::timer_wheel::clock;
using time_point = clock_type::time_point;

// A node that records its firing in a shared log.
struct test_timer : katana::timer_node {
    int id = 0;
    std::vector<int>* log = nullptr;
    std::vector<time_point>* fired_at = nullptr;
    static void on_fire(katana::timer_node& n) noexcept {
        auto& t = static_cast<test_timer&>(n);
        t.log->push_back(t.id);
        if (t.fired_at != nullptr) t.fired_at->push_back(t.expiry());
    }
};

struct fixture {
    time_point origin = time_point{} + 1000h; // arbitrary, away from the epoch
    katana::timer_wheel wheel{origin};
    std::vector<int> log;
    std::vector<std::unique_ptr<test_timer>> timers;

    test_timer& make(int id) {
        auto t = std::make_unique<test_timer>();
        t->id = id;
        t->log = &log;
        t->callback = &test_timer::on_fire;
        timers.push_back(std::move(t));
        return *timers.back();
    }
};

TEST(TimerWheel, FiresInExpiryOrder) {
    fixture f;
    f.wheel.schedule(f.make(3), f.origin + 30ms);
    f.wheel.schedule(f.make(1), f.origin + 10ms);
    f.wheel.schedule(f.make(4), f.origin + 300ms);
    f.wheel.schedule(f.make(2), f.origin + 20ms);
    f.wheel.schedule(f.make(5), f.origin + 70s);
    EXPECT_EQ(f.wheel.size(), 5u);
    EXPECT_EQ(f.wheel.advance(f.origin + 9ms), 0u);
    EXPECT_TRUE(f.log.empty());
    EXPECT_EQ(f.wheel.advance(f.origin + 10ms), 1u); // expiry == now fires
    EXPECT_EQ(f.log, (std::vector<int>{1}));
    EXPECT_EQ(f.wheel.advance(f.origin + 1s), 3u);
    EXPECT_EQ(f.log, (std::vector<int>{1, 2, 3, 4}));
    EXPECT_EQ(f.wheel.size(), 1u);
    EXPECT_EQ(f.wheel.advance(f.origin + 70s - 1ns), 0u);
    EXPECT_EQ(f.wheel.advance(f.origin + 70s), 1u);
    EXPECT_EQ(f.log, (std::vector<int>{1, 2, 3, 4, 5}));
    EXPECT_EQ(f.wheel.size(), 0u);
    EXPECT_FALSE(f.timers[0]->scheduled());
}

TEST(TimerWheel, SubTickExpiriesAreExact) {
    fixture f;
    f.wheel.schedule(f.make(1), f.origin + 5ms + 700us);
    EXPECT_EQ(f.wheel.advance(f.origin + 5ms + 300us), 0u);
    EXPECT_EQ(f.wheel.advance(f.origin + 5ms + 699us), 0u);
    EXPECT_EQ(f.wheel.advance(f.origin + 5ms + 700us), 1u);
}

TEST(TimerWheel, PastExpiryFiresOnNextAdvance) {
    fixture f;
    f.wheel.advance(f.origin + 100ms);
    f.wheel.schedule(f.make(1), f.origin + 10ms);
    f.wheel.schedule(f.make(2), f.origin - 1h);
    EXPECT_EQ(f.wheel.time_until_next(f.origin + 100ms), clock_type::duration::zero());
    EXPECT_EQ(f.wheel.advance(f.origin + 100ms), 2u);
}

TEST(TimerWheel, CancelAndReschedule) {
    fixture f;
    auto& a = f.make(1);
    auto& b = f.make(2);
    f.wheel.schedule(a, f.origin + 10ms);
    f.wheel.schedule(b, f.origin + 20ms);
    EXPECT_TRUE(a.scheduled());
    f.wheel.cancel(a);
    EXPECT_FALSE(a.scheduled());
    f.wheel.cancel(a); // no-op
    EXPECT_EQ(f.wheel.size(), 1u);
    f.wheel.schedule(b, f.origin + 5s); // moves it
    EXPECT_EQ(f.wheel.size(), 1u);
    EXPECT_EQ(f.wheel.advance(f.origin + 1s), 0u);
    f.wheel.schedule(b, f.origin + 2s); // moves it earlier, from an upper level
    EXPECT_EQ(f.wheel.advance(f.origin + 2s), 1u);
    EXPECT_EQ(f.log, (std::vector<int>{2}));
    EXPECT_EQ(f.wheel.advance(f.origin + 10s), 0u);
}

// Periodic timer: re-arms itself 10 ms after its own expiry.
struct periodic : katana::timer_node {
    katana::timer_wheel* wheel = nullptr;
    std::vector<time_point> fires;
    static void on_fire(katana::timer_node& n) noexcept {
        auto& p = static_cast<periodic&>(n);
        p.fires.push_back(p.expiry());
        p.wheel->schedule(p, p.expiry() + 10ms);
    }
};

TEST(TimerWheel, RescheduleFromInsideCallbackCatchesUp) {
    fixture f;
    periodic p;
    p.wheel = &f.wheel;
    p.callback = &periodic::on_fire;
    f.wheel.schedule(p, f.origin + 10ms);
    EXPECT_EQ(f.wheel.advance(f.origin + 55ms), 5u); // 10,20,30,40,50 in one call
    ASSERT_EQ(p.fires.size(), 5u);
    for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(p.fires[i], f.origin + 10ms * static_cast<int>(i + 1));
    EXPECT_TRUE(p.scheduled());
    EXPECT_EQ(p.expiry(), f.origin + 60ms);
    EXPECT_EQ(f.wheel.time_until_next(f.origin + 55ms), clock_type::duration(5ms));
    f.wheel.cancel(p);
}

// Re-arms itself at its own (already passed) expiry: must not loop inside one advance().
struct rearm_now : katana::timer_node {
    katana::timer_wheel* wheel = nullptr;
    int fires = 0;
    static void on_fire(katana::timer_node& n) noexcept {
        auto& r = static_cast<rearm_now&>(n);
        ++r.fires;
        r.wheel->schedule(r, r.expiry());
    }
};

TEST(TimerWheel, SelfRearmInThePastFiresOncePerAdvance) {
    fixture f;
    rearm_now r;
    r.wheel = &f.wheel;
    r.callback = &rearm_now::on_fire;
    f.wheel.schedule(r, f.origin + 3ms);
    EXPECT_EQ(f.wheel.advance(f.origin + 10ms), 1u);
    EXPECT_EQ(r.fires, 1);
    EXPECT_TRUE(r.scheduled());
    EXPECT_EQ(f.wheel.time_until_next(f.origin + 10ms), clock_type::duration::zero());
    EXPECT_EQ(f.wheel.advance(f.origin + 10ms), 1u);
    EXPECT_EQ(r.fires, 2);
    f.wheel.cancel(r);
    EXPECT_EQ(f.wheel.size(), 0u);
}

// Cancels a victim that is due in the same advance, and schedules a newcomer.
struct meddler : katana::timer_node {
    katana::timer_wheel* wheel = nullptr;
    katana::timer_node* victim = nullptr;
    katana::timer_node* newcomer = nullptr;
    time_point newcomer_when{};
    static void on_fire(katana::timer_node& n) noexcept {
        auto& m = static_cast<meddler&>(n);
        m.wheel->cancel(*m.victim);
        m.wheel->schedule(*m.newcomer, m.newcomer_when);
    }
};

TEST(TimerWheel, CallbackMayCancelAndScheduleOthers) {
    fixture f;
    auto& victim_same_tick = f.make(1);
    auto& newcomer = f.make(2);
    meddler m;
    m.wheel = &f.wheel;
    m.callback = &meddler::on_fire;
    m.victim = &victim_same_tick;
    m.newcomer = &newcomer;
    m.newcomer_when = f.origin + 7ms; // later tick, still within this advance
    f.wheel.schedule(m, f.origin + 5ms);
    f.wheel.schedule(victim_same_tick, f.origin + 5ms); // same tick, fires after m (FIFO)
    EXPECT_EQ(f.wheel.advance(f.origin + 8ms), 2u);
    EXPECT_EQ(f.log, (std::vector<int>{2}));
    EXPECT_FALSE(victim_same_tick.scheduled());
    EXPECT_EQ(f.wheel.size(), 0u);
}

TEST(TimerWheel, FarFutureBeyondHorizon) {
    fixture f;
    // 2^32 ms is about 49.7 days: these sit in the overflow list at first.
    const auto far1 = f.origin + std::chrono::hours(24 * 60) + 123ms;
    const auto far2 = f.origin + std::chrono::hours(24 * 400) + 7ms;
    const auto near = f.origin + std::chrono::hours(24 * 10);
    f.wheel.schedule(f.make(1), far1);
    f.wheel.schedule(f.make(2), far2);
    f.wheel.schedule(f.make(3), near);
    EXPECT_EQ(f.wheel.advance(near - 1ms), 0u);
    EXPECT_EQ(f.wheel.advance(near), 1u);
    EXPECT_EQ(f.wheel.advance(far1 - 1ms), 0u);
    EXPECT_EQ(f.wheel.advance(far1), 1u);
    EXPECT_EQ(f.wheel.advance(far2 - 1us), 0u);
    EXPECT_EQ(f.wheel.advance(far2), 1u);
    EXPECT_EQ(f.log, (std::vector<int>{3, 1, 2}));
}

TEST(TimerWheel, LargeJumpFiresEverythingInOrder) {
    fixture f;
    std::vector<time_point> fired_at;
    const std::chrono::milliseconds delays[] = {1ms, 255ms, 256ms, 257ms, 65535ms, 65536ms, 65537ms,
                                                std::chrono::milliseconds(16777215), std::chrono::milliseconds(16777216),
                                                std::chrono::milliseconds(4294967295LL),
                                                std::chrono::milliseconds(4294967296LL),
                                                std::chrono::milliseconds(4294967297LL)};
    int id = 0;
    for (auto d : delays) {
        auto& t = f.make(id++);
        t.fired_at = &fired_at;
        f.wheel.schedule(t, f.origin + d);
    }
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(f.wheel.advance(f.origin + std::chrono::hours(24 * 365)), std::size(delays));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s) << "empty stretches must be skipped";
    ASSERT_EQ(fired_at.size(), std::size(delays));
    for (std::size_t i = 0; i < fired_at.size(); ++i) EXPECT_EQ(fired_at[i], f.origin + delays[i]);
}

TEST(TimerWheel, TimeUntilNextIsATightUpperBound) {
    fixture f;
    EXPECT_EQ(f.wheel.time_until_next(f.origin), std::nullopt);
    f.wheel.schedule(f.make(1), f.origin + 40ms + 500us);
    auto d = f.wheel.time_until_next(f.origin);
    ASSERT_TRUE(d.has_value());
    EXPECT_GT(*d, 39ms);
    EXPECT_LE(*d, 40ms + 500us);
}

// A reactor loop: sleep for time_until_next, then advance. Every timer must fire at exactly its
// expiry, and the loop must not spin (wake-ups bounded by timers plus cascades).
TEST(TimerWheel, ReactorLoopNeitherSpinsNorOversleeps) {
    fixture f;
    std::vector<time_point> fired_at;
    const std::chrono::nanoseconds delays[] = {3ms + 250us, 700ms, 90s, std::chrono::hours(30),
                                               std::chrono::hours(24 * 70) + 1ns};
    for (int i = 0; i < 5; ++i) {
        auto& t = f.make(i);
        t.fired_at = &fired_at;
        f.wheel.schedule(t, f.origin + delays[i]);
    }
    time_point now = f.origin;
    int wakeups = 0;
    std::vector<time_point> observed;
    while (auto d = f.wheel.time_until_next(now)) {
        ASSERT_GT(*d, clock_type::duration::zero()) << "nothing due, yet told to wake now";
        now += *d;
        const auto before = f.log.size();
        f.wheel.advance(now);
        if (f.log.size() > before) observed.push_back(now);
        ASSERT_LT(++wakeups, 100);
    }
    ASSERT_EQ(observed.size(), 5u);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(observed[static_cast<std::size_t>(i)], f.origin + delays[i]);
}

// Thousands of random timers, cancels and reschedules against a std::multimap model.
TEST(TimerWheel, RandomAgainstReferenceModel) {
    for (std::uint32_t seed : {1u, 2u, 3u, 42u}) {
        fixture f;
        std::mt19937_64 rng(seed);
        constexpr int n = 3000;
        std::vector<time_point> fired_at;
        for (int i = 0; i < n; ++i) f.make(i).fired_at = &fired_at;
        std::multimap<time_point, int> model;
        std::vector<std::multimap<time_point, int>::iterator> where(n, model.end());
        time_point now = f.origin;

        auto random_delay = [&]() -> clock_type::duration {
            switch (rng() % 6) {
            case 0: return std::chrono::microseconds(rng() % 3000);      // sub-tick and near
            case 1: return std::chrono::milliseconds(rng() % 300);
            case 2: return std::chrono::milliseconds(rng() % 70000);     // level 1-2
            case 3: return std::chrono::seconds(rng() % 100000);         // level 2-3
            case 4: return std::chrono::hours(rng() % (24 * 120));       // beyond the horizon
            default: return -std::chrono::milliseconds(rng() % 50);       // already past
            }
        };
        auto random_step = [&]() -> clock_type::duration {
            switch (rng() % 10) {
            case 0: return std::chrono::hours(rng() % (24 * 30)); // large jump
            case 1: return std::chrono::seconds(rng() % 5000);
            case 2: return clock_type::duration::zero();
            default: return std::chrono::microseconds(rng() % 20000);
            }
        };

        for (int step = 0; step < 3000; ++step) {
            for (int k = 0; k < 5; ++k) {
                const int id = static_cast<int>(rng() % n);
                test_timer& t = *f.timers[static_cast<std::size_t>(id)];
                if (rng() % 4 == 0) {
                    f.wheel.cancel(t);
                    if (where[id] != model.end()) model.erase(std::exchange(where[id], model.end()));
                } else {
                    const time_point when = now + random_delay();
                    f.wheel.schedule(t, when);
                    if (where[id] != model.end()) model.erase(where[id]);
                    where[id] = model.emplace(when, id);
                }
            }
            ASSERT_EQ(f.wheel.size(), model.size());
            if (auto d = f.wheel.time_until_next(now)) {
                ASSERT_FALSE(model.empty());
                ASSERT_LE(now + *d, std::max(now, model.begin()->first)) << "would oversleep";
            } else {
                ASSERT_TRUE(model.empty());
            }

            const time_point prev_now = now;
            now += random_step();
            f.log.clear();
            fired_at.clear();
            const std::size_t fired = f.wheel.advance(now);
            std::multiset<int> expected;
            while (!model.empty() && model.begin()->first <= now) {
                expected.insert(model.begin()->second);
                where[model.begin()->second] = model.end();
                model.erase(model.begin());
            }
            ASSERT_EQ(fired, expected.size()) << "seed " << seed << " step " << step;
            ASSERT_EQ(std::multiset<int>(f.log.begin(), f.log.end()), expected) << "seed " << seed << " step " << step;
            // Tick order. Timers scheduled in the past sit in the tick of the previous advance.
            auto effective_tick = [&](time_point when) {
                return std::chrono::floor<std::chrono::milliseconds>(std::max(when, prev_now) - f.origin);
            };
            for (std::size_t i = 1; i < fired_at.size(); ++i) {
                ASSERT_LE(effective_tick(fired_at[i - 1]), effective_tick(fired_at[i]));
            }
            if (step % 100 == 0) {
                for (auto& t : f.timers) ASSERT_EQ(t->scheduled(), where[t->id] != model.end());
            }
        }
    }
}

} // namespace
