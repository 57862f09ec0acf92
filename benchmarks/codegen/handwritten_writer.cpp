// The hand-written serializer: what a careful programmer writes without a library. Member names
// are pre-rendered literals, numbers go through std::to_chars (shortest text that reads back as
// the same double), strings are escaped per RFC 8259 with a 256-entry table (only '"', '\\'
// and bytes below 0x20 need it; UTF-8 passes through unchanged). The output string is grown once
// per Product to an upper bound of what that Product can need, and written through a raw
// pointer inside resize_and_overwrite, so there is no per-character capacity check.
#include "checks.hpp"
#include "contestants.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

namespace katana::bench::handwritten_writer {

namespace {

// 0: copy as is; otherwise the character after the backslash ('u' for \u00XX).
constexpr std::array<char, 256> escape_table = [] {
    std::array<char, 256> t{};
    for (int c = 0; c < 0x20; ++c) t[static_cast<std::size_t>(c)] = 'u';
    t['"'] = '"';
    t['\\'] = '\\';
    t['\b'] = 'b';
    t['\f'] = 'f';
    t['\n'] = 'n';
    t['\r'] = 'r';
    t['\t'] = 't';
    return t;
}();

// Longest output of one number: to_chars of a double is at most 24 characters; int64 20.
constexpr std::size_t max_number = 24;

char* put(char* out, std::string_view literal) noexcept {
    std::memcpy(out, literal.data(), literal.size());
    return out + literal.size();
}

char* put_string(char* out, std::string_view s) noexcept {
    *out++ = '"';
    const char* run = s.data();
    const char* const end = s.data() + s.size();
    for (const char* p = run; p != end; ++p) {
        const char e = escape_table[static_cast<unsigned char>(*p)];
        if (e == 0) continue;
        std::memcpy(out, run, static_cast<std::size_t>(p - run));
        out += p - run;
        *out++ = '\\';
        *out++ = e;
        if (e == 'u') {
            static constexpr char hex[] = "0123456789abcdef";
            const auto c = static_cast<unsigned char>(*p);
            *out++ = '0';
            *out++ = '0';
            *out++ = hex[c >> 4];
            *out++ = hex[c & 0xF];
        }
        run = p + 1;
    }
    std::memcpy(out, run, static_cast<std::size_t>(end - run));
    out += end - run;
    *out++ = '"';
    return out;
}

char* put_number(char* out, double v) noexcept {
    // Validated Products hold finite numbers only; JSON has no spelling for the others.
    if (!std::isfinite(v)) return put(out, "null");
    return std::to_chars(out, out + max_number, v).ptr;
}

char* put_number(char* out, std::int64_t v) noexcept { return std::to_chars(out, out + max_number, v).ptr; }

// Worst case of a string: every byte escaped as \u00XX, plus the quotes.
constexpr std::size_t max_string(std::size_t n) noexcept { return 6 * n + 2; }

char* put_product(char* out, const Product& p) noexcept {
    out = put(out, "{\"id\":");
    out = put_number(out, p.id);
    out = put(out, ",\"sku\":");
    out = put_string(out, p.sku);
    out = put(out, ",\"name\":");
    out = put_string(out, p.name);
    if (p.description.has_value()) {
        out = put(out, ",\"description\":");
        out = put_string(out, *p.description);
    } else if (p.description.is_null()) {
        out = put(out, ",\"description\":null");
    }
    out = put(out, ",\"price\":");
    out = put_number(out, p.price);
    if (p.currency) {
        out = put(out, ",\"currency\":");
        out = put_string(out, *p.currency);
    }
    out = put(out, ",\"status\":\"");
    out = put(out, to_string(p.status));
    out = put(out, "\",\"tags\":[");
    for (std::size_t i = 0; i < p.tags.size(); ++i) {
        if (i != 0) *out++ = ',';
        out = put_string(out, p.tags[i]);
    }
    out = put(out, "],\"dimensions\":{\"width\":");
    out = put_number(out, p.dimensions.width);
    out = put(out, ",\"height\":");
    out = put_number(out, p.dimensions.height);
    out = put(out, ",\"depth\":");
    out = put_number(out, p.dimensions.depth);
    if (p.dimensions.unit) {
        out = put(out, ",\"unit\":\"");
        out = put(out, to_string(*p.dimensions.unit));
        *out++ = '"';
    }
    *out++ = '}';
    if (p.discontinued_at.has_value()) {
        out = put(out, ",\"discontinued_at\":");
        out = put_string(out, *p.discontinued_at);
    } else if (p.discontinued_at.is_null()) {
        out = put(out, ",\"discontinued_at\":null");
    }
    out = put(out, ",\"created_at\":");
    out = put_string(out, p.created_at);
    *out++ = '}';
    return out;
}

void append_product(const Product& p, std::pmr::string& out) {
    const std::size_t old = out.size();
    out.resize_and_overwrite(old + max_size(p), [&](char* data, std::size_t) noexcept {
        return static_cast<std::size_t>(put_product(data + old, p) - data);
    });
}

} // namespace

std::size_t max_size(const Product& p) noexcept {
    // Member names, punctuation, "null"s and enum values: a fixed 256 covers all of them.
    std::size_t n = 256 + 4 * max_number;
    n += max_string(p.sku.size()) + max_string(p.name.size()) + max_string(p.created_at.size());
    if (p.description.has_value()) n += max_string(p.description->size());
    if (p.currency) n += max_string(p.currency->size());
    if (p.discontinued_at.has_value()) n += max_string(p.discontinued_at->size());
    for (const auto& t : p.tags) n += max_string(t.size()) + 1;
    return n;
}

void serialize(const Product& p, std::pmr::string& out) { append_product(p, out); }

void serialize(const product_list& list, std::pmr::string& out) {
    out += '[';
    for (std::size_t i = 0; i < list.size(); ++i) {
        if (i != 0) out += ',';
        append_product(list[i], out);
    }
    out += ']';
}

} // namespace katana::bench::handwritten_writer
