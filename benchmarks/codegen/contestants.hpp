#pragma once
// The hand-written contestants of codegen_benchmark. Every parse function checks every
// constraint listed in checks.hpp through the functions there, rejects unknown members at both
// levels, and fills `out` with strings allocated from `memory`. Every serialize function writes
// compact JSON for a valid Product (members in declaration order unless the library imposes one),
// absent members left out, null members written as null.
//
// Each library parses the way its documentation recommends for speed, with the options that make
// it as strict as the schema needs (documented per function). A contestant object is reused from
// one iteration to the next (simdjson keeps its buffers in its parser, as a server would per
// thread); none of them is thread-safe.
#include "product.hpp"

#include <memory>
#include <memory_resource>
#include <string>

namespace katana::bench {

// simdjson 3.0 On-Demand, hand-written extraction. Needs input.readable >= size + 64.
// Builtin (stage 2) kernel: see simdjson_kernel(); stage 1 uses simdjson's runtime dispatch.
class simdjson_contestant {
public:
    simdjson_contestant();
    ~simdjson_contestant();
    simdjson_contestant(const simdjson_contestant&) = delete;
    simdjson_contestant& operator=(const simdjson_contestant&) = delete;

    parse_status parse(json_input input, Product& out, std::pmr::memory_resource* memory);
    parse_status parse(json_input input, product_list& out, std::pmr::memory_resource* memory);

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};
[[nodiscard]] std::string simdjson_kernel();

// nlohmann::json 3.11: json::parse into its DOM (heap: the library has no stateful allocators),
// then extraction. allow_exceptions=false: a syntax error gives a discarded value.
namespace nlohmann_contestant {
parse_status parse(json_input input, Product& out, std::pmr::memory_resource* memory);
parse_status parse(json_input input, product_list& out, std::pmr::memory_resource* memory);
// Builds a json object from the struct, then dump(). Object keys come out sorted: nlohmann::json
// keeps objects in a std::map.
void serialize(const Product& p, std::string& out);
void serialize(const product_list& list, std::string& out);
} // namespace nlohmann_contestant

// RapidJSON 1.1: DOM parse (GenericDocument whose allocator takes its memory from `memory`, so
// no heap), flags kParseValidateEncodingFlag | kParseFullPrecisionFlag | kParseIterativeFlag,
// then extraction. The in-situ variant first copies the text into `memory` (ParseInsitu writes
// into its input) and parses that copy.
namespace rapidjson_contestant {
parse_status parse(json_input input, Product& out, std::pmr::memory_resource* memory);
parse_status parse(json_input input, product_list& out, std::pmr::memory_resource* memory);
parse_status parse_insitu(json_input input, Product& out, std::pmr::memory_resource* memory);
parse_status parse_insitu(json_input input, product_list& out, std::pmr::memory_resource* memory);
// rapidjson::Writer over a string buffer allocated from `memory`; returns a view of the output,
// valid as long as `memory` is.
std::string_view serialize(const Product& p, std::pmr::memory_resource* memory);
std::string_view serialize(const product_list& list, std::pmr::memory_resource* memory);
} // namespace rapidjson_contestant

// Hand-written writer: std::to_chars for numbers (shortest round-trip), a table-driven escaper
// copying runs of plain bytes, appended to a std::pmr::string that is grown once per Product to
// an upper bound of what it can need.
namespace handwritten_writer {
void serialize(const Product& p, std::pmr::string& out);
void serialize(const product_list& list, std::pmr::string& out);
// Upper bound of serialize(p)'s output size.
[[nodiscard]] std::size_t max_size(const Product& p) noexcept;
} // namespace handwritten_writer

} // namespace katana::bench
