#include <katana/memory/block_pool.hpp>

#include <new>

namespace katana {

namespace {

constexpr std::size_t round_block_size(std::size_t requested) noexcept {
    constexpr std::size_t min_size = 64;
    constexpr std::size_t a = block_pool::block_alignment;
    const std::size_t size = requested < min_size ? min_size : requested;
    return (size + a - 1) / a * a;
}

} // namespace

block_pool::block_pool(std::size_t block_size, std::size_t max_cached) noexcept
    : block_size_(round_block_size(block_size)), max_cached_(max_cached) {}

block_pool::~block_pool() { trim(); }

void* block_pool::acquire_fresh() {
    // Default-aligned ::operator new returns __STDCPP_DEFAULT_NEW_ALIGNMENT__-aligned memory,
    // which is at least block_alignment on every platform we build for.
    static_assert(__STDCPP_DEFAULT_NEW_ALIGNMENT__ >= block_alignment);
    void* b = ::operator new(block_size_);
    ++allocated_total_;
    note_outstanding();
    return b;
}

void block_pool::free_block(void* block) noexcept { ::operator delete(block); }

void block_pool::release_chain(void* first, void* last, std::size_t count) noexcept {
    if (count == 0) return;
    outstanding_ -= count;
    // Free from the front until the rest fits; the common case (cache not saturated) skips this.
    while (count > 0 && cached_ + count > max_cached_) {
        void* next = count > 1 ? block_next(first) : nullptr;
        free_block(first);
        first = next;
        --count;
    }
    if (count == 0) return;
    set_block_next(last, free_);
    free_ = first;
    cached_ += count;
}

void block_pool::trim() noexcept {
    while (free_ != nullptr) {
        void* next = block_next(free_);
        free_block(free_);
        free_ = next;
    }
    cached_ = 0;
}

} // namespace katana
