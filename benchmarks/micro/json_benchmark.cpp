// katana::json against simdjson 3 (On-Demand and DOM, padded_string prepared outside the timed
// loop), nlohmann::json and RapidJSON:
//   skip_*   validate/skip a ~1 MB document of product objects (katana: skip_value + finish;
//            simdjson On-Demand: count the top-level elements -- note that On-Demand validates
//            only the structure and UTF-8 of skipped values, not their numbers or literals;
//            nlohmann: json::accept; RapidJSON: SAX Reader with a no-op handler, UTF-8 validated);
//   object_* read one ~400-byte product object field by field into a struct of views, as
//            generated code does (same key dispatch for every contestant; nlohmann has no pull
//            API, so it parses a DOM and reads from it);
//   dom_*    build a DOM of the ~1 MB document (katana DOM in an arena that is reset every
//            iteration; simdjson DOM parser reused; nlohmann; RapidJSON Document);
//   write_*  serialize the product struct (katana::json::writer into an arena).
// Bytes/s counters are input (or output) bytes per second.
#include <katana/json/reader.hpp>
#include <katana/json/value.hpp>
#include <katana/json/writer.hpp>
#include <katana/memory/arena.hpp>
#include <katana/memory/block_pool.hpp>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>
#include <simdjson.h>

#if __has_include(<rapidjson/document.h>)
#include <rapidjson/document.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#define KATANA_BENCH_RAPIDJSON 1
#else
#define KATANA_BENCH_RAPIDJSON 0
#endif

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace json = katana::json;
namespace ondemand = simdjson::ondemand;
using nr = json::reader::number_result;

// ---- data -------------------------------------------------------------------------------------

const std::string& product_doc() {
    static const std::string doc =
        R"({"id":1234567,"sku":"SKU-000123-XL","name":"Ergonomic Office Chair Pro",)"
        R"("description":"Adjustable lumbar support, breathable mesh back, 4D armrests and a five-year warranty.",)"
        R"("price":249.99,"currency":"EUR","status":"active","tags":["furniture","office","ergonomic","chair"],)"
        R"("dimensions":{"width":65.5,"height":120.25,"depth":70.0,"unit":"cm"},"discontinued_at":null,)"
        R"("created_at":"2024-03-15T10:22:31Z","stock":42,"rating":4.7})";
    return doc;
}

// ~1 MB: an array of product-like objects with varying values, some non-ASCII and escapes.
const std::string& big_doc() {
    static const std::string doc = [] {
        std::string s = "[";
        std::uint64_t x = 88172645463325252ULL;
        auto next = [&x] {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            return x;
        };
        for (int i = 0; s.size() < 1'000'000; ++i) {
            if (i != 0) s += ',';
            s += R"({"id":)" + std::to_string(next() % 100000000) + R"(,"sku":"SKU-)" + std::to_string(i) +
                 R"(","name":"Product )" + std::to_string(i) + (i % 7 == 0 ? R"( \"special\"",)" : R"(",)") +
                 R"("description":")" + (i % 5 == 0 ? "Caf\xC3\xA9 cr\xC3\xA8me \xE2\x80\x94 d\xC3\xA9licieux" : "A plain ASCII description of this item") +
                 R"(","price":)" + std::to_string(next() % 100000) + "." + std::to_string(next() % 100) +
                 R"(,"in_stock":)" + (next() % 2 ? "true" : "false") + R"(,"tags":["a","bb","ccc"],)" +
                 R"("dimensions":{"width":)" + std::to_string(next() % 1000) + R"(.5,"height":1.25e2,"depth":-0.001},)" +
                 R"("discontinued_at":null,"created_at":"2024-03-15T10:22:31Z"})";
        }
        s += "]";
        return s;
    }();
    return doc;
}

// ---- the struct read field by field -----------------------------------------------------------

struct dimensions {
    double width = 0, height = 0, depth = 0;
    std::string_view unit;
};
struct product {
    std::int64_t id = 0;
    std::string_view sku, name, description, currency, status, created_at;
    double price = 0;
    std::string_view tags[8];
    std::size_t tag_count = 0;
    dimensions dims;
    bool discontinued_null = false;
    std::int64_t stock = 0;
    double rating = 0;
};

enum class key : std::uint8_t {
    id, sku, name, description, price, currency, status, tags, dimensions, discontinued_at, created_at, stock,
    rating, width, height, depth, unit, unknown
};

// One dispatch for every contestant, as generated code would do it: switch on the length, then
// fixed-size comparisons (inlined as a few loads, no memcmp call).
template <std::size_t N>
bool is(std::string_view k, const char (&word)[N]) noexcept {
    return std::memcmp(k.data(), word, N - 1) == 0;
}
key classify(std::string_view k) noexcept {
    switch (k.size()) {
    case 2: return is(k, "id") ? key::id : key::unknown;
    case 3: return is(k, "sku") ? key::sku : key::unknown;
    case 4: return is(k, "name") ? key::name : is(k, "tags") ? key::tags : is(k, "unit") ? key::unit : key::unknown;
    case 5: return is(k, "price") ? key::price : is(k, "stock") ? key::stock : is(k, "width") ? key::width
                 : is(k, "depth") ? key::depth : key::unknown;
    case 6: return is(k, "status") ? key::status : is(k, "rating") ? key::rating : is(k, "height") ? key::height
                 : key::unknown;
    case 8: return is(k, "currency") ? key::currency : key::unknown;
    case 10: return is(k, "dimensions") ? key::dimensions : is(k, "created_at") ? key::created_at : key::unknown;
    case 11: return is(k, "description") ? key::description : key::unknown;
    case 15: return is(k, "discontinued_at") ? key::discontinued_at : key::unknown;
    default: return key::unknown;
    }
}

bool katana_read_dimensions(json::reader& r, dimensions& d) {
    if (!r.begin_object()) return false;
    std::string_view k;
    while (r.next_key(k)) {
        switch (classify(k)) {
        case key::width:
            if (r.read_double(d.width) != nr::ok) return false;
            break;
        case key::height:
            if (r.read_double(d.height) != nr::ok) return false;
            break;
        case key::depth:
            if (r.read_double(d.depth) != nr::ok) return false;
            break;
        case key::unit:
            if (!r.read_string(d.unit)) return false;
            break;
        default: return false;
        }
    }
    return !r.failed();
}

bool katana_read_product(std::string_view doc, std::pmr::memory_resource* memory, product& p) {
    json::reader r(doc, memory);
    if (!r.begin_object()) return false;
    std::string_view k;
    while (r.next_key(k)) {
        switch (classify(k)) {
        case key::id:
            if (r.read_int64(p.id) != nr::ok) return false;
            break;
        case key::sku:
            if (!r.read_string(p.sku)) return false;
            break;
        case key::name:
            if (!r.read_string(p.name)) return false;
            break;
        case key::description:
            if (!r.read_string(p.description)) return false;
            break;
        case key::price:
            if (r.read_double(p.price) != nr::ok) return false;
            break;
        case key::currency:
            if (!r.read_string(p.currency)) return false;
            break;
        case key::status:
            if (!r.read_string(p.status)) return false;
            break;
        case key::tags:
            if (!r.begin_array()) return false;
            p.tag_count = 0;
            while (r.next_element()) {
                if (p.tag_count == 8 || !r.read_string(p.tags[p.tag_count++])) return false;
            }
            if (r.failed()) return false;
            break;
        case key::dimensions:
            if (!katana_read_dimensions(r, p.dims)) return false;
            break;
        case key::discontinued_at:
            if (!r.read_null()) return false;
            p.discontinued_null = true;
            break;
        case key::created_at:
            if (!r.read_string(p.created_at)) return false;
            break;
        case key::stock:
            if (r.read_int64(p.stock) != nr::ok) return false;
            break;
        case key::rating:
            if (r.read_double(p.rating) != nr::ok) return false;
            break;
        default: return false;
        }
    }
    return !r.failed() && r.finish();
}

#define SJ_TRY(expr)                                                                                                 \
    do {                                                                                                             \
        if ((expr) != simdjson::SUCCESS) return false;                                                               \
    } while (false)

bool simdjson_read_dimensions(ondemand::value& v, dimensions& d) {
    ondemand::object obj;
    SJ_TRY(v.get_object().get(obj));
    for (auto member : obj) {
        ondemand::field field;
        SJ_TRY(std::move(member).get(field));
        std::string_view k;
        SJ_TRY(field.unescaped_key().get(k));
        ondemand::value& value = field.value();
        switch (classify(k)) {
        case key::width: SJ_TRY(value.get_double().get(d.width)); break;
        case key::height: SJ_TRY(value.get_double().get(d.height)); break;
        case key::depth: SJ_TRY(value.get_double().get(d.depth)); break;
        case key::unit: SJ_TRY(value.get_string().get(d.unit)); break;
        default: return false;
        }
    }
    return true;
}

bool simdjson_read_product(ondemand::parser& parser, const simdjson::padded_string& doc, product& p) {
    ondemand::document d;
    SJ_TRY(parser.iterate(doc).get(d));
    ondemand::object obj;
    SJ_TRY(d.get_object().get(obj));
    for (auto member : obj) {
        ondemand::field field;
        SJ_TRY(std::move(member).get(field));
        std::string_view k;
        SJ_TRY(field.unescaped_key().get(k));
        ondemand::value& value = field.value();
        switch (classify(k)) {
        case key::id: SJ_TRY(value.get_int64().get(p.id)); break;
        case key::sku: SJ_TRY(value.get_string().get(p.sku)); break;
        case key::name: SJ_TRY(value.get_string().get(p.name)); break;
        case key::description: SJ_TRY(value.get_string().get(p.description)); break;
        case key::price: SJ_TRY(value.get_double().get(p.price)); break;
        case key::currency: SJ_TRY(value.get_string().get(p.currency)); break;
        case key::status: SJ_TRY(value.get_string().get(p.status)); break;
        case key::tags: {
            ondemand::array arr;
            SJ_TRY(value.get_array().get(arr));
            p.tag_count = 0;
            for (auto element : arr) {
                if (p.tag_count == 8) return false;
                SJ_TRY(element.get_string().get(p.tags[p.tag_count++]));
            }
            break;
        }
        case key::dimensions:
            if (!simdjson_read_dimensions(value, p.dims)) return false;
            break;
        case key::discontinued_at: {
            bool null = false;
            SJ_TRY(value.is_null().get(null));
            if (!null) return false;
            p.discontinued_null = true;
            break;
        }
        case key::created_at: SJ_TRY(value.get_string().get(p.created_at)); break;
        case key::stock: SJ_TRY(value.get_int64().get(p.stock)); break;
        case key::rating: SJ_TRY(value.get_double().get(p.rating)); break;
        default: return false;
        }
    }
    // Trailing content (3.0 has no document::at_end()): past the last token the location is
    // OUT_OF_BOUNDS.
    return d.current_location().error() == simdjson::OUT_OF_BOUNDS;
}

// ---- benchmarks -------------------------------------------------------------------------------

void bytes(benchmark::State& state, std::size_t n) {
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

void BM_skip_katana(benchmark::State& state) {
    const std::string& doc = big_doc();
    katana::block_pool pool;
    katana::arena arena(pool);
    for (auto _ : state) {
        json::reader r(doc, arena.resource());
        const bool ok = r.skip_value() && r.finish();
        if (!ok) state.SkipWithError("katana rejected the document");
        benchmark::DoNotOptimize(ok);
        arena.reset();
    }
    bytes(state, doc.size());
}
BENCHMARK(BM_skip_katana);

void BM_skip_simdjson_ondemand(benchmark::State& state) {
    const simdjson::padded_string doc(big_doc());
    ondemand::parser parser;
    for (auto _ : state) {
        ondemand::document d;
        std::size_t n = 0;
        ondemand::array arr;
        if (parser.iterate(doc).get(d) != simdjson::SUCCESS || d.get_array().get(arr) != simdjson::SUCCESS ||
            arr.count_elements().get(n) != simdjson::SUCCESS)
            state.SkipWithError("simdjson rejected the document");
        benchmark::DoNotOptimize(n);
    }
    bytes(state, doc.size());
}
BENCHMARK(BM_skip_simdjson_ondemand);

void BM_skip_nlohmann_accept(benchmark::State& state) {
    const std::string& doc = big_doc();
    for (auto _ : state) {
        const bool ok = nlohmann::json::accept(doc);
        if (!ok) state.SkipWithError("nlohmann rejected the document");
        benchmark::DoNotOptimize(ok);
    }
    bytes(state, doc.size());
}
BENCHMARK(BM_skip_nlohmann_accept);

#if KATANA_BENCH_RAPIDJSON
void BM_skip_rapidjson_sax(benchmark::State& state) {
    const std::string& doc = big_doc();
    for (auto _ : state) {
        rapidjson::Reader reader;
        rapidjson::BaseReaderHandler<> handler;
        rapidjson::StringStream in(doc.c_str());
        const bool ok = !reader.Parse<rapidjson::kParseValidateEncodingFlag>(in, handler).IsError();
        if (!ok) state.SkipWithError("rapidjson rejected the document");
        benchmark::DoNotOptimize(ok);
    }
    bytes(state, doc.size());
}
BENCHMARK(BM_skip_rapidjson_sax);
#endif

void BM_object_katana(benchmark::State& state) {
    const std::string& doc = product_doc();
    katana::block_pool pool;
    katana::arena arena(pool);
    for (auto _ : state) {
        product p;
        if (!katana_read_product(doc, arena.resource(), p)) state.SkipWithError("katana failed");
        benchmark::DoNotOptimize(p);
        arena.reset();
    }
    bytes(state, doc.size());
}
BENCHMARK(BM_object_katana);

void BM_object_simdjson_ondemand(benchmark::State& state) {
    const simdjson::padded_string doc(product_doc());
    ondemand::parser parser;
    for (auto _ : state) {
        product p;
        if (!simdjson_read_product(parser, doc, p)) state.SkipWithError("simdjson failed");
        benchmark::DoNotOptimize(p);
    }
    bytes(state, doc.size());
}
BENCHMARK(BM_object_simdjson_ondemand);

void BM_object_nlohmann_dom(benchmark::State& state) {
    const std::string& doc = product_doc();
    for (auto _ : state) {
        const auto j = nlohmann::json::parse(doc);
        product p;
        p.id = j.at("id").get<std::int64_t>();
        p.price = j.at("price").get<double>();
        p.rating = j.at("rating").get<double>();
        p.stock = j.at("stock").get<std::int64_t>();
        p.sku = j.at("sku").get_ref<const std::string&>();
        p.name = j.at("name").get_ref<const std::string&>();
        p.description = j.at("description").get_ref<const std::string&>();
        p.dims.width = j.at("dimensions").at("width").get<double>();
        benchmark::DoNotOptimize(p);
    }
    bytes(state, doc.size());
}
BENCHMARK(BM_object_nlohmann_dom);

void BM_dom_katana(benchmark::State& state) {
    const std::string& doc = big_doc();
    katana::block_pool pool;
    katana::arena arena(pool);
    for (auto _ : state) {
        auto v = json::parse(doc, arena.resource());
        if (!v) state.SkipWithError("katana rejected the document");
        benchmark::DoNotOptimize(v);
        arena.reset();
    }
    bytes(state, doc.size());
}
BENCHMARK(BM_dom_katana);

void BM_dom_simdjson(benchmark::State& state) {
    const simdjson::padded_string doc(big_doc());
    simdjson::dom::parser parser;
    for (auto _ : state) {
        simdjson::dom::element e;
        if (parser.parse(doc).get(e) != simdjson::SUCCESS) state.SkipWithError("simdjson rejected the document");
        benchmark::DoNotOptimize(e);
    }
    bytes(state, doc.size());
}
BENCHMARK(BM_dom_simdjson);

void BM_dom_nlohmann(benchmark::State& state) {
    const std::string& doc = big_doc();
    for (auto _ : state) {
        auto j = nlohmann::json::parse(doc);
        benchmark::DoNotOptimize(j);
    }
    bytes(state, doc.size());
}
BENCHMARK(BM_dom_nlohmann);

#if KATANA_BENCH_RAPIDJSON
void BM_dom_rapidjson(benchmark::State& state) {
    const std::string& doc = big_doc();
    for (auto _ : state) {
        rapidjson::Document d;
        d.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseFullPrecisionFlag>(doc.c_str(), doc.size());
        if (d.HasParseError()) state.SkipWithError("rapidjson rejected the document");
        benchmark::DoNotOptimize(d);
    }
    bytes(state, doc.size());
}
BENCHMARK(BM_dom_rapidjson);
#endif

void BM_write_katana(benchmark::State& state) {
    katana::block_pool pool;
    katana::arena arena(pool);
    product p;
    katana::block_pool scratch_pool;
    katana::arena scratch(scratch_pool);
    if (!katana_read_product(product_doc(), scratch.resource(), p)) state.SkipWithError("read failed");
    std::size_t written = 0;
    for (auto _ : state) {
        json::writer w(arena.resource(), 512);
        w.raw(R"({"id":)");
        w.int64(p.id);
        w.raw(R"(,"sku":)");
        w.string(p.sku);
        w.raw(R"(,"name":)");
        w.string(p.name);
        w.raw(R"(,"description":)");
        w.string(p.description);
        w.raw(R"(,"price":)");
        w.number(p.price);
        w.raw(R"(,"currency":)");
        w.string(p.currency);
        w.raw(R"(,"status":)");
        w.string(p.status);
        w.raw(R"(,"tags":[)");
        for (std::size_t i = 0; i < p.tag_count; ++i) {
            if (i != 0) w.raw_char(',');
            w.string(p.tags[i]);
        }
        w.raw(R"(],"dimensions":{"width":)");
        w.number(p.dims.width);
        w.raw(R"(,"height":)");
        w.number(p.dims.height);
        w.raw(R"(,"depth":)");
        w.number(p.dims.depth);
        w.raw(R"(,"unit":)");
        w.string(p.dims.unit);
        w.raw(R"(},"discontinued_at":null,"created_at":)");
        w.string(p.created_at);
        w.raw(R"(,"stock":)");
        w.int64(p.stock);
        w.raw(R"(,"rating":)");
        w.number(p.rating);
        w.raw_char('}');
        written = w.size();
        benchmark::DoNotOptimize(w.view().data());
        arena.reset();
    }
    bytes(state, written);
}
BENCHMARK(BM_write_katana);

} // namespace

BENCHMARK_MAIN();
