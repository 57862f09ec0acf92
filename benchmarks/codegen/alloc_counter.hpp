#pragma once
// Counts calls of the global operator new on the calling thread (alloc_counter.cpp replaces
// the global allocation functions of the benchmark binaries that link it).
#include <cstdint>

namespace katana::bench {

[[nodiscard]] std::uint64_t heap_allocations() noexcept;

} // namespace katana::bench
