// Replacement global allocation functions that count calls. Replacing them from a static library
// works because every test binary references ::operator new, which pulls this object file in
// before the linker reaches libstdc++. Must not allocate itself: the counters are plain
// constant-initialised thread_locals (no TLS constructor) and an atomic.
#include "alloc_counter.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {

thread_local std::uint64_t thread_allocations = 0;
thread_local std::uint64_t thread_deallocations = 0;
std::atomic<std::uint64_t> global_allocations{0};

void count_allocation() noexcept {
    ++thread_allocations;
    global_allocations.fetch_add(1, std::memory_order_relaxed);
}

void* allocate(std::size_t size) noexcept {
    if (size == 0) size = 1; // every new must return a distinct non-null pointer
    while (true) {
        if (void* p = std::malloc(size)) return p;
        std::new_handler handler = std::get_new_handler();
        if (handler == nullptr) return nullptr;
        handler();
    }
}

void* allocate_aligned(std::size_t size, std::align_val_t align) noexcept {
    auto a = static_cast<std::size_t>(align);
    if (a < sizeof(void*)) a = sizeof(void*);
    if (size == 0) size = 1;
    while (true) {
        void* p = nullptr;
        if (::posix_memalign(&p, a, size) == 0) return p;
        std::new_handler handler = std::get_new_handler();
        if (handler == nullptr) return nullptr;
        handler();
    }
}

void* allocate_or_throw(std::size_t size) {
    count_allocation();
    void* p = allocate(size);
    if (p == nullptr) throw std::bad_alloc();
    return p;
}

void* allocate_aligned_or_throw(std::size_t size, std::align_val_t align) {
    count_allocation();
    void* p = allocate_aligned(size, align);
    if (p == nullptr) throw std::bad_alloc();
    return p;
}

void release(void* p) noexcept {
    if (p == nullptr) return;
    ++thread_deallocations;
    std::free(p);
}

} // namespace

namespace katana::test {

std::uint64_t thread_allocation_count() noexcept { return thread_allocations; }
std::uint64_t thread_deallocation_count() noexcept { return thread_deallocations; }
std::uint64_t global_allocation_count() noexcept { return global_allocations.load(std::memory_order_relaxed); }

} // namespace katana::test

// NOLINTBEGIN(misc-new-delete-overloads)
void* operator new(std::size_t size) { return allocate_or_throw(size); }
void* operator new[](std::size_t size) { return allocate_or_throw(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    count_allocation();
    return allocate(size);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
    count_allocation();
    return allocate(size);
}
void* operator new(std::size_t size, std::align_val_t align) { return allocate_aligned_or_throw(size, align); }
void* operator new[](std::size_t size, std::align_val_t align) { return allocate_aligned_or_throw(size, align); }
void* operator new(std::size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
    count_allocation();
    return allocate_aligned(size, align);
}
void* operator new[](std::size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
    count_allocation();
    return allocate_aligned(size, align);
}

void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete(void* p, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { release(p); }
// NOLINTEND(misc-new-delete-overloads)
