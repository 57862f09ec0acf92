// codegen_benchmark: parse + type-check + validate, and serialize, of the Product DTO of
// benchmarks/codegen/product.yaml, by the generated code and by hand-written code on top of
// simdjson, nlohmann::json and RapidJSON, on the same three inputs:
//   product   one Product, ~400 bytes, 10 tags
//   list100   a JSON array of 100 Products
//   doc1024KiB an array of as many Products as fit in 1 MiB (~2,500)
//
// Names: parse/<contestant>/<input> and serialize/<contestant>/<input>. Counters:
//   bytes_per_second  input document bytes per second, for parse AND serialize (the same bytes
//                     for every contestant of an input, so GB/s compare directly)
//   items_per_second  Products per second
//   allocs/iter       calls of global operator new per iteration (heap allocations)
//   out_bytes         (serialize) size of the contestant's output
// Every iteration gets a fresh std::pmr::monotonic_buffer_resource over one preallocated buffer
// (the "request arena"); whatever overflows it would come from the heap and be counted.
//
// Before any timing, the self-check (self_check.cpp) must pass: every contestant parses valid
// documents to the same values and rejects invalid ones. `--self-check` runs only that.
#include "alloc_counter.hpp"
#include "checks.hpp"
#include "contestants.hpp"
#include "data.hpp"
#include "generated_contestant.hpp"
#include "registry.hpp"

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <memory_resource>
#include <string>
#include <string_view>
#include <vector>

namespace katana::bench {
namespace {

// One arena buffer for every iteration: big enough for the 1 MiB document's DOMs and Products.
class arena_buffer {
public:
    static constexpr std::size_t size = 32U << 20;
    arena_buffer() : data_(std::make_unique<std::byte[]>(size)) {
        std::memset(data_.get(), 0, size); // fault the pages in before anything is timed
    }
    std::byte* data() const noexcept { return data_.get(); }

private:
    std::unique_ptr<std::byte[]> data_;
};

arena_buffer& buffer() {
    static arena_buffer b;
    return b;
}

std::pmr::monotonic_buffer_resource fresh_arena() {
    return std::pmr::monotonic_buffer_resource(buffer().data(), arena_buffer::size, std::pmr::new_delete_resource());
}

void finish(benchmark::State& state, const dataset& ds, std::uint64_t allocations_before) {
    const auto iterations = static_cast<std::int64_t>(state.iterations());
    state.SetBytesProcessed(iterations * static_cast<std::int64_t>(ds.text().size()));
    state.SetItemsProcessed(iterations * static_cast<std::int64_t>(ds.expected().size()));
    state.counters["allocs/iter"] = benchmark::Counter(
        static_cast<double>(heap_allocations() - allocations_before) / static_cast<double>(iterations));
}

// `parse(input, memory)` parses the dataset's document into a result that lives in `memory`.
template <class Parse>
void run_parse(benchmark::State& state, const dataset& ds, Parse parse) {
    const json_input input = ds.input();
    const std::uint64_t before = heap_allocations();
    for (auto _ : state) {
        auto arena = fresh_arena();
        if (parse(input, &arena) != parse_status::ok) {
            state.SkipWithError("parse failed");
            break;
        }
    }
    finish(state, ds, before);
}

// Adapts a hand-written `parse(input, out, memory)` to run_parse: out is a Product for the
// single-Product input, else a product_list, constructed in the timed loop like a request's.
template <class Parse>
auto into_struct(const dataset& ds, Parse parse) {
    return [single = ds.single(), parse](json_input input, std::pmr::memory_resource* memory) mutable {
        if (single) {
            Product p;
            const parse_status st = parse(input, p, memory);
            benchmark::DoNotOptimize(p);
            return st;
        }
        product_list list(memory);
        const parse_status st = parse(input, list, memory);
        benchmark::DoNotOptimize(list);
        return st;
    };
}

// `write(source, memory)` returns the output's size.
template <class Write>
void run_serialize(benchmark::State& state, const dataset& ds, Write write) {
    std::size_t out_bytes = 0;
    const std::uint64_t before = heap_allocations();
    for (auto _ : state) {
        auto arena = fresh_arena();
        out_bytes = write(&arena);
        benchmark::DoNotOptimize(out_bytes);
    }
    finish(state, ds, before);
    state.counters["out_bytes"] = static_cast<double>(out_bytes);
}

template <class Fn>
void add(const std::string& name, Fn fn) {
    benchmark::RegisterBenchmark(name.c_str(), fn);
}

void register_benchmarks(const std::vector<const dataset*>& datasets) {
    for (const dataset* ds_ptr : datasets) {
        const dataset& ds = *ds_ptr;
        const std::string& in = ds.name();

        // ---- parse + validate ----
        add("parse/nlohmann/" + in, [&ds](benchmark::State& s) {
            run_parse(s, ds, into_struct(ds, [](json_input i, auto& out, std::pmr::memory_resource* m) {
                          return nlohmann_contestant::parse(i, out, m);
                      }));
        });
        add("parse/simdjson/" + in, [&ds](benchmark::State& s) {
            simdjson_contestant c;
            run_parse(s, ds, into_struct(ds, [&c](json_input i, auto& out, std::pmr::memory_resource* m) {
                          return c.parse(i, out, m);
                      }));
        });
        add("parse/rapidjson/" + in, [&ds](benchmark::State& s) {
            run_parse(s, ds, into_struct(ds, [](json_input i, auto& out, std::pmr::memory_resource* m) {
                          return rapidjson_contestant::parse(i, out, m);
                      }));
        });
        add("parse/rapidjson_insitu/" + in, [&ds](benchmark::State& s) {
            run_parse(s, ds, into_struct(ds, [](json_input i, auto& out, std::pmr::memory_resource* m) {
                          return rapidjson_contestant::parse_insitu(i, out, m);
                      }));
        });
#if KATANA_BENCH_HAVE_GENERATED
        add("parse/generated/" + in, [&ds](benchmark::State& s) {
            generated_contestant c(ds.expected());
            run_parse(s, ds, [&c, single = ds.single()](json_input i, std::pmr::memory_resource* m) {
                return single ? c.parse_one(i, m) : c.parse_list(i, m);
            });
        });
#else
        // SLOT: parse/generated/<input> registers here once katana_add_openapi exists.
#endif

        // ---- serialize ----
        add("serialize/nlohmann/" + in, [&ds](benchmark::State& s) {
            std::string out;
            run_serialize(s, ds, [&](std::pmr::memory_resource*) {
                if (ds.single()) {
                    nlohmann_contestant::serialize(ds.expected().front(), out);
                } else {
                    nlohmann_contestant::serialize(ds.expected(), out);
                }
                return out.size();
            });
        });
        add("serialize/rapidjson/" + in, [&ds](benchmark::State& s) {
            run_serialize(s, ds, [&](std::pmr::memory_resource* m) {
                return (ds.single() ? rapidjson_contestant::serialize(ds.expected().front(), m)
                                    : rapidjson_contestant::serialize(ds.expected(), m))
                    .size();
            });
        });
        add("serialize/handwritten/" + in, [&ds](benchmark::State& s) {
            run_serialize(s, ds, [&](std::pmr::memory_resource* m) {
                std::pmr::string out(m);
                if (ds.single()) {
                    handwritten_writer::serialize(ds.expected().front(), out);
                } else {
                    handwritten_writer::serialize(ds.expected(), out);
                }
                return out.size();
            });
        });
#if KATANA_BENCH_HAVE_GENERATED
        add("serialize/generated/" + in, [&ds](benchmark::State& s) {
            generated_contestant c(ds.expected());
            run_serialize(s, ds, [&](std::pmr::memory_resource* m) {
                return ds.single() ? c.serialize_one(m) : c.serialize_list(m);
            });
        });
#else
        // SLOT: serialize/generated/<input> registers here once katana_add_openapi exists.
#endif
    }
}

} // namespace
} // namespace katana::bench

int main(int argc, char** argv) {
    using namespace katana::bench;
    bool self_check_only = false;
    std::vector<char*> args;
    for (int i = 0; i < argc; ++i) {
        if (std::strcmp(argv[i], "--self-check") == 0) {
            self_check_only = true;
        } else {
            args.push_back(argv[i]);
        }
    }

    static const dataset single = make_single_product();
    static const dataset list = make_product_array(100);
    static const dataset document = make_document_of(1U << 20);
    const std::vector<const dataset*> datasets = {&single, &list, &document};

    const int failures = self_check(datasets, stderr);
    if (failures != 0) {
        std::fprintf(stderr, "codegen_benchmark: self-check failed (%d), not benchmarking\n", failures);
        return 1;
    }
    if (self_check_only) {
        std::printf("codegen_benchmark: self-check passed (%zu parsers, %zu writers; %zu valid and %zu invalid "
                    "documents, %zu inputs)\n",
                    all_parsers().size(), all_writers().size(), valid_document_count(), invalid_document_count(),
                    datasets.size());
        return 0;
    }

    benchmark::AddCustomContext("simdjson", simdjson_kernel());
    benchmark::AddCustomContext("checks", "katana::api::regex_pattern (PCRE2 JIT), is_date_time, utf8_length");
    benchmark::AddCustomContext("generated_contestant", KATANA_BENCH_HAVE_GENERATED ? "yes" : "not built");
    for (const dataset* ds : datasets)
        benchmark::AddCustomContext("input_" + ds->name(),
                                    fmt::format("{} bytes, {} products", ds->text().size(), ds->expected().size()));

    register_benchmarks(datasets);
    int bench_argc = static_cast<int>(args.size());
    benchmark::Initialize(&bench_argc, args.data());
    if (benchmark::ReportUnrecognizedArguments(bench_argc, args.data())) return 2;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
