#include "front/scalars.hpp"

#include <charconv>
#include <cstdlib>
#include <cmath>
#include <limits>
#include <string>

namespace katana::codegen::detail {

namespace {

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

int hex_value(char c) noexcept {
    if (is_digit(c)) return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool one_of(std::string_view s, std::string_view a, std::string_view b, std::string_view c) noexcept {
    return s == a || s == b || s == c;
}

// Digits of base 8 or 16 after the "0o"/"0x" prefix; values past int64 become numbers.
bool based_integer(std::string_view digits, int base, scalar_value& out) noexcept {
    if (digits.empty()) return false;
    std::uint64_t value = 0;
    double approx = 0;
    bool overflow = false;
    for (const char c : digits) {
        const int d = hex_value(c);
        if (d < 0 || d >= base) return false;
        approx = approx * base + d;
        if (value > (std::numeric_limits<std::uint64_t>::max() - static_cast<std::uint64_t>(d)) /
                        static_cast<std::uint64_t>(base)) {
            overflow = true;
        } else {
            value = value * static_cast<std::uint64_t>(base) + static_cast<std::uint64_t>(d);
        }
    }
    if (!overflow && value <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        out.kind = node_kind::integer;
        out.integer = static_cast<std::int64_t>(value);
        out.number = static_cast<double>(value);
    } else {
        out.kind = node_kind::number;
        out.number = approx;
    }
    return true;
}

// [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
bool matches_float(std::string_view s) noexcept {
    std::size_t i = 0;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    std::size_t int_digits = 0;
    while (i < s.size() && is_digit(s[i])) {
        ++i;
        ++int_digits;
    }
    std::size_t frac_digits = 0;
    if (i < s.size() && s[i] == '.') {
        ++i;
        while (i < s.size() && is_digit(s[i])) {
            ++i;
            ++frac_digits;
        }
    }
    if (int_digits == 0 && frac_digits == 0) return false;
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
        std::size_t exp_digits = 0;
        while (i < s.size() && is_digit(s[i])) {
            ++i;
            ++exp_digits;
        }
        if (exp_digits == 0) return false;
    }
    return i == s.size();
}

} // namespace

scalar_value type_plain_scalar(std::string_view s) noexcept {
    scalar_value v;
    if (s.empty() || s == "~" || one_of(s, "null", "Null", "NULL")) {
        v.kind = node_kind::null;
        return v;
    }
    if (one_of(s, "true", "True", "TRUE")) {
        v.kind = node_kind::boolean;
        v.boolean = true;
        return v;
    }
    if (one_of(s, "false", "False", "FALSE")) {
        v.kind = node_kind::boolean;
        return v;
    }
    const char first = s.front();
    if (!is_digit(first) && first != '-' && first != '+' && first != '.') return v; // the common case: text
    if (s.size() > 2 && s[0] == '0' && s[1] == 'o') {
        if (based_integer(s.substr(2), 8, v)) return v;
        return scalar_value{};
    }
    if (s.size() > 2 && s[0] == '0' && s[1] == 'x') {
        if (based_integer(s.substr(2), 16, v)) return v;
        return scalar_value{};
    }
    const std::string_view unsigned_part = (first == '-' || first == '+') ? s.substr(1) : s;
    if (unsigned_part == ".inf" || unsigned_part == ".Inf" || unsigned_part == ".INF") {
        v.kind = node_kind::number;
        v.number = first == '-' ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
        return v;
    }
    if (s == ".nan" || s == ".NaN" || s == ".NAN") {
        v.kind = node_kind::number;
        v.number = std::numeric_limits<double>::quiet_NaN();
        return v;
    }
    // from_chars takes neither a leading '+' nor (for integers) anything but digits after '-'.
    const std::string_view parse = first == '+' ? s.substr(1) : s;
    bool all_digits = !unsigned_part.empty();
    for (const char c : unsigned_part) {
        if (!is_digit(c)) {
            all_digits = false;
            break;
        }
    }
    if (all_digits) {
        std::int64_t i = 0;
        const auto r = std::from_chars(parse.data(), parse.data() + parse.size(), i);
        if (r.ec == std::errc{} && r.ptr == parse.data() + parse.size()) {
            v.kind = node_kind::integer;
            v.integer = i;
            v.number = static_cast<double>(i);
            return v;
        }
        // Too big for int64: still an integer in YAML, kept as a number (spelling in `text`).
    } else if (!matches_float(s)) {
        return v;
    }
    double d = 0;
    const auto r = std::from_chars(parse.data(), parse.data() + parse.size(), d);
    if (r.ptr != parse.data() + parse.size()) return v;
    if (r.ec == std::errc::result_out_of_range) {
        // from_chars leaves `d` untouched on overflow/underflow; strtod returns +-HUGE_VAL or 0.
        // (The generator never sets a locale, so '.' is strtod's decimal point.)
        const std::string copy(parse);
        d = std::strtod(copy.c_str(), nullptr);
    } else if (r.ec != std::errc{}) {
        return v;
    }
    v.kind = node_kind::number;
    v.number = d;
    return v;
}

} // namespace katana::codegen::detail
