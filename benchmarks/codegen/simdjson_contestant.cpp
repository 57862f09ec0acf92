// simdjson 3.0 On-Demand: the fastest way that library offers to go from text to a struct.
// Stage 1 (structural index, UTF-8 validation of the whole input) runs with simdjson's runtime
// kernel dispatch; stage 2 (this file's accessors: number parsing, string unescaping) is
// compiled into this file with the "builtin" kernel its compile flags allow.
//
// Strictness: every member value is consumed through a typed accessor, which validates it;
// unknown members are rejected before their value is looked at, so nothing is skipped unread.
// Keys are compared unescaped (unescaped_key), so "n\u0061me" is the member "name". Trailing
// content after the top-level value is checked explicitly (3.0 has no document::at_end()).
#include "checks.hpp"
#include "contestants.hpp"

#include <simdjson.h>

#include <fmt/format.h>

namespace katana::bench {

namespace ondemand = simdjson::ondemand;

struct simdjson_contestant::impl {
    ondemand::parser parser;
};

simdjson_contestant::simdjson_contestant() : impl_(std::make_unique<impl>()) {}
simdjson_contestant::~simdjson_contestant() = default;

// simdjson::builtin_implementation() would name the shared library's builtin kernel; the
// accessors used here are inlined into this file, compiled for SIMDJSON_BUILTIN_IMPLEMENTATION.
#define KATANA_BENCH_STRINGIFY2(x) #x
#define KATANA_BENCH_STRINGIFY(x) KATANA_BENCH_STRINGIFY2(x)
std::string simdjson_kernel() {
    return fmt::format("stage1 {} (runtime dispatch), stage2 {} (compiled in)",
                       simdjson::get_active_implementation()->name(),
                       KATANA_BENCH_STRINGIFY(SIMDJSON_BUILTIN_IMPLEMENTATION));
}
#undef KATANA_BENCH_STRINGIFY
#undef KATANA_BENCH_STRINGIFY2

namespace {

// A value of the wrong JSON type breaks the schema; everything else simdjson reports is a
// syntax problem of the document.
parse_status status_of(simdjson::error_code e) noexcept {
    return e == simdjson::INCORRECT_TYPE || e == simdjson::NUMBER_OUT_OF_RANGE ? parse_status::invalid
                                                                                  : parse_status::malformed;
}

#define KATANA_BENCH_TRY(expr)                                                                                       \
    do {                                                                                                             \
        if (const simdjson::error_code katana_bench_e = (expr); katana_bench_e != simdjson::SUCCESS)                 \
            return status_of(katana_bench_e);                                                                        \
    } while (false)

parse_status read_int64(ondemand::value& v, std::int64_t& out) noexcept {
    if (v.get_int64().get(out) == simdjson::SUCCESS) return parse_status::ok;
    // Not an integer token: 7.0 or 1e3 still count when whole (a failed accessor consumes nothing).
    double d = 0;
    KATANA_BENCH_TRY(v.get_double().get(d));
    const auto whole = whole_int64(d);
    if (!whole) return parse_status::invalid;
    out = *whole;
    return parse_status::ok;
}

// A nullable string member: null, or a string that `valid` accepts.
template <class Check>
parse_status read_nullable(ondemand::value& v, tristate<std::pmr::string>& out, std::pmr::memory_resource* memory,
                           Check valid) noexcept {
    bool null = false;
    KATANA_BENCH_TRY(v.is_null().get(null));
    if (null) {
        out.set_null();
        return parse_status::ok;
    }
    std::string_view s;
    KATANA_BENCH_TRY(v.get_string().get(s));
    if (!valid(s)) return parse_status::invalid;
    out.emplace(s, std::pmr::polymorphic_allocator<char>(memory));
    return parse_status::ok;
}

parse_status read_dimensions(ondemand::value& v, Dimensions& d) noexcept {
    ondemand::object obj;
    KATANA_BENCH_TRY(v.get_object().get(obj));
    d = Dimensions{};
    std::uint32_t seen = 0;
    for (auto member : obj) {
        ondemand::field field;
        KATANA_BENCH_TRY(std::move(member).get(field));
        std::string_view key;
        KATANA_BENCH_TRY(field.unescaped_key().get(key));
        ondemand::value& value = field.value();
        const dimensions_key k = classify_dimensions_key(key);
        if ((seen & bit(k)) != 0) return parse_status::invalid; // a member given twice
        switch (k) {
        case dimensions_key::width:
        case dimensions_key::height:
        case dimensions_key::depth: {
            double x = 0;
            KATANA_BENCH_TRY(value.get_double().get(x));
            if (!valid_dimension(x)) return parse_status::invalid;
            (k == dimensions_key::width ? d.width : k == dimensions_key::height ? d.height : d.depth) = x;
            break;
        }
        case dimensions_key::unit: {
            std::string_view s;
            KATANA_BENCH_TRY(value.get_string().get(s));
            const auto unit = dimensions_unit_from(s);
            if (!unit) return parse_status::invalid;
            d.unit = *unit;
            break;
        }
        case dimensions_key::unknown: return parse_status::invalid;
        }
        seen |= bit(k);
    }
    return (seen & dimensions_required) == dimensions_required ? parse_status::ok : parse_status::invalid;
}

parse_status read_product(ondemand::object& obj, Product& p, std::pmr::memory_resource* memory) noexcept {
    bind(p, memory);
    std::uint32_t seen = 0;
    for (auto member : obj) {
        ondemand::field field;
        KATANA_BENCH_TRY(std::move(member).get(field));
        std::string_view key;
        KATANA_BENCH_TRY(field.unescaped_key().get(key));
        ondemand::value& value = field.value();
        const product_key k = classify_product_key(key);
        if ((seen & bit(k)) != 0) return parse_status::invalid; // a member given twice
        std::string_view s;
        switch (k) {
        case product_key::id: {
            std::int64_t id = 0;
            if (const auto st = read_int64(value, id); st != parse_status::ok) return st;
            if (!valid_id(id)) return parse_status::invalid;
            p.id = id;
            break;
        }
        case product_key::sku:
            KATANA_BENCH_TRY(value.get_string().get(s));
            if (!valid_sku(s)) return parse_status::invalid;
            p.sku.assign(s);
            break;
        case product_key::name:
            KATANA_BENCH_TRY(value.get_string().get(s));
            if (!valid_name(s)) return parse_status::invalid;
            p.name.assign(s);
            break;
        case product_key::description:
            if (const auto st = read_nullable(value, p.description, memory, valid_description); st != parse_status::ok)
                return st;
            break;
        case product_key::price: {
            double price = 0;
            KATANA_BENCH_TRY(value.get_double().get(price));
            if (!valid_price(price)) return parse_status::invalid;
            p.price = price;
            break;
        }
        case product_key::currency:
            KATANA_BENCH_TRY(value.get_string().get(s));
            if (!valid_currency(s)) return parse_status::invalid;
            p.currency.emplace(s, std::pmr::polymorphic_allocator<char>(memory));
            break;
        case product_key::status: {
            KATANA_BENCH_TRY(value.get_string().get(s));
            const auto status = product_status_from(s);
            if (!status) return parse_status::invalid;
            p.status = *status;
            break;
        }
        case product_key::tags: {
            ondemand::array tags;
            KATANA_BENCH_TRY(value.get_array().get(tags));
            p.tags.clear();
            for (auto element : tags) {
                KATANA_BENCH_TRY(element.get_string().get(s));
                if (p.tags.size() == max_tags || !valid_tag(s)) return parse_status::invalid;
                p.tags.emplace_back(s);
            }
            break;
        }
        case product_key::dimensions:
            if (const auto st = read_dimensions(value, p.dimensions); st != parse_status::ok) return st;
            break;
        case product_key::discontinued_at:
            if (const auto st = read_nullable(value, p.discontinued_at, memory, valid_timestamp); st != parse_status::ok)
                return st;
            break;
        case product_key::created_at:
            KATANA_BENCH_TRY(value.get_string().get(s));
            if (!valid_timestamp(s)) return parse_status::invalid;
            p.created_at.assign(s);
            break;
        case product_key::unknown: return parse_status::invalid;
        }
        seen |= bit(k);
    }
    return (seen & product_required) == product_required ? parse_status::ok : parse_status::invalid;
}

// After the top-level value: only whitespace may follow (current_location() is OUT_OF_BOUNDS
// exactly when the iterator consumed the last token).
parse_status finish(ondemand::document& doc) noexcept {
    return doc.current_location().error() == simdjson::OUT_OF_BOUNDS ? parse_status::ok : parse_status::malformed;
}

} // namespace

parse_status simdjson_contestant::parse(json_input input, Product& out, std::pmr::memory_resource* memory) {
    ondemand::document doc;
    KATANA_BENCH_TRY(impl_->parser
                         .iterate(simdjson::padded_string_view(input.text.data(), input.text.size(), input.readable))
                         .get(doc));
    ondemand::object obj;
    KATANA_BENCH_TRY(doc.get_object().get(obj));
    if (const auto st = read_product(obj, out, memory); st != parse_status::ok) return st;
    return finish(doc);
}

parse_status simdjson_contestant::parse(json_input input, product_list& out, std::pmr::memory_resource* memory) {
    ondemand::document doc;
    KATANA_BENCH_TRY(impl_->parser
                         .iterate(simdjson::padded_string_view(input.text.data(), input.text.size(), input.readable))
                         .get(doc));
    ondemand::array items;
    KATANA_BENCH_TRY(doc.get_array().get(items));
    rebind(out, memory);
    for (auto item : items) {
        ondemand::object obj;
        KATANA_BENCH_TRY(item.get_object().get(obj));
        if (const auto st = read_product(obj, out.emplace_back(), memory); st != parse_status::ok) return st;
    }
    return finish(doc);
}

#undef KATANA_BENCH_TRY

} // namespace katana::bench
