#include <katana/memory/block_pool.hpp>

#include "support/alloc_counter.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <set>
#include <vector>

namespace {

bool aligned(const void* p, std::size_t a) { return reinterpret_cast<std::uintptr_t>(p) % a == 0; }

TEST(BlockPool, BlockSizeIsRoundedToAlignment) {
    katana::block_pool pool(1000);
    EXPECT_EQ(pool.block_size() % katana::block_pool::block_alignment, 0u);
    EXPECT_GE(pool.block_size(), 1000u);
    EXPECT_LT(pool.block_size(), 1000u + katana::block_pool::block_alignment);
    katana::block_pool tiny(1);
    EXPECT_GE(tiny.block_size(), 64u);
}

TEST(BlockPool, AcquireGivesAlignedWritableDistinctBlocks) {
    katana::block_pool pool(4096);
    std::vector<void*> blocks;
    std::set<void*> distinct;
    for (int i = 0; i < 10; ++i) {
        void* b = pool.acquire();
        ASSERT_NE(b, nullptr);
        EXPECT_TRUE(aligned(b, alignof(std::max_align_t)));
        EXPECT_TRUE(aligned(b, 16));
        std::memset(b, i, pool.block_size()); // ASan flags a short block
        blocks.push_back(b);
        distinct.insert(b);
    }
    EXPECT_EQ(distinct.size(), 10u);
    EXPECT_EQ(pool.blocks_outstanding(), 10u);
    EXPECT_EQ(pool.blocks_allocated_total(), 10u);
    EXPECT_EQ(pool.high_water_outstanding(), 10u);
    for (void* b : blocks) pool.release(b);
    EXPECT_EQ(pool.blocks_outstanding(), 0u);
    EXPECT_EQ(pool.blocks_cached(), 10u);
    EXPECT_EQ(pool.high_water_outstanding(), 10u);
}

TEST(BlockPool, ReusesCachedBlocksWithoutOperatorNew) {
    katana::block_pool pool(4096);
    void* a = pool.acquire();
    void* b = pool.acquire();
    pool.release(a);
    pool.release(b);
    const auto before = katana::test::thread_allocation_count();
    void* c = pool.acquire();
    void* d = pool.acquire();
    EXPECT_EQ(katana::test::thread_allocation_count(), before);
    EXPECT_EQ(pool.blocks_allocated_total(), 2u);
    // LIFO reuse: the most recently released block comes back first (still warm in cache).
    EXPECT_EQ(c, b);
    EXPECT_EQ(d, a);
    void* e = pool.acquire(); // cache empty now: a real allocation
    EXPECT_EQ(katana::test::thread_allocation_count(), before + 1);
    EXPECT_EQ(pool.blocks_allocated_total(), 3u);
    pool.release(c);
    pool.release(d);
    pool.release(e);
}

TEST(BlockPool, ReleaseBeyondMaxCachedFrees) {
    katana::block_pool pool(4096, 2);
    void* a = pool.acquire();
    void* b = pool.acquire();
    void* c = pool.acquire();
    const auto freed_before = katana::test::thread_deallocation_count();
    pool.release(a);
    pool.release(b);
    EXPECT_EQ(katana::test::thread_deallocation_count(), freed_before);
    pool.release(c);
    EXPECT_EQ(katana::test::thread_deallocation_count(), freed_before + 1);
    EXPECT_EQ(pool.blocks_cached(), 2u);
    EXPECT_EQ(pool.blocks_outstanding(), 0u);
}

TEST(BlockPool, ReleaseChainSplicesWholeChain) {
    katana::block_pool pool(4096);
    void* blocks[4];
    for (auto& b : blocks) b = pool.acquire();
    for (int i = 0; i < 3; ++i) katana::block_pool::set_block_next(blocks[i], blocks[i + 1]);
    const auto freed_before = katana::test::thread_deallocation_count();
    pool.release_chain(blocks[0], blocks[3], 4);
    EXPECT_EQ(katana::test::thread_deallocation_count(), freed_before);
    EXPECT_EQ(pool.blocks_outstanding(), 0u);
    EXPECT_EQ(pool.blocks_cached(), 4u);
    // All four come back (as a set), and nothing new is allocated.
    std::set<void*> got;
    for (int i = 0; i < 4; ++i) got.insert(pool.acquire());
    EXPECT_EQ(got, (std::set<void*>{blocks[0], blocks[1], blocks[2], blocks[3]}));
    EXPECT_EQ(pool.blocks_allocated_total(), 4u);
    for (void* b : got) pool.release(b);
}

TEST(BlockPool, ReleaseChainFreesOnlyTheExcess) {
    katana::block_pool pool(4096, 3);
    void* keep = pool.acquire();
    void* blocks[4];
    for (auto& b : blocks) b = pool.acquire();
    pool.release(keep); // cache: 1 of 3
    for (int i = 0; i < 3; ++i) katana::block_pool::set_block_next(blocks[i], blocks[i + 1]);
    const auto freed_before = katana::test::thread_deallocation_count();
    pool.release_chain(blocks[0], blocks[3], 4);
    EXPECT_EQ(katana::test::thread_deallocation_count(), freed_before + 2);
    EXPECT_EQ(pool.blocks_cached(), 3u);
    EXPECT_EQ(pool.blocks_outstanding(), 0u);
}

TEST(BlockPool, TrimFreesCache) {
    katana::block_pool pool(4096);
    pool.release(pool.acquire());
    ASSERT_EQ(pool.blocks_cached(), 1u);
    const auto freed_before = katana::test::thread_deallocation_count();
    pool.trim();
    EXPECT_EQ(pool.blocks_cached(), 0u);
    EXPECT_EQ(katana::test::thread_deallocation_count(), freed_before + 1);
}

} // namespace
