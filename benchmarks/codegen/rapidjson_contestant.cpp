// RapidJSON 1.1 (Debian's snapshot): DOM parse, then extraction with the checks of checks.hpp;
// rapidjson::Writer for serialization.
//
// Parse flags: kParseValidateEncodingFlag (RapidJSON does not validate UTF-8 by default),
// kParseFullPrecisionFlag (its default number parsing may be off by one ulp, and the values must
// be the ones the text spells), kParseIterativeFlag (bounded stack on hostile nesting).
// Everything else is RFC 8259 strict by default (no comments, NaN, trailing commas; trailing
// content after the root is an error). RAPIDJSON_SSE42 turns on its SSE4.2 whitespace skipping
// (x86-64-v2 has it).
//
// Memory: the document, its parse stack and the writer's buffer take their memory from the
// per-iteration arena through arena_allocator below, so RapidJSON does not touch the heap.
#include "checks.hpp"
#include "contestants.hpp"

#if defined(__SSE4_2__)
#define RAPIDJSON_SSE42
#endif
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstring>

namespace katana::bench::rapidjson_contestant {

namespace {

// RapidJSON's Allocator concept over a std::pmr::memory_resource (a monotonic arena: Free is a
// no-op and Realloc copies unless it shrinks).
class arena_allocator {
public:
    static const bool kNeedFree = false;

    explicit arena_allocator(std::pmr::memory_resource* memory = std::pmr::get_default_resource()) noexcept
        : memory_(memory) {}

    void* Malloc(std::size_t size) { return size == 0 ? nullptr : memory_->allocate(size, alignof(std::max_align_t)); }
    void* Realloc(void* original, std::size_t original_size, std::size_t new_size) {
        if (original == nullptr) return Malloc(new_size);
        if (new_size <= original_size) return original;
        void* p = Malloc(new_size);
        std::memcpy(p, original, original_size);
        return p;
    }
    static void Free(void*) noexcept {}

private:
    std::pmr::memory_resource* memory_;
};

using document = rapidjson::GenericDocument<rapidjson::UTF8<>, arena_allocator, arena_allocator>;
using value = document::ValueType;

constexpr unsigned parse_flags =
    rapidjson::kParseValidateEncodingFlag | rapidjson::kParseFullPrecisionFlag | rapidjson::kParseIterativeFlag;

std::string_view string_of(const value& v) noexcept { return {v.GetString(), v.GetStringLength()}; }

std::optional<std::int64_t> to_int64(const value& v) noexcept {
    if (v.IsInt64()) return v.GetInt64();
    // Uint64 beyond int64 is out of range; a double token (7.0, 1e3) counts when it is whole.
    if (v.IsDouble()) return whole_int64(v.GetDouble());
    return std::nullopt;
}

bool read_nullable(const value& v, tristate<std::pmr::string>& out, std::pmr::memory_resource* memory,
                   bool (*valid)(std::string_view) noexcept) {
    if (v.IsNull()) {
        out.set_null();
        return true;
    }
    if (!v.IsString() || !valid(string_of(v))) return false;
    out.emplace(string_of(v), std::pmr::polymorphic_allocator<char>(memory));
    return true;
}

bool read_dimensions(const value& v, Dimensions& d) {
    if (!v.IsObject()) return false;
    d = Dimensions{};
    std::uint32_t seen = 0;
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
        const dimensions_key k = classify_dimensions_key(string_of(it->name));
        if ((seen & bit(k)) != 0) return false; // a member given twice
        const value& member = it->value;
        switch (k) {
        case dimensions_key::width:
        case dimensions_key::height:
        case dimensions_key::depth: {
            if (!member.IsNumber()) return false;
            const double x = member.GetDouble();
            if (!valid_dimension(x)) return false;
            (k == dimensions_key::width ? d.width : k == dimensions_key::height ? d.height : d.depth) = x;
            break;
        }
        case dimensions_key::unit: {
            if (!member.IsString()) return false;
            const auto unit = dimensions_unit_from(string_of(member));
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

bool read_product(const value& v, Product& p, std::pmr::memory_resource* memory) {
    if (!v.IsObject()) return false;
    bind(p, memory);
    std::uint32_t seen = 0;
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
        const product_key k = classify_product_key(string_of(it->name));
        if ((seen & bit(k)) != 0) return false; // a member given twice
        const value& member = it->value;
        switch (k) {
        case product_key::id: {
            const auto id = to_int64(member);
            if (!id || !valid_id(*id)) return false;
            p.id = *id;
            break;
        }
        case product_key::sku:
            if (!member.IsString() || !valid_sku(string_of(member))) return false;
            p.sku.assign(string_of(member));
            break;
        case product_key::name:
            if (!member.IsString() || !valid_name(string_of(member))) return false;
            p.name.assign(string_of(member));
            break;
        case product_key::description:
            if (!read_nullable(member, p.description, memory, valid_description)) return false;
            break;
        case product_key::price:
            if (!member.IsNumber() || !valid_price(member.GetDouble())) return false;
            p.price = member.GetDouble();
            break;
        case product_key::currency:
            if (!member.IsString() || !valid_currency(string_of(member))) return false;
            p.currency.emplace(string_of(member), std::pmr::polymorphic_allocator<char>(memory));
            break;
        case product_key::status: {
            if (!member.IsString()) return false;
            const auto status = product_status_from(string_of(member));
            if (!status) return false;
            p.status = *status;
            break;
        }
        case product_key::tags:
            if (!member.IsArray() || member.Size() > max_tags) return false;
            p.tags.clear();
            p.tags.reserve(member.Size());
            for (const value& tag : member.GetArray()) {
                if (!tag.IsString() || !valid_tag(string_of(tag))) return false;
                p.tags.emplace_back(string_of(tag));
            }
            break;
        case product_key::dimensions:
            if (!read_dimensions(member, p.dimensions)) return false;
            break;
        case product_key::discontinued_at:
            if (!read_nullable(member, p.discontinued_at, memory, valid_timestamp)) return false;
            break;
        case product_key::created_at:
            if (!member.IsString() || !valid_timestamp(string_of(member))) return false;
            p.created_at.assign(string_of(member));
            break;
        case product_key::unknown: return false;
        }
        seen |= bit(k);
    }
    return (seen & product_required) == product_required;
}

parse_status extract(const document& doc, Product& out, std::pmr::memory_resource* memory) {
    if (doc.HasParseError()) return parse_status::malformed;
    return read_product(doc, out, memory) ? parse_status::ok : parse_status::invalid;
}

parse_status extract(const document& doc, product_list& out, std::pmr::memory_resource* memory) {
    if (doc.HasParseError()) return parse_status::malformed;
    if (!doc.IsArray()) return parse_status::invalid;
    rebind(out, memory);
    out.reserve(doc.Size());
    for (const value& item : doc.GetArray()) {
        if (!read_product(item, out.emplace_back(), memory)) return parse_status::invalid;
    }
    return parse_status::ok;
}

template <class Out>
parse_status parse_dom(json_input input, Out& out, std::pmr::memory_resource* memory) {
    arena_allocator values(memory);
    arena_allocator stack(memory);
    document doc(&values, 1024, &stack);
    doc.Parse<parse_flags>(input.text.data(), input.text.size());
    return extract(doc, out, memory);
}

template <class Out>
parse_status parse_dom_insitu(json_input input, Out& out, std::pmr::memory_resource* memory) {
    // ParseInsitu decodes strings in place and needs a NUL-terminated, writable copy.
    auto* copy = static_cast<char*>(memory->allocate(input.text.size() + 1, 1));
    if (!input.text.empty()) std::memcpy(copy, input.text.data(), input.text.size());
    copy[input.text.size()] = '\0';
    arena_allocator values(memory);
    arena_allocator stack(memory);
    document doc(&values, 1024, &stack);
    doc.ParseInsitu<parse_flags>(copy);
    return extract(doc, out, memory);
}

using string_buffer = rapidjson::GenericStringBuffer<rapidjson::UTF8<>, arena_allocator>;
using writer = rapidjson::Writer<string_buffer, rapidjson::UTF8<>, rapidjson::UTF8<>, arena_allocator>;

void write_string(writer& w, std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

void write_product(writer& w, const Product& p) {
    w.StartObject();
    w.Key("id", 2);
    w.Int64(p.id);
    w.Key("sku", 3);
    write_string(w, p.sku);
    w.Key("name", 4);
    write_string(w, p.name);
    if (p.description.has_value()) {
        w.Key("description", 11);
        write_string(w, *p.description);
    } else if (p.description.is_null()) {
        w.Key("description", 11);
        w.Null();
    }
    w.Key("price", 5);
    w.Double(p.price);
    if (p.currency) {
        w.Key("currency", 8);
        write_string(w, *p.currency);
    }
    w.Key("status", 6);
    write_string(w, to_string(p.status));
    w.Key("tags", 4);
    w.StartArray();
    for (const auto& t : p.tags) write_string(w, t);
    w.EndArray();
    w.Key("dimensions", 10);
    w.StartObject();
    w.Key("width", 5);
    w.Double(p.dimensions.width);
    w.Key("height", 6);
    w.Double(p.dimensions.height);
    w.Key("depth", 5);
    w.Double(p.dimensions.depth);
    if (p.dimensions.unit) {
        w.Key("unit", 4);
        write_string(w, to_string(*p.dimensions.unit));
    }
    w.EndObject();
    if (p.discontinued_at.has_value()) {
        w.Key("discontinued_at", 15);
        write_string(w, *p.discontinued_at);
    } else if (p.discontinued_at.is_null()) {
        w.Key("discontinued_at", 15);
        w.Null();
    }
    w.Key("created_at", 10);
    write_string(w, p.created_at);
    w.EndObject();
}

// The buffer lives in `memory` (its destructor would only call the no-op Free), so the view
// stays valid with the arena.
template <class Fn>
std::string_view write_with(std::pmr::memory_resource* memory, std::size_t capacity, Fn&& fn) {
    auto* base = new (memory->allocate(sizeof(arena_allocator), alignof(arena_allocator))) arena_allocator(memory);
    auto* buffer = new (memory->allocate(sizeof(string_buffer), alignof(string_buffer))) string_buffer(base, capacity);
    arena_allocator stack(memory);
    writer w(*buffer, &stack);
    fn(w);
    return {buffer->GetString(), buffer->GetSize()};
}

} // namespace

parse_status parse(json_input input, Product& out, std::pmr::memory_resource* memory) {
    return parse_dom(input, out, memory);
}
parse_status parse(json_input input, product_list& out, std::pmr::memory_resource* memory) {
    return parse_dom(input, out, memory);
}
parse_status parse_insitu(json_input input, Product& out, std::pmr::memory_resource* memory) {
    return parse_dom_insitu(input, out, memory);
}
parse_status parse_insitu(json_input input, product_list& out, std::pmr::memory_resource* memory) {
    return parse_dom_insitu(input, out, memory);
}

std::string_view serialize(const Product& p, std::pmr::memory_resource* memory) {
    return write_with(memory, 512, [&](writer& w) { write_product(w, p); });
}

std::string_view serialize(const product_list& list, std::pmr::memory_resource* memory) {
    return write_with(memory, 512 * list.size() + 2, [&](writer& w) {
        w.StartArray();
        for (const Product& p : list) write_product(w, p);
        w.EndArray();
    });
}

} // namespace katana::bench::rapidjson_contestant
