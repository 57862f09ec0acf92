#include <katana/memory/arena.hpp>

#include "support/alloc_counter.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory_resource>
#include <string>
#include <vector>

namespace {

bool aligned(const void* p, std::size_t a) { return reinterpret_cast<std::uintptr_t>(p) % a == 0; }

TEST(AllocCounter, SeesVectorAllocationButNotArenaAllocation) {
    katana::block_pool pool(4096);
    katana::arena a(pool);
    (void)a.allocate(16); // warm: the arena's first block is a real allocation
    auto before = katana::test::thread_allocation_count();
    const auto global_before = katana::test::global_allocation_count();
    std::vector<int> v;
    v.push_back(42);
    katana::test::escape(v.data());
    EXPECT_EQ(v.front(), 42);
    EXPECT_GE(katana::test::thread_allocation_count(), before + 1);
    EXPECT_GE(katana::test::global_allocation_count(), global_before + 1);

    before = katana::test::thread_allocation_count();
    for (int i = 0; i < 100; ++i) {
        auto* p = static_cast<int*>(a.allocate(sizeof(int), alignof(int)));
        *p = i;
    }
    EXPECT_EQ(katana::test::thread_allocation_count(), before);
}

TEST(AllocCounter, CountsAlignedAndNothrowForms) {
    auto before = katana::test::thread_allocation_count();
    struct alignas(64) over {
        char c[64];
    };
    auto* o = new over{};
    katana::test::escape(o);
    EXPECT_TRUE(aligned(o, 64));
    delete o;
    int* n = new (std::nothrow) int(3);
    katana::test::escape(n);
    ASSERT_NE(n, nullptr);
    EXPECT_EQ(*n, 3);
    delete n;
    EXPECT_EQ(katana::test::thread_allocation_count(), before + 2);
}

TEST(Arena, TakesNoBlockUntilFirstAllocation) {
    katana::block_pool pool(4096);
    katana::arena a(pool);
    EXPECT_EQ(pool.blocks_outstanding(), 0u);
    EXPECT_EQ(a.blocks_held(), 0u);
    (void)a.allocate(1);
    EXPECT_EQ(pool.blocks_outstanding(), 1u);
    EXPECT_EQ(a.blocks_held(), 1u);
}

TEST(Arena, AllocationsAreAlignedAndDoNotOverlap) {
    katana::block_pool pool(1024);
    katana::arena a(pool);
    struct span {
        std::uintptr_t begin, end;
    };
    std::vector<span> spans;
    const std::size_t aligns[] = {1, 2, 4, 8, 16, 32, 64, 128};
    for (int i = 0; i < 500; ++i) {
        const std::size_t align = aligns[static_cast<std::size_t>(i) % 8];
        const std::size_t size = static_cast<std::size_t>(i % 97) + 1;
        void* p = a.allocate(size, align);
        ASSERT_NE(p, nullptr);
        EXPECT_TRUE(aligned(p, align)) << "align " << align;
        std::memset(p, 0xAB, size); // ASan: must be inside a live block
        spans.push_back({reinterpret_cast<std::uintptr_t>(p), reinterpret_cast<std::uintptr_t>(p) + size});
    }
    std::sort(spans.begin(), spans.end(), [](const span& x, const span& y) { return x.begin < y.begin; });
    for (std::size_t i = 1; i < spans.size(); ++i) EXPECT_LE(spans[i - 1].end, spans[i].begin);
    EXPECT_GT(a.blocks_held(), 1u);
    EXPECT_EQ(pool.blocks_outstanding(), a.blocks_held());
}

TEST(Arena, DefaultAlignmentIsMaxAlign) {
    katana::block_pool pool(4096);
    katana::arena a(pool);
    (void)a.allocate(3, 1);
    void* p = a.allocate(8);
    EXPECT_TRUE(aligned(p, alignof(std::max_align_t)));
}

TEST(Arena, ZeroByteAllocationsAreDistinctAndNonNull) {
    katana::block_pool pool(4096);
    katana::arena a(pool);
    void* p = a.allocate(0, 1);
    void* q = a.allocate(0, 1);
    EXPECT_NE(p, nullptr);
    EXPECT_NE(p, q);
}

TEST(Arena, CountsBytesAndHighWater) {
    katana::block_pool pool(4096);
    katana::arena a(pool);
    (void)a.allocate(100);
    (void)a.allocate(28, 4);
    EXPECT_EQ(a.bytes_allocated(), 128u);
    EXPECT_EQ(a.high_water(), 128u);
    a.reset();
    EXPECT_EQ(a.bytes_allocated(), 0u);
    (void)a.allocate(10);
    EXPECT_EQ(a.bytes_allocated(), 10u);
    EXPECT_EQ(a.high_water(), 128u);
}

TEST(Arena, ResetKeepsFirstBlockAndReturnsTheRest) {
    katana::block_pool pool(1024);
    katana::arena a(pool);
    void* first = a.allocate(8);
    for (int i = 0; i < 40; ++i) (void)a.allocate(100);
    const std::size_t held = a.blocks_held();
    ASSERT_GE(held, 4u);
    EXPECT_EQ(pool.blocks_outstanding(), held);
    const auto freed_before = katana::test::thread_deallocation_count();
    a.reset();
    EXPECT_EQ(katana::test::thread_deallocation_count(), freed_before); // to the cache, not freed
    EXPECT_EQ(a.blocks_held(), 1u);
    EXPECT_EQ(pool.blocks_outstanding(), 1u);
    EXPECT_EQ(pool.blocks_cached(), held - 1);
    // Rewound: the next allocation reuses the very first address.
    EXPECT_EQ(a.allocate(8), first);
    // Growing again takes cached blocks, not new ones.
    const auto total_before = pool.blocks_allocated_total();
    const auto allocs_before = katana::test::thread_allocation_count();
    for (int i = 0; i < 40; ++i) (void)a.allocate(100);
    EXPECT_EQ(pool.blocks_allocated_total(), total_before);
    EXPECT_EQ(katana::test::thread_allocation_count(), allocs_before);
}

TEST(Arena, ReleaseAllReturnsEveryBlock) {
    katana::block_pool pool(1024);
    katana::arena a(pool);
    for (int i = 0; i < 30; ++i) (void)a.allocate(100);
    a.release_all();
    EXPECT_EQ(a.blocks_held(), 0u);
    EXPECT_EQ(pool.blocks_outstanding(), 0u);
    EXPECT_EQ(a.bytes_allocated(), 0u);
    // Still usable afterwards.
    auto* p = static_cast<char*>(a.allocate(5, 1));
    std::memcpy(p, "hello", 5);
    EXPECT_EQ(pool.blocks_outstanding(), 1u);
}

TEST(Arena, DestructorReturnsBlocks) {
    katana::block_pool pool(1024);
    {
        katana::arena a(pool);
        for (int i = 0; i < 30; ++i) (void)a.allocate(100);
        (void)a.allocate(5000); // oversized; LeakSanitizer checks it is freed
        EXPECT_GT(pool.blocks_outstanding(), 1u);
    }
    EXPECT_EQ(pool.blocks_outstanding(), 0u);
}

TEST(Arena, OversizedAllocationsAreDedicatedAndFreedAtReset) {
    katana::block_pool pool(1024);
    katana::arena a(pool);
    (void)a.allocate(10);
    const auto allocs_before = katana::test::thread_allocation_count();
    auto* big = static_cast<unsigned char*>(a.allocate(10000));
    std::memset(big, 1, 10000);
    EXPECT_EQ(katana::test::thread_allocation_count(), allocs_before + 1);
    EXPECT_EQ(a.oversized_held(), 1u);
    EXPECT_EQ(a.blocks_held(), 1u); // the current block is not wasted
    auto* big_aligned = a.allocate(3000, 256);
    EXPECT_TRUE(aligned(big_aligned, 256));
    std::memset(big_aligned, 2, 3000);
    // The small allocation path continues in the same block.
    (void)a.allocate(10);
    EXPECT_EQ(a.blocks_held(), 1u);
    EXPECT_EQ(a.bytes_allocated(), 10u + 10000u + 3000u + 10u);
    const auto freed_before = katana::test::thread_deallocation_count();
    a.reset();
    EXPECT_EQ(katana::test::thread_deallocation_count(), freed_before + 2);
    EXPECT_EQ(a.oversized_held(), 0u);
}

TEST(Arena, LargeAlignmentThatFitsStaysInBlocks) {
    katana::block_pool pool(4096);
    katana::arena a(pool);
    void* p = a.allocate(100, 512);
    EXPECT_TRUE(aligned(p, 512));
    EXPECT_EQ(a.oversized_held(), 0u);
}

TEST(Arena, CopyAndMake) {
    katana::block_pool pool(4096);
    katana::arena a(pool);
    std::string src = "temporary text";
    std::string_view v = a.copy(src);
    src.assign("XXXXXXXXXXXXXX");
    EXPECT_EQ(v, "temporary text");
    EXPECT_TRUE(a.copy("").empty());

    struct point {
        int x, y;
        point(int a_, int b_) : x(a_), y(b_) {}
    };
    point* pt = a.make<point>(3, 4);
    EXPECT_EQ(pt->x, 3);
    EXPECT_EQ(pt->y, 4);
    EXPECT_TRUE(aligned(pt, alignof(point)));
}

// A pool with cached blocks, so growth inside the arena needs no ::operator new.
void prewarm(katana::block_pool& pool, int blocks) {
    std::vector<void*> v;
    for (int i = 0; i < blocks; ++i) v.push_back(pool.acquire());
    for (void* b : v) pool.release(b);
}

TEST(Arena, WorksAsPmrResourceWithoutHeapAllocation) {
    katana::block_pool pool(64 * 1024);
    prewarm(pool, 8);
    katana::arena a(pool);
    std::pmr::memory_resource* r = a.resource();
    const auto allocs_before = katana::test::thread_allocation_count();
    {
        std::pmr::vector<std::pmr::string> v(r);
        for (int i = 0; i < 50; ++i) v.emplace_back("a string long enough to defeat the SSO buffer");
        std::pmr::vector<int> ints(r);
        for (int i = 0; i < 1000; ++i) ints.push_back(i);
        EXPECT_EQ(v[49], "a string long enough to defeat the SSO buffer");
        EXPECT_EQ(ints[999], 999);
        EXPECT_GT(a.bytes_allocated(), 50u * 40u + 1000u * sizeof(int));
    }
    EXPECT_EQ(katana::test::thread_allocation_count(), allocs_before);
    EXPECT_EQ(pool.blocks_allocated_total(), 8u);
    EXPECT_TRUE(r->is_equal(*a.resource()));
    katana::arena other(pool);
    EXPECT_FALSE(r->is_equal(*other.resource()));
}

} // namespace
