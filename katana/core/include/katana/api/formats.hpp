#pragma once
// String `format` checks of JSON Schema / OpenAPI, plus number helpers validators need.
//
// All checks are pure functions over the string, allocate nothing (except is_regex, which
// compiles the pattern: generation time only) and run in time linear in the input.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace katana::api {

[[nodiscard]] bool is_date(std::string_view s) noexcept;      // RFC 3339 full-date, real calendar
[[nodiscard]] bool is_time(std::string_view s) noexcept;      // RFC 3339 full-time (offset required)
[[nodiscard]] bool is_date_time(std::string_view s) noexcept; // RFC 3339 date-time
[[nodiscard]] bool is_duration(std::string_view s) noexcept;  // RFC 3339 appendix A / ISO 8601
[[nodiscard]] bool is_uuid(std::string_view s) noexcept;      // RFC 4122 8-4-4-4-12 hex
[[nodiscard]] bool is_byte(std::string_view s) noexcept;      // base64 (RFC 4648 §4) with padding
[[nodiscard]] bool is_email(std::string_view s) noexcept;     // RFC 5321 Mailbox (ASCII)
[[nodiscard]] bool is_idn_email(std::string_view s) noexcept; // RFC 6531 (UTF-8 allowed)
[[nodiscard]] bool is_hostname(std::string_view s) noexcept;  // RFC 1123 (A-labels checked as punycode)
[[nodiscard]] bool is_idn_hostname(std::string_view s) noexcept; // RFC 5890 (practical subset)
[[nodiscard]] bool is_ipv4(std::string_view s) noexcept;      // dotted quad, no leading zeros
[[nodiscard]] bool is_ipv6(std::string_view s) noexcept;      // RFC 4291 text forms, no zone id
[[nodiscard]] bool is_uri(std::string_view s) noexcept;       // RFC 3986 URI (scheme required)
[[nodiscard]] bool is_uri_reference(std::string_view s) noexcept;
[[nodiscard]] bool is_iri(std::string_view s) noexcept;       // RFC 3987 (UTF-8 allowed)
[[nodiscard]] bool is_iri_reference(std::string_view s) noexcept;
[[nodiscard]] bool is_uri_template(std::string_view s) noexcept; // RFC 6570 up to level 4
[[nodiscard]] bool is_json_pointer(std::string_view s) noexcept; // RFC 6901
[[nodiscard]] bool is_relative_json_pointer(std::string_view s) noexcept;
[[nodiscard]] bool is_regex(std::string_view ecma_source);   // compiles through pattern.hpp's translation

enum class string_format : std::uint8_t {
    date,
    time,
    date_time,
    duration,
    uuid,
    byte,
    email,
    idn_email,
    hostname,
    idn_hostname,
    ipv4,
    ipv6,
    uri,
    uri_reference,
    iri,
    iri_reference,
    uri_template,
    json_pointer,
    relative_json_pointer,
    regex,
    // Known OpenAPI formats with nothing to check on a string ("binary", "password") or that
    // apply to numbers ("int32", ...): check_format() accepts everything for these.
    binary,
    password,
};

// True when `s` satisfies `format`.
[[nodiscard]] bool check_format(string_format format, std::string_view s);
// "date-time" -> date_time, "ipv4" -> ipv4, ... nullopt for unknown names (which JSON Schema
// says to ignore).
[[nodiscard]] std::optional<string_format> format_from_name(std::string_view name) noexcept;
[[nodiscard]] std::string_view format_name(string_format format) noexcept;

// Number of Unicode code points in valid UTF-8 (counts bytes that are not continuation bytes).
[[nodiscard]] std::size_t utf8_length(std::string_view s) noexcept;
// True when `s` is well-formed UTF-8 (no overlongs, surrogates or values above U+10FFFF).
[[nodiscard]] bool is_valid_utf8(std::string_view s) noexcept;

// multipleOf, decided exactly in decimal: each double is read as its shortest round-trip
// decimal (what the JSON text said), so 0.0075 is a multiple of 0.0001 although neither is exact
// in binary, and no quotient is ever formed, so 1e308 / 0.5 (true) and 1e308 / 0.123456789
// (false) cannot overflow. False for divisor <= 0 and for non-finite values.
[[nodiscard]] bool is_multiple_of(double value, double divisor) noexcept;
[[nodiscard]] bool is_multiple_of(std::int64_t value, std::int64_t divisor) noexcept;

} // namespace katana::api
