#pragma once
// Every contestant behind one uniform interface, for the self-check (correctness before speed).
// The timed loops in codegen_benchmark.cpp call the contestants directly instead, so no
// std::function or output copy is measured.
#include "data.hpp"
#include "product.hpp"

#include <cstdio>
#include <functional>
#include <memory_resource>
#include <string>
#include <vector>

namespace katana::bench {

struct parser_entry {
    std::string name;
    std::function<parse_status(json_input, Product&, std::pmr::memory_resource*)> one;
    std::function<parse_status(json_input, product_list&, std::pmr::memory_resource*)> list;
};

struct writer_entry {
    std::string name;
    std::function<std::string(const Product&)> one;
    std::function<std::string(const product_list&)> list;
};

[[nodiscard]] std::vector<parser_entry> all_parsers();
[[nodiscard]] std::vector<writer_entry> all_writers();

// Runs every parser over valid and invalid documents (each must accept exactly the valid ones and
// produce the expected values) and every writer over the datasets (its output must parse back to
// the same Products). Prints one line per failure to `log`; returns the number of failures.
[[nodiscard]] int self_check(const std::vector<const dataset*>& datasets, std::FILE* log);
// How many valid / invalid documents self_check() tries.
[[nodiscard]] std::size_t valid_document_count();
[[nodiscard]] std::size_t invalid_document_count();

} // namespace katana::bench
