#pragma once
// The contestant that matters: the code `katana gen openapi` generates from product.yaml
// (katana_add_openapi in benchmarks/codegen/CMakeLists.txt). Compiled only when the generator
// is part of the build (KATANA_BENCH_HAVE_GENERATED); otherwise these hooks add nothing and the
// benchmark runs the hand-written contestants alone.
//
// It parses into and serializes from the GENERATED Product type; conversion to the hand-written
// struct happens only in the self-check, never in a timed loop.
#include "registry.hpp"

#include <cstddef>
#include <memory_resource>
#include <string_view>
#include <vector>

namespace katana::bench {

#if KATANA_BENCH_HAVE_GENERATED

void add_generated_parser(std::vector<parser_entry>& out);
void add_generated_writer(std::vector<writer_entry>& out);

// Parse / serialize entry points for the timed loops.
class generated_contestant {
public:
    // `source`: the Products serialize_*() writes (converted once, here, to the generated type).
    explicit generated_contestant(const product_list& source);
    ~generated_contestant();
    generated_contestant(const generated_contestant&) = delete;
    generated_contestant& operator=(const generated_contestant&) = delete;

    // Parse + validate into the generated type, allocated from `memory`; the result is dropped
    // with the arena.
    parse_status parse_one(json_input input, std::pmr::memory_resource* memory);
    parse_status parse_list(json_input input, std::pmr::memory_resource* memory);
    // Writes the first source Product / all of them as a JSON array into a katana::json::writer
    // on `memory`; returns the output's size.
    std::size_t serialize_one(std::pmr::memory_resource* memory);
    std::size_t serialize_list(std::pmr::memory_resource* memory);

private:
    struct impl;
    impl* impl_;
};

#else

inline void add_generated_parser(std::vector<parser_entry>&) {}
inline void add_generated_writer(std::vector<writer_entry>&) {}

#endif

} // namespace katana::bench
