#pragma once
// OpenAPI parameter serialization (path, query, header, cookie): splitting, percent-decoding,
// the style/explode matrix of https://spec.openapis.org/oas/v3.1.0#style-examples, and typed
// scalar conversion.
//
// Nothing here touches the heap: results are views into the request (the raw text) or into
// `memory` (decoded copies, result vectors). Lifetime: as long as both the request buffer and
// `memory` are alive (the request arena: until the response has been written).
// Bounds: work is linear in the input; result vectors hold at most one entry per separator.
#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace katana::api {

// One "name=value" piece of a query string, still percent-encoded. has_equals distinguishes
// "a" (flag, no value) from "a=" (empty value).
struct raw_pair {
    std::string_view name;
    std::string_view value;
    bool has_equals = false;
};

// Iterates the pieces of a raw query ("a=1&b=2", no leading '?') without decoding. Empty pieces
// ("a=1&&b=2") are skipped.
class query_iterator {
public:
    using value_type = raw_pair;
    using difference_type = std::ptrdiff_t;

    query_iterator() noexcept = default;
    explicit query_iterator(std::string_view query) noexcept : rest_(query), at_end_(false) { advance(); }

    [[nodiscard]] const raw_pair& operator*() const noexcept { return current_; }
    [[nodiscard]] const raw_pair* operator->() const noexcept { return &current_; }
    query_iterator& operator++() noexcept {
        advance();
        return *this;
    }
    query_iterator operator++(int) noexcept {
        query_iterator old = *this;
        advance();
        return old;
    }
    // Iterators over the same query compare by position; every end iterator is equal.
    friend bool operator==(const query_iterator& a, const query_iterator& b) noexcept {
        return a.at_end_ == b.at_end_ && (a.at_end_ || a.current_.name.data() == b.current_.name.data());
    }

private:
    void advance() noexcept;

    std::string_view rest_;
    raw_pair current_{};
    bool at_end_ = true;
};

// Range over a raw query: `for (const raw_pair& p : query_range(q))`.
struct query_range {
    std::string_view query;
    [[nodiscard]] query_iterator begin() const noexcept { return query_iterator(query); }
    [[nodiscard]] query_iterator end() const noexcept { return {}; }
};

// All pieces of a raw query, in order, in a vector on `m`.
[[nodiscard]] std::pmr::vector<raw_pair> split_query(std::string_view query, std::pmr::memory_resource* m);

// Percent-decoding. `plus_as_space` for query/form values (application/x-www-form-urlencoded).
// Returns `raw` itself when there is nothing to decode (no copy), else a copy in `m`. nullopt on
// a malformed %XX or when the decoded bytes are not valid UTF-8.
[[nodiscard]] std::optional<std::string_view> decode_component(std::string_view raw, bool plus_as_space,
                                                               std::pmr::memory_resource* m);

enum class param_style : std::uint8_t { simple, form, label, matrix, space_delimited, pipe_delimited, deep_object };

// Parses an OpenAPI `style` value ("simple", "form", "label", "matrix", "spaceDelimited",
// "pipeDelimited", "deepObject").
[[nodiscard]] std::optional<param_style> param_style_from_name(std::string_view name) noexcept;

// Values of an ARRAY parameter, each decoded, for every style/explode combination OpenAPI
// defines: path/header simple "3,4,5"; label ".3.4.5" (explode) / ".3,4,5"; matrix ";id=3;id=4"
// (explode) / ";id=3,4"; query form explode "id=3&id=4", form "id=3,4", spaceDelimited
// "id=3%204", pipeDelimited "id=3|4". For query parameters pass the whole split query (and
// from_query = true); for path/header/cookie pass the single raw value (path values are
// percent-decoded; '+' stays '+' outside the query). An absent query parameter and an empty
// serialization ("id=", "", ".", ";id") both give an empty vector. Separators: ',' (raw only:
// "%2C" is data), spaceDelimited "%20" / '+' / ' ', pipeDelimited '|' / "%7C".
// nullopt when the text does not fit the style or does not decode.
[[nodiscard]] std::optional<std::pmr::vector<std::string_view>> array_values(
    param_style style, bool explode, std::string_view name, std::span<const raw_pair> query,
    std::string_view raw_value, bool from_query, std::pmr::memory_resource* m);

// Members of an OBJECT parameter, names and values decoded: simple "role,admin,firstName,Alex" /
// explode "role=admin,firstName=Alex"; label ".role,admin,firstName,Alex" / ".role=admin.firstName=Alex";
// matrix ";id=role,admin,firstName,Alex" / ";role=admin;firstName=Alex"; form non-explode
// "id=role,admin,firstName,Alex"; form explode (each member is its own query pair: only pairs
// whose name is in `known_properties` are taken; an empty span takes every pair); deepObject
// "id[role]=admin&id[firstName]=Alex". nullopt when the text does not fit the style (odd number
// of items in a non-exploded list, member without '=', bad percent-encoding).
[[nodiscard]] std::optional<std::pmr::vector<std::pair<std::string_view, std::string_view>>> object_members(
    param_style style, bool explode, std::string_view name, std::span<const raw_pair> query,
    std::string_view raw_value, bool from_query, std::span<const std::string_view> known_properties,
    std::pmr::memory_resource* m);

// A single primitive value, decoded: simple "5", label ".5", matrix ";id=5" (";id" alone is
// the empty value), form "id=5" (or just "5" when the caller already took the query value).
// nullopt when the prefix does not fit or the value does not decode.
[[nodiscard]] std::optional<std::string_view> primitive_value(param_style style, bool explode, std::string_view name,
                                                              std::string_view raw_value, std::pmr::memory_resource* m);

// Decoded value of the first pair whose decoded name equals `name` ("" for a bare "name").
[[nodiscard]] std::optional<std::string_view> find_query(std::span<const raw_pair> query, std::string_view name,
                                                         std::pmr::memory_resource* m);
// Every decoded value of pairs named `name`, in order (form explode arrays).
[[nodiscard]] std::pmr::vector<std::string_view> find_query_all(std::span<const raw_pair> query,
                                                                std::string_view name, std::pmr::memory_resource* m);
// Value of the cookie `name` in a Cookie header ("a=b; c=d", RFC 6265 §4.2.1; surrounding
// DQUOTEs removed). Not decoded here: RFC 6265 defines no escaping, so the raw value is what a
// cookie credential (apiKey in: cookie) compares. Generated code percent-decodes cookie
// PARAMETERS (decode_component, '+' kept): OpenAPI's style form is RFC 6570 form expansion,
// which percent-encodes.
[[nodiscard]] std::optional<std::string_view> find_cookie(std::string_view cookie_header, std::string_view name) noexcept;

// Typed conversion with range checks: the whole string must be consumed; a leading '+' or any
// space is rejected; leading zeros are accepted ("007" = 7); out of range is rejected.
[[nodiscard]] bool parse_int32(std::string_view s, std::int32_t& out) noexcept;
[[nodiscard]] bool parse_int64(std::string_view s, std::int64_t& out) noexcept;
[[nodiscard]] bool parse_uint64(std::string_view s, std::uint64_t& out) noexcept;
[[nodiscard]] bool parse_uint32(std::string_view s, std::uint32_t& out) noexcept;
[[nodiscard]] bool parse_double(std::string_view s, double& out) noexcept; // finite only
[[nodiscard]] bool parse_float(std::string_view s, float& out) noexcept;   // finite only, in float range
[[nodiscard]] bool parse_bool(std::string_view s, bool& out) noexcept;     // "true" / "false"

} // namespace katana::api
