#include <katana/api/formats.hpp>

#include "api/unicode.hpp"
#include "api/utf8.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

namespace katana::api {
namespace {

using detail::decode_utf8;
using detail::hex_value;
using detail::is_ascii_alnum;
using detail::is_ascii_alpha;
using detail::is_ascii_digit;

// ---------------------------------------------------------------- dates and times (RFC 3339)

bool digits(std::string_view s, std::size_t at, std::size_t n, int& out) noexcept {
    if (at + n > s.size()) return false;
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
        if (!is_ascii_digit(s[i])) return false;
        v = v * 10 + (s[i] - '0');
    }
    out = v;
    return true;
}

bool leap_year(int y) noexcept { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

int days_in_month(int y, int m) noexcept {
    static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap_year(y) ? 29 : days[m - 1];
}

// full-date = date-fullyear "-" date-month "-" date-mday
bool full_date(std::string_view s) noexcept {
    int y, m, d;
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
    if (!digits(s, 0, 4, y) || !digits(s, 5, 2, m) || !digits(s, 8, 2, d)) return false;
    return m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

// full-time = partial-time time-offset; a leap second must fall on 23:59 UTC.
bool full_time(std::string_view s) noexcept {
    int h, mi, sec;
    if (s.size() < 9 || s[2] != ':' || s[5] != ':') return false;
    if (!digits(s, 0, 2, h) || !digits(s, 3, 2, mi) || !digits(s, 6, 2, sec)) return false;
    if (h > 23 || mi > 59 || sec > 60) return false;
    std::size_t i = 8;
    if (i < s.size() && s[i] == '.') {
        ++i;
        const std::size_t start = i;
        while (i < s.size() && is_ascii_digit(s[i])) ++i;
        if (i == start) return false;
    }
    if (i >= s.size()) return false; // the offset is required
    int offset_minutes = 0;
    if (s[i] == 'Z' || s[i] == 'z') {
        if (i + 1 != s.size()) return false;
    } else if (s[i] == '+' || s[i] == '-') {
        int oh, om;
        if (s.size() - i != 6 || s[i + 3] != ':' || !digits(s, i + 1, 2, oh) || !digits(s, i + 4, 2, om)) return false;
        if (oh > 23 || om > 59) return false;
        offset_minutes = (s[i] == '+' ? 1 : -1) * (oh * 60 + om);
    } else {
        return false;
    }
    if (sec == 60) {
        const int utc = ((h * 60 + mi - offset_minutes) % 1440 + 1440) % 1440;
        if (utc != 23 * 60 + 59) return false;
    }
    return true;
}

// ---------------------------------------------------------------- IPv4 / IPv6

bool ipv4(std::string_view s) noexcept {
    int parts = 0;
    std::size_t i = 0;
    while (true) {
        const std::size_t start = i;
        int v = 0;
        while (i < s.size() && is_ascii_digit(s[i]) && i - start < 3) v = v * 10 + (s[i++] - '0');
        const std::size_t len = i - start;
        if (len == 0 || v > 255 || (len > 1 && s[start] == '0')) return false;
        ++parts;
        if (i == s.size()) break;
        if (s[i] != '.' || parts == 4) return false;
        ++i;
    }
    return parts == 4;
}

bool ipv6(std::string_view s) noexcept {
    if (s.size() < 2 || s.size() > 45) return false;
    int groups = 0;
    bool compressed = false;
    std::size_t i = 0;
    if (s.starts_with("::")) {
        compressed = true;
        i = 2;
        if (i == s.size()) return true;
    } else if (s[0] == ':') {
        return false;
    }
    while (i < s.size()) {
        // One group: hex digits, or an embedded IPv4 address as the last element.
        std::size_t j = i;
        while (j < s.size() && hex_value(s[j]) >= 0 && j - i < 5) ++j;
        if (j < s.size() && s[j] == '.') {
            if (!ipv4(s.substr(i))) return false;
            groups += 2;
            i = s.size();
            break;
        }
        const std::size_t len = j - i;
        if (len == 0 || len > 4) return false;
        ++groups;
        i = j;
        if (i == s.size()) break;
        if (s[i] != ':') return false;
        ++i;
        if (i < s.size() && s[i] == ':') {
            if (compressed) return false; // a second "::"
            compressed = true;
            ++i;
            if (i == s.size()) break;
        } else if (i == s.size()) {
            return false; // trailing single ':'
        }
    }
    return compressed ? groups <= 7 : groups == 8;
}

// ---------------------------------------------------------------- Punycode (RFC 3492) and IDNA

constexpr std::uint32_t puny_base = 36, puny_tmin = 1, puny_tmax = 26, puny_skew = 38, puny_damp = 700;

std::uint32_t puny_adapt(std::uint32_t delta, std::uint32_t points, bool first) noexcept {
    delta = first ? delta / puny_damp : delta / 2;
    delta += delta / points;
    std::uint32_t k = 0;
    while (delta > ((puny_base - puny_tmin) * puny_tmax) / 2) {
        delta /= puny_base - puny_tmin;
        k += puny_base;
    }
    return k + (puny_base - puny_tmin + 1) * delta / (delta + puny_skew);
}

constexpr std::size_t max_label_points = 256;
struct code_points {
    std::array<char32_t, max_label_points> cp{};
    std::size_t size = 0;
};

// Decodes the part after "xn--". False on malformed input or when the result would not fit.
bool puny_decode(std::string_view in, code_points& out) noexcept {
    out.size = 0;
    const std::size_t delim = in.rfind('-');
    std::size_t pos = 0;
    if (delim != std::string_view::npos) {
        for (std::size_t k = 0; k < delim; ++k) {
            const auto c = static_cast<unsigned char>(in[k]);
            if (c >= 0x80 || out.size >= max_label_points) return false;
            out.cp[out.size++] = c;
        }
        pos = delim + 1;
    }
    std::uint32_t n = 128, i = 0, bias = 72;
    while (pos < in.size()) {
        const std::uint32_t old_i = i;
        std::uint32_t w = 1;
        for (std::uint32_t k = puny_base;; k += puny_base) {
            if (pos >= in.size()) return false;
            const char c = in[pos++];
            std::uint32_t digit;
            if (c >= '0' && c <= '9') {
                digit = static_cast<std::uint32_t>(c - '0') + 26;
            } else if (c >= 'a' && c <= 'z') {
                digit = static_cast<std::uint32_t>(c - 'a');
            } else if (c >= 'A' && c <= 'Z') {
                digit = static_cast<std::uint32_t>(c - 'A');
            } else {
                return false;
            }
            if (digit > (UINT32_MAX - i) / w) return false;
            i += digit * w;
            const std::uint32_t t = k <= bias ? puny_tmin : (k >= bias + puny_tmax ? puny_tmax : k - bias);
            if (digit < t) break;
            if (w > UINT32_MAX / (puny_base - t)) return false;
            w *= puny_base - t;
        }
        const auto count = static_cast<std::uint32_t>(out.size + 1);
        bias = puny_adapt(i - old_i, count, old_i == 0);
        if (i / count > 0x10FFFF - n) return false;
        n += i / count;
        i %= count;
        if (n > 0x10FFFF || (n >= 0xD800 && n <= 0xDFFF) || out.size >= max_label_points) return false;
        for (std::size_t k = out.size; k > i; --k) out.cp[k] = out.cp[k - 1];
        out.cp[i] = n;
        ++out.size;
        ++i;
    }
    return true;
}

// Encodes code points as Punycode (without "xn--") into `out`; false when it would exceed `cap`.
bool puny_encode(const code_points& in, char* out, std::size_t cap, std::size_t& length) noexcept {
    std::size_t o = 0;
    auto put = [&](char c) noexcept {
        if (o >= cap) return false;
        out[o++] = c;
        return true;
    };
    std::uint32_t basic = 0;
    for (std::size_t k = 0; k < in.size; ++k) {
        if (in.cp[k] < 0x80) {
            if (!put(static_cast<char>(in.cp[k]))) return false;
            ++basic;
        }
    }
    if (basic > 0 && !put('-')) return false;
    std::uint32_t n = 128, delta = 0, bias = 72, h = basic;
    auto digit = [](std::uint32_t d) noexcept { return static_cast<char>(d < 26 ? 'a' + d : '0' + (d - 26)); };
    while (h < in.size) {
        std::uint32_t m = 0x10FFFF + 1;
        for (std::size_t k = 0; k < in.size; ++k) {
            if (in.cp[k] >= n && in.cp[k] < m) m = in.cp[k];
        }
        if ((m - n) > (UINT32_MAX - delta) / (h + 1)) return false;
        delta += (m - n) * (h + 1);
        n = m;
        for (std::size_t k = 0; k < in.size; ++k) {
            if (in.cp[k] < n) ++delta;
            if (in.cp[k] == n) {
                std::uint32_t q = delta;
                for (std::uint32_t kk = puny_base;; kk += puny_base) {
                    const std::uint32_t t = kk <= bias ? puny_tmin : (kk >= bias + puny_tmax ? puny_tmax : kk - bias);
                    if (q < t) break;
                    if (!put(digit(t + (q - t) % (puny_base - t)))) return false;
                    q = (q - t) / (puny_base - t);
                }
                if (!put(digit(q))) return false;
                bias = puny_adapt(delta, h + 1, h == basic);
                delta = 0;
                ++h;
            }
        }
        ++delta;
        ++n;
    }
    length = o;
    return true;
}

bool ascii_iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
        if (x != y) return false;
    }
    return true;
}

bool is_virama(char32_t c) noexcept {
    // Canonical_Combining_Class=Virama (9).
    static constexpr char32_t viramas[] = {
        0x094D, 0x09CD, 0x0A4D, 0x0ACD, 0x0B4D, 0x0BCD, 0x0C4D, 0x0CCD, 0x0D3B, 0x0D3C, 0x0D4D, 0x0DCA,
        0x0E3A, 0x0EBA, 0x0F84, 0x1039, 0x103A, 0x1714, 0x1715, 0x1734, 0x17D2, 0x1A60, 0x1B44, 0x1BAA,
        0x1BAB, 0x1BF2, 0x1BF3, 0x2D7F, 0xA806, 0xA82C, 0xA8C4, 0xA953, 0xA9C0, 0xAAF6, 0xABED, 0x10A3F,
        0x11046, 0x11070, 0x1107F, 0x110B9, 0x11133, 0x11134, 0x111C0, 0x11235, 0x112EA, 0x1134D, 0x11442,
        0x114C2, 0x115BF, 0x1163F, 0x116B6, 0x1172B, 0x11839, 0x1193D, 0x1193E, 0x119E0, 0x11A34, 0x11A47,
        0x11A99, 0x11C3F, 0x11D44, 0x11D45, 0x11D97,
    };
    for (char32_t v : viramas) {
        if (v == c) return true;
    }
    return false;
}

bool is_mark(detail::general_category g) noexcept {
    using detail::general_category;
    return g == general_category::Mn || g == general_category::Mc || g == general_category::Me;
}

// Arabic-script letters for the ZWNJ joining-type approximation (RFC 5892 A.1, second rule).
bool joining_letter(char32_t c) noexcept {
    return (c >= 0x0620 && c <= 0x064A) || (c >= 0x066E && c <= 0x06D3) || (c >= 0x06FA && c <= 0x06FF) ||
           (c >= 0x0710 && c <= 0x074F) || (c >= 0x0750 && c <= 0x077F) || (c >= 0x08A0 && c <= 0x08C9) ||
           (c >= 0x07CA && c <= 0x07EA) || (c >= 0xA840 && c <= 0xA872);
}

// RFC 5892 derived property, approximated from the general category plus the exception table
// (exact for the exceptions; NFKC-casefold instability is not evaluated).
enum class idna_property : std::uint8_t { pvalid, contextj, contexto, disallowed };

idna_property idna_property_of(char32_t c) noexcept {
    switch (c) {
    case 0x00DF: case 0x03C2: case 0x06FD: case 0x06FE: case 0x0F0B: case 0x3007:
        return idna_property::pvalid;
    case 0x00B7: case 0x0375: case 0x05F3: case 0x05F4: case 0x30FB:
        return idna_property::contexto;
    case 0x0640: case 0x07FA: case 0x302E: case 0x302F: case 0x3031: case 0x3032: case 0x3033: case 0x3034:
    case 0x3035: case 0x303B:
        return idna_property::disallowed;
    case 0x200C: case 0x200D:
        return idna_property::contextj;
    default:
        break;
    }
    if ((c >= 0x0660 && c <= 0x0669) || (c >= 0x06F0 && c <= 0x06F9)) return idna_property::contexto;
    if (c < 0x80) {
        const char a = static_cast<char>(c);
        return (a >= 'a' && a <= 'z') || is_ascii_digit(a) || a == '-' ? idna_property::pvalid
                                                                       : idna_property::disallowed;
    }
    using detail::general_category;
    switch (detail::category_of(c)) {
    case general_category::Ll:
    case general_category::Lo:
    case general_category::Lm:
    case general_category::Mn:
    case general_category::Mc:
    case general_category::Nd:
        return idna_property::pvalid;
    default:
        return idna_property::disallowed;
    }
}

bool has_rtl(const code_points& label) noexcept {
    for (std::size_t k = 0; k < label.size; ++k) {
        const auto b = detail::bidi_of(label.cp[k]);
        if (b == detail::bidi_class::R || b == detail::bidi_class::AL || b == detail::bidi_class::AN) return true;
    }
    return false;
}

// RFC 5893 §2 rules 1-6 for one label of a Bidi domain name.
bool bidi_rule(const code_points& label) noexcept {
    using detail::bidi_class;
    if (label.size == 0) return true;
    const bidi_class first = detail::bidi_of(label.cp[0]);
    if (first != bidi_class::L && first != bidi_class::R && first != bidi_class::AL) return false;
    const bool rtl = first != bidi_class::L;
    // Last character that is not NSM.
    std::size_t last = label.size;
    while (last > 0 && detail::bidi_of(label.cp[last - 1]) == bidi_class::NSM) --last;
    if (last == 0) return false;
    const bidi_class end = detail::bidi_of(label.cp[last - 1]);
    bool has_en = false, has_an = false;
    for (std::size_t k = 0; k < label.size; ++k) {
        const bidi_class b = detail::bidi_of(label.cp[k]);
        if (rtl) {
            if (b != bidi_class::R && b != bidi_class::AL && b != bidi_class::AN && b != bidi_class::EN &&
                b != bidi_class::ES && b != bidi_class::CS && b != bidi_class::ET && b != bidi_class::ON &&
                b != bidi_class::BN && b != bidi_class::NSM) {
                return false;
            }
            has_en = has_en || b == bidi_class::EN;
            has_an = has_an || b == bidi_class::AN;
        } else if (b != bidi_class::L && b != bidi_class::EN && b != bidi_class::ES && b != bidi_class::CS &&
                   b != bidi_class::ET && b != bidi_class::ON && b != bidi_class::BN && b != bidi_class::NSM) {
            return false;
        }
    }
    if (rtl) {
        if (end != bidi_class::R && end != bidi_class::AL && end != bidi_class::EN && end != bidi_class::AN) return false;
        if (has_en && has_an) return false;
    } else if (end != bidi_class::L && end != bidi_class::EN) {
        return false;
    }
    return true;
}

// RFC 5891 §5.4 U-label validity (without the Bidi rule, which needs the whole name).
bool valid_u_label(const code_points& label) noexcept {
    if (label.size == 0 || label.size > 63) return false;
    if (label.cp[0] == '-' || label.cp[label.size - 1] == '-') return false;
    if (label.size >= 4 && label.cp[2] == '-' && label.cp[3] == '-') return false;
    if (is_mark(detail::category_of(label.cp[0]))) return false;
    bool arabic_indic = false, extended_arabic_indic = false;
    for (std::size_t k = 0; k < label.size; ++k) {
        const char32_t c = label.cp[k];
        if (c >= 0x0660 && c <= 0x0669) arabic_indic = true;
        if (c >= 0x06F0 && c <= 0x06F9) extended_arabic_indic = true;
    }
    if (arabic_indic && extended_arabic_indic) return false;
    for (std::size_t k = 0; k < label.size; ++k) {
        const char32_t c = label.cp[k];
        const char32_t before = k > 0 ? label.cp[k - 1] : 0;
        const char32_t after = k + 1 < label.size ? label.cp[k + 1] : 0;
        switch (idna_property_of(c)) {
        case idna_property::pvalid: break;
        case idna_property::disallowed: return false;
        case idna_property::contextj:
            if (k > 0 && is_virama(before)) break;
            // ZWNJ between joining letters (the regular-expression rule of RFC 5892 A.1, with
            // transparent characters skipped).
            if (c == 0x200C) {
                std::size_t l = k, r = k + 1;
                while (l > 0 && detail::category_of(label.cp[l - 1]) == detail::general_category::Mn) --l;
                while (r < label.size && detail::category_of(label.cp[r]) == detail::general_category::Mn) ++r;
                if (l > 0 && r < label.size && joining_letter(label.cp[l - 1]) && joining_letter(label.cp[r])) break;
            }
            return false;
        case idna_property::contexto:
            if (c == 0x00B7) {
                if (before != 'l' || after != 'l') return false;
            } else if (c == 0x0375) {
                if (k + 1 >= label.size || detail::script_of(after) != detail::script::greek) return false;
            } else if (c == 0x05F3 || c == 0x05F4) {
                if (k == 0 || detail::script_of(before) != detail::script::hebrew) return false;
            } else if (c == 0x30FB) {
                bool ok = false;
                for (std::size_t j = 0; j < label.size && !ok; ++j) {
                    if (label.cp[j] == 0x30FB) continue;
                    const auto s = detail::script_of(label.cp[j]);
                    ok = s == detail::script::hiragana || s == detail::script::katakana || s == detail::script::han;
                }
                if (!ok) return false;
            }
            break; // Arabic-Indic digits: checked above
        }
    }
    return true;
}

// One hostname label in LDH form (what RFC 1123 allows), with A-labels checked as IDNA.
// `decoded` receives the U-label of an A-label (for the Bidi check), else the label itself.
bool ldh_label(std::string_view label, code_points& decoded, bool& is_a_label) noexcept {
    is_a_label = false;
    if (label.empty() || label.size() > 63) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
        if (!is_ascii_alnum(c) && c != '-') return false;
    }
    if (label.size() >= 4 && label[2] == '-' && label[3] == '-') {
        if (!ascii_iequals(label.substr(0, 2), "xn")) return true; // other R-LDH labels: plain LDH
        is_a_label = true;
        const std::string_view puny = label.substr(4);
        if (!puny_decode(puny, decoded)) return false;
        bool non_ascii = false;
        for (std::size_t k = 0; k < decoded.size; ++k) non_ascii = non_ascii || decoded.cp[k] >= 0x80;
        if (!non_ascii) return false;
        char again[64];
        std::size_t len = 0;
        if (!puny_encode(decoded, again, sizeof again, len) || !ascii_iequals({again, len}, puny)) return false;
        return valid_u_label(decoded);
    }
    decoded.size = 0;
    for (char c : label) {
        char32_t lower = static_cast<unsigned char>(c);
        if (lower >= 'A' && lower <= 'Z') lower += 32;
        decoded.cp[decoded.size++] = lower;
    }
    return true;
}

bool hostname(std::string_view s, bool idn) noexcept {
    if (s.empty()) return false;
    std::size_t total = 0; // length in A-label (ASCII) form
    bool bidi_domain = false;
    // Two passes: labels (and whether the name is a Bidi domain name), then the Bidi rule.
    for (int pass = 0; pass < 2; ++pass) {
        std::size_t i = 0;
        while (true) {
            // Find the next separator: '.', and for IDN also U+3002, U+FF0E, U+FF61.
            std::size_t end = i, next = s.size();
            bool ascii = true;
            while (end < s.size()) {
                if (s[end] == '.') {
                    next = end + 1;
                    break;
                }
                if (idn && s.compare(end, 3, "\xE3\x80\x82") == 0) { next = end + 3; break; }
                if (idn && s.compare(end, 3, "\xEF\xBC\x8E") == 0) { next = end + 3; break; }
                if (idn && s.compare(end, 3, "\xEF\xBD\xA1") == 0) { next = end + 3; break; }
                if (static_cast<unsigned char>(s[end]) >= 0x80) ascii = false;
                ++end;
            }
            const std::string_view label = s.substr(i, end - i);
            code_points cps;
            if (ascii) {
                bool a_label = false;
                if (!ldh_label(label, cps, a_label)) return false;
                if (pass == 0) total += label.size();
            } else {
                if (!idn) return false;
                cps.size = 0;
                for (std::size_t k = 0; k < label.size();) {
                    char32_t cp;
                    const std::size_t n = decode_utf8(label, k, cp);
                    if (n == 0 || cps.size >= 63) return false;
                    cps.cp[cps.size++] = cp;
                    k += n;
                }
                if (!valid_u_label(cps)) return false;
                char a[64];
                std::size_t len = 0;
                if (!puny_encode(cps, a, 59, len)) return false; // "xn--" + 59 = 63
                if (pass == 0) total += 4 + len;
            }
            if (pass == 0) {
                bidi_domain = bidi_domain || has_rtl(cps);
            } else if (!bidi_rule(cps)) {
                return false;
            }
            if (next == s.size() && end == s.size()) break;
            if (next == s.size()) return false; // trailing separator
            if (pass == 0) ++total;
            i = next;
        }
        if (pass == 0 && (total > 253)) return false;
        if (!bidi_domain) break;
    }
    return true;
}

// ---------------------------------------------------------------- e-mail (RFC 5321 / 6531)

bool atext(char c) noexcept {
    return is_ascii_alnum(c) || std::strchr("!#$%&'*+-/=?^_`{|}~", c) != nullptr;
}

bool email(std::string_view s, bool idn) noexcept {
    // The local part ends at the last '@' that is outside a quoted string.
    std::size_t i = 0;
    std::size_t local_octets = 0;
    if (s.empty()) return false;
    if (s[0] == '"') {
        ++i;
        bool closed = false;
        while (i < s.size()) {
            const auto c = static_cast<unsigned char>(s[i]);
            if (c == '"') {
                closed = true;
                ++i;
                break;
            }
            if (c == '\\') {
                if (i + 1 >= s.size()) return false;
                const auto q = static_cast<unsigned char>(s[i + 1]);
                if (q < 32 || q > 126) return false;
                i += 2;
                continue;
            }
            if (c >= 0x80) {
                char32_t cp;
                const std::size_t n = decode_utf8(s, i, cp);
                if (!idn || n == 0) return false;
                i += n;
                continue;
            }
            if (c < 32 || c > 126) return false;
            ++i;
        }
        if (!closed) return false;
        local_octets = i;
    } else {
        bool prev_dot = true; // no leading dot
        while (i < s.size() && s[i] != '@') {
            const auto c = static_cast<unsigned char>(s[i]);
            if (c == '.') {
                if (prev_dot) return false;
                prev_dot = true;
                ++i;
                continue;
            }
            prev_dot = false;
            if (c >= 0x80) {
                char32_t cp;
                const std::size_t n = decode_utf8(s, i, cp);
                if (!idn || n == 0) return false;
                i += n;
                continue;
            }
            if (!atext(static_cast<char>(c))) return false;
            ++i;
        }
        if (i == 0 || prev_dot) return false; // empty local part or trailing dot
        local_octets = i;
    }
    if (local_octets > 64 || i >= s.size() || s[i] != '@') return false;
    const std::string_view domain = s.substr(i + 1);
    if (domain.empty() || (!idn && s.size() > 254)) return false;
    if (domain.front() == '[') {
        if (domain.back() != ']') return false;
        const std::string_view lit = domain.substr(1, domain.size() - 2);
        if (lit.starts_with("IPv6:")) return ipv6(lit.substr(5));
        return ipv4(lit);
    }
    return hostname(domain, idn);
}

// ---------------------------------------------------------------- URI / IRI (RFC 3986 / 3987)

bool unreserved(char c) noexcept { return is_ascii_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~'; }
bool sub_delim(char c) noexcept { return std::strchr("!$&'()*+,;=", c) != nullptr && c != '\0'; }

bool ucschar(char32_t c) noexcept {
    return (c >= 0xA0 && c <= 0xD7FF) || (c >= 0xF900 && c <= 0xFDCF) || (c >= 0xFDF0 && c <= 0xFFEF) ||
           (c >= 0x10000 && c <= 0xEFFFD && (c & 0xFFFF) <= 0xFFFD);
}
bool iprivate(char32_t c) noexcept {
    return (c >= 0xE000 && c <= 0xF8FF) || (c >= 0xF0000 && c <= 0xFFFFD) || (c >= 0x100000 && c <= 0x10FFFD);
}

// Checks that every character of `s` is allowed: unreserved, pct-encoded, sub-delims, the
// characters in `extra`, and (IRI) ucschar / iprivate when `iri` / `allow_private`.
bool chars_ok(std::string_view s, std::string_view extra, bool iri, bool allow_private) noexcept {
    for (std::size_t i = 0; i < s.size();) {
        const char c = s[i];
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x80) {
            char32_t cp;
            const std::size_t n = decode_utf8(s, i, cp);
            if (!iri || n == 0 || !(ucschar(cp) || (allow_private && iprivate(cp)))) return false;
            i += n;
            continue;
        }
        if (c == '%') {
            if (i + 2 >= s.size()) return false;
            if (hex_value(s[i + 1]) < 0 || hex_value(s[i + 2]) < 0) return false;
            i += 3;
            continue;
        }
        if (!(unreserved(c) || sub_delim(c) || (c != '\0' && extra.find(c) != std::string_view::npos))) return false;
        ++i;
    }
    return true;
}

bool authority(std::string_view a, bool iri) noexcept {
    std::string_view host_port = a;
    const std::size_t at = a.find('@');
    if (at != std::string_view::npos) {
        if (!chars_ok(a.substr(0, at), ":", iri, false)) return false;
        host_port = a.substr(at + 1);
    }
    std::string_view port;
    if (!host_port.empty() && host_port[0] == '[') {
        const std::size_t close = host_port.find(']');
        if (close == std::string_view::npos) return false;
        const std::string_view lit = host_port.substr(1, close - 1);
        const std::string_view rest = host_port.substr(close + 1);
        if (!rest.empty()) {
            if (rest[0] != ':') return false;
            port = rest.substr(1);
        }
        if (!lit.empty() && (lit[0] == 'v' || lit[0] == 'V')) { // IPvFuture
            const std::size_t dot = lit.find('.');
            if (dot == std::string_view::npos || dot < 2 || dot + 1 >= lit.size()) return false;
            for (std::size_t k = 1; k < dot; ++k) {
                if (hex_value(lit[k]) < 0) return false;
            }
            const std::string_view tail = lit.substr(dot + 1);
            for (char c : tail) {
                if (!(unreserved(c) || sub_delim(c) || c == ':')) return false;
            }
        } else if (!ipv6(lit)) {
            return false;
        }
    } else {
        const std::size_t colon = host_port.rfind(':');
        std::string_view host = host_port;
        if (colon != std::string_view::npos) {
            host = host_port.substr(0, colon);
            port = host_port.substr(colon + 1);
        }
        if (!chars_ok(host, "", iri, false)) return false;
    }
    for (char c : port) {
        if (!is_ascii_digit(c)) return false;
    }
    return true;
}

// [ "?" query ] [ "#" fragment ] after the path; `rest` starts at '?' or '#' or is empty.
bool query_fragment(std::string_view rest, bool iri) noexcept {
    if (!rest.empty() && rest[0] == '?') {
        const std::size_t hash = rest.find('#');
        const std::string_view q = rest.substr(1, hash == std::string_view::npos ? std::string_view::npos : hash - 1);
        if (!chars_ok(q, ":@/?", iri, true)) return false;
        rest = hash == std::string_view::npos ? std::string_view{} : rest.substr(hash);
    }
    if (!rest.empty()) {
        if (rest[0] != '#') return false;
        if (!chars_ok(rest.substr(1), ":@/?", iri, false)) return false;
    }
    return true;
}

bool scheme_ok(std::string_view s) noexcept {
    if (s.empty() || !is_ascii_alpha(s[0])) return false;
    for (char c : s) {
        if (!is_ascii_alnum(c) && c != '+' && c != '-' && c != '.') return false;
    }
    return true;
}

// hier-part / relative-part, query and fragment. `relative`: path-noscheme rules apply.
bool after_scheme(std::string_view s, bool iri, bool relative) noexcept {
    const std::size_t qf = s.find_first_of("?#");
    const std::string_view hier = s.substr(0, qf);
    const std::string_view rest = qf == std::string_view::npos ? std::string_view{} : s.substr(qf);
    std::string_view path = hier;
    if (hier.starts_with("//")) {
        const std::size_t slash = hier.find('/', 2);
        const std::string_view auth = hier.substr(2, slash == std::string_view::npos ? std::string_view::npos : slash - 2);
        if (!authority(auth, iri)) return false;
        path = slash == std::string_view::npos ? std::string_view{} : hier.substr(slash);
    } else if (relative && !path.empty() && path[0] != '/') {
        const std::size_t slash = path.find('/');
        if (path.substr(0, slash).find(':') != std::string_view::npos) return false; // path-noscheme
    }
    if (!chars_ok(path, ":@/", iri, false)) return false;
    return query_fragment(rest, iri);
}

bool uri(std::string_view s, bool iri) noexcept {
    const std::size_t colon = s.find(':');
    if (colon == std::string_view::npos || !scheme_ok(s.substr(0, colon))) return false;
    return after_scheme(s.substr(colon + 1), iri, false);
}

bool uri_reference(std::string_view s, bool iri) noexcept {
    const std::size_t colon = s.find(':');
    if (colon != std::string_view::npos) {
        const std::size_t first_special = s.find_first_of("/?#");
        if (colon < first_special && scheme_ok(s.substr(0, colon))) return uri(s, iri);
    }
    return after_scheme(s, iri, true);
}

// ---------------------------------------------------------------- URI Template (RFC 6570)

bool template_literal(char32_t c) noexcept {
    if (c >= 0x80) return ucschar(c) || iprivate(c);
    // %x21 / %x23-24 / %x26-3B / %x3D / %x3F-5B / %x5D / %x5F / %x61-7A / %x7E (with errata 6937's "'")
    return c == 0x21 || (c >= 0x23 && c <= 0x24) || (c >= 0x26 && c <= 0x3B) || c == 0x3D ||
           (c >= 0x3F && c <= 0x5B) || c == 0x5D || c == 0x5F || (c >= 0x61 && c <= 0x7A) || c == 0x7E;
}

bool uri_template(std::string_view s) noexcept {
    std::size_t i = 0;
    while (i < s.size()) {
        const char c = s[i];
        if (c == '{') {
            const std::size_t close = s.find('}', i);
            if (close == std::string_view::npos) return false;
            std::string_view e = s.substr(i + 1, close - i - 1);
            i = close + 1;
            if (e.empty()) return false;
            if (std::strchr("+#./;?&", e[0]) != nullptr) e.remove_prefix(1);
            // variable-list = varspec *( "," varspec )
            std::size_t k = 0;
            while (true) {
                // varname = varchar *( ["."] varchar ); varchar = ALPHA / DIGIT / "_" / pct-encoded
                bool need_char = true;
                std::size_t chars = 0;
                while (k < e.size()) {
                    const char v = e[k];
                    if (is_ascii_alnum(v) || v == '_') {
                        ++k;
                    } else if (v == '%' && k + 2 < e.size() && hex_value(e[k + 1]) >= 0 && hex_value(e[k + 2]) >= 0) {
                        k += 3;
                    } else if (v == '.' && !need_char) {
                        ++k;
                        need_char = true;
                        continue;
                    } else {
                        break;
                    }
                    need_char = false;
                    ++chars;
                }
                if (chars == 0 || need_char) return false;
                if (k < e.size() && e[k] == '*') {
                    ++k;
                } else if (k < e.size() && e[k] == ':') {
                    ++k;
                    const std::size_t d0 = k;
                    while (k < e.size() && is_ascii_digit(e[k])) ++k;
                    const std::size_t n = k - d0;
                    if (n == 0 || n > 4 || e[d0] == '0') return false;
                }
                if (k == e.size()) break;
                if (e[k] != ',') return false;
                ++k;
            }
            continue;
        }
        if (c == '%') {
            if (i + 2 >= s.size() || hex_value(s[i + 1]) < 0 || hex_value(s[i + 2]) < 0) return false;
            i += 3;
            continue;
        }
        char32_t cp;
        const std::size_t n = decode_utf8(s, i, cp);
        if (n == 0 || !template_literal(cp)) return false;
        i += n;
    }
    return true;
}

// ---------------------------------------------------------------- JSON pointers

bool json_pointer(std::string_view s) noexcept {
    if (s.empty()) return true;
    if (s[0] != '/') return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '~') {
            if (i + 1 >= s.size() || (s[i + 1] != '0' && s[i + 1] != '1')) return false;
            ++i;
        }
    }
    return true;
}

bool relative_json_pointer(std::string_view s) noexcept {
    std::size_t i = 0;
    while (i < s.size() && is_ascii_digit(s[i])) ++i;
    if (i == 0 || (i > 1 && s[0] == '0')) return false;
    const std::string_view rest = s.substr(i);
    return rest == "#" || json_pointer(rest);
}

// ---------------------------------------------------------------- durations (RFC 3339 appendix A)

bool duration(std::string_view s) noexcept {
    if (s.size() < 3 || s[0] != 'P') return false;
    std::size_t i = 1;
    // Reads "1*DIGIT unit"; returns the unit or 0.
    auto component = [&](char& unit) noexcept {
        const std::size_t start = i;
        while (i < s.size() && is_ascii_digit(s[i])) ++i;
        if (i == start || i >= s.size()) return false;
        unit = s[i++];
        return true;
    };
    if (s[i] != 'T') {
        // dur-date: Y [M [D]] / M [D] / D, or dur-week alone.
        static constexpr std::string_view order = "YMD";
        int last = -1;
        bool any = false;
        while (i < s.size() && s[i] != 'T') {
            char unit;
            if (!component(unit)) return false;
            if (unit == 'W') return !any && i == s.size();
            const std::size_t at = order.find(unit);
            if (at == std::string_view::npos) return false;
            if (last >= 0 && static_cast<int>(at) != last + 1) return false;
            last = static_cast<int>(at);
            any = true;
        }
        if (!any) return false;
        if (i == s.size()) return true;
    }
    ++i; // 'T'
    static constexpr std::string_view order = "HMS";
    int last = -1;
    bool any = false;
    while (i < s.size()) {
        char unit;
        if (!component(unit)) return false;
        const std::size_t at = order.find(unit);
        if (at == std::string_view::npos) return false;
        if (last >= 0 && static_cast<int>(at) != last + 1) return false;
        last = static_cast<int>(at);
        any = true;
    }
    return any;
}

// ---------------------------------------------------------------- multipleOf

struct decimal {
    std::uint64_t mantissa = 0; // up to 17 significant digits
    int exponent = 0;           // value = mantissa * 10^exponent
};

// The shortest decimal that round-trips to `v` (what the JSON text most likely said).
bool to_decimal(double v, decimal& out) noexcept {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
    if (r.ec != std::errc{}) return false;
    const std::string_view text(buf, static_cast<std::size_t>(r.ptr - buf));
    const std::size_t e = text.find('e');
    if (e == std::string_view::npos) return false;
    std::uint64_t m = 0;
    int frac_digits = 0;
    bool after_point = false;
    for (std::size_t k = 0; k < e; ++k) {
        const char c = text[k];
        if (c == '-') continue;
        if (c == '.') {
            after_point = true;
            continue;
        }
        m = m * 10 + static_cast<std::uint64_t>(c - '0');
        if (after_point) ++frac_digits;
    }
    int exp10 = 0;
    if (std::from_chars(text.data() + e + 1 + (text[e + 1] == '+' ? 1 : 0), text.data() + text.size(), exp10).ec !=
        std::errc{}) {
        return false;
    }
    out.mantissa = m;
    out.exponent = exp10 - frac_digits;
    while (out.mantissa != 0 && out.mantissa % 10 == 0) {
        out.mantissa /= 10;
        ++out.exponent;
    }
    return true;
}

std::uint64_t mul_mod(std::uint64_t a, std::uint64_t b, std::uint64_t m) noexcept {
    __extension__ using u128 = unsigned __int128;
    return static_cast<std::uint64_t>(static_cast<u128>(a) * b % m);
}

} // namespace

bool is_date(std::string_view s) noexcept { return full_date(s); }
bool is_time(std::string_view s) noexcept { return full_time(s); }
bool is_date_time(std::string_view s) noexcept {
    if (s.size() < 20 || (s[10] != 'T' && s[10] != 't')) return false;
    return full_date(s.substr(0, 10)) && full_time(s.substr(11));
}
bool is_duration(std::string_view s) noexcept { return duration(s); }

bool is_uuid(std::string_view s) noexcept {
    if (s.size() != 36) return false;
    for (std::size_t i = 0; i < 36; ++i) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') return false;
        } else if (hex_value(s[i]) < 0) {
            return false;
        }
    }
    return true;
}

bool is_byte(std::string_view s) noexcept {
    if (s.size() % 4 != 0) return false;
    std::size_t pad = 0;
    while (pad < 2 && pad < s.size() && s[s.size() - 1 - pad] == '=') ++pad;
    for (std::size_t i = 0; i < s.size() - pad; ++i) {
        const char c = s[i];
        if (!is_ascii_alnum(c) && c != '+' && c != '/') return false;
    }
    return true;
}

bool is_email(std::string_view s) noexcept { return email(s, false); }
bool is_idn_email(std::string_view s) noexcept { return email(s, true); }
bool is_hostname(std::string_view s) noexcept { return s.size() <= 253 && hostname(s, false); }
bool is_idn_hostname(std::string_view s) noexcept { return detail::valid_utf8(s) && hostname(s, true); }
bool is_ipv4(std::string_view s) noexcept { return ipv4(s); }
bool is_ipv6(std::string_view s) noexcept { return ipv6(s); }
bool is_uri(std::string_view s) noexcept { return uri(s, false); }
bool is_uri_reference(std::string_view s) noexcept { return uri_reference(s, false); }
bool is_iri(std::string_view s) noexcept { return detail::valid_utf8(s) && uri(s, true); }
bool is_iri_reference(std::string_view s) noexcept { return detail::valid_utf8(s) && uri_reference(s, true); }
bool is_uri_template(std::string_view s) noexcept { return uri_template(s); }
bool is_json_pointer(std::string_view s) noexcept { return json_pointer(s); }
bool is_relative_json_pointer(std::string_view s) noexcept { return relative_json_pointer(s); }

namespace {
struct format_entry {
    std::string_view name;
    string_format format;
};
constexpr format_entry format_names[] = {
    {"date", string_format::date},
    {"time", string_format::time},
    {"date-time", string_format::date_time},
    {"duration", string_format::duration},
    {"uuid", string_format::uuid},
    {"byte", string_format::byte},
    {"email", string_format::email},
    {"idn-email", string_format::idn_email},
    {"hostname", string_format::hostname},
    {"idn-hostname", string_format::idn_hostname},
    {"ipv4", string_format::ipv4},
    {"ipv6", string_format::ipv6},
    {"uri", string_format::uri},
    {"uri-reference", string_format::uri_reference},
    {"iri", string_format::iri},
    {"iri-reference", string_format::iri_reference},
    {"uri-template", string_format::uri_template},
    {"json-pointer", string_format::json_pointer},
    {"relative-json-pointer", string_format::relative_json_pointer},
    {"regex", string_format::regex},
    {"binary", string_format::binary},
    {"password", string_format::password},
};
} // namespace

std::optional<string_format> format_from_name(std::string_view name) noexcept {
    for (const format_entry& e : format_names) {
        if (e.name == name) return e.format;
    }
    return std::nullopt;
}

std::string_view format_name(string_format format) noexcept {
    for (const format_entry& e : format_names) {
        if (e.format == format) return e.name;
    }
    return {};
}

bool check_format(string_format format, std::string_view s) {
    switch (format) {
    case string_format::date: return is_date(s);
    case string_format::time: return is_time(s);
    case string_format::date_time: return is_date_time(s);
    case string_format::duration: return is_duration(s);
    case string_format::uuid: return is_uuid(s);
    case string_format::byte: return is_byte(s);
    case string_format::email: return is_email(s);
    case string_format::idn_email: return is_idn_email(s);
    case string_format::hostname: return is_hostname(s);
    case string_format::idn_hostname: return is_idn_hostname(s);
    case string_format::ipv4: return is_ipv4(s);
    case string_format::ipv6: return is_ipv6(s);
    case string_format::uri: return is_uri(s);
    case string_format::uri_reference: return is_uri_reference(s);
    case string_format::iri: return is_iri(s);
    case string_format::iri_reference: return is_iri_reference(s);
    case string_format::uri_template: return is_uri_template(s);
    case string_format::json_pointer: return is_json_pointer(s);
    case string_format::relative_json_pointer: return is_relative_json_pointer(s);
    case string_format::regex: return is_regex(s);
    case string_format::binary:
    case string_format::password: return true;
    }
    return true;
}

std::size_t utf8_length(std::string_view s) noexcept {
    std::size_t n = 0;
    for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
    return n;
}

bool is_valid_utf8(std::string_view s) noexcept { return detail::valid_utf8(s); }

bool is_multiple_of(double value, double divisor) noexcept {
    if (!std::isfinite(value) || !std::isfinite(divisor) || divisor <= 0) return false;
    if (value == 0) return true;
    // Exact answer in decimal: value = a * 10^ea, divisor = b * 10^eb (shortest round-trip
    // digits), so no binary rounding (0.0075 / 0.0001) and no overflow (1e308 / 0.5).
    decimal a, b;
    if (!to_decimal(value, a) || !to_decimal(divisor, b) || b.mantissa == 0) return false;
    if (a.exponent >= b.exponent) {
        // a * 10^(ea-eb) mod b == 0
        std::uint64_t r = a.mantissa % b.mantissa;
        for (int k = a.exponent - b.exponent; k > 0 && r != 0; --k) r = mul_mod(r, 10, b.mantissa);
        return r == 0;
    }
    // a must be divisible by b * 10^(eb-ea): first by the power of ten, then by b.
    std::uint64_t m = a.mantissa;
    for (int k = b.exponent - a.exponent; k > 0; --k) {
        if (m % 10 != 0) return false;
        m /= 10;
    }
    return m % b.mantissa == 0;
}

bool is_multiple_of(std::int64_t value, std::int64_t divisor) noexcept {
    if (divisor <= 0) return false;
    return value % divisor == 0;
}

} // namespace katana::api
