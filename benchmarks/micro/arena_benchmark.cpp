// Request-shaped allocation: many small allocations (16..128 bytes) then everything released at
// once, as at the end of a request. Compares katana::arena (reset), std::pmr's
// monotonic_buffer_resource (release) and plain new/delete. The counter "time_per_alloc" is the
// time of one allocation including its share of the reset/free work (SI-prefixed seconds).
// BM_task_sync_* measure a handler coroutine that completes without suspending, started with
// start_detached, with its frames in the request arena vs from ::operator new.
#include <katana/coro/task.hpp>
#include <katana/memory/arena.hpp>
#include <katana/memory/block_pool.hpp>
#include <katana/memory/request_memory.hpp>

#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <memory_resource>
#include <new>
#include <vector>

namespace {

// Deterministic sizes in [16, 128], like headers, small strings and DTO nodes.
const std::array<std::size_t, 64>& sizes() {
    static const std::array<std::size_t, 64> s = [] {
        std::array<std::size_t, 64> out{};
        std::size_t x = 12345;
        for (auto& v : out) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            v = 16 + (x >> 33) % 113;
        }
        return out;
    }();
    return s;
}

void set_counters(benchmark::State& state, std::int64_t allocs_per_iteration) {
    state.SetItemsProcessed(state.iterations() * allocs_per_iteration);
    // Shown with an SI prefix: "2.1n" is 2.1 ns per allocation.
    state.counters["time_per_alloc"] = benchmark::Counter(
        static_cast<double>(state.iterations() * allocs_per_iteration),
        benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_arena(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    katana::block_pool pool;
    katana::arena a(pool);
    const auto& sz = sizes();
    for (auto _ : state) {
        for (std::size_t i = 0; i < n; ++i) {
            void* p = a.allocate(sz[i % sz.size()], 8);
            benchmark::DoNotOptimize(p);
        }
        a.reset();
    }
    set_counters(state, static_cast<std::int64_t>(n));
}

void BM_arena_via_pmr_resource(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    katana::block_pool pool;
    katana::arena a(pool);
    std::pmr::memory_resource* r = a.resource();
    const auto& sz = sizes();
    for (auto _ : state) {
        for (std::size_t i = 0; i < n; ++i) {
            void* p = r->allocate(sz[i % sz.size()], 8);
            benchmark::DoNotOptimize(p);
        }
        a.reset();
    }
    set_counters(state, static_cast<std::int64_t>(n));
}

void BM_pmr_monotonic(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    std::pmr::monotonic_buffer_resource mono(16 * 1024);
    const auto& sz = sizes();
    for (auto _ : state) {
        for (std::size_t i = 0; i < n; ++i) {
            void* p = mono.allocate(sz[i % sz.size()], 8);
            benchmark::DoNotOptimize(p);
        }
        mono.release();
    }
    set_counters(state, static_cast<std::int64_t>(n));
}

void BM_new_delete(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    std::vector<void*> ptrs(n);
    const auto& sz = sizes();
    for (auto _ : state) {
        for (std::size_t i = 0; i < n; ++i) {
            ptrs[i] = ::operator new(sz[i % sz.size()]);
            benchmark::DoNotOptimize(ptrs[i]);
        }
        for (void* p : ptrs) ::operator delete(p);
    }
    set_counters(state, static_cast<std::int64_t>(n));
}

void BM_request_memory(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto mode = static_cast<katana::memory_mode>(state.range(1));
    katana::block_pool pool;
    katana::request_memory mem(mode, pool);
    std::pmr::memory_resource* r = mem.resource();
    const auto& sz = sizes();
    for (auto _ : state) {
        for (std::size_t i = 0; i < n; ++i) {
            void* p = r->allocate(sz[i % sz.size()], 8);
            benchmark::DoNotOptimize(p);
        }
        mem.reset();
    }
    state.SetLabel(std::string(katana::to_string(mode)));
    set_counters(state, static_cast<std::int64_t>(n));
}

katana::task<int> sync_child(int x) { co_return x + 1; }
katana::task<void> sync_handler(int* out) { *out = co_await sync_child(*out); }

void on_done(void* ctx, std::exception_ptr) noexcept { ++*static_cast<int*>(ctx); }

void BM_task_sync_arena_frames(benchmark::State& state) {
    katana::block_pool pool;
    katana::arena a(pool);
    int value = 0;
    int done = 0;
    for (auto _ : state) {
        {
            katana::frame_resource_scope scope(a.resource());
            katana::start_detached(sync_handler(&value), &on_done, &done);
        }
        a.reset();
    }
    benchmark::DoNotOptimize(value);
    if (done != static_cast<int>(state.iterations())) state.SkipWithError("callback count mismatch");
}

void BM_task_sync_heap_frames(benchmark::State& state) {
    int value = 0;
    int done = 0;
    for (auto _ : state) katana::start_detached(sync_handler(&value), &on_done, &done);
    benchmark::DoNotOptimize(value);
    if (done != static_cast<int>(state.iterations())) state.SkipWithError("callback count mismatch");
}

} // namespace

BENCHMARK(BM_task_sync_arena_frames);
BENCHMARK(BM_task_sync_heap_frames);
BENCHMARK(BM_arena)->Arg(64)->Arg(1024);
BENCHMARK(BM_arena_via_pmr_resource)->Arg(64)->Arg(1024);
BENCHMARK(BM_pmr_monotonic)->Arg(64)->Arg(1024);
BENCHMARK(BM_new_delete)->Arg(64)->Arg(1024);
BENCHMARK(BM_request_memory)->ArgsProduct({{64, 1024}, {0, 1, 2}});

BENCHMARK_MAIN();
