#pragma once
// Counts calls to the global allocation functions. alloc_counter.cpp replaces every form of
// ::operator new / ::operator delete (plain, array, nothrow, aligned, sized) for every binary
// that links katana_test_support, forwarding to malloc/free (so ASan/TSan still see each block).
//
// Use deltas: other code (GoogleTest, the standard library) allocates too.
//   auto before = katana::test::thread_allocation_count();
//   code_under_test();
//   EXPECT_EQ(katana::test::thread_allocation_count() - before, 0u);
#include <cstdint>

namespace katana::test {

// Allocations made by the calling thread since it started.
[[nodiscard]] std::uint64_t thread_allocation_count() noexcept;
// Deallocations (of non-null pointers) made by the calling thread since it started.
[[nodiscard]] std::uint64_t thread_deallocation_count() noexcept;
// Allocations made by all threads since the process started.
[[nodiscard]] std::uint64_t global_allocation_count() noexcept;

// Makes `p` observable so an optimiser may not elide the allocation that produced it (compilers
// may drop a new/delete pair whose memory never escapes).
inline void escape(const void* p) noexcept { asm volatile("" : : "g"(p) : "memory"); }

} // namespace katana::test
