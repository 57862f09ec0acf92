#include <katana/memory/arena.hpp>

namespace katana {

struct arena::oversized_header {
    oversized_header* next;
    std::size_t align; // 0 when allocated with the default alignment
};

namespace {

constexpr std::size_t round_up(std::size_t n, std::size_t a) noexcept { return (n + a - 1) / a * a; }

} // namespace

void* arena::allocate_slow(std::size_t bytes, std::size_t align) {
    const std::size_t usable = pool_->block_size() - block_header_size;
    // Worst-case padding in a fresh block: its data starts block_header_size-aligned.
    const std::size_t padding = align > block_header_size ? align - block_header_size : 0;
    if (padding >= usable || bytes > usable - padding) return allocate_oversized(bytes, align);

    void* block = pool_->acquire();
    block_pool::set_block_next(block, nullptr);
    if (current_ == nullptr) {
        first_ = block;
    } else {
        block_pool::set_block_next(current_, block);
    }
    current_ = block;
    ++block_count_;
    cur_ = static_cast<std::byte*>(block) + block_header_size;
    end_ = static_cast<std::byte*>(block) + pool_->block_size();
    // Cannot recurse: the checks above guarantee the request fits in the fresh block.
    return allocate(bytes, align);
}

void* arena::allocate_oversized(std::size_t bytes, std::size_t align) {
    const std::size_t header =
        round_up(sizeof(oversized_header), align > block_header_size ? align : block_header_size);
    const std::size_t total = header + bytes;
    const bool over_aligned = align > __STDCPP_DEFAULT_NEW_ALIGNMENT__;
    void* raw = over_aligned ? ::operator new(total, std::align_val_t{align}) : ::operator new(total);
    auto* h = ::new (raw) oversized_header{oversized_, over_aligned ? align : 0};
    oversized_ = h;
    ++oversized_count_;
    count(bytes);
    return static_cast<std::byte*>(raw) + header;
}

void arena::free_oversized() noexcept {
    while (oversized_ != nullptr) {
        oversized_header* h = oversized_;
        oversized_ = h->next;
        if (h->align != 0) {
            ::operator delete(h, std::align_val_t{h->align});
        } else {
            ::operator delete(h);
        }
    }
    oversized_count_ = 0;
}

void arena::reset() noexcept {
    free_oversized();
    fold_high_water();
    bytes_ = 0;
    if (first_ == nullptr) return;
    if (block_count_ > 1) {
        pool_->release_chain(block_pool::block_next(first_), current_, block_count_ - 1);
        block_pool::set_block_next(first_, nullptr);
        block_count_ = 1;
        current_ = first_;
    }
    cur_ = static_cast<std::byte*>(first_) + block_header_size;
    end_ = static_cast<std::byte*>(first_) + pool_->block_size();
}

void arena::release_all() noexcept {
    free_oversized();
    fold_high_water();
    bytes_ = 0;
    if (first_ != nullptr) pool_->release_chain(first_, current_, block_count_);
    first_ = current_ = nullptr;
    block_count_ = 0;
    cur_ = end_ = nullptr;
}

} // namespace katana
