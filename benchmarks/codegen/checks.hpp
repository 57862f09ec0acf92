#pragma once
// The constraints of benchmarks/codegen/product.yaml as plain functions, shared by every
// hand-written contestant so they all check exactly the same thing (and pay the same for it):
//
// The string checks are katana::api's (formats.hpp, pattern.hpp): the functions the generated
// code calls, so every contestant pays the same for them.
//
//   Product (additionalProperties: false, required: id sku name price status tags dimensions
//   created_at)
//     id               integer (a number token that is a whole value, 7 and 7.0 alike), int64, >= 1
//     sku              string matching ^[A-Z]{2}-[0-9]{6}(-[A-Z]{1,3})?$ (katana::api::regex_pattern:
//                      ECMA-262 semantics on PCRE2 with JIT)
//     name             string, 1..200 code points
//     description      string or null, <= 2000 code points
//     price            number > 0
//     currency         string, exactly 3 code points
//     status           "active" | "discontinued" | "draft"
//     tags             array of <= 20 strings of 1..32 code points
//     dimensions       object, additionalProperties false, width/height/depth numbers >= 0
//                      (required), unit "mm" | "cm" | "m"
//     discontinued_at  string (RFC 3339 date-time, katana::api::is_date_time) or null
//     created_at       string (RFC 3339 date-time)
//
// A member that occurs twice is an error (as in the generated code), except for nlohmann: its
// DOM keeps only the last occurrence, so its extraction cannot see duplicates. Strings are the
// decoded values (escapes resolved); lengths count Unicode code points of valid UTF-8, which
// every contestant's parser guarantees.
#include "product.hpp"

#include <katana/api/formats.hpp>
#include <katana/api/pattern.hpp>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string_view>

namespace katana::bench {

using katana::api::is_date_time;
using katana::api::utf8_length;

inline const katana::api::regex_pattern sku_pattern{"^[A-Z]{2}-[0-9]{6}(-[A-Z]{1,3})?$"};

[[nodiscard]] inline bool valid_id(std::int64_t v) noexcept { return v >= 1; }
[[nodiscard]] inline bool valid_sku(std::string_view s) noexcept { return sku_pattern.search(s); }
// Length limits test the byte length first: n bytes of UTF-8 hold n/4..n code points, so only a
// string in the ambiguous band is counted.
[[nodiscard]] inline bool valid_name(std::string_view s) noexcept {
    if (s.empty()) return false;
    if (s.size() <= 200) return true;
    return s.size() <= 800 && utf8_length(s) <= 200;
}
[[nodiscard]] inline bool valid_description(std::string_view s) noexcept {
    return s.size() <= 2000 || (s.size() <= 8000 && utf8_length(s) <= 2000);
}
[[nodiscard]] inline bool valid_price(double v) noexcept { return v > 0; }
[[nodiscard]] inline bool valid_currency(std::string_view s) noexcept {
    return s.size() >= 3 && s.size() <= 12 && utf8_length(s) == 3;
}
[[nodiscard]] inline bool valid_tag(std::string_view s) noexcept {
    return !s.empty() && (s.size() <= 32 || (s.size() <= 128 && utf8_length(s) <= 32));
}
inline constexpr std::size_t max_tags = 20;
[[nodiscard]] inline bool valid_dimension(double v) noexcept { return v >= 0; }
[[nodiscard]] inline bool valid_timestamp(std::string_view s) noexcept { return is_date_time(s); }

[[nodiscard]] inline std::optional<ProductStatus> product_status_from(std::string_view s) noexcept {
    if (s == "active") return ProductStatus::active;
    if (s == "discontinued") return ProductStatus::discontinued;
    if (s == "draft") return ProductStatus::draft;
    return std::nullopt;
}
[[nodiscard]] inline std::optional<DimensionsUnit> dimensions_unit_from(std::string_view s) noexcept {
    if (s == "mm") return DimensionsUnit::mm;
    if (s == "cm") return DimensionsUnit::cm;
    if (s == "m") return DimensionsUnit::m;
    return std::nullopt;
}
[[nodiscard]] constexpr std::string_view to_string(ProductStatus s) noexcept {
    switch (s) {
    case ProductStatus::active: return "active";
    case ProductStatus::discontinued: return "discontinued";
    case ProductStatus::draft: return "draft";
    }
    return "active";
}
[[nodiscard]] constexpr std::string_view to_string(DimensionsUnit u) noexcept {
    switch (u) {
    case DimensionsUnit::mm: return "mm";
    case DimensionsUnit::cm: return "cm";
    case DimensionsUnit::m: return "m";
    }
    return "mm";
}

// A JSON number that is not an integer token (7.0, 1e3) still satisfies "type: integer" when its
// value is whole (JSON Schema); it must also fit int64. Returns nullopt otherwise.
[[nodiscard]] inline std::optional<std::int64_t> whole_int64(double v) noexcept {
    // 2^63 is exactly representable; every double below it that is whole fits int64.
    if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0) || std::trunc(v) != v) return std::nullopt;
    return static_cast<std::int64_t>(v);
}

// Keys of Product and Dimensions, and a bit per member for the "required" and duplicate bookkeeping.
enum class product_key : std::uint8_t {
    id, sku, name, description, price, currency, status, tags, dimensions, discontinued_at, created_at, unknown
};
enum class dimensions_key : std::uint8_t { width, height, depth, unit, unknown };

[[nodiscard]] constexpr std::uint32_t bit(product_key k) noexcept { return 1U << static_cast<unsigned>(k); }
[[nodiscard]] constexpr std::uint32_t bit(dimensions_key k) noexcept { return 1U << static_cast<unsigned>(k); }
inline constexpr std::uint32_t product_required = bit(product_key::id) | bit(product_key::sku) |
    bit(product_key::name) | bit(product_key::price) | bit(product_key::status) | bit(product_key::tags) |
    bit(product_key::dimensions) | bit(product_key::created_at);
inline constexpr std::uint32_t dimensions_required =
    bit(dimensions_key::width) | bit(dimensions_key::height) | bit(dimensions_key::depth);

// Dispatch on length first, then one comparison: what a careful hand-written parser does.
[[nodiscard]] constexpr product_key classify_product_key(std::string_view k) noexcept {
    switch (k.size()) {
    case 2: return k == "id" ? product_key::id : product_key::unknown;
    case 3: return k == "sku" ? product_key::sku : product_key::unknown;
    case 4:
        if (k == "name") return product_key::name;
        if (k == "tags") return product_key::tags;
        return product_key::unknown;
    case 5: return k == "price" ? product_key::price : product_key::unknown;
    case 6: return k == "status" ? product_key::status : product_key::unknown;
    case 8: return k == "currency" ? product_key::currency : product_key::unknown;
    case 10:
        if (k == "dimensions") return product_key::dimensions;
        if (k == "created_at") return product_key::created_at;
        return product_key::unknown;
    case 11: return k == "description" ? product_key::description : product_key::unknown;
    case 15: return k == "discontinued_at" ? product_key::discontinued_at : product_key::unknown;
    default: return product_key::unknown;
    }
}
[[nodiscard]] constexpr dimensions_key classify_dimensions_key(std::string_view k) noexcept {
    switch (k.size()) {
    case 4: return k == "unit" ? dimensions_key::unit : dimensions_key::unknown;
    case 5:
        if (k == "width") return dimensions_key::width;
        if (k == "depth") return dimensions_key::depth;
        return dimensions_key::unknown;
    case 6: return k == "height" ? dimensions_key::height : dimensions_key::unknown;
    default: return dimensions_key::unknown;
    }
}

} // namespace katana::bench
