#pragma once
// Arena DOM for free-form JSON (untyped schemas, additionalProperties, examples). Round-trips:
// numbers keep their original text (and a double), object members keep their order and
// duplicates exactly as parsed.
//
// A value is a 24-byte handle: copying it copies the handle, not the tree. Its bytes live in
// the memory resource it was built from (the request arena) -- and, for a parsed DOM, strings
// without escapes, keys and number text are views into the parsed document itself. So a DOM is
// valid while both the arena (until reset) and the document are. Values are immutable once built;
// build bottom-up with the make_* functions.
#include <katana/json/error.hpp>
#include <katana/json/reader.hpp>
#include <katana/json/writer.hpp>
#include <katana/util/expected.hpp>

#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <span>
#include <string_view>

namespace katana::json {

struct member;

class value {
public:
    value() noexcept = default; // null

    [[nodiscard]] value_kind kind() const noexcept { return kind_; }
    [[nodiscard]] bool is_null() const noexcept { return kind_ == value_kind::null; }
    [[nodiscard]] bool is_bool() const noexcept { return kind_ == value_kind::boolean; }
    [[nodiscard]] bool is_number() const noexcept { return kind_ == value_kind::number; }
    [[nodiscard]] bool is_string() const noexcept { return kind_ == value_kind::string; }
    [[nodiscard]] bool is_array() const noexcept { return kind_ == value_kind::array; }
    [[nodiscard]] bool is_object() const noexcept { return kind_ == value_kind::object; }

    // Accessors return a neutral result (false, 0.0, empty) when the kind does not match.
    [[nodiscard]] bool as_bool() const noexcept { return kind_ == value_kind::boolean && bool_; }
    // The number as a double (±inf when the text overflows a double; the text stays exact).
    [[nodiscard]] double as_double() const noexcept { return kind_ == value_kind::number ? number_ : 0.0; }
    // The number's JSON text, e.g. "1.50" as it was parsed.
    [[nodiscard]] std::string_view number_text() const noexcept {
        return kind_ == value_kind::number ? std::string_view(static_cast<const char*>(ptr_), size_)
                                           : std::string_view();
    }
    // Exact integer value per JSON Schema (1.0 and 1e2 are integers), from the text.
    [[nodiscard]] reader::number_result as_int64(std::int64_t& out) const noexcept;
    [[nodiscard]] std::string_view as_string() const noexcept {
        return kind_ == value_kind::string ? std::string_view(static_cast<const char*>(ptr_), size_)
                                           : std::string_view();
    }
    [[nodiscard]] std::span<const value> as_array() const noexcept {
        if (kind_ != value_kind::array) return {};
        return std::span<const value>(static_cast<const value*>(ptr_), size_);
    }
    [[nodiscard]] std::span<const member> as_object() const noexcept;
    // Elements of an array, members of an object, bytes of a string; 0 otherwise.
    [[nodiscard]] std::size_t size() const noexcept {
        return kind_ == value_kind::array || kind_ == value_kind::object || kind_ == value_kind::string ? size_ : 0;
    }
    // First member with this key (linear search); nullptr when absent or not an object.
    [[nodiscard]] const value* find(std::string_view key) const noexcept;

    // Construction (for responses, defaults, examples). Everything is copied into `m` except the
    // values inside arrays/objects, which are handles already. Strings, arrays and objects are
    // limited to 2^32-1 bytes/elements (std::length_error beyond); allocation failures propagate
    // as `m` reports them.
    static value make_string(std::string_view s, std::pmr::memory_resource* m);
    static value make_number(double v, std::pmr::memory_resource* m); // non-finite -> null (JSON has none)
    static value make_int(std::int64_t v, std::pmr::memory_resource* m);
    static value make_bool(bool v) noexcept {
        value r;
        r.kind_ = value_kind::boolean;
        r.bool_ = v;
        return r;
    }
    static value make_null() noexcept { return value(); }
    static value make_array(std::span<const value> elements, std::pmr::memory_resource* m);
    static value make_object(std::span<const member> members, std::pmr::memory_resource* m);

private:
    friend bool read_value(reader& r, value& out);
    value(value_kind kind, const void* ptr, std::uint32_t size) noexcept : ptr_(ptr), size_(size), kind_(kind) {}

    const void* ptr_ = nullptr; // chars (string, number text), value[] or member[]
    double number_ = 0.0;
    std::uint32_t size_ = 0;
    value_kind kind_ = value_kind::null;
    bool bool_ = false;
};

struct member {
    std::string_view key;
    value val;
};

inline std::span<const member> value::as_object() const noexcept {
    if (kind_ != value_kind::object) return {};
    return std::span<const member>(static_cast<const member*>(ptr_), size_);
}

// Parses a whole document (the value, then only whitespace) into a DOM in `m`. Iterative: the
// depth limit bounds the work stack, never the C stack.
[[nodiscard]] katana::expected<value, syntax_error> parse(std::string_view doc, std::pmr::memory_resource* m,
                                                          std::uint32_t max_depth = 64);
// Reads the next value of `r` into a DOM in r.memory(). False on a syntax error (r.failed());
// allocation failures fail the reader with out_of_memory, containers or strings over 2^32-1
// elements/bytes with value_too_large. Scratch space while building (about two words per
// element of the open containers) also comes from r.memory() and is released at the end
// (with an arena it stays until the reset, next to the DOM).
bool read_value(reader& r, value& out);
// Compact JSON; numbers are written with their original text. Iterative (no recursion).
void write_value(writer& w, const value& v);
// JSON Schema equality: numbers compare mathematically and exactly from their text (1 == 1.0 ==
// 10e-1, -0 == 0), strings byte for byte, arrays element-wise, objects by key regardless of order:
// same member count and either the same key sequence with equal values pairwise, or every member
// of `a` equals the first member of `b` with its key and every key of `b` occurs in `a` (exact
// for unique keys; with duplicate keys in different orders only first occurrences count).
// Objects in different key orders cost O(n^2) key comparisons. Recursive: values nested more than
// 1024 levels deep compare unequal.
[[nodiscard]] bool equal(const value& a, const value& b) noexcept;

} // namespace katana::json
