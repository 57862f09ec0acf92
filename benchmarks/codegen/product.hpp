#pragma once
// The Product DTO of benchmarks/codegen/product.yaml, written by hand the way `katana gen openapi`
// emits it (pmr strings and vectors, std::optional for optional members, a three-state member
// for optional + nullable ones). Every hand-written contestant of codegen_benchmark parses into
// and serializes from this struct; the generated contestant uses the generator's own struct.
//
// Memory: the pmr members allocate from whatever resource they were bound to with bind()
// (the per-iteration arena in the benchmark, the request arena in product_server). A bound
// Product must not outlive that resource.
#include <katana/api/tristate.hpp>

#include <cstdint>
#include <memory>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace katana::bench {

// Absent / null / value, as generated code declares optional + nullable members.
template <class T>
using tristate = katana::api::tristate<T>;

enum class ProductStatus : std::uint8_t { active, discontinued, draft };
enum class DimensionsUnit : std::uint8_t { mm, cm, m };

struct Dimensions {
    double width = 0;
    double height = 0;
    double depth = 0;
    std::optional<DimensionsUnit> unit;

    friend bool operator==(const Dimensions&, const Dimensions&) = default;
};

struct Product {
    std::int64_t id = 0;
    std::pmr::string sku;
    std::pmr::string name;
    tristate<std::pmr::string> description;
    double price = 0;
    std::optional<std::pmr::string> currency;
    ProductStatus status = ProductStatus::active;
    std::pmr::vector<std::pmr::string> tags;
    Dimensions dimensions;
    tristate<std::pmr::string> discontinued_at;
    std::pmr::string created_at;

    friend bool operator==(const Product&, const Product&) = default;
};

using product_list = std::pmr::vector<Product>;

// Re-creates a pmr member empty on `memory`, so that later assignments allocate there (a pmr
// container never changes its resource on assignment). Same contract as katana::api::rebind.
template <class T>
void rebind(T& member, std::pmr::memory_resource* memory) {
    std::destroy_at(&member);
    std::construct_at(&member, typename T::allocator_type(memory));
}

// Puts every allocating member of `p` on `memory` and resets it to the default state.
inline void bind(Product& p, std::pmr::memory_resource* memory) {
    rebind(p.sku, memory);
    rebind(p.name, memory);
    rebind(p.tags, memory);
    rebind(p.created_at, memory);
    p.description.reset();
    p.currency.reset();
    p.discontinued_at.reset();
}

// Result of parsing a document: malformed JSON (HTTP 400) vs well-formed but not a valid
// Product (HTTP 422). Hand-written contestants stop at the first problem they find, so a
// document that is both may be reported either way.
enum class parse_status : std::uint8_t { ok, malformed, invalid };

// A JSON document to parse. `readable` >= text.size() bytes may be read from text.data():
// simdjson needs SIMDJSON_PADDING (64) readable bytes past the end; the other contestants
// ignore the slack.
struct json_input {
    std::string_view text;
    std::size_t readable = 0;
};

} // namespace katana::bench
