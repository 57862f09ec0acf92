#pragma once
// Bounded lock-free multi-producer single-consumer queue for messages between reactors (e.g.
// "run this function on your thread"). Not on the request path: the request path never crosses
// threads.
//
// Each cell carries a sequence number that says whose turn it is: producers claim a position by
// CAS on the tail counter, write the value, then publish it with a release store of the cell's
// sequence; the consumer acquires that sequence before reading and hands the cell back to the
// producers of the next lap with another release store. Full queue: try_push fails (the caller
// decides whether to retry, drop or fall back); it never blocks or allocates.
//
// Threading: try_push from any number of threads; try_pop from one consumer thread at a time;
// empty_approx from anywhere. Lifetime: the queue must outlive every producer's use of it.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>

namespace katana {

template <class T>
class mpsc_queue {
    static_assert(std::is_trivially_copyable_v<T>, "mpsc_queue carries trivially copyable messages");
    static_assert(std::is_default_constructible_v<T>, "cells are default-constructed up front");

public:
    // capacity_pow2 is rounded up to a power of two (at least 2). All memory is allocated here.
    explicit mpsc_queue(std::size_t capacity_pow2) : capacity_(round_capacity(capacity_pow2)),
                                                     mask_(capacity_ - 1),
                                                     cells_(std::make_unique<cell[]>(capacity_)) {
        for (std::size_t i = 0; i < capacity_; ++i) cells_[i].seq.store(i, std::memory_order_relaxed);
    }
    mpsc_queue(const mpsc_queue&) = delete;
    mpsc_queue& operator=(const mpsc_queue&) = delete;

    // Any thread. False when the queue is full.
    [[nodiscard]] bool try_push(T value) noexcept {
        std::size_t pos = tail_.load(std::memory_order_relaxed);
        cell* c;
        while (true) {
            c = &cells_[pos & mask_];
            // Acquire pairs with the consumer's release in try_pop: the cell's previous value has
            // been read before we overwrite it.
            const std::size_t seq = c->seq.load(std::memory_order_acquire);
            const auto diff = static_cast<std::intptr_t>(seq) - static_cast<std::intptr_t>(pos);
            if (diff == 0) {
                // Our turn for this cell if nobody else claimed `pos` first.
                if (tail_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) break;
            } else if (diff < 0) {
                return false; // the consumer has not freed this cell yet: full
            } else {
                pos = tail_.load(std::memory_order_relaxed); // another producer got ahead
            }
        }
        c->value = value;
        c->seq.store(pos + 1, std::memory_order_release); // publish
        return true;
    }

    // Consumer thread only. False when empty (or when the next producer has claimed its cell but
    // not finished writing it; that message shows up on a later call).
    [[nodiscard]] bool try_pop(T& out) noexcept {
        const std::size_t pos = head_.load(std::memory_order_relaxed);
        cell& c = cells_[pos & mask_];
        const std::size_t seq = c.seq.load(std::memory_order_acquire); // pairs with the publish
        if (seq != pos + 1) return false;
        out = c.value;
        c.seq.store(pos + capacity_, std::memory_order_release); // free for the next lap
        head_.store(pos + 1, std::memory_order_release);
        return true;
    }

    // A snapshot that may be stale by the time it returns: for deciding whether to poll or sleep,
    // never for correctness.
    [[nodiscard]] bool empty_approx() const noexcept {
        return tail_.load(std::memory_order_acquire) == head_.load(std::memory_order_acquire);
    }

    [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

private:
    // 64 bytes: the cache line of every x86-64 and most ARM64 cores (a constant rather than
    // std::hardware_destructive_interference_size, whose value may differ between compilers).
    static constexpr std::size_t cache_line = 64;

    struct cell {
        std::atomic<std::size_t> seq{0};
        T value{};
    };

    static std::size_t round_capacity(std::size_t n) noexcept {
        std::size_t c = 2;
        while (c < n) c <<= 1;
        return c;
    }

    const std::size_t capacity_;
    const std::size_t mask_;
    std::unique_ptr<cell[]> cells_;
    alignas(cache_line) std::atomic<std::size_t> tail_{0}; // next position producers claim
    alignas(cache_line) std::atomic<std::size_t> head_{0}; // next position the consumer reads
};

} // namespace katana
