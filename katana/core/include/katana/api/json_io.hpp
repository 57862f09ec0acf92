#pragma once
// The glue generated DTO code calls: read_json / write_json / validate for the built-in types
// (numbers, bool, std::pmr::string, std::pmr::vector, std::optional, tristate, box, string maps,
// katana::json::value), the typed-slot helpers the generated parsers use, and parse_body().
//
// Parsing is one pass: parse + type-check + validate. read_json() returns false only when the
// JSON is malformed (r.failed()); a value of the wrong type is reported to the context at its
// JSON pointer and skipped (r.skip_value() still checks its syntax), so every error in a body is
// reported, not just the first.
//
// Memory: every pmr container filled by a reader is first moved onto ctx.memory() (the request
// arena) -- nothing a parse stores comes from the heap. Lifetime: parsed strings/containers live
// as long as ctx.memory(); string views a reader hands out point into the document or the arena.
//
// Error locations are built lazily: a scalar slot passes its key/index (`seg`) and the pointer
// segment is pushed only when an error is actually reported, so a valid body never touches the
// pointer stack for its scalar fields.
#include <katana/api/box.hpp>
#include <katana/api/errors.hpp>
#include <katana/api/formats.hpp>
#include <katana/api/pattern.hpp>
#include <katana/api/rebind.hpp>
#include <katana/api/tristate.hpp>
#include <katana/json/reader.hpp>
#include <katana/json/value.hpp>
#include <katana/json/writer.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace katana::api {

// Result of reading one typed slot.
enum class read_result : std::uint8_t {
    ok,        // stored
    mismatch,  // wrong JSON type / out of range: reported and skipped, parsing goes on
    malformed, // syntax error: the reader failed, stop
};

// parse_body() outcome: malformed -> 400, invalid -> 422.
enum class body_status : std::uint8_t { ok, malformed, invalid };

// String-keyed map of an object's members in document order (additionalProperties).
template <class T>
using string_map = std::pmr::vector<std::pair<std::pmr::string, T>>;

// ---------------------------------------------------------------------------------------------
// Error locations relative to ctx.pointer(): `here`, an object key, or an array index.

struct here_t {
    explicit constexpr here_t() = default;
};
inline constexpr here_t here{};

inline void report(validation_context& ctx, here_t, std::string_view detail) { ctx.add(detail); }
inline void report(validation_context& ctx, std::string_view key, std::string_view detail) {
    ctx.push_key(key);
    ctx.add(detail);
    ctx.pop();
}
inline void report(validation_context& ctx, std::size_t index, std::string_view detail) {
    ctx.push_index(index);
    ctx.add(detail);
    ctx.pop();
}
// `auto s = enter(ctx, seg);` pushes a key/index for a nested value (pop at scope end).
[[nodiscard]] inline validation_context::scope enter(validation_context& ctx, std::string_view key) noexcept {
    return ctx.key(key);
}
[[nodiscard]] inline validation_context::scope enter(validation_context& ctx, std::size_t index) noexcept {
    return ctx.index(index);
}

[[nodiscard]] constexpr std::string_view kind_name(json::value_kind k) noexcept {
    switch (k) {
    case json::value_kind::object: return "object";
    case json::value_kind::array: return "array";
    case json::value_kind::string: return "string";
    case json::value_kind::number: return "number";
    case json::value_kind::boolean: return "boolean";
    case json::value_kind::null: return "null";
    }
    return "value";
}

namespace detail {

template <class Seg>
[[gnu::cold]] void report_formatted_type(validation_context& ctx, Seg seg, std::string_view expected,
                                         std::string_view got) {
    if constexpr (std::is_same_v<Seg, here_t>) {
        ctx.addf("expected {}, got {}", expected, got);
    } else {
        auto s = enter(ctx, seg);
        ctx.addf("expected {}, got {}", expected, got);
    }
}

// The next value has the wrong kind: report and skip it.
template <class Seg>
[[gnu::cold]] read_result type_mismatch(json::reader& r, validation_context& ctx, Seg seg,
                                        std::string_view expected) {
    if (r.failed()) return read_result::malformed;
    const auto kind = r.peek();
    if (!kind) return read_result::malformed;
    report_formatted_type(ctx, seg, expected, kind_name(*kind));
    return r.skip_value() ? read_result::mismatch : read_result::malformed;
}

// A number token that was consumed but does not fit the slot.
template <class Seg>
[[gnu::cold]] read_result number_problem(json::reader& r, validation_context& ctx, Seg seg,
                                         json::reader::number_result res, std::string_view expected,
                                         std::string_view range_detail) {
    if (r.failed()) return read_result::malformed;
    switch (res) {
    case json::reader::number_result::not_a_number: return type_mismatch(r, ctx, seg, expected);
    case json::reader::number_result::not_integral: report(ctx, seg, "expected integer, got a fractional number"); break;
    case json::reader::number_result::out_of_range: report(ctx, seg, range_detail); break;
    case json::reader::number_result::ok: return read_result::ok;
    }
    return read_result::mismatch;
}

} // namespace detail

// Moves a pmr container (or box) onto `m` unless it already lives there (elements of a
// container that was rebound get the arena through uses-allocator construction and skip the
// rebind). Previous contents are dropped.
template <class C>
inline void ensure_memory(C& c, std::pmr::memory_resource* m) {
    if (c.get_allocator().resource() != m) rebind(c, m);
}

// ---------------------------------------------------------------------------------------------
// Typed scalar slots. `seg` locates a type error (here / key / index).

template <class Seg>
inline read_result read_scalar(json::reader& r, std::int64_t& out, validation_context& ctx, Seg seg) {
    const auto res = r.read_int64(out);
    if (res == json::reader::number_result::ok) [[likely]]
        return read_result::ok;
    return detail::number_problem(r, ctx, seg, res, "integer", "integer out of range (64-bit)");
}
template <class Seg>
inline read_result read_scalar(json::reader& r, std::int32_t& out, validation_context& ctx, Seg seg) {
    const auto res = r.read_int32(out);
    if (res == json::reader::number_result::ok) [[likely]]
        return read_result::ok;
    return detail::number_problem(r, ctx, seg, res, "integer", "integer out of range (32-bit)");
}
template <class Seg>
inline read_result read_scalar(json::reader& r, std::uint64_t& out, validation_context& ctx, Seg seg) {
    const auto res = r.read_uint64(out);
    if (res == json::reader::number_result::ok) [[likely]]
        return read_result::ok;
    return detail::number_problem(r, ctx, seg, res, "integer", "integer out of range (unsigned 64-bit)");
}
template <class Seg>
inline read_result read_scalar(json::reader& r, double& out, validation_context& ctx, Seg seg) {
    const auto res = r.read_double(out);
    if (res == json::reader::number_result::ok) [[likely]]
        return read_result::ok;
    return detail::number_problem(r, ctx, seg, res, "number", "number out of range");
}
template <class Seg>
inline read_result read_scalar(json::reader& r, float& out, validation_context& ctx, Seg seg) {
    const auto res = r.read_float(out);
    if (res == json::reader::number_result::ok) [[likely]]
        return read_result::ok;
    return detail::number_problem(r, ctx, seg, res, "number", "number out of range (float)");
}
template <class Seg>
inline read_result read_scalar(json::reader& r, bool& out, validation_context& ctx, Seg seg) {
    if (r.read_bool(out)) [[likely]]
        return read_result::ok;
    return detail::type_mismatch(r, ctx, seg, "boolean");
}
template <class Seg>
inline read_result read_scalar(json::reader& r, std::pmr::string& out, validation_context& ctx, Seg seg) {
    std::string_view s;
    if (r.read_string(s)) [[likely]] {
        ensure_memory(out, ctx.memory());
        out.assign(s);
        return read_result::ok;
    }
    return detail::type_mismatch(r, ctx, seg, "string");
}
template <class Seg>
inline read_result read_scalar(json::reader& r, json::value& out, validation_context&, Seg) {
    return json::read_value(r, out) ? read_result::ok : read_result::malformed;
}

// String enum (found by ADL: bool from_string(std::string_view, E&)). `allowed` is the listing
// shown when the value is unknown, e.g. "active, discontinued, draft".
template <class E, class Seg>
inline read_result read_string_enum(json::reader& r, E& out, validation_context& ctx, Seg seg,
                                    std::string_view allowed) {
    std::string_view s;
    if (r.read_string(s)) [[likely]] {
        if (from_string(s, out)) [[likely]]
            return read_result::ok;
        if constexpr (std::is_same_v<Seg, here_t>) {
            ctx.addf("unknown value \"{}\"; allowed: {}", s.substr(0, 64), allowed);
        } else {
            auto sc = enter(ctx, seg);
            ctx.addf("unknown value \"{}\"; allowed: {}", s.substr(0, 64), allowed);
        }
        return read_result::mismatch;
    }
    return detail::type_mismatch(r, ctx, seg, "string");
}
// Integer enum (ADL: bool from_int(std::int64_t, E&)).
template <class E, class Seg>
inline read_result read_int_enum(json::reader& r, E& out, validation_context& ctx, Seg seg, std::string_view allowed) {
    std::int64_t v = 0;
    const read_result res = read_scalar(r, v, ctx, seg);
    if (res != read_result::ok) return res;
    if (from_int(v, out)) [[likely]]
        return read_result::ok;
    if constexpr (std::is_same_v<Seg, here_t>) {
        ctx.addf("unknown value {}; allowed: {}", v, allowed);
    } else {
        auto sc = enter(ctx, seg);
        ctx.addf("unknown value {}; allowed: {}", v, allowed);
    }
    return read_result::mismatch;
}

// The value has none of the JSON kinds a slot accepts (`expected`, e.g. "string or object"):
// reported and skipped. False on a syntax error.
[[gnu::cold]] inline bool wrong_kind(json::reader& r, validation_context& ctx, std::string_view expected) {
    return detail::type_mismatch(r, ctx, here, expected) != read_result::malformed;
}

// Container starts: true when positioned inside the container; otherwise the value was reported
// as a type error and skipped (check r.failed() to tell a syntax error).
template <class Seg>
inline bool expect_object(json::reader& r, validation_context& ctx, Seg seg) {
    if (r.begin_object()) [[likely]]
        return true;
    (void)detail::type_mismatch(r, ctx, seg, "object");
    return false;
}
template <class Seg>
inline bool expect_array(json::reader& r, validation_context& ctx, Seg seg) {
    if (r.begin_array()) [[likely]]
        return true;
    (void)detail::type_mismatch(r, ctx, seg, "array");
    return false;
}

// Object members the generated struct parsers do not store: a repeated key (strict: an error),
// a key additionalProperties: false forbids, or one that is just skipped. False on a syntax error.
[[gnu::cold]] inline bool duplicate_key(json::reader& r, validation_context& ctx, std::string_view key) {
    report(ctx, key, "duplicate property");
    return r.skip_value();
}
[[gnu::cold]] inline bool unknown_key(json::reader& r, validation_context& ctx, std::string_view key) {
    report(ctx, key, "unknown property");
    return r.skip_value();
}

// Discriminated oneOf/anyOf: scans the object's keys on a COPY of the reader (a cheap cursor)
// for `property`, so the chosen alternative is then parsed once, with the original reader.
enum class discriminator_result : std::uint8_t { found, missing, not_string, not_object, malformed };
inline discriminator_result find_discriminator(json::reader r, std::string_view property, std::string_view& tag) {
    if (!r.begin_object()) return r.failed() ? discriminator_result::malformed : discriminator_result::not_object;
    std::string_view key;
    while (r.next_key(key)) {
        if (key == property) {
            if (r.read_string(tag)) return discriminator_result::found;
            return r.failed() ? discriminator_result::malformed : discriminator_result::not_string;
        }
        if (!r.skip_value()) return discriminator_result::malformed;
    }
    return r.failed() ? discriminator_result::malformed : discriminator_result::missing;
}
// Reports why no alternative could be chosen and skips the value. False on a syntax error.
[[gnu::cold]] inline bool discriminator_failed(json::reader& r, validation_context& ctx, discriminator_result res,
                                               std::string_view property, std::string_view allowed) {
    switch (res) {
    case discriminator_result::not_object: return detail::type_mismatch(r, ctx, here, "object") != read_result::malformed;
    case discriminator_result::missing:
        ctx.addf("missing discriminator property \"{}\" (one of: {})", property, allowed);
        break;
    case discriminator_result::not_string: {
        auto s = ctx.key(property);
        ctx.addf("discriminator must be a string (one of: {})", allowed);
        break;
    }
    case discriminator_result::malformed:
    case discriminator_result::found: break;
    }
    return r.skip_value();
}
[[gnu::cold]] inline bool discriminator_unknown(json::reader& r, validation_context& ctx, std::string_view property,
                                                std::string_view tag, std::string_view allowed) {
    {
        auto s = ctx.key(property);
        ctx.addf("unknown discriminator value \"{}\"; allowed: {}", tag.substr(0, 64), allowed);
    }
    return r.skip_value();
}

// ---------------------------------------------------------------------------------------------
// Generic read_json / write_json / validate for built-in types. Generated types provide their own
// in their namespace (found by ADL); the templates below call read_json/write_json/validate
// unqualified on elements so both kinds are found.

inline bool read_json(json::reader& r, std::int64_t& out, validation_context& ctx) {
    return read_scalar(r, out, ctx, here) != read_result::malformed;
}
inline bool read_json(json::reader& r, std::int32_t& out, validation_context& ctx) {
    return read_scalar(r, out, ctx, here) != read_result::malformed;
}
inline bool read_json(json::reader& r, std::uint64_t& out, validation_context& ctx) {
    return read_scalar(r, out, ctx, here) != read_result::malformed;
}
inline bool read_json(json::reader& r, double& out, validation_context& ctx) {
    return read_scalar(r, out, ctx, here) != read_result::malformed;
}
inline bool read_json(json::reader& r, float& out, validation_context& ctx) {
    return read_scalar(r, out, ctx, here) != read_result::malformed;
}
inline bool read_json(json::reader& r, bool& out, validation_context& ctx) {
    return read_scalar(r, out, ctx, here) != read_result::malformed;
}
inline bool read_json(json::reader& r, std::pmr::string& out, validation_context& ctx) {
    return read_scalar(r, out, ctx, here) != read_result::malformed;
}
inline bool read_json(json::reader& r, json::value& out, validation_context&) { return json::read_value(r, out); }

template <class T>
bool read_json(json::reader& r, std::pmr::vector<T>& out, validation_context& ctx);
template <class T>
bool read_json(json::reader& r, string_map<T>& out, validation_context& ctx);
// null -> empty; otherwise the value (the generic form cannot know whether null is allowed;
// generated code decides that per field).
template <class T>
bool read_json(json::reader& r, std::optional<T>& out, validation_context& ctx);
template <class T>
bool read_json(json::reader& r, tristate<T>& out, validation_context& ctx);
template <class T>
bool read_json(json::reader& r, box<T>& out, validation_context& ctx);

template <class T>
bool read_json(json::reader& r, std::pmr::vector<T>& out, validation_context& ctx) {
    if (!expect_array(r, ctx, here)) return !r.failed();
    ensure_memory(out, ctx.memory());
    std::size_t i = 0;
    while (r.next_element()) {
        auto s = ctx.index(i++);
        if constexpr (std::is_same_v<T, bool>) {
            bool b = false; // std::vector<bool> has no bool& to read into
            if (!read_json(r, b, ctx)) return false;
            out.push_back(b);
        } else {
            if (!read_json(r, out.emplace_back(), ctx)) return false;
        }
    }
    return !r.failed();
}
template <class T>
bool read_json(json::reader& r, string_map<T>& out, validation_context& ctx) {
    if (!expect_object(r, ctx, here)) return !r.failed();
    ensure_memory(out, ctx.memory());
    std::string_view key;
    while (r.next_key(key)) {
        auto& entry = out.emplace_back();
        entry.first.assign(key);
        auto s = ctx.key(key);
        if (!read_json(r, entry.second, ctx)) return false;
    }
    return !r.failed();
}
template <class T>
bool read_json(json::reader& r, std::optional<T>& out, validation_context& ctx) {
    if (r.read_null()) {
        out.reset();
        return true;
    }
    if (r.failed()) return false;
    return read_json(r, out.emplace(), ctx);
}
template <class T>
bool read_json(json::reader& r, tristate<T>& out, validation_context& ctx) {
    if (r.read_null()) {
        out.set_null();
        return true;
    }
    if (r.failed()) return false;
    return read_json(r, out.emplace(), ctx);
}
template <class T>
bool read_json(json::reader& r, box<T>& out, validation_context& ctx) {
    ensure_memory(out, ctx.memory());
    return read_json(r, *out, ctx);
}

inline void write_json(json::writer& w, std::int64_t v) { w.int64(v); }
inline void write_json(json::writer& w, std::int32_t v) { w.int64(v); }
inline void write_json(json::writer& w, std::uint64_t v) { w.uint64(v); }
inline void write_json(json::writer& w, double v) { w.number(v); }
inline void write_json(json::writer& w, float v) { w.float32(v); }
inline void write_json(json::writer& w, bool v) { w.boolean(v); }
inline void write_json(json::writer& w, std::string_view v) { w.string(v); }
inline void write_json(json::writer& w, const std::pmr::string& v) { w.string(v); }
inline void write_json(json::writer& w, const json::value& v) { json::write_value(w, v); }
template <class T>
void write_json(json::writer& w, const std::pmr::vector<T>& v);
template <class T>
void write_json(json::writer& w, const string_map<T>& v);
template <class T>
void write_json(json::writer& w, const std::optional<T>& v);
template <class T>
void write_json(json::writer& w, const tristate<T>& v);
template <class T>
void write_json(json::writer& w, const box<T>& v);

template <class T>
void write_json(json::writer& w, const std::pmr::vector<T>& v) {
    if (v.empty()) {
        w.raw("[]");
        return;
    }
    w.raw_char('[');
    bool first = true;
    for (const auto& e : v) {
        if (!first) w.raw_char(',');
        first = false;
        write_json(w, e);
    }
    w.raw_char(']');
}
template <class T>
void write_json(json::writer& w, const string_map<T>& v) {
    if (v.empty()) {
        w.raw("{}");
        return;
    }
    char sep = '{';
    for (const auto& [k, e] : v) {
        w.raw_char(sep);
        sep = ',';
        w.string(k);
        w.raw_char(':');
        write_json(w, e);
    }
    w.raw_char('}');
}
template <class T>
void write_json(json::writer& w, const std::optional<T>& v) {
    if (v) {
        write_json(w, *v);
    } else {
        w.null();
    }
}
template <class T>
void write_json(json::writer& w, const tristate<T>& v) {
    if (v.has_value()) {
        write_json(w, *v);
    } else {
        w.null();
    }
}
template <class T>
void write_json(json::writer& w, const box<T>& v) {
    write_json(w, *v);
}

// Built-in values carry no constraints of their own (slots check theirs).
inline void validate(std::int64_t, validation_context&) noexcept {}
inline void validate(std::int32_t, validation_context&) noexcept {}
inline void validate(std::uint64_t, validation_context&) noexcept {}
inline void validate(double, validation_context&) noexcept {}
inline void validate(float, validation_context&) noexcept {}
inline void validate(bool, validation_context&) noexcept {}
inline void validate(const std::pmr::string&, validation_context&) noexcept {}
inline void validate(const json::value&, validation_context&) noexcept {}
template <class T>
void validate(const std::pmr::vector<T>& v, validation_context& ctx);
template <class T>
void validate(const string_map<T>& v, validation_context& ctx);
template <class T>
void validate(const std::optional<T>& v, validation_context& ctx);
template <class T>
void validate(const tristate<T>& v, validation_context& ctx);
template <class T>
void validate(const box<T>& v, validation_context& ctx);

template <class T>
void validate(const std::pmr::vector<T>& v, validation_context& ctx) {
    for (std::size_t i = 0; i < v.size(); ++i) {
        auto s = ctx.index(i);
        validate(v[i], ctx);
    }
}
template <class T>
void validate(const string_map<T>& v, validation_context& ctx) {
    for (const auto& [k, e] : v) {
        auto s = ctx.key(k);
        validate(e, ctx);
    }
}
template <class T>
void validate(const std::optional<T>& v, validation_context& ctx) {
    if (v) validate(*v, ctx);
}
template <class T>
void validate(const tristate<T>& v, validation_context& ctx) {
    if (v.has_value()) validate(*v, ctx);
}
template <class T>
void validate(const box<T>& v, validation_context& ctx) {
    validate(*v, ctx);
}

// ---------------------------------------------------------------------------------------------
// Constraint helpers the generated checks call.

// uniqueItems with JSON equality. Numbers, strings and enums are sorted (O(n log n)); other
// element types are compared through their JSON text (generated structs serialize their fields
// in a fixed order, so equal values have equal text); DOM values through json::equal after
// grouping by a structural hash. Scratch space comes from `m`.
[[nodiscard]] bool json_has_duplicates(std::span<const json::value> values, std::pmr::memory_resource* m);

template <class T>
[[nodiscard]] bool has_duplicates(const std::pmr::vector<T>& v, std::pmr::memory_resource* m) {
    if (v.size() < 2) return false;
    if constexpr (std::is_same_v<T, bool>) {
        return v.size() > 2 || v[0] == v[1];
    } else if constexpr (std::is_arithmetic_v<T> || std::is_enum_v<T>) {
        std::pmr::vector<T> sorted(v.begin(), v.end(), m);
        std::sort(sorted.begin(), sorted.end());
        return std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end();
    } else if constexpr (std::is_same_v<T, std::pmr::string>) {
        std::pmr::vector<std::string_view> sorted(m);
        sorted.reserve(v.size());
        for (const auto& s : v) sorted.emplace_back(s);
        std::sort(sorted.begin(), sorted.end());
        return std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end();
    } else if constexpr (std::is_same_v<T, json::value>) {
        return json_has_duplicates(std::span<const json::value>(v.data(), v.size()), m);
    } else {
        // Serialize each element once, then sort the texts.
        json::writer w(m, 64 * v.size());
        std::pmr::vector<std::pair<std::size_t, std::size_t>> spans(m);
        spans.reserve(v.size());
        for (const auto& e : v) {
            const std::size_t start = w.size();
            write_json(w, e);
            spans.emplace_back(start, w.size() - start);
        }
        const std::string_view all = w.view();
        std::pmr::vector<std::string_view> texts(m);
        texts.reserve(v.size());
        for (const auto& [start, size] : spans) texts.push_back(all.substr(start, size));
        std::sort(texts.begin(), texts.end());
        return std::adjacent_find(texts.begin(), texts.end()) != texts.end();
    }
}

// DOM validator helpers (type sets use the bits below).
enum dom_type : std::uint8_t {
    dom_null = 1,
    dom_boolean = 2,
    dom_integer = 4,
    dom_number = 8, // includes integers
    dom_string = 16,
    dom_array = 32,
    dom_object = 64,
};
// A number whose value is integral (JSON Schema: 1.0 is an integer).
[[nodiscard]] bool dom_is_integer(const json::value& v) noexcept;
[[nodiscard]] bool dom_type_matches(const json::value& v, std::uint8_t types) noexcept;
// Reports "expected <types>, got <kind>" at the current pointer.
void dom_type_error(validation_context& ctx, const json::value& v, std::uint8_t types);
// v equals the JSON text `json` (a constant from the spec) under JSON Schema equality.
[[nodiscard]] bool dom_equals_json(const json::value& v, std::string_view json);
[[nodiscard]] inline bool dom_equals_string(const json::value& v, std::string_view s) noexcept {
    return v.is_string() && v.as_string() == s;
}
[[nodiscard]] inline bool dom_equals_number(const json::value& v, double d) noexcept {
    return v.is_number() && v.as_double() == d;
}
[[nodiscard]] inline bool dom_equals_bool(const json::value& v, bool b) noexcept { return v.is_bool() && v.as_bool() == b; }

// Speculative validation (undiscriminated oneOf/anyOf, not, if, contains) re-checks a value
// once per alternative, and on recursive schemas that nests multiplicatively: a hostile body
// could make the work (and the arena memory of discarded attempts) exponential. Two bounds
// apply to everything under the outermost speculation of a thread:
//  - nesting: at most max_speculation_depth speculations inside each other;
//  - work: attempts charge what they cost (bytes a trial parse consumed, DOM nodes a trial
//    validation visited); once the budget given to the outermost speculation is spent, further
//    attempts are refused. Total work stays linear in the body: budget + one body per level.
// A refused attempt is reported ("alternatives nested too deeply to validate") and fails.
inline constexpr int max_speculation_depth = 8;
class speculation {
public:
    explicit speculation(std::size_t budget) noexcept {
        state& s = current();
        if (s.depth == 0) {
            s.spent = 0;
            s.budget = budget;
        }
        ok_ = s.depth < max_speculation_depth && s.spent <= s.budget;
        ++s.depth;
    }
    ~speculation() { --current().depth; }
    speculation(const speculation&) = delete;
    speculation& operator=(const speculation&) = delete;
    [[nodiscard]] explicit operator bool() const noexcept { return ok_; }

    // Adds `work` to the running total while any speculation is active (no-op otherwise).
    static void charge(std::size_t work) noexcept {
        state& s = current();
        if (s.depth != 0) s.spent += work;
    }
    // Budget for typed parsing of a document: a few times its size.
    [[nodiscard]] static constexpr std::size_t budget_for(std::size_t document_size) noexcept {
        return 32 * document_size + 4096;
    }
    // Budget for DOM validation, in visited nodes.
    static constexpr std::size_t dom_budget = std::size_t{1} << 22;

private:
    struct state {
        int depth = 0;
        std::size_t spent = 0;
        std::size_t budget = 0;
    };
    static state& current() noexcept {
        static thread_local state s;
        return s;
    }
    bool ok_ = false;
};

// ---------------------------------------------------------------------------------------------
// Whole bodies.

// Parses a JSON request body into `out`: malformed JSON -> malformed (with the first syntax
// error in *syntax when given), type errors / constraint violations -> invalid (listed in ctx),
// else ok. Reads on ctx.memory(); `out` should be freshly constructed.
template <class T>
[[nodiscard]] body_status parse_body(std::string_view body, T& out, validation_context& ctx,
                                     json::syntax_error* syntax = nullptr) {
    json::reader r(body, ctx.memory());
    const std::size_t before = ctx.error_count();
    const bool ok = read_json(r, out, ctx) && r.finish();
    if (!ok) {
        if (syntax != nullptr) *syntax = r.error();
        return body_status::malformed;
    }
    return ctx.error_count() == before ? body_status::ok : body_status::invalid;
}

// parse_body with a generated schema-specific reader (schema_model::body_reader(): bodies that
// are arrays / maps / primitives / DOM values, whose constraints the type does not carry).
template <class T, class Read>
[[nodiscard]] body_status parse_body_with(std::string_view body, T& out, validation_context& ctx, Read&& read,
                                          json::syntax_error* syntax = nullptr) {
    json::reader r(body, ctx.memory());
    const std::size_t before = ctx.error_count();
    const bool ok = read(r, out, ctx) && r.finish();
    if (!ok) {
        if (syntax != nullptr) *syntax = r.error();
        return body_status::malformed;
    }
    return ctx.error_count() == before ? body_status::ok : body_status::invalid;
}

} // namespace katana::api
