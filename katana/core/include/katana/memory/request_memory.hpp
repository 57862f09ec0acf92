#pragma once
// The memory a connection gives to each request, in the mode chosen at start-up:
//
//   arena (default) - katana::arena on the reactor's block_pool; reset is O(1).
//   pmr             - std::pmr::monotonic_buffer_resource over a chosen upstream resource,
//                     released at reset (for plugging in a user's resource).
//   heap            - (--no-arena) every allocation is its own ::operator new, tracked through a
//                     small header so reset can free whatever is left; deallocate frees at once.
//                     Useful with ASan/Valgrind: each allocation is its own object.
//
// Threading: single-threaded (one connection on one reactor). Lifetime: the pool (and the pmr
// upstream) must outlive this object. Everything allocated through resource() is invalidated by
// reset(), release_all() and destruction. Neither copyable nor movable: resource() points into
// this object and request-scoped containers keep that pointer.
#include <katana/memory/arena.hpp>
#include <katana/memory/block_pool.hpp>

#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <string_view>
#include <variant>

namespace katana {

enum class memory_mode : std::uint8_t { arena, pmr, heap };

// "arena", "pmr", "heap".
[[nodiscard]] std::string_view to_string(memory_mode mode) noexcept;

namespace detail {

// monotonic_buffer_resource plus the byte accounting request_memory reports.
class counting_monotonic_resource final : public std::pmr::memory_resource {
public:
    explicit counting_monotonic_resource(std::pmr::memory_resource* upstream) noexcept : mono_(upstream) {}
    void release() noexcept {
        mono_.release();
        bytes_ = 0;
    }
    [[nodiscard]] std::size_t bytes_allocated() const noexcept { return bytes_; }
    [[nodiscard]] std::size_t high_water() const noexcept { return high_water_; }

private:
    void* do_allocate(std::size_t bytes, std::size_t align) override;
    void do_deallocate(void*, std::size_t, std::size_t) noexcept override {}
    bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override { return this == &other; }

    std::pmr::monotonic_buffer_resource mono_;
    std::size_t bytes_ = 0;
    std::size_t high_water_ = 0;
};

// One ::operator new per allocation, linked into an intrusive list through a header in front of
// each allocation so that release() can free everything that was not deallocated.
class tracking_heap_resource final : public std::pmr::memory_resource {
public:
    tracking_heap_resource() noexcept {
        head_.prev = &head_;
        head_.next = &head_;
    }
    ~tracking_heap_resource() override { release(); }
    tracking_heap_resource(const tracking_heap_resource&) = delete;
    tracking_heap_resource& operator=(const tracking_heap_resource&) = delete;

    void release() noexcept;
    // Cumulative bytes requested since the last release (deallocations do not subtract), so the
    // number is comparable with the other modes.
    [[nodiscard]] std::size_t bytes_allocated() const noexcept { return bytes_; }
    [[nodiscard]] std::size_t high_water() const noexcept { return high_water_; }
    // Allocations currently alive.
    [[nodiscard]] std::size_t live_allocations() const noexcept { return live_; }

private:
    struct node {
        node* prev;
        node* next;
        std::size_t align; // 0: default-aligned ::operator new
    };

    void* do_allocate(std::size_t bytes, std::size_t align) override;
    void do_deallocate(void* p, std::size_t bytes, std::size_t align) noexcept override;
    bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override { return this == &other; }
    static void free_node(node* n) noexcept;

    node head_{};
    std::size_t live_ = 0;
    std::size_t bytes_ = 0;
    std::size_t high_water_ = 0;
};

} // namespace detail

class request_memory {
public:
    // `upstream` is used only in pmr mode; nullptr means std::pmr::get_default_resource() at
    // construction time.
    request_memory(memory_mode mode, block_pool& pool,
                   std::pmr::memory_resource* upstream = std::pmr::get_default_resource());
    request_memory(const request_memory&) = delete;
    request_memory& operator=(const request_memory&) = delete;

    // What request-scoped allocations use. The pointer is stable for this object's life.
    [[nodiscard]] std::pmr::memory_resource* resource() noexcept { return resource_; }

    // End of request: everything allocated since the last reset is released in one step.
    void reset() noexcept;
    // Connection idle or closed: hold no memory at all (arena mode also returns its first block).
    void release_all() noexcept;

    // Bytes requested since the last reset / the maximum of that over this object's life.
    [[nodiscard]] std::size_t bytes_allocated() const noexcept;
    [[nodiscard]] std::size_t high_water() const noexcept;
    [[nodiscard]] memory_mode mode() const noexcept { return mode_; }

    // The arena in arena mode (for make()/copy() without a virtual call), nullptr otherwise.
    [[nodiscard]] katana::arena* arena_or_null() noexcept { return std::get_if<katana::arena>(&state_); }

    // Convenience over resource() (direct to the arena in arena mode). Same lifetime rules.
    [[nodiscard]] void* allocate(std::size_t bytes, std::size_t align = alignof(std::max_align_t)) {
        if (auto* a = arena_or_null()) return a->allocate(bytes, align);
        return resource_->allocate(bytes, align);
    }
    [[nodiscard]] std::string_view copy(std::string_view s);

private:
    memory_mode mode_;
    std::variant<katana::arena, detail::counting_monotonic_resource, detail::tracking_heap_resource> state_;
    std::pmr::memory_resource* resource_;
};

} // namespace katana
