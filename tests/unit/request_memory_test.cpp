#include <katana/memory/request_memory.hpp>

#include "support/alloc_counter.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory_resource>
#include <string>
#include <vector>

namespace {

// Upstream resource that records what it hands out, to check pmr mode really uses it.
class recording_resource final : public std::pmr::memory_resource {
public:
    std::size_t allocations = 0;
    std::size_t deallocations = 0;
    std::size_t live_bytes = 0;

private:
    void* do_allocate(std::size_t bytes, std::size_t align) override {
        ++allocations;
        live_bytes += bytes;
        return std::pmr::new_delete_resource()->allocate(bytes, align);
    }
    void do_deallocate(void* p, std::size_t bytes, std::size_t align) noexcept override {
        ++deallocations;
        live_bytes -= bytes;
        std::pmr::new_delete_resource()->deallocate(p, bytes, align);
    }
    bool do_is_equal(const std::pmr::memory_resource& o) const noexcept override { return this == &o; }
};

class RequestMemoryModes : public ::testing::TestWithParam<katana::memory_mode> {};

TEST_P(RequestMemoryModes, AllocatesUsableAlignedMemoryAndCountsBytes) {
    katana::block_pool pool(4096);
    katana::request_memory mem(GetParam(), pool);
    EXPECT_EQ(mem.mode(), GetParam());
    std::pmr::memory_resource* r = mem.resource();
    ASSERT_NE(r, nullptr);
    void* p = r->allocate(100, 64);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % 64, 0u);
    std::memset(p, 7, 100);
    void* q = mem.allocate(50);
    std::memset(q, 8, 50);
    EXPECT_EQ(mem.bytes_allocated(), 150u);
    EXPECT_EQ(mem.copy("abc"), "abc");
    EXPECT_EQ(mem.bytes_allocated(), 153u);
    mem.reset();
    EXPECT_EQ(mem.bytes_allocated(), 0u);
    EXPECT_EQ(mem.high_water(), 153u);
    (void)mem.allocate(10);
    EXPECT_EQ(mem.bytes_allocated(), 10u);
    EXPECT_EQ(mem.high_water(), 153u);
    EXPECT_EQ(mem.resource(), r) << "the resource pointer is stable";
}

TEST_P(RequestMemoryModes, PmrContainersWorkAcrossManyRequests) {
    katana::block_pool pool(4096);
    katana::request_memory mem(GetParam(), pool);
    for (int request = 0; request < 20; ++request) {
        std::pmr::vector<std::pmr::string> v(mem.resource());
        for (int i = 0; i < 100; ++i) v.emplace_back(std::string(static_cast<std::size_t>(i % 50) + 20, 'x'));
        EXPECT_EQ(v[99].size(), 69u);
        v.clear();
        v.shrink_to_fit();
        mem.reset(); // ASan/LSan: nothing leaks and nothing is used after the reset
    }
    mem.release_all();
    EXPECT_EQ(pool.blocks_outstanding(), 0u);
}

TEST_P(RequestMemoryModes, BigAllocationsWork) {
    katana::block_pool pool(4096);
    katana::request_memory mem(GetParam(), pool);
    auto* p = static_cast<unsigned char*>(mem.allocate(100000));
    std::memset(p, 1, 100000);
    mem.reset();
}

INSTANTIATE_TEST_SUITE_P(AllModes, RequestMemoryModes,
                         ::testing::Values(katana::memory_mode::arena, katana::memory_mode::pmr,
                                           katana::memory_mode::heap),
                         [](const ::testing::TestParamInfo<katana::memory_mode>& p) { return std::string(katana::to_string(p.param)); });

TEST(RequestMemory, ArenaModeUsesThePoolAndReleasesAllBlocks) {
    katana::block_pool pool(1024);
    katana::request_memory mem(katana::memory_mode::arena, pool);
    ASSERT_NE(mem.arena_or_null(), nullptr);
    for (int i = 0; i < 20; ++i) (void)mem.allocate(200);
    EXPECT_GT(pool.blocks_outstanding(), 1u);
    mem.reset();
    EXPECT_EQ(pool.blocks_outstanding(), 1u);
    mem.release_all();
    EXPECT_EQ(pool.blocks_outstanding(), 0u);
}

TEST(RequestMemory, PmrModeUsesUpstreamAndReturnsEverythingAtReset) {
    katana::block_pool pool(1024);
    recording_resource upstream;
    {
        katana::request_memory mem(katana::memory_mode::pmr, pool, &upstream);
        EXPECT_EQ(mem.arena_or_null(), nullptr);
        for (int i = 0; i < 100; ++i) (void)mem.allocate(100);
        EXPECT_GT(upstream.allocations, 0u);
        EXPECT_GT(upstream.live_bytes, 100u * 100u - 1);
        EXPECT_EQ(pool.blocks_outstanding(), 0u) << "pmr mode must not touch the block pool";
        mem.reset();
        EXPECT_EQ(upstream.live_bytes, 0u);
        EXPECT_EQ(upstream.deallocations, upstream.allocations);
        (void)mem.allocate(10);
        EXPECT_GT(upstream.live_bytes, 0u);
    }
    EXPECT_EQ(upstream.live_bytes, 0u) << "destruction releases too";
}

TEST(RequestMemory, PmrModeDefaultsToTheDefaultResource) {
    katana::block_pool pool(1024);
    recording_resource upstream;
    std::pmr::memory_resource* old = std::pmr::set_default_resource(&upstream);
    {
        katana::request_memory mem(katana::memory_mode::pmr, pool, nullptr);
        (void)mem.allocate(10);
        EXPECT_GT(upstream.allocations, 0u);
    }
    std::pmr::set_default_resource(old);
    EXPECT_EQ(upstream.live_bytes, 0u);
}

TEST(RequestMemory, HeapModeAllocatesEachObjectAndFreesAtReset) {
    katana::block_pool pool(1024);
    katana::request_memory mem(katana::memory_mode::heap, pool);
    const auto allocs_before = katana::test::thread_allocation_count();
    const auto frees_before = katana::test::thread_deallocation_count();
    void* a = mem.allocate(10);
    void* b = mem.allocate(20, 128);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(b) % 128, 0u);
    (void)mem.allocate(30);
    EXPECT_EQ(katana::test::thread_allocation_count(), allocs_before + 3);
    // deallocate frees at once
    mem.resource()->deallocate(a, 10, alignof(std::max_align_t));
    EXPECT_EQ(katana::test::thread_deallocation_count(), frees_before + 1);
    mem.resource()->deallocate(b, 20, 128);
    EXPECT_EQ(katana::test::thread_deallocation_count(), frees_before + 2);
    // reset frees what is left
    mem.reset();
    EXPECT_EQ(katana::test::thread_deallocation_count(), frees_before + 3);
    EXPECT_EQ(pool.blocks_outstanding(), 0u);
    mem.reset(); // idempotent
    EXPECT_EQ(katana::test::thread_deallocation_count(), frees_before + 3);
}

TEST(RequestMemory, ModeNames) {
    EXPECT_EQ(katana::to_string(katana::memory_mode::arena), "arena");
    EXPECT_EQ(katana::to_string(katana::memory_mode::pmr), "pmr");
    EXPECT_EQ(katana::to_string(katana::memory_mode::heap), "heap");
}

} // namespace
