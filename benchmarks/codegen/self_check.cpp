// Correctness before speed: a contestant that accepts what the schema rejects (or parses wrong
// values) would win the benchmark unfairly. Every parser must accept each valid document below
// with the same result as every other parser, reject each invalid one, and reproduce the
// datasets' Products exactly; every writer's output must parse back to the Products it wrote.
#include "registry.hpp"

#include "checks.hpp"
#include "contestants.hpp"
#include "generated_contestant.hpp"

#include <fmt/format.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace katana::bench {

std::vector<parser_entry> all_parsers() {
    std::vector<parser_entry> out;
    auto simd = std::make_shared<simdjson_contestant>();
    out.push_back({"simdjson",
                   [simd](json_input in, Product& p, std::pmr::memory_resource* m) { return simd->parse(in, p, m); },
                   [simd](json_input in, product_list& l, std::pmr::memory_resource* m) { return simd->parse(in, l, m); }});
    out.push_back({"nlohmann",
                   [](json_input in, Product& p, std::pmr::memory_resource* m) { return nlohmann_contestant::parse(in, p, m); },
                   [](json_input in, product_list& l, std::pmr::memory_resource* m) {
                       return nlohmann_contestant::parse(in, l, m);
                   }});
    out.push_back({"rapidjson",
                   [](json_input in, Product& p, std::pmr::memory_resource* m) { return rapidjson_contestant::parse(in, p, m); },
                   [](json_input in, product_list& l, std::pmr::memory_resource* m) {
                       return rapidjson_contestant::parse(in, l, m);
                   }});
    out.push_back({"rapidjson_insitu",
                   [](json_input in, Product& p, std::pmr::memory_resource* m) {
                       return rapidjson_contestant::parse_insitu(in, p, m);
                   },
                   [](json_input in, product_list& l, std::pmr::memory_resource* m) {
                       return rapidjson_contestant::parse_insitu(in, l, m);
                   }});
    add_generated_parser(out);
    return out;
}

std::vector<writer_entry> all_writers() {
    std::vector<writer_entry> out;
    out.push_back({"handwritten",
                   [](const Product& p) {
                       std::pmr::string s;
                       handwritten_writer::serialize(p, s);
                       return std::string(s);
                   },
                   [](const product_list& l) {
                       std::pmr::string s;
                       handwritten_writer::serialize(l, s);
                       return std::string(s);
                   }});
    out.push_back({"nlohmann",
                   [](const Product& p) {
                       std::string s;
                       nlohmann_contestant::serialize(p, s);
                       return s;
                   },
                   [](const product_list& l) {
                       std::string s;
                       nlohmann_contestant::serialize(l, s);
                       return s;
                   }});
    out.push_back({"rapidjson",
                   [](const Product& p) {
                       std::pmr::monotonic_buffer_resource arena;
                       return std::string(rapidjson_contestant::serialize(p, &arena));
                   },
                   [](const product_list& l) {
                       std::pmr::monotonic_buffer_resource arena;
                       return std::string(rapidjson_contestant::serialize(l, &arena));
                   }});
    add_generated_writer(out);
    return out;
}

namespace {

// A document with simdjson's padding behind it.
class padded {
public:
    explicit padded(std::string_view text) : buffer_(text), size_(text.size()) { buffer_.append(64, '\0'); }
    [[nodiscard]] json_input input() const noexcept { return {{buffer_.data(), size_}, buffer_.size()}; }

private:
    std::string buffer_;
    std::size_t size_;
};

// Product members as raw JSON, in schema order; a case replaces, removes or adds some.
struct member {
    std::string key;
    std::string value;
};

std::vector<member> base_members() {
    return {{"id", "42"},
            {"sku", R"("AB-123456")"},
            {"name", R"("Oak Table 7")"},
            {"description", R"("Solid \"oak\", 2\u00a0m long")"},
            {"price", "249.5"},
            {"currency", R"("EUR")"},
            {"status", R"("active")"},
            {"tags", R"(["furniture","oak"])"},
            {"dimensions", R"({"width":200,"height":75.5,"depth":90,"unit":"cm"})"},
            {"discontinued_at", "null"},
            {"created_at", R"("2024-02-29T12:00:00Z")"}};
}

std::string render(const std::vector<member>& members) {
    std::string s = "{";
    for (const auto& m : members) {
        if (s.size() > 1) s += ',';
        s += fmt::format(R"("{}":{})", m.key, m.value);
    }
    s += '}';
    return s;
}

// The base document with `key` set to `value` (appended when absent), or removed for nullopt.
std::string with(std::string_view key, std::optional<std::string> value) {
    auto members = base_members();
    bool found = false;
    for (auto it = members.begin(); it != members.end(); ++it) {
        if (it->key != key) continue;
        found = true;
        if (value) {
            it->value = *value;
        } else {
            members.erase(it);
        }
        break;
    }
    if (!found && value) members.push_back({std::string(key), *value});
    return render(members);
}

std::string repeat(std::string_view s, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out += s;
    return out;
}

std::string quoted(std::string_view s) { return fmt::format("\"{}\"", s); }

struct valid_case {
    std::string name;
    std::string json;
    std::function<bool(const Product&)> expect; // extra assertion on the parsed values
};

struct invalid_case {
    std::string name;
    std::string json;
    // Parsers (by name prefix) known not to see this violation: accepting is a documented
    // limitation of that library, not a failure.
    std::string_view may_accept = {};
};

std::vector<valid_case> valid_cases() {
    std::vector<valid_case> v;
    v.push_back({"base document", render(base_members()), [](const Product& p) {
                     return p.id == 42 && p.sku == "AB-123456" && p.name == "Oak Table 7" &&
                            p.description.has_value() && *p.description == "Solid \"oak\", 2\u00a0m long" &&
                            p.price == 249.5 && p.currency && *p.currency == "EUR" &&
                            p.status == ProductStatus::active && p.tags.size() == 2 && p.tags[1] == "oak" &&
                            p.dimensions.width == 200 && p.dimensions.height == 75.5 &&
                            p.dimensions.unit == DimensionsUnit::cm && p.discontinued_at.is_null() &&
                            p.created_at == "2024-02-29T12:00:00Z";
                 }});
    v.push_back({"integer written as 7.0", with("id", "7.0"), [](const Product& p) { return p.id == 7; }});
    v.push_back({"integer written as 1e2", with("id", "1e2"), [](const Product& p) { return p.id == 100; }});
    v.push_back({"largest int64 id", with("id", "9223372036854775807"),
                 [](const Product& p) { return p.id == INT64_MAX; }});
    v.push_back({"escaped key", R"({"n\u0061me":"x",)" + with("name", std::nullopt).substr(1),
                 [](const Product& p) { return p.name == "x"; }});
    v.push_back({"sku with suffix", with("sku", R"("ZZ-000000-XYZ")"), nullptr});
    v.push_back({"name of 200 two-byte code points", with("name", quoted(repeat("\u00e9", 200))),
                 [](const Product& p) { return p.name.size() == 400; }});
    v.push_back({"description null", with("description", "null"),
                 [](const Product& p) { return p.description.is_null(); }});
    v.push_back({"description absent", with("description", std::nullopt),
                 [](const Product& p) { return p.description.is_absent(); }});
    v.push_back({"description of 2000 code points", with("description", quoted(repeat("\u00fc", 2000))), nullptr});
    v.push_back({"currency of three 3-byte code points", with("currency", quoted("\u20ac\u20ac\u20ac")), nullptr});
    v.push_back({"currency absent", with("currency", std::nullopt),
                 [](const Product& p) { return !p.currency.has_value(); }});
    v.push_back({"price integer", with("price", "3"), [](const Product& p) { return p.price == 3.0; }});
    v.push_back({"price tiny", with("price", "1e-300"), nullptr});
    v.push_back({"20 tags", with("tags", "[" + repeat(R"("t",)", 19) + R"("t"])"),
                 [](const Product& p) { return p.tags.size() == 20; }});
    v.push_back({"empty tags", with("tags", "[]"), [](const Product& p) { return p.tags.empty(); }});
    v.push_back({"tag of 32 code points", with("tags", "[" + quoted(repeat("\u00df", 32)) + "]"), nullptr});
    v.push_back({"dimensions zero, no unit", with("dimensions", R"({"depth":0,"width":0,"height":0})"),
                 [](const Product& p) { return p.dimensions.width == 0 && !p.dimensions.unit; }});
    v.push_back({"leap second UTC", with("created_at", R"("1998-12-31T23:59:60Z")"), nullptr});
    v.push_back({"leap second with offset", with("created_at", R"("1998-12-31T15:59:60.123-08:00")"), nullptr});
    v.push_back({"lower-case t and z", with("created_at", R"("2024-01-01t10:00:00z")"), nullptr});
    v.push_back({"discontinued_at set", with("discontinued_at", R"("2025-06-01T00:00:00.5+05:30")"),
                 [](const Product& p) { return p.discontinued_at.has_value(); }});
    v.push_back({"discontinued_at absent", with("discontinued_at", std::nullopt),
                 [](const Product& p) { return p.discontinued_at.is_absent(); }});
    v.push_back({"whitespace everywhere", " \n{ \"id\" : 1 ,\t\"sku\":\"AB-123456\" , \"name\" : \"n\" , "
                                          "\"price\" : 1 , \"status\" : \"draft\" , \"tags\" : [ ] , "
                                          "\"dimensions\" : { \"width\" : 1 , \"height\" : 2 , \"depth\" : 3 } , "
                                          "\"created_at\" : \"2020-01-01T00:00:00Z\" } \r\n",
                 [](const Product& p) { return p.status == ProductStatus::draft && p.dimensions.depth == 3; }});
    return v;
}

std::vector<invalid_case> invalid_cases() {
    std::vector<invalid_case> v;
    // Schema violations.
    for (const char* key : {"id", "sku", "name", "price", "status", "tags", "dimensions", "created_at"})
        v.push_back({fmt::format("required {} missing", key), with(key, std::nullopt)});
    v.push_back({"unknown member", with("colour", R"("red")")});
    // nlohmann's DOM keeps the last of two equal keys: its extraction never sees the first.
    v.push_back({"member given twice", with("id", "5,\"id\":6"), "nlohmann"});
    v.push_back({"member of dimensions given twice", with("dimensions", R"({"width":1,"height":1,"depth":1,"depth":2})"),
                 "nlohmann"});
    v.push_back({"unknown member in dimensions", with("dimensions", R"({"width":1,"height":1,"depth":1,"mass":2})")});
    v.push_back({"dimensions without depth", with("dimensions", R"({"width":1,"height":1})")});
    v.push_back({"dimensions not an object", with("dimensions", "[1,2,3]")});
    v.push_back({"negative width", with("dimensions", R"({"width":-1,"height":1,"depth":1})")});
    v.push_back({"unit not in enum", with("dimensions", R"({"width":1,"height":1,"depth":1,"unit":"km"})")});
    v.push_back({"id 0", with("id", "0")});
    v.push_back({"id -5", with("id", "-5")});
    v.push_back({"id 1.5", with("id", "1.5")});
    v.push_back({"id as string", with("id", R"("1")")});
    v.push_back({"id 2^63", with("id", "9223372036854775808")});
    v.push_back({"id 1e30", with("id", "1e30")});
    v.push_back({"id null", with("id", "null")});
    v.push_back({"sku lower case", with("sku", R"("ab-123456")")});
    v.push_back({"sku suffix too long", with("sku", R"("AB-123456-ABCD")")});
    v.push_back({"sku with final newline", with("sku", R"("AB-123456\n")")});
    v.push_back({"sku not a string", with("sku", "123456")});
    v.push_back({"name empty", with("name", R"("")")});
    v.push_back({"name of 201 code points", with("name", quoted(repeat("\u00e9", 201)))});
    v.push_back({"description of 2001 code points", with("description", quoted(repeat("a", 2001)))});
    v.push_back({"description a number", with("description", "12")});
    v.push_back({"price 0", with("price", "0")});
    v.push_back({"price negative", with("price", "-1.5")});
    v.push_back({"price as string", with("price", R"("9.99")")});
    v.push_back({"currency too short", with("currency", R"("EU")")});
    v.push_back({"currency too long", with("currency", R"("EURO")")});
    v.push_back({"currency null", with("currency", "null")});
    v.push_back({"status not in enum", with("status", R"("retired")")});
    v.push_back({"status null", with("status", "null")});
    v.push_back({"tags not an array", with("tags", R"("a,b")")});
    v.push_back({"21 tags", with("tags", "[" + repeat(R"("t",)", 20) + R"("t"])")});
    v.push_back({"empty tag", with("tags", R"(["a",""])")});
    v.push_back({"tag of 33 code points", with("tags", "[" + quoted(repeat("x", 33)) + "]")});
    v.push_back({"tag a number", with("tags", "[1]")});
    v.push_back({"created_at not a date-time", with("created_at", R"("yesterday")")});
    v.push_back({"created_at without T", with("created_at", R"("2024-01-01 10:00:00Z")")});
    v.push_back({"created_at 29 Feb of a common year", with("created_at", R"("2023-02-29T10:00:00Z")")});
    v.push_back({"created_at without offset", with("created_at", R"("2024-01-01T10:00:00")")});
    v.push_back({"created_at leap second not at 23:59 UTC", with("created_at", R"("2024-01-01T12:00:60Z")")});
    v.push_back({"created_at hour 24", with("created_at", R"("2024-01-01T24:00:00Z")")});
    v.push_back({"discontinued_at invalid date", with("discontinued_at", R"("2024-04-31T00:00:00Z")")});
    v.push_back({"top level is an array", "[" + render(base_members()) + "]"});
    // Malformed JSON.
    const std::string base = render(base_members());
    v.push_back({"empty document", ""});
    v.push_back({"truncated", base.substr(0, base.size() - 1)});
    v.push_back({"trailing garbage", base + " x"});
    v.push_back({"second value", base + "{}"});
    v.push_back({"trailing comma", base.substr(0, base.size() - 1) + ",}"});
    v.push_back({"invalid UTF-8 in a string", with("name", "\"ab\xff\"")});
    v.push_back({"overlong UTF-8", with("name", "\"\xc0\xaf\"")});
    v.push_back({"lone high surrogate", with("name", R"("\ud800")")});
    // RapidJSON 1.1 decodes a lone low surrogate escape into (invalid) UTF-8 without complaint.
    v.push_back({"lone low surrogate", with("name", R"("\udc00")"), "rapidjson"});
    v.push_back({"raw control character", with("name", "\"a\tb\"")});
    v.push_back({"single quotes", with("name", "'x'")});
    v.push_back({"leading zero", with("price", "01.5")});
    v.push_back({"NaN", with("price", "NaN")});
    v.push_back({"missing colon", R"({"id" 1})"});
    v.push_back({"deep nesting", with("tags", repeat("[", 100000))});
    return v;
}

std::string describe(parse_status s) {
    switch (s) {
    case parse_status::ok: return "accepted";
    case parse_status::malformed: return "rejected as malformed";
    case parse_status::invalid: return "rejected as invalid";
    }
    return "?";
}

} // namespace

std::size_t valid_document_count() { return valid_cases().size(); }
std::size_t invalid_document_count() { return invalid_cases().size(); }

int self_check(const std::vector<const dataset*>& datasets, std::FILE* log) {
    int failures = 0;
    const auto fail = [&](const std::string& what) {
        ++failures;
        std::fprintf(log, "self-check FAILED: %s\n", what.c_str());
    };
    const auto parsers = all_parsers();

    for (const auto& c : valid_cases()) {
        const padded doc(c.json);
        std::optional<Product> first;
        std::string first_name;
        for (const auto& parser : parsers) {
            std::pmr::monotonic_buffer_resource arena;
            Product p;
            const parse_status st = parser.one(doc.input(), p, &arena);
            if (st != parse_status::ok) {
                fail(fmt::format("{}: valid case '{}' {}", parser.name, c.name, describe(st)));
                continue;
            }
            if (c.expect && !c.expect(p)) fail(fmt::format("{}: valid case '{}' parsed wrong values", parser.name, c.name));
            if (!first) {
                first.emplace(p);
                first_name = parser.name;
            } else if (!(*first == p)) {
                fail(fmt::format("{}: valid case '{}' parsed differently from {}", parser.name, c.name, first_name));
            }
        }
    }
    for (const auto& c : invalid_cases()) {
        const padded doc(c.json);
        for (const auto& parser : parsers) {
            std::pmr::monotonic_buffer_resource arena;
            Product p;
            const bool exempt = !c.may_accept.empty() && parser.name.starts_with(c.may_accept);
            if (parser.one(doc.input(), p, &arena) == parse_status::ok && !exempt)
                fail(fmt::format("{}: invalid case '{}' accepted", parser.name, c.name));
        }
    }
    for (const dataset* ds : datasets) {
        for (const auto& parser : parsers) {
            std::pmr::monotonic_buffer_resource arena;
            parse_status st = parse_status::ok;
            bool equal = false;
            if (ds->single()) {
                Product p;
                st = parser.one(ds->input(), p, &arena);
                equal = p == ds->expected().front();
            } else {
                product_list l(&arena);
                st = parser.list(ds->input(), l, &arena);
                equal = l == ds->expected();
            }
            if (st != parse_status::ok) {
                fail(fmt::format("{}: dataset {} {}", parser.name, ds->name(), describe(st)));
            } else if (!equal) {
                fail(fmt::format("{}: dataset {} parsed to different Products", parser.name, ds->name()));
            }
        }
        // Writers: the output must be a document the (already checked) parsers read back exactly.
        for (const auto& writer : all_writers()) {
            const std::string text = ds->single() ? writer.one(ds->expected().front()) : writer.list(ds->expected());
            const padded doc(text);
            std::pmr::monotonic_buffer_resource arena;
            bool equal = false;
            parse_status st = parse_status::ok;
            if (ds->single()) {
                Product p;
                st = parsers.front().one(doc.input(), p, &arena);
                equal = p == ds->expected().front();
            } else {
                product_list l(&arena);
                st = parsers.front().list(doc.input(), l, &arena);
                equal = l == ds->expected();
            }
            if (st != parse_status::ok || !equal)
                fail(fmt::format("{} writer: dataset {} does not read back ({})", writer.name, ds->name(), describe(st)));
        }
    }
    return failures;
}

} // namespace katana::bench
