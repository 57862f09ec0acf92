#pragma once
// PostgreSQL value types and their binary wire codecs (the send/recv formats of the server).
//
// Mapping (the C++ type generated code uses for each server type):
//   bool -> bool                  int2/int4/int8 -> int16_t/int32_t/int64_t
//   float4/float8 -> float/double numeric -> pg::numeric (decimal text, every digit kept)
//   text/varchar/bpchar/name -> std::string (or std::string_view, a view into the result)
//   bytea -> pg::bytes (or std::span<const std::byte>, a view)     uuid -> pg::uuid
//   timestamptz -> pg::timestamptz (sys_time<microseconds>)
//   timestamp -> pg::local_timestamp (local_time<microseconds>)
//   date -> std::chrono::sys_days (total: holds +-infinity) or std::chrono::year_month_day
//   interval -> pg::interval      json/jsonb -> pg::json_text
//   one-dimensional arrays -> std::vector<T>, or std::vector<std::optional<T>> when elements
//   may be NULL; enums -> a user `enum class` with an enum_traits<E> specialization.
// SQL NULL is not a wire value (libpq reports it out of band); std::optional<T> stands for it in
// the result/params glue at the end of this file.
//
// Infinity: timestamptz/timestamp 'infinity'/'-infinity' decode to time_point::max()/min() and
// those two values encode back to infinity (sentinels, not errors, because they are ordinary
// column values). date infinity is sys_days::max()/min(); year_month_day cannot hold it, so
// decoding an infinite date into year_month_day is an error. Finite values outside PostgreSQL's
// range are sent as they are and the server rejects them ("timestamp out of range"). The one
// range gap: sys_time<microseconds> ends at 294247-01-10 (int64 since 1970), 30 years before
// PostgreSQL's last timestamp, so later finite timestamps decode to an error.
//
// Decoding never trusts the bytes: a wrong length, truncated buffer, out-of-range field or a
// server type the C++ type cannot hold is an error of kind error_kind::decode, never UB.
#include <katana/pg/error.hpp>
#include <katana/pg/statement.hpp>
#include <katana/util/expected.hpp>

#include <array>
#include <bit>
#include <chrono>
#include <compare>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace katana::pg {

// The rest of the built-in type table (statement.hpp holds unknown, boolean, int2, int4, int8,
// text, float8). Verified against pg_type by tests/services/pg_types_pgtest.cpp.
namespace oids {
inline constexpr oid bytea = 17;
inline constexpr oid name = 19;
inline constexpr oid json = 114;
inline constexpr oid float4 = 700;
inline constexpr oid bpchar = 1042;
inline constexpr oid varchar = 1043;
inline constexpr oid date = 1082;
inline constexpr oid timestamp = 1114;
inline constexpr oid timestamptz = 1184;
inline constexpr oid interval = 1186;
inline constexpr oid numeric = 1700;
inline constexpr oid uuid = 2950;
inline constexpr oid jsonb = 3802;

inline constexpr oid json_array = 199;
inline constexpr oid bool_array = 1000;
inline constexpr oid bytea_array = 1001;
inline constexpr oid name_array = 1003;
inline constexpr oid int2_array = 1005;
inline constexpr oid int4_array = 1007;
inline constexpr oid text_array = 1009;
inline constexpr oid bpchar_array = 1014;
inline constexpr oid varchar_array = 1015;
inline constexpr oid int8_array = 1016;
inline constexpr oid float4_array = 1021;
inline constexpr oid float8_array = 1022;
inline constexpr oid timestamp_array = 1115;
inline constexpr oid date_array = 1182;
inline constexpr oid timestamptz_array = 1185;
inline constexpr oid interval_array = 1187;
inline constexpr oid numeric_array = 1231;
inline constexpr oid uuid_array = 2951;
inline constexpr oid jsonb_array = 3807;
} // namespace oids

// Element type of a built-in array type; 0 when `array_type` is not one of the table above
// (user enums and other catalog-defined types have database-specific oids).
[[nodiscard]] constexpr oid element_oid(oid array_type) noexcept {
    switch (array_type) {
    case oids::json_array: return oids::json;
    case oids::bool_array: return oids::boolean;
    case oids::bytea_array: return oids::bytea;
    case oids::name_array: return oids::name;
    case oids::int2_array: return oids::int2;
    case oids::int4_array: return oids::int4;
    case oids::text_array: return oids::text;
    case oids::bpchar_array: return oids::bpchar;
    case oids::varchar_array: return oids::varchar;
    case oids::int8_array: return oids::int8;
    case oids::float4_array: return oids::float4;
    case oids::float8_array: return oids::float8;
    case oids::timestamp_array: return oids::timestamp;
    case oids::date_array: return oids::date;
    case oids::timestamptz_array: return oids::timestamptz;
    case oids::interval_array: return oids::interval;
    case oids::numeric_array: return oids::numeric;
    case oids::uuid_array: return oids::uuid;
    case oids::jsonb_array: return oids::jsonb;
    default: return 0;
    }
}

// ---- value types -------------------------------------------------------------------------------

using bytes = std::vector<std::byte>;
using timestamptz = std::chrono::sys_time<std::chrono::microseconds>;
using local_timestamp = std::chrono::local_time<std::chrono::microseconds>;

// PostgreSQL keeps the three parts apart (a month is not 30 days, a day is not 24 hours across a
// DST change), so this is not a std::chrono::duration.
struct interval {
    std::int32_t months = 0;
    std::int32_t days = 0;
    std::int64_t microseconds = 0;
    friend bool operator==(const interval&, const interval&) = default;
};

// JSON kept as its text; the application picks its own parser. Works for json and jsonb
// columns in both wire formats (jsonb's binary form is a version byte before the text).
struct json_text {
    std::string text;
    friend bool operator==(const json_text&, const json_text&) = default;
};

// A 16-byte UUID; the byte order is the textual order (RFC 4122), as on the wire.
struct uuid {
    std::array<std::uint8_t, 16> bytes{};

    // Accepts what PostgreSQL's uuid input accepts: 32 hex digits, either case, optionally in
    // braces, with a hyphen allowed after any group of four digits
    // ("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "{A0EEBC999C0B4EF8BB6D6BB9BD380A11}").
    [[nodiscard]] static katana::expected<uuid, error> parse(std::string_view text);
    // Canonical lower-case 8-4-4-4-12 form, the same as PostgreSQL prints.
    [[nodiscard]] std::string to_string() const;

    friend auto operator<=>(const uuid&, const uuid&) = default;
};

// An exact decimal: PostgreSQL's numeric as its canonical text, with every digit and the scale
// (1.50 stays "1.50"), plus "NaN", "Infinity" and "-Infinity" (PostgreSQL 14+). Never a double.
// Equality compares the representation: 1.5 != 1.50, as their texts differ.
class numeric {
public:
    numeric() : text_("0") {}
    explicit numeric(std::int64_t v);

    // Accepts [+-]digits[.digits][e[+-]digits] (at least one digit), "NaN", "Infinity", "inf",
    // "+Infinity", "-Infinity", "-inf" (case-insensitive), and keeps the scale as written:
    // "1.2300" has scale 4, "1.5e1" is "15.0". Rejects whitespace, empty input and values beyond
    // PostgreSQL's limits (131072 digits before the point, 16383 after).
    [[nodiscard]] static katana::expected<numeric, error> parse(std::string_view text);
    [[nodiscard]] static numeric nan();
    [[nodiscard]] static numeric infinity();
    [[nodiscard]] static numeric negative_infinity();

    // The text PostgreSQL prints for this value (SELECT x::text).
    [[nodiscard]] const std::string& str() const noexcept { return text_; }
    [[nodiscard]] bool is_nan() const noexcept { return text_ == "NaN"; }
    [[nodiscard]] bool is_infinite() const noexcept { return text_ == "Infinity" || text_ == "-Infinity"; }
    [[nodiscard]] bool is_negative() const noexcept { return !text_.empty() && text_[0] == '-'; }
    // Digits after the decimal point (PostgreSQL's display scale); 0 for NaN and infinities.
    [[nodiscard]] int scale() const noexcept;

    friend bool operator==(const numeric&, const numeric&) = default;

private:
    struct canonical_tag {};
    numeric(canonical_tag, std::string text) : text_(std::move(text)) {}
    friend struct codec_access;

    std::string text_; // canonical, as described above
};

// User enums: specialize enum_traits<E> with the labels of the PostgreSQL enum type, e.g.
//   template <> struct katana::pg::enum_traits<mood> {
//       static constexpr std::string_view type_name = "mood";
//       static constexpr std::array<std::pair<mood, std::string_view>, 2> labels{
//           {{mood::happy, "happy"}, {mood::sad, "sad"}}};
//   };
// The wire form of an enum (binary and text) is its label. Enum oids differ per database, so
// the codec accepts any server type, and arrays of enums must be encoded with encode_array()
// and the element oid looked up at run time (array_recv checks it).
template <class E>
struct enum_traits {};

template <class E>
concept pg_enum = std::is_enum_v<E> && requires {
    { enum_traits<E>::labels.size() } -> std::convertible_to<std::size_t>;
};

// ---- codec protocol ----------------------------------------------------------------------------
//
// codec<T> is specialized for every mapped type with:
//   static constexpr oid type_oid;    wire type encode() produces by default (0: dynamic)
//   static constexpr oid array_oid;   its array type (0: dynamic)
//   static constexpr bool accepts(oid) noexcept;   server types that share T's wire format
//   static void encode(const T& v, std::string& out, oid target);   appends the binary value
//   static katana::expected<T, error> decode(std::span<const std::byte> data, oid source);
// `target`/`source` is the server type on the wire; it matters only where one C++ type maps to
// formats that differ (json vs jsonb, the element type recorded in an array).
template <class T>
struct codec;

template <class T>
concept has_codec = requires(const T& v, std::string& out, std::span<const std::byte> in, oid t) {
    { codec<T>::type_oid } -> std::convertible_to<oid>;
    { codec<T>::array_oid } -> std::convertible_to<oid>;
    { codec<T>::accepts(t) } -> std::same_as<bool>;
    codec<T>::encode(v, out, t);
    { codec<T>::decode(in, t) } -> std::same_as<katana::expected<T, error>>;
};

namespace detail {

[[nodiscard]] error decode_error(std::string_view type, std::string_view what);
[[nodiscard]] error decode_length_error(std::string_view type, std::size_t want, std::size_t got);

inline void put_be(std::string& out, std::uint64_t v, std::size_t n) {
    char buf[8]; // one append instead of n push_backs: this is the hot path of every codec
    for (std::size_t i = 0; i < n; ++i) buf[i] = static_cast<char>((v >> (8 * (n - 1 - i))) & 0xFF);
    out.append(buf, n);
}
[[nodiscard]] inline std::uint64_t get_be(const std::byte* p, std::size_t n) noexcept {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<std::uint8_t>(p[i]);
    return v;
}
inline void put_bytes(std::string& out, const void* p, std::size_t n) {
    out.append(static_cast<const char*>(p), n);
}

// Cursor over a binary value: every read checks the remaining length first.
class reader {
public:
    explicit reader(std::span<const std::byte> d) noexcept : d_(d) {}
    [[nodiscard]] bool has(std::size_t n) const noexcept { return d_.size() - pos_ >= n; }
    [[nodiscard]] std::size_t remaining() const noexcept { return d_.size() - pos_; }
    // Callers check has(n) first.
    [[nodiscard]] std::uint64_t be(std::size_t n) noexcept {
        const std::uint64_t v = get_be(d_.data() + pos_, n);
        pos_ += n;
        return v;
    }
    [[nodiscard]] std::span<const std::byte> take(std::size_t n) noexcept {
        auto s = d_.subspan(pos_, n);
        pos_ += n;
        return s;
    }

private:
    std::span<const std::byte> d_;
    std::size_t pos_ = 0;
};

template <class Int>
katana::expected<Int, error> decode_int(std::span<const std::byte> d, std::string_view type) {
    if (d.size() != sizeof(Int)) return katana::unexpected(decode_length_error(type, sizeof(Int), d.size()));
    using U = std::make_unsigned_t<Int>;
    return static_cast<Int>(static_cast<U>(get_be(d.data(), sizeof(Int))));
}

void encode_numeric(const std::string& canonical, std::string& out);
[[nodiscard]] katana::expected<std::string, error> decode_numeric(std::span<const std::byte> d);

// Microseconds between 1970-01-01 and PostgreSQL's epoch 2000-01-01.
inline constexpr std::int64_t pg_epoch_offset_us = 946'684'800'000'000;
inline constexpr std::int32_t pg_epoch_offset_days = 10'957;

[[nodiscard]] constexpr std::int64_t to_pg_us(std::int64_t unix_us) noexcept {
    if (unix_us == INT64_MAX) return INT64_MAX; // +infinity
    if (unix_us == INT64_MIN) return INT64_MIN; // -infinity
    // Below the representable range: saturate to a finite value the server rejects as out of
    // range, never wrap around to a valid-looking time.
    if (unix_us < INT64_MIN + pg_epoch_offset_us + 1) return INT64_MIN + 1;
    return unix_us - pg_epoch_offset_us;
}
// Microseconds since 1970 for a PostgreSQL timestamp, or nothing when the finite value lies past
// sys_time<microseconds>'s end: int64 microseconds since 1970 stop at 294247-01-10, 30 years
// before PostgreSQL's last timestamp (294276-12-31), because the epochs differ.
[[nodiscard]] constexpr std::optional<std::int64_t> from_pg_us(std::int64_t pg_us) noexcept {
    if (pg_us == INT64_MAX || pg_us == INT64_MIN) return pg_us;
    if (pg_us > INT64_MAX - pg_epoch_offset_us - 1) return std::nullopt;
    return pg_us + pg_epoch_offset_us;
}

} // namespace detail

// ---- scalar codecs -----------------------------------------------------------------------------

template <>
struct codec<bool> {
    static constexpr oid type_oid = oids::boolean;
    static constexpr oid array_oid = oids::bool_array;
    static constexpr bool accepts(oid t) noexcept { return t == oids::boolean; }
    static void encode(bool v, std::string& out, oid = type_oid) { out.push_back(v ? '\1' : '\0'); }
    static katana::expected<bool, error> decode(std::span<const std::byte> d, oid = type_oid) {
        if (d.size() != 1) return katana::unexpected(detail::decode_length_error("bool", 1, d.size()));
        return d[0] != std::byte{0}; // boolrecv: any non-zero byte is true
    }
};

#define KATANA_PG_INT_CODEC(Int, pg_name, type_const, array_const)                                \
    template <>                                                                                   \
    struct codec<Int> {                                                                           \
        static constexpr oid type_oid = type_const;                                               \
        static constexpr oid array_oid = array_const;                                             \
        static constexpr bool accepts(oid t) noexcept { return t == type_const; }                 \
        static void encode(Int v, std::string& out, oid = type_oid) {                             \
            detail::put_be(out, static_cast<std::make_unsigned_t<Int>>(v), sizeof(Int));          \
        }                                                                                         \
        static katana::expected<Int, error> decode(std::span<const std::byte> d, oid = type_oid) { \
            return detail::decode_int<Int>(d, pg_name);                                           \
        }                                                                                         \
    };
KATANA_PG_INT_CODEC(std::int16_t, "int2", oids::int2, oids::int2_array)
KATANA_PG_INT_CODEC(std::int32_t, "int4", oids::int4, oids::int4_array)
KATANA_PG_INT_CODEC(std::int64_t, "int8", oids::int8, oids::int8_array)
#undef KATANA_PG_INT_CODEC

template <>
struct codec<float> {
    static constexpr oid type_oid = oids::float4;
    static constexpr oid array_oid = oids::float4_array;
    static constexpr bool accepts(oid t) noexcept { return t == oids::float4; }
    static void encode(float v, std::string& out, oid = type_oid) {
        detail::put_be(out, std::bit_cast<std::uint32_t>(v), 4);
    }
    static katana::expected<float, error> decode(std::span<const std::byte> d, oid = type_oid) {
        if (d.size() != 4) return katana::unexpected(detail::decode_length_error("float4", 4, d.size()));
        return std::bit_cast<float>(static_cast<std::uint32_t>(detail::get_be(d.data(), 4)));
    }
};

template <>
struct codec<double> {
    static constexpr oid type_oid = oids::float8;
    static constexpr oid array_oid = oids::float8_array;
    static constexpr bool accepts(oid t) noexcept { return t == oids::float8; }
    static void encode(double v, std::string& out, oid = type_oid) {
        detail::put_be(out, std::bit_cast<std::uint64_t>(v), 8);
    }
    static katana::expected<double, error> decode(std::span<const std::byte> d, oid = type_oid) {
        if (d.size() != 8) return katana::unexpected(detail::decode_length_error("float8", 8, d.size()));
        return std::bit_cast<double>(detail::get_be(d.data(), 8));
    }
};

namespace detail {
// Types whose binary form is their text bytes (textsend/varcharsend/bpcharsend/namesend).
[[nodiscard]] constexpr bool is_text_like(oid t) noexcept {
    return t == oids::text || t == oids::varchar || t == oids::bpchar || t == oids::name || t == oids::unknown;
}
} // namespace detail

template <>
struct codec<std::string> {
    static constexpr oid type_oid = oids::text;
    static constexpr oid array_oid = oids::text_array;
    static constexpr bool accepts(oid t) noexcept { return detail::is_text_like(t); }
    static void encode(const std::string& v, std::string& out, oid = type_oid) { out.append(v); }
    static katana::expected<std::string, error> decode(std::span<const std::byte> d, oid = type_oid) {
        return std::string(reinterpret_cast<const char*>(d.data()), d.size());
    }
};

// Decodes to a view into `data` (for a result field: valid while the pg::result lives).
template <>
struct codec<std::string_view> {
    static constexpr oid type_oid = oids::text;
    static constexpr oid array_oid = oids::text_array;
    static constexpr bool accepts(oid t) noexcept { return detail::is_text_like(t); }
    static void encode(std::string_view v, std::string& out, oid = type_oid) { out.append(v); }
    static katana::expected<std::string_view, error> decode(std::span<const std::byte> d, oid = type_oid) {
        return std::string_view(reinterpret_cast<const char*>(d.data()), d.size());
    }
};

template <>
struct codec<bytes> {
    static constexpr oid type_oid = oids::bytea;
    static constexpr oid array_oid = oids::bytea_array;
    static constexpr bool accepts(oid t) noexcept { return t == oids::bytea; }
    static void encode(const bytes& v, std::string& out, oid = type_oid) { detail::put_bytes(out, v.data(), v.size()); }
    static katana::expected<bytes, error> decode(std::span<const std::byte> d, oid = type_oid) {
        return bytes(d.begin(), d.end());
    }
};

// Decodes to a view into `data` (for a result field: valid while the pg::result lives).
template <>
struct codec<std::span<const std::byte>> {
    static constexpr oid type_oid = oids::bytea;
    static constexpr oid array_oid = oids::bytea_array;
    static constexpr bool accepts(oid t) noexcept { return t == oids::bytea; }
    static void encode(std::span<const std::byte> v, std::string& out, oid = type_oid) {
        detail::put_bytes(out, v.data(), v.size());
    }
    static katana::expected<std::span<const std::byte>, error> decode(std::span<const std::byte> d, oid = type_oid) {
        return d;
    }
};

template <>
struct codec<uuid> {
    static constexpr oid type_oid = oids::uuid;
    static constexpr oid array_oid = oids::uuid_array;
    static constexpr bool accepts(oid t) noexcept { return t == oids::uuid; }
    static void encode(const uuid& v, std::string& out, oid = type_oid) { detail::put_bytes(out, v.bytes.data(), 16); }
    static katana::expected<uuid, error> decode(std::span<const std::byte> d, oid = type_oid) {
        if (d.size() != 16) return katana::unexpected(detail::decode_length_error("uuid", 16, d.size()));
        uuid u;
        std::memcpy(u.bytes.data(), d.data(), 16);
        return u;
    }
};

struct codec_access {
    static numeric make_numeric(std::string canonical) {
        return numeric(numeric::canonical_tag{}, std::move(canonical));
    }
};

template <>
struct codec<numeric> {
    static constexpr oid type_oid = oids::numeric;
    static constexpr oid array_oid = oids::numeric_array;
    static constexpr bool accepts(oid t) noexcept { return t == oids::numeric; }
    static void encode(const numeric& v, std::string& out, oid = type_oid) { detail::encode_numeric(v.str(), out); }
    static katana::expected<numeric, error> decode(std::span<const std::byte> d, oid = type_oid) {
        auto text = detail::decode_numeric(d);
        if (!text) return katana::unexpected(std::move(text).error());
        return codec_access::make_numeric(std::move(*text));
    }
};

template <>
struct codec<timestamptz> {
    static constexpr oid type_oid = oids::timestamptz;
    static constexpr oid array_oid = oids::timestamptz_array;
    static constexpr bool accepts(oid t) noexcept { return t == oids::timestamptz; }
    static void encode(timestamptz v, std::string& out, oid = type_oid) {
        detail::put_be(out, static_cast<std::uint64_t>(detail::to_pg_us(v.time_since_epoch().count())), 8);
    }
    static katana::expected<timestamptz, error> decode(std::span<const std::byte> d, oid = type_oid) {
        auto us = detail::decode_int<std::int64_t>(d, "timestamptz");
        if (!us) return katana::unexpected(std::move(us).error());
        const auto unix_us = detail::from_pg_us(*us);
        if (!unix_us) return katana::unexpected(detail::decode_error("timestamptz", "after 294247-01-10, beyond the C++ time_point's range"));
        return timestamptz(std::chrono::microseconds(*unix_us));
    }
};

template <>
struct codec<local_timestamp> {
    static constexpr oid type_oid = oids::timestamp;
    static constexpr oid array_oid = oids::timestamp_array;
    static constexpr bool accepts(oid t) noexcept { return t == oids::timestamp; }
    static void encode(local_timestamp v, std::string& out, oid = type_oid) {
        detail::put_be(out, static_cast<std::uint64_t>(detail::to_pg_us(v.time_since_epoch().count())), 8);
    }
    static katana::expected<local_timestamp, error> decode(std::span<const std::byte> d, oid = type_oid) {
        auto us = detail::decode_int<std::int64_t>(d, "timestamp");
        if (!us) return katana::unexpected(std::move(us).error());
        const auto unix_us = detail::from_pg_us(*us);
        if (!unix_us) return katana::unexpected(detail::decode_error("timestamp", "after 294247-01-10, beyond the C++ time_point's range"));
        return local_timestamp(std::chrono::microseconds(*unix_us));
    }
};

// date: int32 days since 2000-01-01; INT32_MAX/INT32_MIN are +-infinity.
template <>
struct codec<std::chrono::sys_days> {
    static constexpr oid type_oid = oids::date;
    static constexpr oid array_oid = oids::date_array;
    static constexpr bool accepts(oid t) noexcept { return t == oids::date; }
    static void encode(std::chrono::sys_days v, std::string& out, oid = type_oid) {
        using sd = std::chrono::sys_days;
        const auto n = static_cast<std::int64_t>(v.time_since_epoch().count());
        std::int32_t pg = 0;
        if (v == sd::max()) pg = INT32_MAX;
        else if (v == sd::min()) pg = INT32_MIN;
        else {
            // Outside int32 (far beyond PostgreSQL's range): saturate to a finite value the
            // server rejects ("date out of range").
            const std::int64_t d = n - detail::pg_epoch_offset_days;
            pg = d >= INT32_MAX ? INT32_MAX - 1 : d <= INT32_MIN ? INT32_MIN + 1 : static_cast<std::int32_t>(d);
        }
        detail::put_be(out, static_cast<std::uint32_t>(pg), 4);
    }
    static katana::expected<std::chrono::sys_days, error> decode(std::span<const std::byte> d, oid = type_oid) {
        using sd = std::chrono::sys_days;
        auto days = detail::decode_int<std::int32_t>(d, "date");
        if (!days) return katana::unexpected(std::move(days).error());
        if (*days == INT32_MAX) return sd::max();
        if (*days == INT32_MIN) return sd::min();
        return sd(std::chrono::days(static_cast<std::int64_t>(*days) + detail::pg_epoch_offset_days));
    }
};

template <>
struct codec<std::chrono::year_month_day> {
    static constexpr oid type_oid = oids::date;
    static constexpr oid array_oid = oids::date_array;
    static constexpr bool accepts(oid t) noexcept { return t == oids::date; }
    static void encode(std::chrono::year_month_day v, std::string& out, oid = type_oid) {
        codec<std::chrono::sys_days>::encode(std::chrono::sys_days(v), out);
    }
    static katana::expected<std::chrono::year_month_day, error> decode(std::span<const std::byte> d, oid = type_oid) {
        auto days = codec<std::chrono::sys_days>::decode(d);
        if (!days) return katana::unexpected(std::move(days).error());
        using sd = std::chrono::sys_days;
        if (*days == sd::max() || *days == sd::min())
            return katana::unexpected(detail::decode_error("date", "infinite date does not fit year_month_day (use sys_days)"));
        // year_month_day's civil conversion silently wraps outside its year range.
        using namespace std::chrono;
        if (*days < sys_days(year::min() / January / 1) || *days > sys_days(year::max() / December / 31))
            return katana::unexpected(detail::decode_error("date", "year outside year_month_day's range (use sys_days)"));
        return year_month_day(*days);
    }
};

template <>
struct codec<interval> {
    static constexpr oid type_oid = oids::interval;
    static constexpr oid array_oid = oids::interval_array;
    static constexpr bool accepts(oid t) noexcept { return t == oids::interval; }
    // Wire order: int64 microseconds, int32 days, int32 months.
    static void encode(const interval& v, std::string& out, oid = type_oid) {
        detail::put_be(out, static_cast<std::uint64_t>(v.microseconds), 8);
        detail::put_be(out, static_cast<std::uint32_t>(v.days), 4);
        detail::put_be(out, static_cast<std::uint32_t>(v.months), 4);
    }
    static katana::expected<interval, error> decode(std::span<const std::byte> d, oid = type_oid) {
        if (d.size() != 16) return katana::unexpected(detail::decode_length_error("interval", 16, d.size()));
        interval v;
        v.microseconds = static_cast<std::int64_t>(detail::get_be(d.data(), 8));
        v.days = static_cast<std::int32_t>(static_cast<std::uint32_t>(detail::get_be(d.data() + 8, 4)));
        v.months = static_cast<std::int32_t>(static_cast<std::uint32_t>(detail::get_be(d.data() + 12, 4)));
        return v;
    }
};

// json's binary form is its text; jsonb's is a version byte (1) and the text. A JSON text never
// begins with byte 0x01, so decode also tells the two apart without the oid (text-format
// results of either type are plain text).
template <>
struct codec<json_text> {
    static constexpr oid type_oid = oids::jsonb;
    static constexpr oid array_oid = oids::jsonb_array;
    static constexpr bool accepts(oid t) noexcept { return t == oids::json || t == oids::jsonb; }
    static void encode(const json_text& v, std::string& out, oid target = type_oid) {
        if (target != oids::json) out.push_back('\1');
        out.append(v.text);
    }
    static katana::expected<json_text, error> decode(std::span<const std::byte> d, oid = type_oid) {
        if (!d.empty() && d[0] == std::byte{1}) d = d.subspan(1);
        else if (!d.empty() && static_cast<std::uint8_t>(d[0]) < 0x09)
            return katana::unexpected(detail::decode_error("jsonb", "unsupported jsonb version byte"));
        return json_text{std::string(reinterpret_cast<const char*>(d.data()), d.size())};
    }
};

template <pg_enum E>
struct codec<E> {
    static constexpr oid type_oid = 0; // database-specific: the server infers it or knows it
    static constexpr oid array_oid = 0;
    static constexpr bool accepts(oid) noexcept { return true; }
    static void encode(E v, std::string& out, oid = type_oid) {
        for (const auto& [value, label] : enum_traits<E>::labels) {
            if (value == v) {
                out.append(label);
                return;
            }
        }
        // A value outside the declared labels (a cast integer): send an empty label, which the
        // server rejects as "invalid input value for enum", rather than guessing one.
    }
    static katana::expected<E, error> decode(std::span<const std::byte> d, oid = type_oid) {
        const std::string_view text(reinterpret_cast<const char*>(d.data()), d.size());
        for (const auto& [value, label] : enum_traits<E>::labels)
            if (label == text) return value;
        return katana::unexpected(detail::decode_error("enum", "label not declared in enum_traits"));
    }
};

// ---- arrays ------------------------------------------------------------------------------------
//
// Binary array: int32 ndim, int32 flags (1: has NULLs), uint32 element oid, per dimension int32
// length and int32 lower bound, then per element int32 length (-1: NULL) and its bytes.
// Only one-dimensional arrays (and the empty array, ndim 0) are supported; a multi-dimensional
// array is a decode error. The lower bound is not kept (a C++ vector starts at 0).

namespace detail {

template <class T>
struct array_element {
    using type = T;
    static constexpr bool nullable = false;
};
template <class T>
struct array_element<std::optional<T>> {
    using type = T;
    static constexpr bool nullable = true;
};

// Nested vectors would be multi-dimensional arrays, which are not supported (pg::bytes is a
// vector, but a scalar).
template <class T>
inline constexpr bool is_nested_array = false;
template <class T>
    requires(!std::is_same_v<T, std::byte>)
inline constexpr bool is_nested_array<std::vector<T>> = true;

struct array_header {
    oid element = 0;
    std::size_t count = 0;
};
[[nodiscard]] katana::expected<array_header, error> read_array_header(reader& r);
void write_array_header(std::string& out, oid element, std::size_t count, bool has_nulls);

} // namespace detail

// Encodes a 1-D array whose elements have server type `element` (the real oid, which
// PostgreSQL checks against the parameter's element type).
template <class V>
void encode_array(const std::vector<V>& v, std::string& out, oid element) {
    using traits = detail::array_element<V>;
    using T = typename traits::type;
    bool has_nulls = false;
    if constexpr (traits::nullable)
        for (const auto& e : v) has_nulls = has_nulls || !e.has_value();
    detail::write_array_header(out, element, v.size(), has_nulls);
    if constexpr (!traits::nullable && std::is_arithmetic_v<T>)
        out.reserve(out.size() + v.size() * (4 + sizeof(T))); // fixed-size elements: one allocation
    for (const auto& e : v) {
        if constexpr (traits::nullable) {
            if (!e.has_value()) {
                detail::put_be(out, 0xFFFFFFFFu, 4);
                continue;
            }
        }
        const std::size_t len_at = out.size();
        out.append(4, '\0');
        if constexpr (traits::nullable) codec<T>::encode(*e, out, element);
        else codec<T>::encode(e, out, element);
        const auto len = static_cast<std::uint32_t>(out.size() - len_at - 4);
        for (std::size_t i = 0; i < 4; ++i) out[len_at + i] = static_cast<char>((len >> (8 * (3 - i))) & 0xFF);
    }
}

template <class V>
    requires(has_codec<typename detail::array_element<V>::type> &&
             !detail::is_nested_array<typename detail::array_element<V>::type>)
struct codec<std::vector<V>> {
    using element_codec = codec<typename detail::array_element<V>::type>;
    static constexpr oid type_oid = element_codec::array_oid;
    static constexpr oid array_oid = 0; // arrays of arrays are multi-dimensional arrays
    static constexpr bool accepts(oid t) noexcept {
        const oid e = element_oid(t);
        // Unknown array oids (arrays of enums) are checked element by element in decode.
        return e == 0 ? element_codec::type_oid == 0 : element_codec::accepts(e);
    }
    static void encode(const std::vector<V>& v, std::string& out, oid target = type_oid) {
        const oid e = element_oid(target);
        encode_array(v, out, e != 0 ? e : element_codec::type_oid);
    }
    static katana::expected<std::vector<V>, error> decode(std::span<const std::byte> d, oid = type_oid) {
        using traits = detail::array_element<V>;
        detail::reader r(d);
        auto head = detail::read_array_header(r);
        if (!head) return katana::unexpected(std::move(head).error());
        if (!element_codec::accepts(head->element))
            return katana::unexpected(detail::decode_error("array", "element type does not match the C++ element type"));
        std::vector<V> out;
        out.reserve(head->count); // read_array_header bounds count by the bytes present
        for (std::size_t i = 0; i < head->count; ++i) {
            if (!r.has(4)) return katana::unexpected(detail::decode_error("array", "truncated element length"));
            const auto len = static_cast<std::int32_t>(static_cast<std::uint32_t>(r.be(4)));
            if (len < 0) {
                if (len != -1) return katana::unexpected(detail::decode_error("array", "negative element length"));
                if constexpr (traits::nullable) {
                    out.emplace_back(std::nullopt);
                    continue;
                } else {
                    return katana::unexpected(
                        detail::decode_error("array", "NULL element (decode into std::vector<std::optional<T>>)"));
                }
            }
            if (!r.has(static_cast<std::size_t>(len)))
                return katana::unexpected(detail::decode_error("array", "truncated element"));
            auto value = element_codec::decode(r.take(static_cast<std::size_t>(len)), head->element);
            if (!value) return katana::unexpected(std::move(value).error());
            out.emplace_back(std::move(*value));
        }
        if (r.remaining() != 0) return katana::unexpected(detail::decode_error("array", "trailing bytes after the last element"));
        return out;
    }
};

// ---- entry points ------------------------------------------------------------------------------

// Appends v's binary form for server type `target` (default: T's own type).
template <has_codec T>
void encode(const T& v, std::string& out, oid target = codec<T>::type_oid) {
    codec<T>::encode(v, out, target);
}

// Decodes a binary value of server type `source`; an error when T cannot hold that type.
template <has_codec T>
katana::expected<T, error> decode(std::span<const std::byte> data, oid source = codec<T>::type_oid) {
    if (!codec<T>::accepts(source)) return katana::unexpected(detail::decode_error("value", "server type does not map to the requested C++ type"));
    return codec<T>::decode(data, source);
}

// ---- glue with params / result -----------------------------------------------------------------

namespace detail {
template <class T>
struct optional_inner {
    using type = T;
    static constexpr bool is_optional = false;
};
template <class T>
struct optional_inner<std::optional<T>> {
    using type = T;
    static constexpr bool is_optional = true;
};
// C++ types whose text-format result bytes equal their binary form.
template <class T>
inline constexpr bool text_result_ok =
    std::is_same_v<T, std::string> || std::is_same_v<T, std::string_view> || std::is_same_v<T, json_text>;
// Text-format values of the types whose server text is simple and unambiguous; others (dates,
// intervals, floats, arrays) depend on session settings and are read in binary only.
[[nodiscard]] katana::expected<std::int64_t, error> parse_int_text(std::string_view text, std::string_view type);
template <class T>
katana::expected<T, error> decode_text(std::string_view text, oid source) {
    if constexpr (text_result_ok<T>) {
        return codec<T>::decode(std::as_bytes(std::span(text.data(), text.size())), source);
    } else if constexpr (std::is_same_v<T, numeric> || std::is_same_v<T, uuid>) {
        return T::parse(text);
    } else if constexpr (std::is_same_v<T, bool>) {
        if (text == "t") return true;
        if (text == "f") return false;
        return katana::unexpected(decode_error("bool", "text is neither t nor f"));
    } else if constexpr (std::is_same_v<T, std::int16_t> || std::is_same_v<T, std::int32_t> || std::is_same_v<T, std::int64_t>) {
        auto v = parse_int_text(text, "integer");
        if (!v) return katana::unexpected(std::move(v).error());
        if (*v < std::numeric_limits<T>::min() || *v > std::numeric_limits<T>::max())
            return katana::unexpected(decode_error("integer", "out of range"));
        return static_cast<T>(*v);
    } else if constexpr (pg_enum<T>) {
        return codec<T>::decode(std::as_bytes(std::span(text.data(), text.size())), source);
    } else {
        return katana::unexpected(decode_error("field", "column is in text format; request binary results for this type"));
    }
}
} // namespace detail

// Adds v as a binary parameter of server type `target`; std::nullopt adds SQL NULL.
template <class T>
params& bind(params& p, const T& v,
             oid target = codec<typename detail::optional_inner<T>::type>::type_oid) {
    using inner = detail::optional_inner<T>;
    if constexpr (inner::is_optional) {
        if (!v) return p.null(target);
        return p.encoded(target, [&](std::string& out) { codec<typename inner::type>::encode(*v, out, target); });
    } else {
        return p.encoded(target, [&](std::string& out) { codec<T>::encode(v, out, target); });
    }
}

// Reads field (row, column) as T; std::optional<T> maps SQL NULL to std::nullopt, any other T
// makes NULL an error. Views (string_view, span) point into `r`. Binary columns of every mapped
// type are read; text-format columns only for strings, json, numeric, uuid, bool, integers and
// enums (the types whose text does not depend on session settings).
template <class T>
katana::expected<T, error> field(const result& r, int row, int column) {
    using inner = detail::optional_inner<T>;
    using U = typename inner::type;
    if (row < 0 || row >= r.rows() || column < 0 || column >= r.columns())
        return katana::unexpected(detail::decode_error("field", "row or column out of range"));
    if (r.is_null(row, column)) {
        if constexpr (inner::is_optional) return T(std::nullopt);
        else return katana::unexpected(detail::decode_error("field", "unexpected NULL (use std::optional)"));
    }
    const oid type = r.column_type(column);
    katana::expected<U, error> v = [&]() -> katana::expected<U, error> {
        if (r.is_binary(column)) return decode<U>(r.value(row, column), type);
        if (!codec<U>::accepts(type))
            return katana::unexpected(detail::decode_error("value", "server type does not map to the requested C++ type"));
        return detail::decode_text<U>(r.text(row, column), type);
    }();
    if (!v) return katana::unexpected(std::move(v).error());
    if constexpr (inner::is_optional) return T(std::move(*v));
    else return std::move(*v);
}

} // namespace katana::pg
