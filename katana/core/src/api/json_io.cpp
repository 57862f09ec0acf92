#include <katana/api/json_io.hpp>

#include <array>
#include <bit>
#include <cstring>

namespace katana::api {
namespace {

// Structural hash consistent with json::equal: numbers by value (1 == 1.0), objects independent
// of member order.
std::uint64_t mix(std::uint64_t h) noexcept {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

std::uint64_t hash_bytes(std::string_view s) noexcept {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : s) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    return h;
}

std::uint64_t hash_value(const json::value& v, int depth) noexcept {
    if (depth > 64) return 0x5bd1e995; // deep values share a bucket; equal() decides
    switch (v.kind()) {
    case json::value_kind::null: return 1;
    case json::value_kind::boolean: return v.as_bool() ? 2 : 3;
    case json::value_kind::number: {
        double d = v.as_double();
        if (d == 0) d = 0; // -0 == 0
        return mix(std::bit_cast<std::uint64_t>(d) ^ 4);
    }
    case json::value_kind::string: return mix(hash_bytes(v.as_string()) ^ 5);
    case json::value_kind::array: {
        std::uint64_t h = 6;
        for (const auto& e : v.as_array()) h = mix(h * 31 + hash_value(e, depth + 1));
        return h;
    }
    case json::value_kind::object: {
        std::uint64_t h = 7;
        for (const auto& m : v.as_object()) h += mix(hash_bytes(m.key) * 31 + hash_value(m.val, depth + 1));
        return h;
    }
    }
    return 0;
}

} // namespace

bool json_has_duplicates(std::span<const json::value> values, std::pmr::memory_resource* m) {
    if (values.size() < 2) return false;
    std::pmr::vector<std::pair<std::uint64_t, std::size_t>> keyed(m);
    keyed.reserve(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) keyed.emplace_back(hash_value(values[i], 0), i);
    std::sort(keyed.begin(), keyed.end());
    for (std::size_t i = 0; i < keyed.size();) {
        std::size_t j = i + 1;
        while (j < keyed.size() && keyed[j].first == keyed[i].first) ++j;
        // Equal hashes: compare pairwise within the run (runs are tiny unless values collide).
        for (std::size_t a = i; a < j; ++a) {
            for (std::size_t b = a + 1; b < j; ++b) {
                if (json::equal(values[keyed[a].second], values[keyed[b].second])) return true;
            }
        }
        i = j;
    }
    return false;
}

bool dom_is_integer(const json::value& v) noexcept {
    if (!v.is_number()) return false;
    const std::string_view t = v.number_text();
    if (t.find_first_of(".eE") == std::string_view::npos) return true;
    const double d = v.as_double();
    return std::isfinite(d) && std::floor(d) == d;
}

bool dom_type_matches(const json::value& v, std::uint8_t types) noexcept {
    switch (v.kind()) {
    case json::value_kind::null: return (types & dom_null) != 0;
    case json::value_kind::boolean: return (types & dom_boolean) != 0;
    case json::value_kind::number:
        if ((types & dom_number) != 0) return true;
        return (types & dom_integer) != 0 && dom_is_integer(v);
    case json::value_kind::string: return (types & dom_string) != 0;
    case json::value_kind::array: return (types & dom_array) != 0;
    case json::value_kind::object: return (types & dom_object) != 0;
    }
    return false;
}

void dom_type_error(validation_context& ctx, const json::value& v, std::uint8_t types) {
    static constexpr std::array<std::pair<std::uint8_t, std::string_view>, 7> names{{
        {dom_object, "object"},
        {dom_array, "array"},
        {dom_string, "string"},
        {dom_number, "number"},
        {dom_integer, "integer"},
        {dom_boolean, "boolean"},
        {dom_null, "null"},
    }};
    char buf[96];
    std::size_t n = 0;
    for (const auto& [bit, name] : names) {
        if ((types & bit) == 0) continue;
        if (bit == dom_integer && (types & dom_number) != 0) continue;
        if (n != 0) {
            std::memcpy(buf + n, " or ", 4);
            n += 4;
        }
        std::memcpy(buf + n, name.data(), name.size());
        n += name.size();
    }
    std::string_view got = kind_name(v.kind());
    if (v.is_number() && (types & dom_integer) != 0) got = "a fractional number";
    ctx.addf("expected {}, got {}", std::string_view(buf, n), got);
}

bool dom_equals_json(const json::value& v, std::string_view json) {
    // Spec constants are small; parse them into a stack buffer (heap only for huge ones).
    std::array<std::byte, 2048> buffer;
    std::pmr::monotonic_buffer_resource scratch(buffer.data(), buffer.size());
    auto parsed = json::parse(json, &scratch);
    return parsed.has_value() && json::equal(v, *parsed);
}

} // namespace katana::api
