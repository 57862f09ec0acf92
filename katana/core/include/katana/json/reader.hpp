#pragma once
// Strict RFC 8259 pull parser over one complete JSON document held in memory.
//
// It is the engine of the generated (schema-directed) parsers: the caller asks for the kind of
// value it expects, and a scalar reader that meets another kind returns false *without consuming
// anything and without failing*, so the caller can record a type error and skip_value().
// Malformed JSON, by contrast, fails the reader: from then on every call returns false/nullopt
// and error() reports the first error (code + byte offset).
//
// Strictness: no trailing commas, comments, leading zeros, NaN/Infinity, single quotes, BOM, or
// unescaped bytes < 0x20 in strings; strings must be valid UTF-8 (no overlongs, no encoded
// surrogates, nothing above U+10FFFF); \u escapes must form valid UTF-16 (a lone or unpaired
// surrogate escape is rejected with lone_surrogate); containers nest at most max_depth deep.
// A number token must not be directly followed by another number character ("01", "1.5.3").
//
// Memory: the reader never reads outside [document.begin(), document.end()) (no padding needed),
// never recurses, and allocates only from `memory`, only to decode strings that contain escapes.
//
// Lifetimes: a string/key view is either a view into the document (no escapes) or into `memory`
// (decoded); both stay valid as long as the document and the memory (e.g. the request arena).
//
// Copies: a reader is a small trivially-copyable cursor (a few pointers, counters and a cached
// 64-bit mask of where strings may end; no heap state). Copying it makes a
// checkpoint: read ahead on the copy (e.g. scan an object's keys for a discriminator, or try one
// alternative of a oneOf) and continue with the original as if nothing happened. A copy shares
// the document and `memory` (strings the copy decodes are allocated there too).
//
// Call protocol (the reader checks it; calls out of order fail with error_code::invalid_call):
//   value position (document start, after next_key(), after next_element() returned true):
//     exactly one of peek (any number of times), begin_object, begin_array, read_*, skip_value,
//     raw_value consumes the value;
//   inside an object: next_key() until it returns false (it consumed the '}');
//   inside an array: next_element() until it returns false (it consumed the ']');
//   after the top-level value: finish().
// next_key()/next_element() must match the innermost container the caller began: the reader keeps
// no container stack (which keeps copies cheap) and checks the closing bracket the caller's call
// implies, so mismatched calls can make it accept mismatched brackets. They never make it read
// out of bounds. skip_value(), raw_value() and read_value() check brackets themselves.
#include <katana/json/error.hpp>

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory_resource>
#include <optional>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace katana::json {

enum class value_kind : std::uint8_t { object, array, string, number, boolean, null };

namespace detail {

enum : std::uint8_t {
    cc_ws = 1,          // ' ' '\t' '\n' '\r'
    cc_string_stop = 2, // '"' '\\' < 0x20 >= 0x80: where the fast string scan stops
    cc_digit = 4,
    cc_number_char = 8, // [0-9.eE+-]: may not directly follow a number token
};
// Value start classes: 0 = cannot start a value, else 1 + value_kind.
enum : std::uint8_t {
    start_none = 0,
    start_object = 1 + static_cast<std::uint8_t>(value_kind::object),
    start_array = 1 + static_cast<std::uint8_t>(value_kind::array),
    start_string = 1 + static_cast<std::uint8_t>(value_kind::string),
    start_number = 1 + static_cast<std::uint8_t>(value_kind::number),
    start_boolean = 1 + static_cast<std::uint8_t>(value_kind::boolean),
    start_null = 1 + static_cast<std::uint8_t>(value_kind::null),
};

struct char_tables {
    std::array<std::uint8_t, 256> cls{};
    std::array<std::uint8_t, 256> start{};
};
consteval char_tables make_char_tables() {
    char_tables t;
    for (int c = 0; c < 256; ++c) {
        std::uint8_t v = 0;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') v |= cc_ws;
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) v |= cc_string_stop;
        if (c >= '0' && c <= '9') v |= cc_digit | cc_number_char;
        if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') v |= cc_number_char;
        t.cls[static_cast<std::size_t>(c)] = v;
    }
    t.start['{'] = start_object;
    t.start['['] = start_array;
    t.start['"'] = start_string;
    t.start['-'] = start_number;
    for (int c = '0'; c <= '9'; ++c) t.start[static_cast<std::size_t>(c)] = start_number;
    t.start['t'] = start_boolean;
    t.start['f'] = start_boolean;
    t.start['n'] = start_null;
    return t;
}
inline constexpr char_tables tables = make_char_tables();

[[nodiscard]] inline std::uint8_t char_class(char c) noexcept {
    return tables.cls[static_cast<unsigned char>(c)];
}
[[nodiscard]] inline bool is_digit(char c) noexcept { return static_cast<unsigned char>(c - '0') < 10; }

// String stop bytes: '"', '\\', < 0x20 and >= 0x80 (where the fast string scan must look closer).
// Bit i of the result is set when p[i] is one; reads exactly p[0..63].
[[nodiscard]] inline std::uint64_t string_stops64(const char* p) noexcept {
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20);
    auto block = [&](const char* q) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
        // Signed compare: bytes >= 0x80 are negative, so one compare finds controls and non-ASCII.
        const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                         _mm_cmplt_epi8(v, space));
        return static_cast<std::uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(hit)));
    };
    return block(p) | (block(p + 16) << 16) | (block(p + 32) << 32) | (block(p + 48) << 48);
#else
    std::uint64_t bits = 0;
    for (int i = 0; i < 64; ++i)
        bits |= static_cast<std::uint64_t>((char_class(p[i]) & cc_string_stop) != 0) << i;
    return bits;
#endif
}

// Exact powers of ten representable in a double / float.
inline constexpr double pow10_double[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                          1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                          1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
inline constexpr float pow10_float[] = {1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f, 1e6f, 1e7f, 1e8f, 1e9f, 1e10f};

} // namespace detail

// A validated number token, decomposed during the scan. value = ±mantissa × 10^exponent exactly
// when digits <= 19 (otherwise mantissa is meaningless and converters work from the text).
struct number_parts {
    const char* begin = nullptr; // token text [begin, end)
    const char* end = nullptr;
    std::uint64_t mantissa = 0;
    std::int64_t exponent = 0;
    std::size_t digits = 0; // significant digits (leading zeros not counted)
    bool negative = false;
    bool plain = true; // no fraction and no exponent part
};

class reader {
public:
    // ok; not_a_number: the next value is not a number (nothing consumed) or a syntax error
    // happened (failed() is true); not_integral / out_of_range: the token was consumed.
    enum class number_result : std::uint8_t { ok, not_a_number, not_integral, out_of_range };

    // `document` and `memory` must outlive the reader and every view it returns. max_depth bounds
    // the number of simultaneously open containers (0 = scalars only).
    reader(std::string_view document, std::pmr::memory_resource* memory, std::uint32_t max_depth = 64) noexcept
        : begin_(document.data()), cur_(document.data()), end_(document.data() + document.size()),
          stops_begin_(end_), stops_end_(end_), memory_(memory), max_depth_(max_depth) {}

    // Kind of the next value (skips whitespace, consumes nothing). nullopt on a syntax error (the
    // reader fails), and without failing when no value comes next (after the top-level value,
    // inside a container before next_key/next_element, or when already failed).
    [[nodiscard]] std::optional<value_kind> peek() noexcept {
        if (state_ != state::value) return std::nullopt;
        const std::uint8_t k = value_start();
        if (k == detail::start_none) return std::nullopt;
        return static_cast<value_kind>(k - 1);
    }

    // Objects. begin_object() consumes '{' (false without consuming when the value is not an
    // object; false and failed on syntax error or depth limit). next_key() returns true with the
    // decoded key and consumes the ':'; false after consuming the closing '}' or on error.
    bool begin_object() noexcept { return begin_container(detail::start_object); }
    bool next_key(std::string_view& key) noexcept {
        // Compact JSON first: the expected byte is right there. Whitespace, the end of the input,
        // an empty object and misuse take the out-of-line path.
        if (state_ == state::next && cur_ != end_ && *cur_ == ',') [[likely]] {
            ++cur_;
        } else if (state_ == state::next && cur_ != end_ && *cur_ == '}') {
            return close_container();
        } else if (!(state_ == state::first && cur_ != end_ && *cur_ == '"') && !key_slow()) {
            return false; // closed, or failed
        }
        if (cur_ == end_ || *cur_ != '"') [[unlikely]] {
            skip_ws();
            if (cur_ == end_ || *cur_ != '"') return fail_here();
        }
        ++cur_;
        if (!scan_string(key)) return false;
        if (cur_ == end_ || *cur_ != ':') [[unlikely]] {
            skip_ws();
            if (cur_ == end_ || *cur_ != ':') return fail_here();
        }
        ++cur_;
        state_ = state::value;
        return true;
    }

    // Arrays. begin_array() consumes '['; next_element() returns true when another element
    // follows (positioned at it), false after consuming ']' or on error.
    bool begin_array() noexcept { return begin_container(detail::start_array); }
    bool next_element() noexcept {
        if (state_ == state::next && cur_ != end_) [[likely]] {
            if (*cur_ == ',') {
                ++cur_;
                state_ = state::value;
                return true;
            }
            if (*cur_ == ']') return close_container();
        } else if (state_ == state::first && cur_ != end_ &&
                   detail::tables.start[static_cast<unsigned char>(*cur_)] != detail::start_none) {
            state_ = state::value;
            return true;
        }
        return element_slow();
    }

    // Scalars: false without consuming (and without failing) when the next value has another
    // kind; false and failed on malformed syntax.
    bool read_string(std::string_view& out) noexcept {
        if (value_start() != detail::start_string) return false;
        ++cur_;
        if (!scan_string(out)) return false;
        value_done();
        return true;
    }
    bool read_bool(bool& out) noexcept {
        if (value_start() != detail::start_boolean) return false;
        if (end_ - cur_ >= 4 && std::memcmp(cur_, "true", 4) == 0) {
            cur_ += 4;
            out = true;
        } else if (end_ - cur_ >= 5 && std::memcmp(cur_, "false", 5) == 0) {
            cur_ += 5;
            out = false;
        } else {
            return fail_literal();
        }
        value_done();
        return true;
    }
    bool read_null() noexcept {
        if (value_start() != detail::start_null) return false;
        if (end_ - cur_ < 4 || std::memcmp(cur_, "null", 4) != 0) return fail_literal();
        cur_ += 4;
        value_done();
        return true;
    }

    // The raw, validated number token (e.g. "-1.5e3").
    bool read_number_text(std::string_view& out) noexcept {
        number_parts n;
        if (!read_number_parts(n)) return false;
        out = std::string_view(n.begin, static_cast<std::size_t>(n.end - n.begin));
        return true;
    }
    // The token decomposed (see number_parts); for converters the reader does not provide.
    bool read_number_parts(number_parts& out) noexcept {
        if (value_start() != detail::start_number) return false;
        if (!scan_number(out)) return false;
        value_done();
        return true;
    }

    // Integers follow JSON Schema: 1.0, 1e2 and -0 are integers. not_integral/out_of_range
    // consume the token (out is unchanged).
    number_result read_int64(std::int64_t& out) noexcept {
        number_parts n;
        if (!read_number_parts(n)) return number_result::not_a_number;
        if (n.plain && n.digits <= 19) [[likely]] {
            if (!n.negative) {
                if (n.mantissa > static_cast<std::uint64_t>(INT64_MAX)) return number_result::out_of_range;
                out = static_cast<std::int64_t>(n.mantissa);
            } else {
                if (n.mantissa > static_cast<std::uint64_t>(INT64_MAX) + 1) return number_result::out_of_range;
                out = static_cast<std::int64_t>(~n.mantissa + 1);
            }
            return number_result::ok;
        }
        return to_int64(n, out);
    }
    number_result read_uint64(std::uint64_t& out) noexcept {
        number_parts n;
        if (!read_number_parts(n)) return number_result::not_a_number;
        if (n.plain && n.digits <= 19 && !n.negative) [[likely]] {
            out = n.mantissa;
            return number_result::ok;
        }
        return to_uint64(n, out);
    }
    number_result read_int32(std::int32_t& out) noexcept {
        std::int64_t v = 0;
        const number_result r = read_int64(v);
        if (r != number_result::ok) return r;
        if (v < INT32_MIN || v > INT32_MAX) return number_result::out_of_range;
        out = static_cast<std::int32_t>(v);
        return number_result::ok;
    }
    // Correctly rounded. out_of_range when the value overflows to infinity (a value that
    // underflows becomes ±0 or a subnormal and is ok).
    number_result read_double(double& out) noexcept {
        number_parts n;
        if (!read_number_parts(n)) return number_result::not_a_number;
        return to_double(n, out);
    }
    number_result read_float(float& out) noexcept {
        number_parts n;
        if (!read_number_parts(n)) return number_result::not_a_number;
        return to_float(n, out);
    }
    // Both the token text and its double value (as read_double) in one scan.
    number_result read_number(std::string_view& text, double& value) noexcept {
        number_parts n;
        if (!read_number_parts(n)) return number_result::not_a_number;
        text = std::string_view(n.begin, static_cast<std::size_t>(n.end - n.begin));
        return to_double(n, value);
    }

    // Conversions of a scanned token (same rules as the read_* functions).
    [[nodiscard]] static number_result to_int64(const number_parts& n, std::int64_t& out) noexcept;
    [[nodiscard]] static number_result to_uint64(const number_parts& n, std::uint64_t& out) noexcept;
    [[nodiscard]] static number_result to_double(const number_parts& n, double& out) noexcept {
        if (n.digits <= 19 && n.mantissa <= (std::uint64_t{1} << 53) && n.exponent >= -22 && n.exponent <= 22) {
            // Both operands are exact, so one IEEE operation rounds correctly (Clinger's fast path).
            double d = static_cast<double>(n.mantissa);
            d = n.exponent < 0 ? d / detail::pow10_double[-n.exponent] : d * detail::pow10_double[n.exponent];
            out = n.negative ? -d : d;
            return number_result::ok;
        }
        return to_double_slow(n, out);
    }
    [[nodiscard]] static number_result to_float(const number_parts& n, float& out) noexcept;

    // Skips the next value, validating all of it (iterative; depth limit applies).
    bool skip_value() noexcept;
    // The raw text of the next value, fully validated (for round-tripping unknown values).
    bool raw_value(std::string_view& out) noexcept;

    // After the top-level value: true when only whitespace remains, else fails with
    // trailing_content. Calling it before the top-level value was read fails with invalid_call.
    bool finish() noexcept {
        if (state_ != state::done) return wrong_state();
        skip_ws();
        if (cur_ != end_) return fail(error_code::trailing_content, cur_);
        return true;
    }

    // Fails the reader at the current offset (no effect when already failed). For layers on top of
    // the reader that detect errors it cannot see (e.g. out_of_memory while building a DOM).
    void fail(error_code code) noexcept { (void)fail(code, cur_); }

    [[nodiscard]] bool failed() const noexcept { return state_ == state::failed; }
    [[nodiscard]] syntax_error error() const noexcept { return {error_, error_offset_}; }
    [[nodiscard]] std::size_t offset() const noexcept { return static_cast<std::size_t>(cur_ - begin_); }
    [[nodiscard]] std::pmr::memory_resource* memory() const noexcept { return memory_; }
    // Open containers at the current position.
    [[nodiscard]] std::uint32_t depth() const noexcept { return depth_; }
    [[nodiscard]] std::uint32_t max_depth() const noexcept { return max_depth_; }
    [[nodiscard]] std::string_view document() const noexcept {
        return std::string_view(begin_, static_cast<std::size_t>(end_ - begin_));
    }

private:
    enum class state : std::uint8_t {
        value,  // a value comes next
        first,  // just after '{' or '['
        next,   // after a value inside a container: ',' or the closing bracket comes next
        done,   // after the top-level value
        failed, // error_ holds the first error
    };

    void skip_ws() noexcept {
        // Compact JSON has no whitespace between tokens: test one byte before looping.
        if (cur_ != end_ && (detail::char_class(*cur_) & detail::cc_ws) != 0) [[unlikely]]
            skip_ws_slow();
    }
    void skip_ws_slow() noexcept;

    // Positions cur_ at the next value's first byte and returns its start class; start_none (and
    // the reader failed, unless it was already) when no value can be read here.
    std::uint8_t value_start() noexcept {
        // The start table has no entry for whitespace, so compact JSON needs one lookup.
        if (state_ == state::value && cur_ != end_) [[likely]] {
            const std::uint8_t k = detail::tables.start[static_cast<unsigned char>(*cur_)];
            if (k != detail::start_none) [[likely]]
                return k;
        }
        return value_start_slow();
    }
    // state::done directly follows state::next, so this is a compare and an add, no branch.
    void value_done() noexcept {
        state_ = static_cast<state>(static_cast<std::uint8_t>(state::next) + (depth_ == 0 ? 1 : 0));
    }

    bool begin_container(std::uint8_t kind) noexcept {
        if (value_start() != kind) return false;
        if (depth_ >= max_depth_) [[unlikely]]
            return fail(error_code::depth_limit_exceeded, cur_);
        ++depth_;
        ++cur_;
        state_ = state::first;
        return true;
    }
    bool close_container() noexcept {
        ++cur_;
        --depth_;
        value_done();
        return false;
    }

    // First string stop byte at or after p (p inside a string), or end_. Uses the cached stop
    // mask of a 64-byte block: within a block, finding the end of a string is a shift and a
    // count of trailing zeros, which keeps the cursor's dependency chain short.
    const char* next_string_stop(const char* p) noexcept {
        for (;;) {
            if (static_cast<std::size_t>(p - stops_begin_) < static_cast<std::size_t>(stops_end_ - stops_begin_)) {
                const std::uint64_t bits = stops_ >> (p - stops_begin_);
                if (bits != 0) return p + std::countr_zero(bits);
                p = stops_end_;
                if (p == end_) return p;
            }
            if (end_ - p < 64) [[unlikely]] {
                if (p == end_) return p;
                load_stops_tail(p);
                continue;
            }
            stops_ = detail::string_stops64(p);
            stops_begin_ = p;
            stops_end_ = p + 64;
        }
    }

    // cur_ just after the opening quote; on success cur_ is just after the closing quote.
    bool scan_string(std::string_view& out) noexcept {
        const char* const start = cur_;
        const char* p = cur_;
        for (;;) {
            p = next_string_stop(p);
            if (p == end_) [[unlikely]]
                return fail(error_code::unexpected_end, p);
            const char c = *p;
            if (c == '"') [[likely]] {
                out = std::string_view(start, static_cast<std::size_t>(p - start));
                cur_ = p + 1;
                return true;
            }
            if (static_cast<unsigned char>(c) >= 0x80) {
                p = skip_utf8(p);
                if (p == nullptr) return false;
                continue;
            }
            if (c == '\\') return scan_escaped_string(start, p, out);
            return fail(error_code::control_character_in_string, p);
        }
    }

    // cur_ just after an opening quote: validates the string and moves past its closing quote.
    bool skip_string() noexcept {
        const char* p = cur_;
        for (;;) {
            p = next_string_stop(p);
            if (p == end_) [[unlikely]]
                return fail(error_code::unexpected_end, p);
            const char c = *p;
            if (c == '"') [[likely]] {
                cur_ = p + 1;
                return true;
            }
            if (c == '\\') {
                if (!skip_escape(p)) return false;
            } else if (static_cast<unsigned char>(c) >= 0x80) {
                p = skip_utf8(p);
                if (p == nullptr) return false;
            } else {
                return fail(error_code::control_character_in_string, p);
            }
        }
    }

    // Number grammar -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? at cur_ (a start_number
    // byte); consumes the token. Leading zeros after the first significant digit are counted,
    // the ones before are not, so "0.000123" has 3 digits.
    bool scan_number(number_parts& n) noexcept {
        const char* p = cur_;
        n.begin = p;
        n.negative = *p == '-';
        p += n.negative ? 1 : 0;
        if (p == end_ || !detail::is_digit(*p)) [[unlikely]]
            return fail_number(p);
        std::uint64_t m = 0;
        std::size_t digits = 0;
        if (*p == '0') {
            ++p;
        } else {
            do {
                // Wraps harmlessly past 19 digits: digits > 19 tells converters to use the text.
                m = m * 10 + static_cast<unsigned char>(*p - '0');
                ++digits;
                ++p;
            } while (p != end_ && detail::is_digit(*p));
        }
        std::int64_t exponent = 0;
        bool plain = true;
        if (p != end_ && (*p == '.' || (*p | 0x20) == 'e')) {
            plain = false;
            if (*p == '.') {
                ++p;
                if (p == end_ || !detail::is_digit(*p)) [[unlikely]]
                    return fail_number(p);
                const char* const frac = p;
                if (digits == 0) // "0.00123": zeros before the first significant digit do not count
                    while (p != end_ && *p == '0') ++p;
                while (p != end_ && detail::is_digit(*p)) {
                    m = m * 10 + static_cast<unsigned char>(*p - '0');
                    ++digits;
                    ++p;
                }
                exponent = -(p - frac);
            }
            if (p != end_ && (*p | 0x20) == 'e') {
                ++p;
                bool exp_negative = false;
                if (p != end_ && (*p == '+' || *p == '-')) {
                    exp_negative = *p == '-';
                    ++p;
                }
                if (p == end_ || !detail::is_digit(*p)) [[unlikely]]
                    return fail_number(p);
                std::int64_t e = 0;
                do {
                    // Saturates: a value with |exponent| >= 10^12 is 0 or infinite for every consumer.
                    if (e < 1'000'000'000'000) e = e * 10 + (*p - '0');
                    ++p;
                } while (p != end_ && detail::is_digit(*p));
                exponent += exp_negative ? -e : e;
            }
        }
        if (p != end_ && (detail::char_class(*p) & detail::cc_number_char) != 0) [[unlikely]]
            return fail(error_code::invalid_number, p);
        n.end = p;
        n.mantissa = m;
        n.exponent = exponent;
        n.digits = digits;
        n.plain = plain;
        cur_ = p;
        return true;
    }

    // Cold paths (src/json/reader.cpp).
    bool fail(error_code code, const char* at) noexcept;
    bool fail_here() noexcept; // unexpected_end at the end, else unexpected_character at cur_
    std::uint8_t value_start_slow() noexcept;
    bool key_slow() noexcept;     // true: positioned at a key (maybe after whitespace)
    bool element_slow() noexcept;
    bool fail_number(const char* at) noexcept;
    bool fail_literal() noexcept;
    bool wrong_state() noexcept; // false; fails with invalid_call unless already failed
    const char* skip_utf8(const char* p) noexcept;
    void load_stops_tail(const char* p) noexcept; // the last < 64 bytes of the document
    bool skip_escape(const char*& p) noexcept;
    bool scan_escaped_string(const char* start, const char* at, std::string_view& out) noexcept;
    bool skip_literal() noexcept;
    bool skip_any() noexcept;
    [[nodiscard]] static number_result to_double_slow(const number_parts& n, double& out) noexcept;

    const char* begin_;
    const char* cur_;
    const char* end_;
    // Cached string stop mask (see next_string_stop) of the block [stops_begin_, stops_end_).
    const char* stops_begin_;
    const char* stops_end_;
    std::uint64_t stops_ = 0;
    std::pmr::memory_resource* memory_;
    std::size_t error_offset_ = 0;
    std::uint32_t depth_ = 0;
    std::uint32_t max_depth_;
    state state_ = state::value;
    error_code error_ = error_code::none;
};

} // namespace katana::json
