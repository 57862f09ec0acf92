#pragma once
// Byte classification and bulk scanners for the HTTP parser. Private to katana_core.
//
// The scanners only ever read inside [p, p + n): the last partial block is done byte by byte,
// so input that ends right before an unmapped page is safe.
#include <array>
#include <cstddef>
#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace katana::detail {

enum : std::uint8_t {
    cc_tchar = 1,   // RFC 9110 token character
    cc_value = 2,   // allowed inside a field value: HTAB, SP, VCHAR, obs-text
    cc_target = 4,  // allowed inside a request-target: visible ASCII (strict, no raw UTF-8)
    cc_qdtext = 8,  // quoted-string text: HTAB, SP, '!', '#'-'[', ']'-'~', obs-text
    cc_hex = 16,
};

consteval std::array<std::uint8_t, 256> make_char_classes() {
    std::array<std::uint8_t, 256> t{};
    for (int c = 0; c < 256; ++c) {
        std::uint8_t v = 0;
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        const bool digit = c >= '0' && c <= '9';
        constexpr char tchar_punct[] = "!#$%&'*+-.^_`|~";
        bool punct = false;
        for (char p : tchar_punct) {
            if (p != 0 && c == static_cast<unsigned char>(p)) punct = true;
        }
        if (alpha || digit || punct) v |= cc_tchar;
        if (c == '\t' || (c >= 0x20 && c != 0x7f)) v |= cc_value;
        if (c > 0x20 && c < 0x7f) v |= cc_target;
        if (c == '\t' || c == ' ' || c == '!' || (c >= '#' && c <= '[') || (c >= ']' && c <= '~') || c >= 0x80) {
            v |= cc_qdtext;
        }
        if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) v |= cc_hex;
        t[static_cast<std::size_t>(c)] = v;
    }
    return t;
}

inline constexpr std::array<std::uint8_t, 256> char_classes = make_char_classes();

[[nodiscard]] inline bool has_class(unsigned char c, std::uint8_t cls) noexcept {
    return (char_classes[c] & cls) != 0;
}

[[nodiscard]] inline int hex_value(unsigned char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    const unsigned char l = static_cast<unsigned char>(c | 0x20);
    if (l >= 'a' && l <= 'f') return l - 'a' + 10;
    return -1;
}

// Offset of the first byte in [p, p + n) that may not appear in a field value (any CTL except
// HTAB, and DEL; CR and LF therefore stop the scan), or n.
[[nodiscard]] inline std::size_t find_value_end(const unsigned char* p, std::size_t n) noexcept {
    std::size_t i = 0;
#if defined(__SSE2__)
    const __m128i minus_one = _mm_set1_epi8(-1);
    const __m128i space = _mm_set1_epi8(0x20);
    const __m128i tab = _mm_set1_epi8(0x09);
    const __m128i del = _mm_set1_epi8(0x7f);
    for (; i + 16 <= n; i += 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
        // Signed compares: obs-text (0x80-0xFF) is negative and so neither CTL nor DEL.
        __m128i bad = _mm_and_si128(_mm_cmpgt_epi8(v, minus_one), _mm_cmplt_epi8(v, space));
        bad = _mm_andnot_si128(_mm_cmpeq_epi8(v, tab), bad);
        bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, del));
        const int mask = _mm_movemask_epi8(bad);
        if (mask != 0) return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
    }
#endif
    for (; i < n; ++i) {
        if (!has_class(p[i], cc_value)) return i;
    }
    return n;
}

// Offset of the first byte in [p, p + n) outside visible ASCII (SP, CTL, DEL, bytes >= 0x80), or n.
[[nodiscard]] inline std::size_t find_target_end(const unsigned char* p, std::size_t n) noexcept {
    std::size_t i = 0;
#if defined(__SSE2__)
    const __m128i bang = _mm_set1_epi8(0x21);
    const __m128i del = _mm_set1_epi8(0x7f);
    for (; i + 16 <= n; i += 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
        // Signed "< 0x21" covers CTL, SP and every byte >= 0x80 at once.
        const __m128i bad = _mm_or_si128(_mm_cmplt_epi8(v, bang), _mm_cmpeq_epi8(v, del));
        const int mask = _mm_movemask_epi8(bad);
        if (mask != 0) return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
    }
#endif
    for (; i < n; ++i) {
        if (!has_class(p[i], cc_target)) return i;
    }
    return n;
}

// Offset of the first non-tchar byte in [p, p + n), or n. Methods and field names are short: a
// table walk measured as fast as a 16-byte SSE2 classification (which needs ~15 operations for
// the delimiter set without SSSE3 shuffles), so the simple form stays.
[[nodiscard]] inline std::size_t find_token_end(const unsigned char* p, std::size_t n) noexcept {
    std::size_t i = 0;
    while (i < n && has_class(p[i], cc_tchar)) ++i;
    return i;
}

// Offset of the first '?' or '#' in [p, p + n), or n.
[[nodiscard]] inline std::size_t find_query_start(const char* p, std::size_t n) noexcept {
    std::size_t i = 0;
#if defined(__SSE2__)
    for (; i + 16 <= n; i += 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
        const int mask = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('?')), _mm_cmpeq_epi8(v, _mm_set1_epi8('#'))));
        if (mask != 0) return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
    }
#endif
    while (i < n && p[i] != '?' && p[i] != '#') ++i;
    return i;
}

// ASCII case-insensitive compare of a token against a lower-case literal made of letters and '-'.
// OR-ing 0x20 is exact for those characters, and no other tchar maps onto them.
[[nodiscard]] inline bool token_equals_lower(const char* s, std::size_t n, const char* lower, std::size_t lower_n) noexcept {
    if (n != lower_n) return false;
    for (std::size_t i = 0; i < n; ++i) {
        if ((static_cast<unsigned char>(s[i]) | 0x20) != static_cast<unsigned char>(lower[i])) return false;
    }
    return true;
}

} // namespace katana::detail
