// Out-of-line parts of katana/pg/types.hpp: error construction, numeric (text <-> PostgreSQL's
// base-10000 binary form), uuid text, array headers. Formats follow PostgreSQL's documented
// send/recv routines; every length and field is checked before use.
#include <katana/pg/types.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace katana::pg {

namespace detail {

error decode_error(std::string_view type, std::string_view what) {
    return make_error(error_kind::decode, fmt::format("cannot decode {}: {}", type, what));
}

error decode_length_error(std::string_view type, std::size_t want, std::size_t got) {
    return make_error(error_kind::decode, fmt::format("cannot decode {}: expected {} bytes, got {}", type, want, got));
}

katana::expected<std::int64_t, error> parse_int_text(std::string_view text, std::string_view type) {
    std::int64_t v = 0;
    const char* end = text.data() + text.size();
    const auto res = std::from_chars(text.data(), end, v);
    if (text.empty() || res.ec != std::errc{} || res.ptr != end) return katana::unexpected(decode_error(type, "invalid text"));
    return v;
}

namespace {

// PostgreSQL's numeric limits (NUMERIC_MAX_DISPLAY_SCALE and the 131072-digit integer part).
constexpr std::size_t max_integer_digits = 131072;
constexpr std::size_t max_scale = 16383;

constexpr std::uint16_t sign_pos = 0x0000;
constexpr std::uint16_t sign_neg = 0x4000;
constexpr std::uint16_t sign_nan = 0xC000;
constexpr std::uint16_t sign_pinf = 0xD000;
constexpr std::uint16_t sign_ninf = 0xF000;

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char c = a[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != b[i]) return false;
    }
    return true;
}

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

} // namespace

void encode_numeric(const std::string& text, std::string& out) {
    auto header = [&](std::size_t ndigits, int weight, std::uint16_t sign, std::size_t dscale) {
        put_be(out, static_cast<std::uint16_t>(ndigits), 2);
        put_be(out, static_cast<std::uint16_t>(static_cast<std::int16_t>(weight)), 2);
        put_be(out, sign, 2);
        put_be(out, static_cast<std::uint16_t>(dscale), 2);
    };
    if (text == "NaN") return header(0, 0, sign_nan, 0);
    if (text == "Infinity") return header(0, 0, sign_pinf, 0);
    if (text == "-Infinity") return header(0, 0, sign_ninf, 0);

    // Canonical text: [-]int[.frac], int without leading zeros (or "0"), frac has dscale digits.
    std::string_view s = text;
    const bool negative = !s.empty() && s[0] == '-';
    if (negative) s.remove_prefix(1);
    const std::size_t dot = s.find('.');
    const std::string_view int_part = s.substr(0, dot);
    const std::string_view frac_part = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);

    // Base-10000 groups aligned on the decimal point: the integer part padded on the left, the
    // fraction on the right, to whole groups of four.
    const std::size_t int_groups = (int_part.size() + 3) / 4;
    const std::size_t frac_groups = (frac_part.size() + 3) / 4;
    std::vector<std::uint16_t> groups(int_groups + frac_groups, 0);
    const std::size_t lead_pad = int_groups * 4 - int_part.size();
    for (std::size_t i = 0; i < int_part.size(); ++i) {
        const std::size_t pos = lead_pad + i;
        groups[pos / 4] = static_cast<std::uint16_t>(groups[pos / 4] * 10 + (int_part[i] - '0'));
    }
    for (std::size_t g = 0; g < frac_groups; ++g) {
        std::uint16_t v = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            const std::size_t i = g * 4 + k;
            v = static_cast<std::uint16_t>(v * 10 + (i < frac_part.size() ? frac_part[i] - '0' : 0));
        }
        groups[int_groups + g] = v;
    }
    // Strip zero groups at both ends (as the server stores numerics); weight is the power of
    // 10000 of the first group kept.
    std::size_t first = 0;
    while (first < groups.size() && groups[first] == 0) ++first;
    std::size_t last = groups.size();
    while (last > first && groups[last - 1] == 0) --last;
    if (first == last) return header(0, 0, sign_pos, frac_part.size());
    const int weight = static_cast<int>(int_groups) - 1 - static_cast<int>(first);
    header(last - first, weight, negative ? sign_neg : sign_pos, frac_part.size());
    for (std::size_t i = first; i < last; ++i) put_be(out, groups[i], 2);
}

katana::expected<std::string, error> decode_numeric(std::span<const std::byte> d) {
    if (d.size() < 8) return katana::unexpected(decode_error("numeric", "truncated header"));
    reader r(d);
    const auto ndigits = static_cast<std::int16_t>(static_cast<std::uint16_t>(r.be(2)));
    const auto weight = static_cast<std::int16_t>(static_cast<std::uint16_t>(r.be(2)));
    const auto sign = static_cast<std::uint16_t>(r.be(2));
    const auto dscale = static_cast<std::int16_t>(static_cast<std::uint16_t>(r.be(2)));
    if (ndigits < 0) return katana::unexpected(decode_error("numeric", "negative digit count"));
    if (r.remaining() != static_cast<std::size_t>(ndigits) * 2)
        return katana::unexpected(decode_length_error("numeric", 8 + static_cast<std::size_t>(ndigits) * 2, d.size()));
    if (sign == sign_nan) return std::string("NaN");
    if (sign == sign_pinf) return std::string("Infinity");
    if (sign == sign_ninf) return std::string("-Infinity");
    if (sign != sign_pos && sign != sign_neg) return katana::unexpected(decode_error("numeric", "invalid sign"));
    if (dscale < 0 || static_cast<std::size_t>(dscale) > max_scale)
        return katana::unexpected(decode_error("numeric", "invalid display scale"));
    std::vector<std::uint16_t> digits(static_cast<std::size_t>(ndigits));
    for (auto& g : digits) {
        g = static_cast<std::uint16_t>(r.be(2));
        if (g > 9999) return katana::unexpected(decode_error("numeric", "digit out of range"));
    }
    auto group = [&](long i) -> std::uint16_t {
        return i >= 0 && i < static_cast<long>(digits.size()) ? digits[static_cast<std::size_t>(i)] : 0;
    };

    std::string s;
    bool nonzero = false;
    // Integer part: groups 0..weight (group i has power weight - i).
    if (weight < 0) {
        s.push_back('0');
    } else {
        s.reserve(static_cast<std::size_t>(weight + 1) * 4 + static_cast<std::size_t>(dscale) + 2);
        bool started = false;
        for (long i = 0; i <= weight; ++i) {
            const std::uint16_t g = group(i);
            char buf[4] = {static_cast<char>('0' + g / 1000), static_cast<char>('0' + g / 100 % 10),
                           static_cast<char>('0' + g / 10 % 10), static_cast<char>('0' + g % 10)};
            for (char c : buf) {
                if (!started && c == '0') continue;
                started = true;
                s.push_back(c);
            }
        }
        if (!started) s.push_back('0');
        else nonzero = true;
    }
    if (dscale > 0) {
        s.push_back('.');
        // Fraction digits come from groups weight+1, weight+2, ...; digits past dscale are cut
        // (as the server's own output does).
        std::size_t written = 0;
        for (long i = weight + 1; written < static_cast<std::size_t>(dscale); ++i) {
            const std::uint16_t g = group(i);
            const char buf[4] = {static_cast<char>('0' + g / 1000), static_cast<char>('0' + g / 100 % 10),
                                 static_cast<char>('0' + g / 10 % 10), static_cast<char>('0' + g % 10)};
            for (std::size_t k = 0; k < 4 && written < static_cast<std::size_t>(dscale); ++k, ++written) {
                if (buf[k] != '0') nonzero = true;
                s.push_back(buf[k]);
            }
        }
    }
    // Zero has no sign in canonical text (the server sends zero as positive anyway).
    if (sign == sign_neg && nonzero) s.insert(s.begin(), '-');
    return s;
}

constexpr std::size_t array_header_size = 12;

katana::expected<array_header, error> read_array_header(reader& r) {
    if (!r.has(array_header_size)) return katana::unexpected(decode_error("array", "truncated header"));
    const auto ndim = static_cast<std::int32_t>(static_cast<std::uint32_t>(r.be(4)));
    const auto flags = static_cast<std::int32_t>(static_cast<std::uint32_t>(r.be(4)));
    array_header h;
    h.element = static_cast<oid>(r.be(4));
    if (flags != 0 && flags != 1) return katana::unexpected(decode_error("array", "invalid flags"));
    if (ndim == 0) return h; // the empty array
    if (ndim < 0) return katana::unexpected(decode_error("array", "negative dimension count"));
    if (ndim > 1)
        return katana::unexpected(decode_error("array", fmt::format("{}-dimensional array (only one dimension is supported)", ndim)));
    if (!r.has(8)) return katana::unexpected(decode_error("array", "truncated dimension"));
    const auto len = static_cast<std::int32_t>(static_cast<std::uint32_t>(r.be(4)));
    (void)r.be(4); // lower bound: not kept
    if (len < 0) return katana::unexpected(decode_error("array", "negative dimension length"));
    // Each element takes at least its 4-byte length, so a count beyond that is a lie: refusing
    // it here keeps a hostile header from reserving gigabytes.
    if (static_cast<std::size_t>(len) > r.remaining() / 4)
        return katana::unexpected(decode_error("array", "more elements than bytes"));
    h.count = static_cast<std::size_t>(len);
    return h;
}

void write_array_header(std::string& out, oid element, std::size_t count, bool has_nulls) {
    if (count == 0) {
        // PostgreSQL sends an empty array as zero dimensions.
        put_be(out, 0, 4);
        put_be(out, 0, 4);
        put_be(out, element, 4);
        return;
    }
    put_be(out, 1, 4);
    put_be(out, has_nulls ? 1 : 0, 4);
    put_be(out, element, 4);
    put_be(out, static_cast<std::uint32_t>(count), 4);
    put_be(out, 1, 4); // lower bound: SQL arrays start at 1
}

} // namespace detail

// ---- numeric -----------------------------------------------------------------------------------

numeric::numeric(std::int64_t v) {
    char buf[24];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    text_.assign(buf, res.ptr);
}

numeric numeric::nan() { return numeric(canonical_tag{}, "NaN"); }
numeric numeric::infinity() { return numeric(canonical_tag{}, "Infinity"); }
numeric numeric::negative_infinity() { return numeric(canonical_tag{}, "-Infinity"); }

int numeric::scale() const noexcept {
    const std::size_t dot = text_.find('.');
    return dot == std::string::npos ? 0 : static_cast<int>(text_.size() - dot - 1);
}

katana::expected<numeric, error> numeric::parse(std::string_view in) {
    auto fail = [](std::string_view why) { return katana::unexpected(make_error(error_kind::decode, fmt::format("invalid numeric: {}", why))); };
    std::string_view s = in;
    bool negative = false;
    if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
        negative = s[0] == '-';
        s.remove_prefix(1);
    }
    if (detail::iequals(s, "nan")) {
        if (s.size() != in.size()) return fail("NaN has no sign");
        return nan();
    }
    if (detail::iequals(s, "infinity") || detail::iequals(s, "inf")) return negative ? negative_infinity() : infinity();

    // Mantissa digits (integer and fraction together) and where the point sits among them.
    std::string digits;
    std::size_t int_len = 0;
    std::size_t i = 0;
    while (i < s.size() && detail::is_digit(s[i])) ++i;
    int_len = i;
    digits.append(s.substr(0, i));
    std::size_t frac_len = 0;
    if (i < s.size() && s[i] == '.') {
        ++i;
        const std::size_t start = i;
        while (i < s.size() && detail::is_digit(s[i])) ++i;
        frac_len = i - start;
        digits.append(s.substr(start, frac_len));
    }
    if (digits.empty()) return fail("no digits");
    long exponent = 0;
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        bool exp_negative = false;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
            exp_negative = s[i] == '-';
            ++i;
        }
        const std::size_t start = i;
        while (i < s.size() && detail::is_digit(s[i])) {
            // Anything beyond the limits is rejected below; stop growing early.
            if (exponent < 10'000'000) exponent = exponent * 10 + (s[i] - '0');
            ++i;
        }
        if (i == start) return fail("exponent without digits");
        if (exp_negative) exponent = -exponent;
    }
    if (i != s.size()) return fail("unexpected character");
    if (exponent > static_cast<long>(detail::max_integer_digits + detail::max_scale) ||
        exponent < -static_cast<long>(detail::max_integer_digits + detail::max_scale))
        return fail("exponent out of range");

    // Scale as written, shifted by the exponent (PostgreSQL: "1.50e1" is 15.0).
    const long scale_l = std::max(0L, static_cast<long>(frac_len) - exponent);
    if (static_cast<std::size_t>(scale_l) > detail::max_scale) return fail("scale exceeds 16383 digits");
    const auto scale = static_cast<std::size_t>(scale_l);
    // Position of the point within `digits` after the shift (may fall outside it).
    const long point = static_cast<long>(int_len) + exponent;

    std::string int_digits;
    if (point > 0) {
        const auto p = static_cast<std::size_t>(point);
        int_digits = digits.substr(0, std::min(p, digits.size()));
        if (p > digits.size()) int_digits.append(p - digits.size(), '0');
    }
    const std::size_t lead = int_digits.find_first_not_of('0');
    int_digits = lead == std::string::npos ? std::string("0") : int_digits.substr(lead);
    if (int_digits.size() > detail::max_integer_digits) return fail("more than 131072 digits before the decimal point");

    std::string frac_digits;
    if (scale > 0) {
        // Fraction digit k (0-based) is mantissa digit point + k, zero where outside.
        frac_digits.reserve(scale);
        for (std::size_t k = 0; k < scale; ++k) {
            const long idx = point + static_cast<long>(k);
            frac_digits.push_back(idx >= 0 && idx < static_cast<long>(digits.size()) ? digits[static_cast<std::size_t>(idx)] : '0');
        }
    }
    const bool zero = int_digits == "0" && frac_digits.find_first_not_of('0') == std::string::npos;
    std::string text;
    text.reserve(int_digits.size() + frac_digits.size() + 2);
    if (negative && !zero) text.push_back('-');
    text.append(int_digits);
    if (!frac_digits.empty()) {
        text.push_back('.');
        text.append(frac_digits);
    }
    return numeric(canonical_tag{}, std::move(text));
}

// ---- uuid --------------------------------------------------------------------------------------

katana::expected<uuid, error> uuid::parse(std::string_view s) {
    auto fail = [] { return katana::unexpected(make_error(error_kind::decode, "invalid uuid text")); };
    if (!s.empty() && s.front() == '{') {
        if (s.size() < 2 || s.back() != '}') return fail();
        s = s.substr(1, s.size() - 2);
    }
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    uuid u;
    std::size_t nibbles = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '-') {
            // PostgreSQL allows a hyphen after any group of four hex digits, not at the end.
            if (nibbles == 0 || nibbles % 4 != 0 || nibbles == 32 || s[i - 1] == '-') return fail();
            continue;
        }
        const int v = hex(s[i]);
        if (v < 0 || nibbles >= 32) return fail();
        u.bytes[nibbles / 2] = static_cast<std::uint8_t>(u.bytes[nibbles / 2] | (nibbles % 2 == 0 ? v << 4 : v));
        ++nibbles;
    }
    if (nibbles != 32) return fail();
    return u;
}

std::string uuid::to_string() const {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    s.reserve(36);
    for (std::size_t i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
        s.push_back(digits[bytes[i] >> 4]);
        s.push_back(digits[bytes[i] & 0xF]);
    }
    return s;
}

} // namespace katana::pg
