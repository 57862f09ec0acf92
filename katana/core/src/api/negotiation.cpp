#include <katana/api/negotiation.hpp>

#include <cstddef>
#include <cstdint>

namespace katana::api {
namespace {

constexpr bool is_ows(char c) noexcept { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
    return s;
}

constexpr char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

bool iequal(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

// RFC 9110 token characters.
bool token_char(char c) noexcept {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-': case '.':
    case '^': case '_': case '`': case '|': case '~':
        return true;
    default:
        return false;
    }
}

bool token(std::string_view s) noexcept {
    if (s.empty()) return false;
    for (char c : s) {
        if (!token_char(c)) return false;
    }
    return true;
}

struct media_range {
    std::string_view type;
    std::string_view subtype;
};

// "type/subtype" (parameters already cut off); false when malformed.
bool parse_range(std::string_view s, media_range& out) noexcept {
    s = trim(s);
    if (s == "*") { // some clients send a bare "*"
        out = {"*", "*"};
        return true;
    }
    const std::size_t slash = s.find('/');
    if (slash == std::string_view::npos) return false;
    out.type = s.substr(0, slash);
    out.subtype = s.substr(slash + 1);
    if (!token(out.type) || !token(out.subtype)) return false;
    if (out.type == "*" && out.subtype != "*") return false; // "*/json" is not a media range
    return true;
}

// How specifically `r` covers `offer`: 3 exact, 2 type/*, 1 */*, 0 no match. Either side may be
// a range.
int specificity(const media_range& r, const media_range& offer) noexcept {
    const bool type_ok = r.type == "*" || offer.type == "*" || iequal(r.type, offer.type);
    const bool sub_ok = r.subtype == "*" || offer.subtype == "*" || iequal(r.subtype, offer.subtype);
    if (!type_ok || !sub_ok) return 0;
    if (r.type == "*") return 1;
    if (r.subtype == "*") return 2;
    return 3;
}

// q-value as thousandths: "1", "1.0", "0.5", "0.125"; -1 when malformed.
int parse_q(std::string_view v) noexcept {
    v = trim(v);
    if (v.empty() || v.size() > 5) return -1;
    if (v[0] == '1') {
        for (std::size_t i = 1; i < v.size(); ++i) {
            if ((i == 1 && v[i] != '.') || (i > 1 && v[i] != '0')) return -1;
        }
        return 1000;
    }
    if (v[0] != '0') return -1;
    if (v.size() == 1) return 0;
    if (v[1] != '.') return -1;
    int q = 0, scale = 100;
    for (std::size_t i = 2; i < v.size(); ++i) {
        if (v[i] < '0' || v[i] > '9') return -1;
        q += (v[i] - '0') * scale;
        scale /= 10;
    }
    return q;
}

// Splits at `sep` outside double-quoted strings. `rest` is consumed.
std::string_view next_part(std::string_view& rest, char sep) noexcept {
    bool quoted = false;
    for (std::size_t i = 0; i < rest.size(); ++i) {
        const char c = rest[i];
        if (quoted) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                quoted = false;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == sep) {
            const std::string_view part = rest.substr(0, i);
            rest.remove_prefix(i + 1);
            return part;
        }
    }
    const std::string_view part = rest;
    rest = {};
    return part;
}

struct accept_element {
    media_range range;
    int q = 1000;
};

// One element of Accept ("text/html;level=1;q=0.5"); false when malformed (then ignored).
bool parse_element(std::string_view element, accept_element& out) noexcept {
    std::string_view rest = element;
    const std::string_view range = next_part(rest, ';');
    if (!parse_range(range, out.range)) return false;
    out.q = 1000;
    while (!rest.empty()) {
        const std::string_view param = trim(next_part(rest, ';'));
        if (param.empty()) continue;
        const std::size_t eq = param.find('=');
        if (eq == std::string_view::npos) return false;
        const std::string_view name = trim(param.substr(0, eq));
        if (name.size() == 1 && (name[0] == 'q' || name[0] == 'Q')) {
            out.q = parse_q(param.substr(eq + 1));
            if (out.q < 0) return false;
            break; // what follows q are accept-ext parameters: not part of the range
        }
    }
    return true;
}

} // namespace

bool media_type_matches(std::string_view content_type_header, std::string_view spec_media_range) noexcept {
    std::string_view header_rest = content_type_header;
    std::string_view spec_rest = spec_media_range;
    media_range actual, wanted;
    if (!parse_range(next_part(header_rest, ';'), actual) || !parse_range(next_part(spec_rest, ';'), wanted)) {
        return false;
    }
    if (actual.type == "*" || actual.subtype == "*") return false; // a Content-Type is never a range
    if (wanted.type != "*" && !iequal(wanted.type, actual.type)) return false;
    return wanted.subtype == "*" || iequal(wanted.subtype, actual.subtype);
}

int negotiate(std::string_view accept_header, std::span<const std::string_view> offered) noexcept {
    if (offered.empty()) return -1;
    if (trim(accept_header).empty()) return 0;
    // Parse the header once into a stack array; a header with more elements than that (hostile
    // or odd) is re-parsed per offer instead, still without allocating.
    constexpr std::size_t max_parsed = 32;
    accept_element parsed[max_parsed];
    std::size_t count = 0;
    bool streaming = false;
    for (std::string_view rest = accept_header; !rest.empty();) {
        const std::string_view element = trim(next_part(rest, ','));
        if (element.empty()) continue;
        accept_element e;
        if (!parse_element(element, e)) continue;
        if (count == max_parsed) {
            streaming = true;
            break;
        }
        parsed[count++] = e;
    }
    int best = -1, best_q = 0, best_spec = 0;
    for (std::size_t i = 0; i < offered.size(); ++i) {
        std::string_view offer_rest = offered[i];
        media_range offer;
        if (!parse_range(next_part(offer_rest, ';'), offer)) continue;
        // The most specific range that covers this offer decides its quality.
        int spec = 0, q = 0;
        auto consider = [&](const accept_element& e) noexcept {
            const int s = specificity(e.range, offer);
            if (s > spec) {
                spec = s;
                q = e.q;
            }
        };
        if (!streaming) {
            for (std::size_t k = 0; k < count; ++k) consider(parsed[k]);
        } else {
            for (std::string_view rest = accept_header; !rest.empty();) {
                const std::string_view element = trim(next_part(rest, ','));
                accept_element e;
                if (!element.empty() && parse_element(element, e)) consider(e);
            }
        }
        if (spec == 0 || q == 0) continue;
        // Higher quality wins; then the more specific match; then the earlier offer.
        if (q > best_q || (q == best_q && spec > best_spec)) {
            best = static_cast<int>(i);
            best_q = q;
            best_spec = spec;
        }
    }
    return best;
}

} // namespace katana::api
