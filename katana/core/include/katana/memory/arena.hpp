#pragma once
// Monotonic bump allocator over blocks from a block_pool: the request arena.
//
// Threading: single-threaded, like the pool it draws from. Lifetime: the pool must outlive the
// arena. Everything allocated from the arena (including views returned by copy() and objects
// from make()) stays valid until the next reset() or release_all() or the arena's destruction;
// those calls invalidate all of it at once. The arena never runs destructors.
//
// The arena is neither copyable nor movable: resource() hands out a pointer to the arena itself,
// which pmr containers keep, so the object must stay where it is.
#include <katana/memory/block_pool.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory_resource>
#include <new>
#include <string_view>
#include <utility>

namespace katana {

class arena : private std::pmr::memory_resource {
public:
    // Bytes at the start of every block reserved for the intrusive chain link (kept at block
    // alignment so the first allocation in a block is maximally aligned).
    static constexpr std::size_t block_header_size = block_pool::block_alignment;

    // Takes no block until the first allocation.
    explicit arena(block_pool& pool) noexcept : pool_(&pool) {}
    ~arena() override { release_all(); }
    arena(const arena&) = delete;
    arena& operator=(const arena&) = delete;

    // `bytes` bytes aligned to `align` (a power of two). Never returns nullptr: throws
    // std::bad_alloc only when ::operator new itself fails. Zero-byte requests get a distinct
    // one-byte allocation. Requests that cannot fit in an empty block get a dedicated
    // ("oversized") ::operator new allocation, freed by the next reset()/release_all().
    [[nodiscard]] void* allocate(std::size_t bytes, std::size_t align = alignof(std::max_align_t)) {
        if (bytes == 0) bytes = 1;
        // Pointer arithmetic through uintptr_t: cur_ may be null before the first block.
        const std::uintptr_t cur = reinterpret_cast<std::uintptr_t>(cur_);
        const std::uintptr_t aligned = (cur + (align - 1)) & ~static_cast<std::uintptr_t>(align - 1);
        const std::uintptr_t end = reinterpret_cast<std::uintptr_t>(end_);
        if (cur_ != nullptr && aligned <= end && bytes <= end - aligned) {
            cur_ = reinterpret_cast<std::byte*>(aligned + bytes);
            count(bytes);
            return reinterpret_cast<void*>(aligned);
        }
        return allocate_slow(bytes, align);
    }

    // Constructs a T in the arena. The destructor is never run by the arena (reset() just rewinds),
    // so use this only for trivially destructible types or objects the caller destroys itself
    // before the reset.
    template <class T, class... Args>
    [[nodiscard]] T* make(Args&&... args) {
        void* p = allocate(sizeof(T), alignof(T));
        return ::new (p) T(std::forward<Args>(args)...);
    }

    // Copies the bytes of `s` into the arena; the view is valid until the next reset.
    [[nodiscard]] std::string_view copy(std::string_view s) {
        if (s.empty()) return {};
        auto* p = static_cast<char*>(allocate(s.size(), 1));
        std::memcpy(p, s.data(), s.size());
        return {p, s.size()};
    }

    // End of a request: keeps the first block (so the next request allocates without touching the
    // pool), returns every other block to the pool with one O(1) splice, frees oversized
    // allocations (one ::operator delete each; their number is bounded by what the request made)
    // and rewinds. Invalidates everything allocated so far.
    void reset() noexcept;

    // Like reset() but also returns the first block, so an idle connection holds no memory.
    void release_all() noexcept;

    // Bytes requested since the last reset (alignment padding not included).
    [[nodiscard]] std::size_t bytes_allocated() const noexcept { return bytes_; }
    // Maximum of bytes_allocated() over the arena's life.
    [[nodiscard]] std::size_t high_water() const noexcept { return bytes_ > high_water_ ? bytes_ : high_water_; }
    // Pool blocks currently held (0 after release_all()).
    [[nodiscard]] std::size_t blocks_held() const noexcept { return block_count_; }
    // Oversized allocations currently held.
    [[nodiscard]] std::size_t oversized_held() const noexcept { return oversized_count_; }
    [[nodiscard]] block_pool& pool() const noexcept { return *pool_; }

    // The arena as a pmr resource: deallocate is a no-op (memory comes back at reset), and two
    // arena resources compare equal only if they are the same arena. Valid for the arena's life.
    [[nodiscard]] std::pmr::memory_resource* resource() noexcept { return this; }

private:
    struct oversized_header;

    void* allocate_slow(std::size_t bytes, std::size_t align);
    void* allocate_oversized(std::size_t bytes, std::size_t align);
    void free_oversized() noexcept;
    // The high-water mark is folded in lazily (at reset and on query) to keep the fast path to a
    // compare, a bump and an add.
    void count(std::size_t bytes) noexcept { bytes_ += bytes; }
    void fold_high_water() noexcept {
        if (bytes_ > high_water_) high_water_ = bytes_;
    }

    void* do_allocate(std::size_t bytes, std::size_t align) override { return allocate(bytes, align); }
    void do_deallocate(void*, std::size_t, std::size_t) noexcept override {}
    bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
        return this == &other;
    }

    block_pool* pool_;
    std::byte* cur_ = nullptr; // bump pointer inside current_
    std::byte* end_ = nullptr; // end of current_
    void* first_ = nullptr;    // chain first_ -> ... -> current_ through block_pool::block_next
    void* current_ = nullptr;
    std::size_t block_count_ = 0;
    oversized_header* oversized_ = nullptr;
    std::size_t oversized_count_ = 0;
    std::size_t bytes_ = 0;
    std::size_t high_water_ = 0;
};

} // namespace katana
