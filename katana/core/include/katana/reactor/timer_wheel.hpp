#pragma once
// Hierarchical timing wheel: 4 levels x 256 slots over `tick`-sized ticks (1 ms by default, so
// the wheel itself spans 2^32 ticks, ~49.7 days; later timers wait in an overflow list and are
// re-examined each time the wheel turns over). Intrusive and allocation-free: the caller owns
// every timer_node, typically as a member of the connection it times out.
//
// Threading: one wheel per reactor, single-threaded. Lifetime: a node must stay alive (and not
// move) while scheduled; cancel it before destroying it. The wheel does not own nodes: destroying
// the wheel leaves its nodes linked to nothing they may touch, so cancel them first or destroy
// them together.
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace katana {

class timer_wheel;

namespace detail {
struct timer_link {
    timer_link* prev = nullptr;
    timer_link* next = nullptr;
};
} // namespace detail

struct timer_node : private detail::timer_link {
    timer_node() noexcept = default;
    // Links are position-dependent: copying a node must not copy its scheduling state.
    timer_node(const timer_node&) = delete;
    timer_node& operator=(const timer_node&) = delete;

    // Called when the node fires; it is already unscheduled then and may be rescheduled.
    void (*callback)(timer_node&) noexcept = nullptr;
    // Free for the owner (e.g. the connection), so the callback needs no container_of tricks.
    void* context = nullptr;

    [[nodiscard]] bool scheduled() const noexcept { return next != nullptr; }
    // The expiry last passed to schedule() (meaningful while scheduled()).
    [[nodiscard]] std::chrono::steady_clock::time_point expiry() const noexcept { return when_; }

private:
    friend class timer_wheel;
    std::chrono::steady_clock::time_point when_{};
    std::uint64_t tick_ = 0; // absolute tick slot placement was computed from
    std::uint16_t slot_ = 0; // index into timer_wheel::lists_
};

class timer_wheel {
public:
    using clock = std::chrono::steady_clock;

    static constexpr unsigned level_bits = 8;
    static constexpr unsigned levels = 4;
    static constexpr std::size_t slots_per_level = std::size_t{1} << level_bits;

    // `now` is the wheel's origin; ticks are counted from it. `tick` must be positive.
    explicit timer_wheel(clock::time_point now, std::chrono::milliseconds tick = std::chrono::milliseconds(1)) noexcept;
    timer_wheel(const timer_wheel&) = delete;
    timer_wheel& operator=(const timer_wheel&) = delete;

    // Arms `n` to fire at the first advance() whose `now` is >= `when`. Rescheduling a scheduled
    // node moves it. From inside a callback: a node armed for a later tick that is still <= the
    // running advance()'s `now` fires in that same advance() (a periodic timer catches up), but
    // one armed for the tick being fired or earlier waits for the next advance() call, so a
    // callback that re-arms itself in the past cannot make advance() loop forever.
    void schedule(timer_node& n, clock::time_point when) noexcept;

    // O(1); no-op if `n` is not scheduled.
    void cancel(timer_node& n) noexcept;

    // Fires every node whose expiry is <= now, in tick order (nodes within one tick: unspecified
    // order). Callbacks may schedule or cancel any node, including the one firing, but must not
    // call advance(). Returns the number of callbacks run. Skips empty stretches of time, so a
    // jump of days costs a few steps per occupied slot, not one per tick.
    std::size_t advance(clock::time_point now) noexcept;

    // How long the caller may sleep before the next advance() is needed: never later than the
    // earliest expiry (it can be earlier, e.g. when a higher level must cascade; the next call
    // then gives the precise figure). Zero when something is already due; nullopt when no timer
    // is scheduled. The value is exact, not rounded to ticks: a reactor whose wait has coarser
    // resolution should round it *up* (rounding down to 0 would spin).
    [[nodiscard]] std::optional<clock::duration> time_until_next(clock::time_point now) const noexcept;

    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
    [[nodiscard]] clock::duration tick() const noexcept { return tick_; }

private:
    static constexpr std::size_t wheel_slots = levels * slots_per_level;
    static constexpr std::uint16_t overflow_slot = wheel_slots;
    static constexpr std::uint16_t deferred_slot = wheel_slots + 1;
    static constexpr std::size_t list_count = wheel_slots + 2;
    static constexpr std::size_t bitmap_words = slots_per_level / 64;

    using link = detail::timer_link;

    [[nodiscard]] std::uint64_t tick_of(clock::time_point t) const noexcept;
    void place(timer_node& n) noexcept;      // into the wheel/overflow by n.tick_ relative to cur_
    void push(std::uint16_t slot, timer_node& n) noexcept;
    void unlink(timer_node& n) noexcept;      // from whatever list; keeps bitmaps and size_ exact
    void cascade_at(std::uint64_t tick) noexcept;
    void reinsert_list(std::uint16_t slot) noexcept;
    std::size_t fire_list(link& list) noexcept;
    [[nodiscard]] std::uint64_t next_event_tick() const noexcept; // > cur_, or UINT64_MAX
    [[nodiscard]] bool list_empty(std::size_t slot) const noexcept { return lists_[slot].next == &lists_[slot]; }
    [[nodiscard]] int first_set_from(unsigned level, unsigned from) const noexcept;

    clock::time_point origin_;
    clock::duration tick_;
    std::uint64_t cur_ = 0; // every node with tick < cur_ has fired; level-0 slot of cur_ may hold
                            // nodes of tick cur_ whose exact expiry is still ahead
    std::size_t size_ = 0;
    bool advancing_ = false;
    clock::time_point advancing_now_{};
    std::array<link, list_count> lists_;
    std::array<std::array<std::uint64_t, bitmap_words>, levels> bitmap_{};
};

} // namespace katana
