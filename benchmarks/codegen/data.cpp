#include "data.hpp"

#include "checks.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <utility>

namespace katana::bench {

dataset::dataset(std::string name, std::string json, product_list expected, bool single)
    : name_(std::move(name)), buffer_(new char[json.size() + padding]()), size_(json.size()),
      expected_(std::move(expected)), single_(single) {
    std::memcpy(buffer_.get(), json.data(), json.size());
}

namespace {

// splitmix64: a fixed, portable sequence, so every run and machine sees the same documents.
class rng {
public:
    explicit rng(std::uint64_t seed) noexcept : s_(seed) {}
    std::uint64_t next() noexcept {
        std::uint64_t z = (s_ += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    std::size_t below(std::size_t n) noexcept { return static_cast<std::size_t>(next() % n); }
    template <class T, std::size_t N>
    const T& pick(const std::array<T, N>& a) noexcept {
        return a[below(N)];
    }

private:
    std::uint64_t s_;
};

constexpr std::array<std::string_view, 12> adjectives = {
    "Ergonomic", "Rustic", "Sleek", "Compact", "Heavy-Duty", "Vintage",
    "Foldable", "Premium", "Café-style", "Größere", "Minimal", "Modular"};
constexpr std::array<std::string_view, 10> materials = {
    "Steel", "Oak", "Walnut", "Aluminium", "Bamboo", "Granite", "Linen", "Leather", "Glass", "Concrete"};
constexpr std::array<std::string_view, 10> nouns = {
    "Chair", "Desk", "Lamp", "Shelf", "Table", "Stool", "Bench", "Cabinet", "Mirror", "Sideboard"};
constexpr std::array<std::string_view, 24> tag_words = {
    "furniture", "office", "home", "outdoor", "sale", "new", "eco", "handmade", "premium", "bestseller",
    "limited", "kids", "garden", "kitchen", "bedroom", "living-room", "storage", "lighting", "décor",
    "modern", "classic", "scandi", "industrial", "gift"};
constexpr std::array<std::string_view, 8> phrases = {
    "Built to last, with a finish that resists scratches and stains.",
    "Assembly takes about 20 minutes; all tools are included.",
    "Designed in Malmö — made from certified, sustainably sourced wood.",
    "Our \"most loved\" piece of 2024, now in three new colours.",
    "Fits small spaces: 30% less footprint than the classic model.",
    "Care:\n wipe with a damp cloth; avoid harsh detergents.",
    "Ships flat-packed 📦 in 100% recyclable packaging.",
    "Naïve art meets Bauhaus: straight lines, warm tones."};
constexpr std::array<std::string_view, 5> currencies = {"EUR", "USD", "GBP", "JPY", "CHF"};
constexpr std::array<std::string_view, 4> offsets = {"Z", "+02:00", "-05:00", "+05:30"};

// Every draw is its own statement: the order in which function arguments are evaluated is
// unspecified, and the documents must be the same whichever compiler built the benchmark.
std::string timestamp(rng& r) {
    const int year = 2019 + static_cast<int>(r.below(6));
    const int month = 1 + static_cast<int>(r.below(12));
    const int day = 1 + static_cast<int>(r.below(28));
    const std::size_t hour = r.below(24);
    const std::size_t minute = r.below(60);
    const std::size_t second = r.below(60);
    std::string s = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", year, month, day, hour, minute, second);
    if (r.below(3) == 0) s += fmt::format(".{:03}", r.below(1000));
    s += r.pick(offsets);
    return s;
}

// Quarters are exact in binary, so the value written and the value parsed are the same double.
double quarter(rng& r, std::size_t max_quarters) { return static_cast<double>(1 + r.below(max_quarters)) / 4.0; }

void append_escaped(std::string& out, std::string_view s, bool escape_non_ascii) {
    out += '"';
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
            ++i;
        } else if (c == '\n') {
            out += "\\n";
            ++i;
        } else if (c < 0x20) {
            out += fmt::format("\\u{:04x}", c);
            ++i;
        } else if (c >= 0x80 && escape_non_ascii) {
            // Decode one UTF-8 sequence and write it as \uXXXX (a surrogate pair above U+FFFF).
            const std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
            std::uint32_t cp = c & (len == 4 ? 0x07U : len == 3 ? 0x0FU : 0x1FU);
            for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3FU);
            if (cp >= 0x10000) {
                cp -= 0x10000;
                out += fmt::format("\\u{:04x}\\u{:04x}", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
            } else {
                out += fmt::format("\\u{:04x}", cp);
            }
            i += len;
        } else {
            out += static_cast<char>(c);
            ++i;
        }
    }
    out += '"';
}

void append_number(std::string& out, double v) {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

} // namespace

Product make_product(std::size_t i) {
    rng r(0x4B4154414E41ULL + i * 0x9E37ULL);
    Product p;
    p.id = static_cast<std::int64_t>(1000 + i * 7 + r.below(7));
    const char sku_a = static_cast<char>('A' + r.below(26));
    const char sku_b = static_cast<char>('A' + r.below(26));
    p.sku = fmt::format("{}{}-{:06}", sku_a, sku_b, r.below(1000000));
    if (r.below(3) == 0) {
        p.sku += '-';
        for (std::size_t k = 0, n = 1 + r.below(3); k < n; ++k) p.sku += static_cast<char>('A' + r.below(26));
    }
    const std::string_view adjective = r.pick(adjectives);
    const std::string_view material = r.pick(materials);
    const std::string_view noun = r.pick(nouns);
    p.name = fmt::format("{} {} {} {}", adjective, material, noun, 100 + r.below(900));
    const std::size_t desc = i == 0 ? 0 : r.below(20);
    if (desc < 14) {
        std::string d(r.pick(phrases));
        d += ' ';
        d += r.pick(phrases);
        p.description.emplace(d);
    } else if (desc < 17) {
        p.description.set_null();
    }
    p.price = static_cast<double>(99 + r.below(99900)) / 100.0;
    if (i == 0 || r.below(5) != 0) p.currency.emplace(r.pick(currencies));
    const std::size_t status = i == 0 ? 0 : r.below(10);
    p.status = status < 7 ? ProductStatus::active : status < 9 ? ProductStatus::discontinued : ProductStatus::draft;
    for (std::size_t k = 0; k < 10; ++k) p.tags.emplace_back(r.pick(tag_words));
    p.dimensions.width = quarter(r, 800);
    p.dimensions.height = quarter(r, 800);
    p.dimensions.depth = quarter(r, 400);
    if (i == 0 || r.below(4) != 0) p.dimensions.unit = static_cast<DimensionsUnit>(r.below(3));
    if (p.status == ProductStatus::discontinued) {
        p.discontinued_at.emplace(timestamp(r));
    } else if (i == 0 || r.below(2) == 0) {
        p.discontinued_at.set_null();
    }
    p.created_at = timestamp(r);
    return p;
}

void append_product_json(std::string& out, const Product& p, bool escape_non_ascii) {
    out += "{\"id\":";
    out += std::to_string(p.id);
    out += ",\"sku\":";
    append_escaped(out, p.sku, escape_non_ascii);
    out += ",\"name\":";
    append_escaped(out, p.name, escape_non_ascii);
    if (p.description.has_value()) {
        out += ",\"description\":";
        append_escaped(out, *p.description, escape_non_ascii);
    } else if (p.description.is_null()) {
        out += ",\"description\":null";
    }
    // Prices the way shops send them: two decimals (the double is the nearest to that decimal).
    const auto cents = static_cast<long long>(p.price * 100.0 + 0.5);
    out += fmt::format(",\"price\":{}.{:02}", cents / 100, cents % 100);
    if (p.currency) {
        out += ",\"currency\":";
        append_escaped(out, *p.currency, escape_non_ascii);
    }
    out += ",\"status\":\"";
    out += to_string(p.status);
    out += "\",\"tags\":[";
    for (std::size_t k = 0; k < p.tags.size(); ++k) {
        if (k != 0) out += ',';
        append_escaped(out, p.tags[k], escape_non_ascii);
    }
    out += "],\"dimensions\":{\"width\":";
    append_number(out, p.dimensions.width);
    out += ",\"height\":";
    append_number(out, p.dimensions.height);
    out += ",\"depth\":";
    append_number(out, p.dimensions.depth);
    if (p.dimensions.unit) {
        out += ",\"unit\":\"";
        out += to_string(*p.dimensions.unit);
        out += '"';
    }
    out += '}';
    if (p.discontinued_at.has_value()) {
        out += ",\"discontinued_at\":";
        append_escaped(out, *p.discontinued_at, false);
    } else if (p.discontinued_at.is_null()) {
        out += ",\"discontinued_at\":null";
    }
    out += ",\"created_at\":";
    append_escaped(out, p.created_at, false);
    out += '}';
}

dataset make_single_product() {
    product_list expected;
    expected.push_back(make_product(0));
    std::string json;
    append_product_json(json, expected.front(), false);
    return dataset("product", std::move(json), std::move(expected), true);
}

namespace {

dataset make_array(std::string name, std::size_t max_count, std::size_t max_bytes) {
    product_list expected;
    std::string json = "[";
    std::string item;
    for (std::size_t i = 0; i < max_count; ++i) {
        Product p = make_product(i);
        item.clear();
        // Every fifth product spells its non-ASCII characters as \u escapes, as some clients do.
        append_product_json(item, p, i % 5 == 4);
        if (json.size() + item.size() + 2 > max_bytes) break;
        if (i != 0) json += ',';
        json += item;
        expected.push_back(std::move(p));
    }
    json += ']';
    return dataset(std::move(name), std::move(json), std::move(expected), false);
}

} // namespace

dataset make_product_array(std::size_t n) { return make_array(fmt::format("list{}", n), n, SIZE_MAX); }

dataset make_document_of(std::size_t bytes) {
    return make_array(fmt::format("doc{}KiB", bytes / 1024), SIZE_MAX, bytes);
}

} // namespace katana::bench
