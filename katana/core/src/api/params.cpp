#include <katana/api/params.hpp>

#include "api/utf8.hpp"

#include <charconv>
#include <cmath>
#include <cstring>
#include <system_error>

namespace katana::api {

void query_iterator::advance() noexcept {
    while (!rest_.empty()) {
        const std::size_t amp = rest_.find('&');
        const std::string_view piece = rest_.substr(0, amp);
        rest_ = amp == std::string_view::npos ? std::string_view{} : rest_.substr(amp + 1);
        if (piece.empty()) continue;
        const std::size_t eq = piece.find('=');
        if (eq == std::string_view::npos) {
            current_ = raw_pair{piece, {}, false};
        } else {
            current_ = raw_pair{piece.substr(0, eq), piece.substr(eq + 1), true};
        }
        return;
    }
    at_end_ = true;
    current_ = {};
}

std::pmr::vector<raw_pair> split_query(std::string_view query, std::pmr::memory_resource* m) {
    std::pmr::vector<raw_pair> out(m);
    std::size_t pieces = 1;
    for (char c : query) pieces += c == '&' ? 1 : 0;
    out.reserve(pieces);
    for (const raw_pair& p : query_range{query}) out.push_back(p);
    return out;
}

std::optional<std::string_view> decode_component(std::string_view raw, bool plus_as_space,
                                                 std::pmr::memory_resource* m) {
    std::size_t first = 0;
    while (first < raw.size() && raw[first] != '%' && !(plus_as_space && raw[first] == '+')) ++first;
    if (first == raw.size()) {
        if (!detail::valid_utf8(raw)) return std::nullopt;
        return raw; // nothing to decode: a view of the input
    }
    char* out = static_cast<char*>(m->allocate(raw.size(), 1));
    std::memcpy(out, raw.data(), first);
    std::size_t o = first;
    for (std::size_t i = first; i < raw.size(); ++i) {
        const char c = raw[i];
        if (c == '%') {
            const int hi = i + 2 < raw.size() ? detail::hex_value(raw[i + 1]) : -1;
            const int lo = i + 2 < raw.size() ? detail::hex_value(raw[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                m->deallocate(out, raw.size(), 1);
                return std::nullopt;
            }
            out[o++] = static_cast<char>(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus_as_space) {
            out[o++] = ' ';
        } else {
            out[o++] = c;
        }
    }
    const std::string_view decoded(out, o);
    if (!detail::valid_utf8(decoded)) {
        m->deallocate(out, raw.size(), 1);
        return std::nullopt;
    }
    return decoded;
}

std::optional<param_style> param_style_from_name(std::string_view name) noexcept {
    if (name == "simple") return param_style::simple;
    if (name == "form") return param_style::form;
    if (name == "label") return param_style::label;
    if (name == "matrix") return param_style::matrix;
    if (name == "spaceDelimited") return param_style::space_delimited;
    if (name == "pipeDelimited") return param_style::pipe_delimited;
    if (name == "deepObject") return param_style::deep_object;
    return std::nullopt;
}

namespace {

using string_list = std::pmr::vector<std::string_view>;
using member_list = std::pmr::vector<std::pair<std::string_view, std::string_view>>;

// Delimiters of a serialized list: one character, or also its percent-encoded / form forms.
enum class delimiter : std::uint8_t { comma, dot, semicolon, space, pipe };

// Length of the delimiter at s[i], 0 when there is none.
std::size_t delimiter_at(std::string_view s, std::size_t i, delimiter d) noexcept {
    const char c = s[i];
    switch (d) {
    case delimiter::comma: return c == ',' ? 1 : 0;
    case delimiter::dot: return c == '.' ? 1 : 0;
    case delimiter::semicolon: return c == ';' ? 1 : 0;
    case delimiter::space:
        if (c == ' ' || c == '+') return 1;
        return c == '%' && i + 2 < s.size() && s[i + 1] == '2' && s[i + 2] == '0' ? 3 : 0;
    case delimiter::pipe:
        if (c == '|') return 1;
        return c == '%' && i + 2 < s.size() && s[i + 1] == '7' && (s[i + 2] == 'C' || s[i + 2] == 'c') ? 3 : 0;
    }
    return 0;
}

// Splits `raw` at `d`, decoding each item. An empty `raw` is an empty list.
bool split_decode(std::string_view raw, delimiter d, bool plus_as_space, std::pmr::memory_resource* m,
                  string_list& out) {
    if (raw.empty()) return true;
    std::size_t items = 1;
    for (std::size_t i = 0; i < raw.size(); ++i) items += delimiter_at(raw, i, d) != 0 ? 1 : 0;
    out.reserve(out.size() + items);
    std::size_t start = 0;
    for (std::size_t i = 0; i <= raw.size();) {
        const std::size_t dl = i < raw.size() ? delimiter_at(raw, i, d) : 1;
        if (dl == 0) {
            ++i;
            continue;
        }
        auto item = decode_component(raw.substr(start, i - start), plus_as_space && d != delimiter::space, m);
        if (!item) return false;
        out.push_back(*item);
        i += dl;
        start = i;
    }
    return true;
}

bool names_equal(std::string_view raw_name, std::string_view name, bool plus_as_space,
                 std::pmr::memory_resource* m) {
    if (raw_name.find('%') == std::string_view::npos && (!plus_as_space || raw_name.find('+') == std::string_view::npos)) {
        return raw_name == name;
    }
    const auto decoded = decode_component(raw_name, plus_as_space, m);
    return decoded && *decoded == name;
}

const raw_pair* first_pair(std::span<const raw_pair> query, std::string_view name, std::pmr::memory_resource* m) {
    for (const raw_pair& p : query) {
        if (names_equal(p.name, name, true, m)) return &p;
    }
    return nullptr;
}

// "name=value" -> value, "name" -> "" (matrix); false when the name differs.
bool strip_named(std::string_view piece, std::string_view name, bool plus_as_space, std::pmr::memory_resource* m,
                 std::string_view& value) {
    const std::size_t eq = piece.find('=');
    if (!names_equal(piece.substr(0, eq), name, plus_as_space, m)) return false;
    value = eq == std::string_view::npos ? std::string_view{} : piece.substr(eq + 1);
    return true;
}

// Pairs a flat list "k1,v1,k2,v2" into members.
bool pair_up(const string_list& flat, member_list& out) {
    if (flat.size() % 2 != 0) return false;
    out.reserve(out.size() + flat.size() / 2);
    for (std::size_t i = 0; i < flat.size(); i += 2) out.emplace_back(flat[i], flat[i + 1]);
    return true;
}

// Splits each "k=v" item (raw) at its first '=' and decodes both halves.
bool split_members(std::string_view raw, delimiter d, bool plus_as_space, std::pmr::memory_resource* m,
                   member_list& out) {
    if (raw.empty()) return true;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= raw.size();) {
        const std::size_t dl = i < raw.size() ? delimiter_at(raw, i, d) : 1;
        if (dl == 0) {
            ++i;
            continue;
        }
        const std::string_view item = raw.substr(start, i - start);
        const std::size_t eq = item.find('=');
        if (eq == std::string_view::npos) return false;
        auto k = decode_component(item.substr(0, eq), plus_as_space, m);
        auto v = decode_component(item.substr(eq + 1), plus_as_space, m);
        if (!k || !v) return false;
        out.emplace_back(*k, *v);
        i += dl;
        start = i;
    }
    return true;
}

bool is_list_query_style(param_style s) noexcept {
    return s == param_style::form || s == param_style::space_delimited || s == param_style::pipe_delimited;
}

delimiter list_delimiter(param_style s) noexcept {
    switch (s) {
    case param_style::space_delimited: return delimiter::space;
    case param_style::pipe_delimited: return delimiter::pipe;
    default: return delimiter::comma;
    }
}

// The raw value after a style's prefix for path/header/cookie values: label ".x", matrix
// ";name=x", form "name=x" (optional). False when the prefix does not fit.
bool unprefixed(param_style style, std::string_view name, std::string_view raw, std::pmr::memory_resource* m,
                std::string_view& value) {
    switch (style) {
    case param_style::label:
        if (raw.empty() || raw[0] != '.') return false;
        value = raw.substr(1);
        return true;
    case param_style::matrix:
        if (raw.empty() || raw[0] != ';') return false;
        return strip_named(raw.substr(1), name, false, m, value);
    case param_style::form:
        // The caller may pass "name=value" or just the value (a cookie's value, say).
        if (raw.size() > name.size() && raw.starts_with(name) && raw[name.size()] == '=') {
            value = raw.substr(name.size() + 1);
        } else {
            value = raw;
        }
        return true;
    default:
        value = raw;
        return true;
    }
}

} // namespace

std::optional<std::pmr::vector<std::string_view>> array_values(param_style style, bool explode, std::string_view name,
                                                               std::span<const raw_pair> query,
                                                               std::string_view raw_value, bool from_query,
                                                               std::pmr::memory_resource* m) {
    string_list out(m);
    if (from_query) {
        if (!is_list_query_style(style)) return std::nullopt;
        if (explode) { // id=3&id=4 (spaceDelimited/pipeDelimited explode serialize the same way)
            std::size_t n = 0;
            for (const raw_pair& p : query) n += names_equal(p.name, name, true, m) ? 1 : 0;
            out.reserve(n);
            for (const raw_pair& p : query) {
                if (!names_equal(p.name, name, true, m)) continue;
                auto v = decode_component(p.value, true, m);
                if (!v) return std::nullopt;
                out.push_back(*v);
            }
            return out;
        }
        const raw_pair* p = first_pair(query, name, m);
        if (p == nullptr) return out;
        if (!split_decode(p->value, list_delimiter(style), true, m, out)) return std::nullopt;
        return out;
    }
    switch (style) {
    case param_style::simple:
        if (!split_decode(raw_value, delimiter::comma, false, m, out)) return std::nullopt;
        return out;
    case param_style::label: {
        std::string_view rest;
        if (!unprefixed(style, name, raw_value, m, rest)) return std::nullopt;
        if (!split_decode(rest, explode ? delimiter::dot : delimiter::comma, false, m, out)) return std::nullopt;
        return out;
    }
    case param_style::matrix: {
        if (raw_value.empty() || raw_value[0] != ';') return std::nullopt;
        if (!explode) {
            std::string_view rest;
            if (!strip_named(raw_value.substr(1), name, false, m, rest)) return std::nullopt;
            if (!split_decode(rest, delimiter::comma, false, m, out)) return std::nullopt;
            return out;
        }
        // ;id=3;id=4 -- every piece must carry the name; ";id" alone is an empty array.
        string_list pieces(m);
        if (!split_decode(raw_value.substr(1), delimiter::semicolon, false, m, pieces)) return std::nullopt;
        if (pieces.size() == 1 && pieces[0] == name) return out;
        out.reserve(pieces.size());
        for (std::string_view piece : pieces) {
            if (piece.size() <= name.size() || !piece.starts_with(name) || piece[name.size()] != '=') return std::nullopt;
            out.push_back(piece.substr(name.size() + 1));
        }
        return out;
    }
    case param_style::form:
    case param_style::space_delimited:
    case param_style::pipe_delimited: {
        std::string_view rest;
        if (!unprefixed(param_style::form, name, raw_value, m, rest)) return std::nullopt;
        if (!split_decode(rest, list_delimiter(style), false, m, out)) return std::nullopt;
        return out;
    }
    case param_style::deep_object: return std::nullopt;
    }
    return std::nullopt;
}

std::optional<std::pmr::vector<std::pair<std::string_view, std::string_view>>> object_members(
    param_style style, bool explode, std::string_view name, std::span<const raw_pair> query,
    std::string_view raw_value, bool from_query, std::span<const std::string_view> known_properties,
    std::pmr::memory_resource* m) {
    member_list out(m);
    if (from_query) {
        if (style == param_style::deep_object) {
            for (const raw_pair& p : query) {
                auto n = decode_component(p.name, true, m);
                if (!n) return std::nullopt;
                const std::string_view dn = *n;
                if (dn.size() < name.size() + 2 || !dn.starts_with(name) || dn[name.size()] != '[' || dn.back() != ']') {
                    continue;
                }
                const std::string_view key = dn.substr(name.size() + 1, dn.size() - name.size() - 2);
                // Nested brackets (id[a][b]) are not defined by OpenAPI: reject rather than guess.
                if (key.find_first_of("[]") != std::string_view::npos) return std::nullopt;
                auto v = decode_component(p.value, true, m);
                if (!v) return std::nullopt;
                out.emplace_back(key, *v);
            }
            return out;
        }
        if (!is_list_query_style(style)) return std::nullopt;
        if (explode) { // R=100&G=200: every pair that names a known property
            for (const raw_pair& p : query) {
                auto n = decode_component(p.name, true, m);
                if (!n) return std::nullopt;
                bool known = known_properties.empty();
                for (std::string_view k : known_properties) known = known || k == *n;
                if (!known) continue;
                auto v = decode_component(p.value, true, m);
                if (!v) return std::nullopt;
                out.emplace_back(*n, *v);
            }
            return out;
        }
        const raw_pair* p = first_pair(query, name, m);
        if (p == nullptr) return out;
        string_list flat(m);
        if (!split_decode(p->value, list_delimiter(style), true, m, flat) || !pair_up(flat, out)) return std::nullopt;
        return out;
    }
    std::string_view rest;
    switch (style) {
    case param_style::simple:
    case param_style::label:
    case param_style::form:
    case param_style::space_delimited:
    case param_style::pipe_delimited: {
        if (!unprefixed(style == param_style::simple || style == param_style::label ? style : param_style::form, name,
                        raw_value, m, rest)) {
            return std::nullopt;
        }
        if (explode && (style == param_style::simple || style == param_style::label)) {
            const delimiter d = style == param_style::label ? delimiter::dot : delimiter::comma;
            if (!split_members(rest, d, false, m, out)) return std::nullopt;
            return out;
        }
        string_list flat(m);
        if (!split_decode(rest, list_delimiter(style), false, m, flat) || !pair_up(flat, out)) return std::nullopt;
        return out;
    }
    case param_style::matrix:
        if (raw_value.empty() || raw_value[0] != ';') return std::nullopt;
        if (explode) { // ;R=100;G=200
            if (!split_members(raw_value.substr(1), delimiter::semicolon, false, m, out)) return std::nullopt;
            return out;
        }
        {
            if (!strip_named(raw_value.substr(1), name, false, m, rest)) return std::nullopt;
            string_list flat(m);
            if (!split_decode(rest, delimiter::comma, false, m, flat) || !pair_up(flat, out)) return std::nullopt;
            return out;
        }
    case param_style::deep_object: return std::nullopt;
    }
    return std::nullopt;
}

std::optional<std::string_view> primitive_value(param_style style, bool explode, std::string_view name,
                                                std::string_view raw_value, std::pmr::memory_resource* m) {
    (void)explode; // a single value serializes the same way exploded or not
    std::string_view rest;
    if (!unprefixed(style, name, raw_value, m, rest)) return std::nullopt;
    return decode_component(rest, style == param_style::form, m);
}

std::optional<std::string_view> find_query(std::span<const raw_pair> query, std::string_view name,
                                           std::pmr::memory_resource* m) {
    const raw_pair* p = first_pair(query, name, m);
    if (p == nullptr) return std::nullopt;
    return decode_component(p->value, true, m);
}

std::pmr::vector<std::string_view> find_query_all(std::span<const raw_pair> query, std::string_view name,
                                                  std::pmr::memory_resource* m) {
    std::pmr::vector<std::string_view> out(m);
    for (const raw_pair& p : query) {
        if (!names_equal(p.name, name, true, m)) continue;
        if (auto v = decode_component(p.value, true, m)) out.push_back(*v);
    }
    return out;
}

std::optional<std::string_view> find_cookie(std::string_view header, std::string_view name) noexcept {
    auto trim = [](std::string_view s) noexcept {
        while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
        while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
        return s;
    };
    while (!header.empty()) {
        const std::size_t semi = header.find(';');
        const std::string_view piece = trim(header.substr(0, semi));
        header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
        const std::size_t eq = piece.find('=');
        if (eq == std::string_view::npos) continue;
        if (trim(piece.substr(0, eq)) != name) continue;
        std::string_view value = trim(piece.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
        return value;
    }
    return std::nullopt;
}

namespace {
template <class T>
bool parse_integer(std::string_view s, T& out) noexcept {
    if (s.empty()) return false;
    T v{};
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v, 10);
    if (r.ec != std::errc{} || r.ptr != s.data() + s.size()) return false;
    out = v;
    return true;
}

template <class T>
bool parse_floating(std::string_view s, T& out) noexcept {
    if (s.empty()) return false;
    // from_chars also takes "inf", "nan" and hex floats without a prefix; parameters are plain
    // decimal numbers.
    for (char c : s) {
        if (!detail::is_ascii_digit(c) && c != '-' && c != '.' && c != 'e' && c != 'E' && c != '+') return false;
    }
    if (s[0] == '+') return false;
    T v{};
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::general);
    if (r.ec != std::errc{} || r.ptr != s.data() + s.size() || !std::isfinite(v)) return false;
    out = v;
    return true;
}
} // namespace

bool parse_int32(std::string_view s, std::int32_t& out) noexcept { return parse_integer(s, out); }
bool parse_int64(std::string_view s, std::int64_t& out) noexcept { return parse_integer(s, out); }
bool parse_uint64(std::string_view s, std::uint64_t& out) noexcept { return parse_integer(s, out); }
bool parse_uint32(std::string_view s, std::uint32_t& out) noexcept { return parse_integer(s, out); }
bool parse_double(std::string_view s, double& out) noexcept { return parse_floating(s, out); }
bool parse_float(std::string_view s, float& out) noexcept { return parse_floating(s, out); }

bool parse_bool(std::string_view s, bool& out) noexcept {
    if (s == "true") {
        out = true;
        return true;
    }
    if (s == "false") {
        out = false;
        return true;
    }
    return false;
}

} // namespace katana::api
