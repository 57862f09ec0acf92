#pragma once
// Per-reactor cache of fixed-size memory blocks, the raw material of request arenas.
//
// Threading: a block_pool belongs to one reactor thread and is never shared; nothing here is
// synchronised. Lifetime: the pool must outlive every arena and request_memory built on it, and
// every block it handed out must be released (to this same pool) before it is destroyed. Blocks
// still cached at destruction are freed by the destructor.
//
// Blocks are chained intrusively through their first pointer-sized word (see block_next /
// set_block_next): a cached block holds its free-list link there, and an arena uses the same word
// to link the blocks it owns, so that a whole arena can be returned with one O(1) splice.
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace katana {

class block_pool {
public:
    static constexpr std::size_t default_block_size = 16 * 1024;
    static constexpr std::size_t default_max_cached = 4096;
    // Every block is aligned at least this much (what ::operator new guarantees for
    // non-over-aligned requests).
    static constexpr std::size_t block_alignment =
        alignof(std::max_align_t) > 16 ? alignof(std::max_align_t) : 16;

    // block_size is rounded up to a multiple of block_alignment (and to at least 64 bytes so a
    // block can hold the arena's link word and still be useful). max_cached bounds the memory the
    // pool keeps for reuse after a load spike; 0 disables caching.
    explicit block_pool(std::size_t block_size = default_block_size,
                        std::size_t max_cached = default_max_cached) noexcept;
    ~block_pool();
    block_pool(const block_pool&) = delete;
    block_pool& operator=(const block_pool&) = delete;

    // A block of block_size() bytes aligned to block_alignment. Reuses a cached block when one is
    // available; only calls ::operator new when the cache is empty (throws std::bad_alloc if that
    // fails). The block's contents are unspecified.
    [[nodiscard]] void* acquire() {
        if (free_ != nullptr) {
            void* b = free_;
            free_ = block_next(b);
            --cached_;
            note_outstanding();
            return b;
        }
        return acquire_fresh();
    }

    // Gives a block obtained from this pool back. It is cached for reuse, or freed when the cache
    // already holds max_cached blocks.
    void release(void* block) noexcept {
        --outstanding_;
        if (cached_ < max_cached_) {
            set_block_next(block, free_);
            free_ = block;
            ++cached_;
            return;
        }
        free_block(block);
    }

    // Returns `count` blocks chained first -> ... -> last through their link words (the link of
    // `last` is ignored). O(1) while the cache has room for all of them; when it would overflow,
    // the excess blocks are freed one by one, so the work is bounded by `count`.
    void release_chain(void* first, void* last, std::size_t count) noexcept;

    [[nodiscard]] std::size_t block_size() const noexcept { return block_size_; }
    [[nodiscard]] std::size_t max_cached() const noexcept { return max_cached_; }

    // Blocks handed out and not yet released.
    [[nodiscard]] std::size_t blocks_outstanding() const noexcept { return outstanding_; }
    // Blocks kept for reuse.
    [[nodiscard]] std::size_t blocks_cached() const noexcept { return cached_; }
    // Calls to ::operator new made by this pool over its whole life.
    [[nodiscard]] std::size_t blocks_allocated_total() const noexcept { return allocated_total_; }
    // Maximum of blocks_outstanding() over the pool's life.
    [[nodiscard]] std::size_t high_water_outstanding() const noexcept { return high_water_; }

    // Frees every cached block (e.g. after a load spike). Outstanding blocks are unaffected.
    void trim() noexcept;

    // The intrusive link word at the start of a block. memcpy keeps this free of aliasing issues
    // whatever the block held before; it compiles to a single load/store.
    [[nodiscard]] static void* block_next(const void* block) noexcept {
        void* next;
        std::memcpy(&next, block, sizeof next);
        return next;
    }
    static void set_block_next(void* block, void* next) noexcept { std::memcpy(block, &next, sizeof next); }

private:
    void* acquire_fresh();
    void free_block(void* block) noexcept;
    void note_outstanding() noexcept {
        if (++outstanding_ > high_water_) high_water_ = outstanding_;
    }

    std::size_t block_size_;
    std::size_t max_cached_;
    void* free_ = nullptr; // singly linked through block_next()
    std::size_t cached_ = 0;
    std::size_t outstanding_ = 0;
    std::size_t allocated_total_ = 0;
    std::size_t high_water_ = 0;
};

} // namespace katana
