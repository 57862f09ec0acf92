// nlohmann::json 3.11: the most common C++ JSON library, the reference every ratio is taken
// against. Parse: json::parse(first, last, no callback, allow_exceptions=false, ignore_comments
// =false) -- strict RFC 8259 with UTF-8 validation, syntax errors give a "discarded" value --
// then extraction with the checks of checks.hpp. Its DOM allocates from the heap (json's
// AllocatorType is default-constructed, so it cannot carry an arena); the Product's strings
// still go to the arena.
#include "checks.hpp"
#include "contestants.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>

namespace katana::bench::nlohmann_contestant {

namespace {

using json = nlohmann::json;

std::optional<std::int64_t> to_int64(const json& v) noexcept {
    switch (v.type()) {
    case json::value_t::number_integer: return v.get<std::int64_t>();
    case json::value_t::number_unsigned: {
        const auto u = v.get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
        return static_cast<std::int64_t>(u);
    }
    case json::value_t::number_float: return whole_int64(v.get<double>());
    default: return std::nullopt;
    }
}

// The json's string, or nullptr when it is not one.
const std::string* string_of(const json& v) noexcept { return v.get_ptr<const json::string_t*>(); }

bool read_nullable(const json& v, tristate<std::pmr::string>& out, std::pmr::memory_resource* memory,
                   bool (*valid)(std::string_view) noexcept) {
    if (v.is_null()) {
        out.set_null();
        return true;
    }
    const std::string* s = string_of(v);
    if (s == nullptr || !valid(*s)) return false;
    out.emplace(*s, std::pmr::polymorphic_allocator<char>(memory));
    return true;
}

bool read_dimensions(const json& v, Dimensions& d) {
    if (!v.is_object()) return false;
    d = Dimensions{};
    std::uint32_t seen = 0;
    for (auto it = v.begin(); it != v.end(); ++it) {
        const dimensions_key k = classify_dimensions_key(it.key());
        const json& value = it.value();
        switch (k) {
        case dimensions_key::width:
        case dimensions_key::height:
        case dimensions_key::depth: {
            if (!value.is_number()) return false;
            const double x = value.get<double>();
            if (!valid_dimension(x)) return false;
            (k == dimensions_key::width ? d.width : k == dimensions_key::height ? d.height : d.depth) = x;
            break;
        }
        case dimensions_key::unit: {
            const std::string* s = string_of(value);
            if (s == nullptr) return false;
            const auto unit = dimensions_unit_from(*s);
            if (!unit) return false;
            d.unit = *unit;
            break;
        }
        case dimensions_key::unknown: return false;
        }
        seen |= bit(k);
    }
    return (seen & dimensions_required) == dimensions_required;
}

bool read_product(const json& v, Product& p, std::pmr::memory_resource* memory) {
    if (!v.is_object()) return false;
    bind(p, memory);
    std::uint32_t seen = 0;
    for (auto it = v.begin(); it != v.end(); ++it) {
        const product_key k = classify_product_key(it.key());
        const json& value = it.value();
        const std::string* s = nullptr;
        switch (k) {
        case product_key::id: {
            const auto id = to_int64(value);
            if (!id || !valid_id(*id)) return false;
            p.id = *id;
            break;
        }
        case product_key::sku:
            if ((s = string_of(value)) == nullptr || !valid_sku(*s)) return false;
            p.sku.assign(*s);
            break;
        case product_key::name:
            if ((s = string_of(value)) == nullptr || !valid_name(*s)) return false;
            p.name.assign(*s);
            break;
        case product_key::description:
            if (!read_nullable(value, p.description, memory, valid_description)) return false;
            break;
        case product_key::price:
            if (!value.is_number() || !valid_price(value.get<double>())) return false;
            p.price = value.get<double>();
            break;
        case product_key::currency:
            if ((s = string_of(value)) == nullptr || !valid_currency(*s)) return false;
            p.currency.emplace(*s, std::pmr::polymorphic_allocator<char>(memory));
            break;
        case product_key::status: {
            if ((s = string_of(value)) == nullptr) return false;
            const auto status = product_status_from(*s);
            if (!status) return false;
            p.status = *status;
            break;
        }
        case product_key::tags:
            if (!value.is_array() || value.size() > max_tags) return false;
            p.tags.clear();
            for (const json& tag : value) {
                if ((s = string_of(tag)) == nullptr || !valid_tag(*s)) return false;
                p.tags.emplace_back(*s);
            }
            break;
        case product_key::dimensions:
            if (!read_dimensions(value, p.dimensions)) return false;
            break;
        case product_key::discontinued_at:
            if (!read_nullable(value, p.discontinued_at, memory, valid_timestamp)) return false;
            break;
        case product_key::created_at:
            if ((s = string_of(value)) == nullptr || !valid_timestamp(*s)) return false;
            p.created_at.assign(*s);
            break;
        case product_key::unknown: return false;
        }
        seen |= bit(k);
    }
    return (seen & product_required) == product_required;
}

json parse_text(json_input input) {
    return json::parse(input.text.begin(), input.text.end(), nullptr, /*allow_exceptions=*/false);
}

json to_json(const Product& p) {
    json j;
    j["id"] = p.id;
    j["sku"] = std::string_view(p.sku);
    j["name"] = std::string_view(p.name);
    if (p.description.has_value()) {
        j["description"] = std::string_view(*p.description);
    } else if (p.description.is_null()) {
        j["description"] = nullptr;
    }
    j["price"] = p.price;
    if (p.currency) j["currency"] = std::string_view(*p.currency);
    j["status"] = to_string(p.status);
    json& tags = j["tags"] = json::array();
    for (const auto& t : p.tags) tags.push_back(std::string_view(t));
    json& d = j["dimensions"];
    d["width"] = p.dimensions.width;
    d["height"] = p.dimensions.height;
    d["depth"] = p.dimensions.depth;
    if (p.dimensions.unit) d["unit"] = to_string(*p.dimensions.unit);
    if (p.discontinued_at.has_value()) {
        j["discontinued_at"] = std::string_view(*p.discontinued_at);
    } else if (p.discontinued_at.is_null()) {
        j["discontinued_at"] = nullptr;
    }
    j["created_at"] = std::string_view(p.created_at);
    return j;
}

} // namespace

parse_status parse(json_input input, Product& out, std::pmr::memory_resource* memory) {
    const json doc = parse_text(input);
    if (doc.is_discarded()) return parse_status::malformed;
    return read_product(doc, out, memory) ? parse_status::ok : parse_status::invalid;
}

parse_status parse(json_input input, product_list& out, std::pmr::memory_resource* memory) {
    const json doc = parse_text(input);
    if (doc.is_discarded()) return parse_status::malformed;
    if (!doc.is_array()) return parse_status::invalid;
    rebind(out, memory);
    out.reserve(doc.size());
    for (const json& item : doc) {
        if (!read_product(item, out.emplace_back(), memory)) return parse_status::invalid;
    }
    return parse_status::ok;
}

void serialize(const Product& p, std::string& out) { out = to_json(p).dump(); }

void serialize(const product_list& list, std::string& out) {
    json j = json::array();
    for (const Product& p : list) j.push_back(to_json(p));
    out = j.dump();
}

} // namespace katana::bench::nlohmann_contestant
