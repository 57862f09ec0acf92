// Cold paths of katana::json::reader: errors, non-ASCII and escaped strings, literals, skipping
// and the number conversions that cannot take the inline fast paths.
#include <katana/json/reader.hpp>

#include <charconv>
#include <new>
#include <system_error>

namespace katana::json {

namespace {

constexpr std::uint64_t pow10_u64[] = {1ULL,
                                       10ULL,
                                       100ULL,
                                       1000ULL,
                                       10000ULL,
                                       100000ULL,
                                       1000000ULL,
                                       10000000ULL,
                                       100000000ULL,
                                       1000000000ULL,
                                       10000000000ULL,
                                       100000000000ULL,
                                       1000000000000ULL,
                                       10000000000000ULL,
                                       100000000000000ULL,
                                       1000000000000000ULL,
                                       10000000000000000ULL,
                                       100000000000000000ULL,
                                       1000000000000000000ULL,
                                       10000000000000000000ULL};

// Hex digit value, or -1.
int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    const char l = static_cast<char>(c | 0x20);
    if (l >= 'a' && l <= 'f') return l - 'a' + 10;
    return -1;
}

// Four hex digits at p (caller checked they are there and valid).
unsigned hex4(const char* p) noexcept {
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) v = v * 16 + static_cast<unsigned>(hex_value(p[i]));
    return v;
}

char* put_utf8(char* o, unsigned cp) noexcept {
    if (cp < 0x80) {
        *o++ = static_cast<char>(cp);
    } else if (cp < 0x800) {
        *o++ = static_cast<char>(0xC0 | (cp >> 6));
        *o++ = static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = static_cast<char>(0xE0 | (cp >> 12));
        *o++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        *o++ = static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        *o++ = static_cast<char>(0xF0 | (cp >> 18));
        *o++ = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        *o++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        *o++ = static_cast<char>(0x80 | (cp & 0x3F));
    }
    return o;
}

// Decodes the validated string body [s, end) (escapes known to be well-formed) into o.
char* decode_escapes(const char* s, const char* end, char* o) noexcept {
    while (s != end) {
        if (*s != '\\') {
            const void* bs = std::memchr(s, '\\', static_cast<std::size_t>(end - s));
            const char* run_end = bs != nullptr ? static_cast<const char*>(bs) : end;
            std::memcpy(o, s, static_cast<std::size_t>(run_end - s));
            o += run_end - s;
            s = run_end;
            continue;
        }
        const char e = s[1];
        s += 2;
        switch (e) {
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            unsigned cp = hex4(s);
            s += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                const unsigned lo = hex4(s + 2);
                s += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            o = put_utf8(o, cp);
            break;
        }
        default: *o++ = e; break; // '"', '\\', '/'
        }
    }
    return o;
}

// Scientific exponent sign of a validated token: > 0 when |value| >= 10, <= 0 otherwise (only
// called for values outside the double/float range, where it tells overflow from underflow).
bool magnitude_above_one(const number_parts& n) noexcept {
    const char* p = n.begin + (n.negative ? 1 : 0);
    std::int64_t int_len = 0;
    std::int64_t first_nonzero = -1; // index in the digit sequence (fraction digits follow the integer ones)
    std::int64_t index = 0;
    std::int64_t exponent = 0;
    for (; p != n.end; ++p) {
        const char c = *p;
        if (c == '.') continue;
        if ((c | 0x20) == 'e') {
            ++p;
            bool negative = false;
            if (*p == '+' || *p == '-') negative = *p++ == '-';
            for (; p != n.end; ++p)
                if (exponent < 1'000'000'000'000) exponent = exponent * 10 + (*p - '0');
            if (negative) exponent = -exponent;
            break;
        }
        if (first_nonzero < 0 && c != '0') first_nonzero = index;
        ++index;
    }
    // Integer digits: everything before '.', or all digits when there is none.
    const char* dot = static_cast<const char*>(std::memchr(n.begin, '.', static_cast<std::size_t>(n.end - n.begin)));
    if (dot == nullptr) {
        int_len = index;
    } else {
        int_len = dot - (n.begin + (n.negative ? 1 : 0));
    }
    if (first_nonzero < 0) return false;
    return int_len - 1 - first_nonzero + exponent > 0;
}

using number_result = reader::number_result;

// |value| as an exact integer, from the text (any number of digits).
number_result integral_from_text(const number_parts& n, std::uint64_t& magnitude) noexcept {
    const char* p = n.begin + (n.negative ? 1 : 0);
    std::int64_t index = 0, frac_len = 0, first_nonzero = -1, last_nonzero = -1, exponent = 0;
    bool in_fraction = false;
    for (; p != n.end; ++p) {
        const char c = *p;
        if (c == '.') {
            in_fraction = true;
            continue;
        }
        if ((c | 0x20) == 'e') {
            ++p;
            bool negative = false;
            if (*p == '+' || *p == '-') negative = *p++ == '-';
            for (; p != n.end; ++p)
                if (exponent < 1'000'000'000'000) exponent = exponent * 10 + (*p - '0');
            if (negative) exponent = -exponent;
            break;
        }
        if (c != '0') {
            if (first_nonzero < 0) first_nonzero = index;
            last_nonzero = index;
        }
        frac_len += in_fraction ? 1 : 0;
        ++index;
    }
    if (first_nonzero < 0) {
        magnitude = 0;
        return number_result::ok;
    }
    // value = D × 10^scale, D = digits[first_nonzero..last_nonzero] (last digit non-zero).
    const std::int64_t trailing_zeros = index - 1 - last_nonzero;
    const std::int64_t scale = exponent - frac_len + trailing_zeros;
    if (scale < 0) return number_result::not_integral;
    const std::int64_t count = last_nonzero - first_nonzero + 1;
    if (count + scale > 20) return number_result::out_of_range;
    std::uint64_t v = 0;
    std::int64_t i = 0;
    for (p = n.begin + (n.negative ? 1 : 0); i <= last_nonzero; ++p) {
        if (*p == '.') continue;
        if (i >= first_nonzero) {
            if (__builtin_mul_overflow(v, 10U, &v) || __builtin_add_overflow(v, static_cast<unsigned>(*p - '0'), &v))
                return number_result::out_of_range;
        }
        ++i;
    }
    if (__builtin_mul_overflow(v, pow10_u64[scale], &v)) return number_result::out_of_range;
    magnitude = v;
    return number_result::ok;
}

number_result integral_magnitude(const number_parts& n, std::uint64_t& magnitude) noexcept {
    if (n.digits > 19) return integral_from_text(n, magnitude);
    const std::uint64_t m = n.mantissa;
    if (m == 0) {
        magnitude = 0;
        return number_result::ok;
    }
    if (n.exponent < 0) {
        if (n.exponent < -19) return number_result::not_integral;
        const std::uint64_t p = pow10_u64[-n.exponent];
        if (m % p != 0) return number_result::not_integral;
        magnitude = m / p;
        return number_result::ok;
    }
    if (n.exponent > 19) return number_result::out_of_range;
    if (__builtin_mul_overflow(m, pow10_u64[n.exponent], &magnitude)) return number_result::out_of_range;
    return number_result::ok;
}

} // namespace

bool reader::fail(error_code code, const char* at) noexcept {
    if (state_ != state::failed) {
        state_ = state::failed;
        error_ = code;
        error_offset_ = static_cast<std::size_t>(at - begin_);
    }
    return false;
}

bool reader::fail_here() noexcept {
    return fail(cur_ == end_ ? error_code::unexpected_end : error_code::unexpected_character, cur_);
}

bool reader::fail_number(const char* at) noexcept {
    return fail(at == end_ ? error_code::unexpected_end : error_code::invalid_number, at);
}

bool reader::wrong_state() noexcept { return fail(error_code::invalid_call, cur_); }

bool reader::fail_literal() noexcept {
    const std::string_view word = *cur_ == 't' ? "true" : *cur_ == 'f' ? "false" : "null";
    const auto avail = static_cast<std::size_t>(end_ - cur_);
    // A correct prefix cut off by the end of the document is an unexpected end, not a bad literal.
    if (avail < word.size() && std::memcmp(cur_, word.data(), avail) == 0)
        return fail(error_code::unexpected_end, end_);
    return fail(error_code::invalid_literal, cur_);
}

std::uint8_t reader::value_start_slow() noexcept {
    if (state_ != state::value) {
        (void)wrong_state();
        return detail::start_none;
    }
    skip_ws();
    if (cur_ == end_) {
        (void)fail(error_code::unexpected_end, cur_);
        return detail::start_none;
    }
    const std::uint8_t k = detail::tables.start[static_cast<unsigned char>(*cur_)];
    if (k == detail::start_none) (void)fail(error_code::unexpected_character, cur_);
    return k;
}

bool reader::key_slow() noexcept {
    if (state_ == state::next) {
        skip_ws();
        if (cur_ != end_ && *cur_ == ',') {
            ++cur_;
            return true;
        }
        if (cur_ != end_ && *cur_ == '}') return close_container();
        return fail_here();
    }
    if (state_ == state::first) {
        skip_ws();
        if (cur_ != end_ && *cur_ == '}') return close_container();
        return true; // the caller expects the key's quote
    }
    return wrong_state();
}

bool reader::element_slow() noexcept {
    if (state_ == state::next) {
        skip_ws();
        if (cur_ != end_ && *cur_ == ',') {
            ++cur_;
            state_ = state::value;
            return true;
        }
        if (cur_ != end_ && *cur_ == ']') return close_container();
        return fail_here();
    }
    if (state_ == state::first) {
        skip_ws();
        if (cur_ == end_) return fail_here();
        if (*cur_ == ']') return close_container();
        state_ = state::value;
        return true;
    }
    return wrong_state();
}

void reader::load_stops_tail(const char* p) noexcept {
    // Pad with a byte that is no stop, so the mask covers exactly the real bytes.
    char block[64];
    std::memset(block, 'a', sizeof block);
    const auto n = static_cast<std::size_t>(end_ - p);
    std::memcpy(block, p, n);
    stops_ = detail::string_stops64(block);
    stops_begin_ = p;
    stops_end_ = end_;
}

void reader::skip_ws_slow() noexcept {
    const char* p = cur_ + 1;
    while (p != end_ && (detail::char_class(*p) & detail::cc_ws) != 0) ++p;
    cur_ = p;
}

// p at a byte >= 0x80 inside a string. Validates the run of non-ASCII sequences starting there
// (Unicode 15, table 3-7) and returns the first byte after it, or nullptr after failing.
const char* reader::skip_utf8(const char* p) noexcept {
    do {
        const auto* u = reinterpret_cast<const unsigned char*>(p);
        const auto avail = end_ - p;
        const unsigned b0 = u[0];
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            if (avail >= 2 && (u[1] & 0xC0) == 0x80) {
                p += 2;
                continue;
            }
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            const unsigned lo = b0 == 0xE0 ? 0xA0 : 0x80; // E0: no overlongs
            const unsigned hi = b0 == 0xED ? 0x9F : 0xBF; // ED: no surrogates
            if (avail >= 3 && u[1] >= lo && u[1] <= hi && (u[2] & 0xC0) == 0x80) {
                p += 3;
                continue;
            }
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            const unsigned lo = b0 == 0xF0 ? 0x90 : 0x80; // F0: no overlongs
            const unsigned hi = b0 == 0xF4 ? 0x8F : 0xBF; // F4: nothing above U+10FFFF
            if (avail >= 4 && u[1] >= lo && u[1] <= hi && (u[2] & 0xC0) == 0x80 && (u[3] & 0xC0) == 0x80) {
                p += 4;
                continue;
            }
        }
        (void)fail(error_code::invalid_utf8, p);
        return nullptr;
    } while (p != end_ && static_cast<unsigned char>(*p) >= 0x80);
    return p;
}

// p at a backslash inside a string; advances past the escape (both halves of a surrogate pair).
bool reader::skip_escape(const char*& p) noexcept {
    const char* const backslash = p;
    if (end_ - p < 2) return fail(error_code::unexpected_end, end_);
    switch (p[1]) {
    case '"':
    case '\\':
    case '/':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't': p += 2; return true;
    case 'u': break;
    default: return fail(error_code::invalid_escape, backslash);
    }
    // Checks \uXXXX at q; false after failing.
    auto check_u = [this, backslash](const char* q) {
        for (int i = 2; i < 6; ++i) {
            if (q + i == end_) return fail(error_code::unexpected_end, end_);
            if (hex_value(q[i]) < 0) return fail(error_code::invalid_escape, backslash);
        }
        return true;
    };
    if (!check_u(p)) return false;
    const unsigned cp = hex4(p + 2);
    p += 6;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return fail(error_code::lone_surrogate, backslash);
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (end_ - p >= 2 && p[0] == '\\' && p[1] == 'u') {
            if (!check_u(p)) return false;
            const unsigned lo = hex4(p + 2);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                p += 6;
                return true;
            }
        }
        return fail(error_code::lone_surrogate, backslash);
    }
    return true;
}

// Resumes the string scan at the first backslash `at`: validates up to the closing quote, then
// decodes into `memory_`. The decoded text is never longer than the raw text (every escape
// shrinks), so one allocation of the raw length is enough.
bool reader::scan_escaped_string(const char* start, const char* at, std::string_view& out) noexcept {
    const char* p = at;
    for (;;) {
        const char c = *p;
        if (c == '"') break;
        if (c == '\\') {
            if (!skip_escape(p)) return false;
        } else if (static_cast<unsigned char>(c) >= 0x80) {
            p = skip_utf8(p);
            if (p == nullptr) return false;
        } else {
            return fail(error_code::control_character_in_string, p);
        }
        p = next_string_stop(p);
        if (p == end_) return fail(error_code::unexpected_end, p);
    }
    const auto raw = static_cast<std::size_t>(p - start);
    char* buffer = nullptr;
    if (memory_ == nullptr) return fail(error_code::out_of_memory, start);
    try {
        buffer = static_cast<char*>(memory_->allocate(raw, 1));
    } catch (...) {
        return fail(error_code::out_of_memory, start);
    }
    const auto prefix = static_cast<std::size_t>(at - start);
    std::memcpy(buffer, start, prefix);
    char* const o = decode_escapes(at, p, buffer + prefix);
    out = std::string_view(buffer, static_cast<std::size_t>(o - buffer));
    cur_ = p + 1;
    return true;
}

bool reader::skip_literal() noexcept {
    const char c = *cur_;
    const std::string_view word = c == 't' ? "true" : c == 'f' ? "false" : "null";
    if (static_cast<std::size_t>(end_ - cur_) < word.size() || std::memcmp(cur_, word.data(), word.size()) != 0)
        return fail_literal();
    cur_ += word.size();
    return true;
}

// cur_ at the first byte of a value (start class checked by the caller). Iterative: the kinds of
// the open containers live in a bit stack (1 = array), on the C stack for the first 1024 levels
// and in `memory_` (grown by doubling, so bounded by the document's real depth) beyond. Compact
// JSON is the fast path: the expected byte is tested first, whitespace only when it is absent.
bool reader::skip_any() noexcept {
    const std::uint32_t budget = max_depth_ - depth_;
    constexpr std::size_t local_words = 16;
    std::uint64_t local_bits[local_words];
    std::uint64_t* bits = local_bits;
    std::size_t capacity_words = local_words;
    std::size_t level = 0;
    bool top_is_array = false; // kind of the innermost open container (when level > 0)

    auto release = [&]() {
        if (bits != local_bits) memory_->deallocate(bits, capacity_words * 8, alignof(std::uint64_t));
    };
    auto push = [&](bool is_array) -> bool {
        if (level >= budget) return fail(error_code::depth_limit_exceeded, cur_);
        if (level == capacity_words * 64) [[unlikely]] {
            const std::size_t words = capacity_words * 2;
            std::uint64_t* bigger = nullptr;
            if (memory_ == nullptr) return fail(error_code::out_of_memory, cur_);
            try {
                bigger = static_cast<std::uint64_t*>(memory_->allocate(words * 8, alignof(std::uint64_t)));
            } catch (...) {
                return fail(error_code::out_of_memory, cur_);
            }
            std::memcpy(bigger, bits, capacity_words * 8);
            release();
            bits = bigger;
            capacity_words = words;
        }
        const std::uint64_t bit = std::uint64_t{1} << (level % 64);
        if (is_array) {
            bits[level / 64] |= bit;
        } else {
            bits[level / 64] &= ~bit;
        }
        ++level;
        top_is_array = is_array;
        return true;
    };
    auto pop = [&]() {
        --level;
        if (level != 0) top_is_array = ((bits[(level - 1) / 64] >> ((level - 1) % 64)) & 1) != 0;
    };
    // At a key (after '{' or ','): the key, whitespace and ':'.
    auto skip_key = [&]() -> bool {
        if (cur_ == end_ || *cur_ != '"') return fail_here();
        ++cur_;
        if (!skip_string()) return false;
        skip_ws();
        if (cur_ == end_ || *cur_ != ':') return fail_here();
        ++cur_;
        return true;
    };

    for (;;) {
        // At a value.
        skip_ws();
        if (cur_ == end_) {
            release();
            return fail(error_code::unexpected_end, cur_);
        }
        const std::uint8_t kind = detail::tables.start[static_cast<unsigned char>(*cur_)];
        bool ok = true;
        switch (kind) {
        case detail::start_object:
            if (!push(false)) {
                ok = false;
                break;
            }
            ++cur_;
            skip_ws();
            if (cur_ != end_ && *cur_ == '}') {
                ++cur_;
                pop();
                break;
            }
            if (!skip_key()) {
                ok = false;
                break;
            }
            continue;
        case detail::start_array:
            if (!push(true)) {
                ok = false;
                break;
            }
            ++cur_;
            skip_ws();
            if (cur_ != end_ && *cur_ == ']') {
                ++cur_;
                pop();
                break;
            }
            continue;
        case detail::start_string:
            ++cur_;
            ok = skip_string();
            break;
        case detail::start_number: {
            number_parts n;
            ok = scan_number(n);
            break;
        }
        case detail::start_boolean:
        case detail::start_null: ok = skip_literal(); break;
        default: ok = fail(error_code::unexpected_character, cur_); break;
        }
        if (!ok) {
            release();
            return false;
        }
        // After a complete value: close containers until a ',' leads to the next value.
        for (;;) {
            if (level == 0) {
                release();
                return true;
            }
            skip_ws();
            if (cur_ != end_ && *cur_ == ',') {
                ++cur_;
                if (!top_is_array) {
                    skip_ws();
                    if (!skip_key()) {
                        release();
                        return false;
                    }
                }
                break;
            }
            if (cur_ != end_ && *cur_ == (top_is_array ? ']' : '}')) {
                ++cur_;
                pop();
                continue;
            }
            release();
            return fail_here();
        }
    }
}

bool reader::skip_value() noexcept {
    if (value_start() == detail::start_none) return false;
    if (!skip_any()) return false;
    value_done();
    return true;
}

bool reader::raw_value(std::string_view& out) noexcept {
    if (value_start() == detail::start_none) return false;
    const char* const start = cur_;
    if (!skip_any()) return false;
    out = std::string_view(start, static_cast<std::size_t>(cur_ - start));
    value_done();
    return true;
}

reader::number_result reader::to_int64(const number_parts& n, std::int64_t& out) noexcept {
    std::uint64_t magnitude = 0;
    const number_result r = integral_magnitude(n, magnitude);
    if (r != number_result::ok) return r;
    if (n.negative) {
        if (magnitude > static_cast<std::uint64_t>(INT64_MAX) + 1) return number_result::out_of_range;
        out = static_cast<std::int64_t>(~magnitude + 1);
    } else {
        if (magnitude > static_cast<std::uint64_t>(INT64_MAX)) return number_result::out_of_range;
        out = static_cast<std::int64_t>(magnitude);
    }
    return number_result::ok;
}

reader::number_result reader::to_uint64(const number_parts& n, std::uint64_t& out) noexcept {
    std::uint64_t magnitude = 0;
    const number_result r = integral_magnitude(n, magnitude);
    if (r != number_result::ok) return r;
    if (n.negative && magnitude != 0) return number_result::out_of_range;
    out = magnitude;
    return number_result::ok;
}

reader::number_result reader::to_double_slow(const number_parts& n, double& out) noexcept {
    double v = 0;
    const auto [ptr, ec] = std::from_chars(n.begin, n.end, v);
    (void)ptr;
    if (ec == std::errc{}) {
        out = v;
        return number_result::ok;
    }
    // Out of range: overflow is an error, underflow rounds to a signed zero.
    if (magnitude_above_one(n)) return number_result::out_of_range;
    out = n.negative ? -0.0 : 0.0;
    return number_result::ok;
}

reader::number_result reader::to_float(const number_parts& n, float& out) noexcept {
    if (n.digits <= 19 && n.mantissa <= (std::uint64_t{1} << 24) && n.exponent >= -10 && n.exponent <= 10) {
        float f = static_cast<float>(n.mantissa);
        f = n.exponent < 0 ? f / detail::pow10_float[-n.exponent] : f * detail::pow10_float[n.exponent];
        out = n.negative ? -f : f;
        return number_result::ok;
    }
    float v = 0;
    const auto [ptr, ec] = std::from_chars(n.begin, n.end, v);
    (void)ptr;
    if (ec == std::errc{}) {
        out = v;
        return number_result::ok;
    }
    if (magnitude_above_one(n)) return number_result::out_of_range;
    out = n.negative ? -0.0f : 0.0f;
    return number_result::ok;
}

} // namespace katana::json
