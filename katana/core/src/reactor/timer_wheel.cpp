#include <katana/reactor/timer_wheel.hpp>

#include <algorithm>
#include <bit>
#include <limits>

namespace katana {

namespace {

constexpr std::uint64_t no_event = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint64_t slot_mask = timer_wheel::slots_per_level - 1;
// Ticks covered by the whole wheel; beyond that nodes wait in the overflow list.
constexpr std::uint64_t horizon = std::uint64_t{1} << (timer_wheel::level_bits * timer_wheel::levels);

constexpr unsigned shift_of(unsigned level) noexcept { return level * timer_wheel::level_bits; }

} // namespace

timer_wheel::timer_wheel(clock::time_point now, std::chrono::milliseconds tick) noexcept
    : origin_(now), tick_(tick.count() > 0 ? clock::duration(tick) : clock::duration(std::chrono::milliseconds(1))) {
    for (auto& l : lists_) {
        l.prev = &l;
        l.next = &l;
    }
}

std::uint64_t timer_wheel::tick_of(clock::time_point t) const noexcept {
    if (t <= origin_) return 0;
    return static_cast<std::uint64_t>((t - origin_) / tick_);
}

void timer_wheel::push(std::uint16_t slot, timer_node& n) noexcept {
    link& head = lists_[slot];
    link* tail = head.prev;
    n.prev = tail;
    n.next = &head;
    tail->next = &n;
    head.prev = &n;
    n.slot_ = slot;
    ++size_;
    if (slot < wheel_slots) {
        bitmap_[slot / slots_per_level][(slot % slots_per_level) / 64] |= std::uint64_t{1} << (slot % 64);
    }
}

void timer_wheel::unlink(timer_node& n) noexcept {
    n.prev->next = n.next;
    n.next->prev = n.prev;
    n.prev = nullptr;
    n.next = nullptr;
    --size_;
    const std::uint16_t slot = n.slot_;
    // The bit tracks the slot list itself, wherever n was (it may sit in a local firing list).
    if (slot < wheel_slots && list_empty(slot)) {
        bitmap_[slot / slots_per_level][(slot % slots_per_level) / 64] &= ~(std::uint64_t{1} << (slot % 64));
    }
}

void timer_wheel::place(timer_node& n) noexcept {
    const std::uint64_t delta = n.tick_ - cur_;
    if (delta >= horizon) {
        push(overflow_slot, n);
        return;
    }
    unsigned level = 0;
    while (level + 1 < levels && delta >= (std::uint64_t{1} << shift_of(level + 1))) ++level;
    const auto index = static_cast<std::uint16_t>((n.tick_ >> shift_of(level)) & slot_mask);
    push(static_cast<std::uint16_t>(level * slots_per_level + index), n);
}

void timer_wheel::schedule(timer_node& n, clock::time_point when) noexcept {
    if (n.scheduled()) unlink(n);
    n.when_ = when;
    const std::uint64_t t = tick_of(when);
    if (advancing_ && t <= cur_ && when <= advancing_now_) {
        // Due in (or before) the tick being fired: firing it in this advance() could loop
        // forever on a callback that re-arms itself, so it waits for the next call.
        n.tick_ = cur_;
        push(deferred_slot, n);
        return;
    }
    n.tick_ = std::max(t, cur_);
    place(n);
}

void timer_wheel::cancel(timer_node& n) noexcept {
    if (n.scheduled()) unlink(n);
}

void timer_wheel::reinsert_list(std::uint16_t slot) noexcept {
    // Detach first: overflow nodes still beyond the horizon go back into the same list.
    link& head = lists_[slot];
    if (head.next == &head) return;
    link local;
    local.next = head.next;
    local.prev = head.prev;
    local.next->prev = &local;
    local.prev->next = &local;
    head.next = head.prev = &head;
    while (local.next != &local) {
        auto& n = static_cast<timer_node&>(*local.next);
        unlink(n); // slot_ still names `slot`, now empty: its bit is cleared here
        place(n);
    }
}

void timer_wheel::cascade_at(std::uint64_t tick) noexcept {
    if (tick == 0) return;
    // Highest level first so that everything flows down in one pass.
    if ((tick & (horizon - 1)) == 0) reinsert_list(overflow_slot);
    for (unsigned level = levels - 1; level >= 1; --level) {
        if ((tick & ((std::uint64_t{1} << shift_of(level)) - 1)) != 0) continue;
        const auto index = static_cast<std::uint16_t>((tick >> shift_of(level)) & slot_mask);
        reinsert_list(static_cast<std::uint16_t>(level * slots_per_level + index));
    }
}

std::size_t timer_wheel::fire_list(link& list) noexcept {
    std::size_t fired = 0;
    while (list.next != &list) {
        auto& n = static_cast<timer_node&>(*list.next);
        unlink(n);
        ++fired;
        if (n.callback != nullptr) n.callback(n);
    }
    return fired;
}

int timer_wheel::first_set_from(unsigned level, unsigned from) const noexcept {
    if (from >= slots_per_level) return -1;
    const auto& words = bitmap_[level];
    std::size_t w = from / 64;
    std::uint64_t bits = words[w] & (~std::uint64_t{0} << (from % 64));
    while (true) {
        if (bits != 0) return static_cast<int>(w * 64 + static_cast<unsigned>(std::countr_zero(bits)));
        if (++w == bitmap_words) return -1;
        bits = words[w];
    }
}

std::uint64_t timer_wheel::next_event_tick() const noexcept {
    std::uint64_t best = no_event;
    for (unsigned level = 0; level < levels; ++level) {
        const unsigned shift = shift_of(level);
        const auto current = static_cast<unsigned>((cur_ >> shift) & slot_mask);
        const std::uint64_t span = std::uint64_t{1} << shift;
        const std::uint64_t round = span << level_bits;
        const std::uint64_t base = cur_ & ~(round - 1);
        int j = first_set_from(level, current + 1);
        std::uint64_t t;
        if (j >= 0) {
            t = base + static_cast<std::uint64_t>(j) * span;
        } else {
            // Slots at or before the current index belong to the next round of this level. For
            // level 0 the current slot itself holds only tick cur_, which is not a future event.
            j = first_set_from(level, 0);
            if (j < 0 || (level == 0 && static_cast<unsigned>(j) == current)) continue;
            t = base + round + static_cast<std::uint64_t>(j) * span;
        }
        best = std::min(best, t);
    }
    if (!list_empty(overflow_slot)) best = std::min(best, (cur_ | (horizon - 1)) + 1);
    return best;
}

std::size_t timer_wheel::advance(clock::time_point now) noexcept {
    advancing_ = true;
    advancing_now_ = now;
    const std::uint64_t target = std::max(tick_of(now), cur_);
    std::size_t fired = 0;
    while (true) {
        link& slot = lists_[cur_ & slot_mask];
        if (cur_ < target) {
            // Every node of a tick before `target` expires before `now`: fire the whole slot.
            // Detach it first so callbacks may schedule into it freely.
            link local;
            local.prev = local.next = &local;
            if (slot.next != &slot) {
                local.next = slot.next;
                local.prev = slot.prev;
                local.next->prev = &local;
                local.prev->next = &local;
                slot.next = slot.prev = &slot;
                bitmap_[0][(cur_ & slot_mask) / 64] &= ~(std::uint64_t{1} << (cur_ % 64));
            }
            fired += fire_list(local);
        } else {
            // The tick `now` falls in: only nodes whose exact expiry has passed.
            link local;
            local.prev = local.next = &local;
            for (link* p = slot.next; p != &slot;) {
                link* next = p->next;
                if (static_cast<timer_node*>(p)->when_ <= now) {
                    p->prev->next = p->next;
                    p->next->prev = p->prev;
                    p->prev = local.prev;
                    p->next = &local;
                    local.prev->next = p;
                    local.prev = p;
                }
                p = next;
            }
            if (slot.next == &slot) bitmap_[0][(cur_ & slot_mask) / 64] &= ~(std::uint64_t{1} << (cur_ % 64));
            fired += fire_list(local);
            break;
        }
        // Jump straight to the next tick where anything happens (a level-0 slot to fire or a
        // non-empty slot to cascade); cascades in between would only move empty lists.
        cur_ = std::min(next_event_tick(), target);
        cascade_at(cur_);
    }
    advancing_ = false;
    link& deferred = lists_[deferred_slot];
    while (deferred.next != &deferred) {
        auto& n = static_cast<timer_node&>(*deferred.next);
        unlink(n);
        n.tick_ = cur_;
        place(n);
    }
    return fired;
}

std::optional<timer_wheel::clock::duration> timer_wheel::time_until_next(clock::time_point now) const noexcept {
    if (size_ == 0) return std::nullopt;
    clock::time_point best = clock::time_point::max();
    // Lists whose members' exact expiries matter: the current tick's slot (sub-tick expiries)
    // and, during advance(), the deferred list.
    for (const std::size_t idx : {static_cast<std::size_t>(cur_ & slot_mask), static_cast<std::size_t>(deferred_slot)}) {
        const link& head = lists_[idx];
        for (const link* p = head.next; p != &head; p = p->next) {
            best = std::min(best, static_cast<const timer_node*>(p)->when_);
        }
    }
    const std::uint64_t t = next_event_tick();
    if (t != no_event) {
        const auto ticks = static_cast<clock::rep>(t);
        if (ticks <= (clock::time_point::max() - origin_) / tick_) best = std::min(best, origin_ + tick_ * ticks);
    }
    if (best <= now) return clock::duration::zero();
    return best - now;
}

} // namespace katana
