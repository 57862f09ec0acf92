// The generated contestant: product_gen::Product and its read_json / write_json, generated from
// product.yaml at build time (katana_add_openapi(product_openapi ...) in CMakeLists.txt), called
// the way the generated server calls them: katana::api::parse_body (reader on the arena, one pass
// of parse + type-check + validate collecting every error with its JSON pointer) and
// katana::json::writer.
#include "generated_contestant.hpp"

#include "models.hpp"

#include <katana/api/json_io.hpp>
#include <katana/json/writer.hpp>

#include <string>
#include <utility>

namespace katana::bench {

namespace {

using generated_list = std::pmr::vector<product_gen::Product>;

parse_status status_of(katana::api::body_status s) noexcept {
    switch (s) {
    case katana::api::body_status::ok: return parse_status::ok;
    case katana::api::body_status::malformed: return parse_status::malformed;
    case katana::api::body_status::invalid: return parse_status::invalid;
    }
    return parse_status::malformed;
}

// Conversions between the two structs: self-check and set-up only, never timed.
std::pmr::string copy(const std::pmr::string& s, std::pmr::memory_resource* memory) {
    return std::pmr::string(s, std::pmr::polymorphic_allocator<char>(memory));
}

void copy(const katana::api::tristate<std::pmr::string>& from, katana::api::tristate<std::pmr::string>& to,
          std::pmr::memory_resource* memory) {
    if (from.has_value()) {
        to.emplace(*from, std::pmr::polymorphic_allocator<char>(memory));
    } else if (from.is_null()) {
        to.set_null();
    } else {
        to.reset();
    }
}

template <class From, class To>
void convert(const From& from, To& to, std::pmr::memory_resource* memory) {
    to.id = from.id;
    to.sku = copy(from.sku, memory);
    to.name = copy(from.name, memory);
    copy(from.description, to.description, memory);
    to.price = from.price;
    if (from.currency) to.currency.emplace(copy(*from.currency, memory));
    to.status = static_cast<decltype(to.status)>(static_cast<int>(from.status));
    to.tags = std::pmr::vector<std::pmr::string>(from.tags.begin(), from.tags.end(), memory);
    to.dimensions.width = from.dimensions.width;
    to.dimensions.height = from.dimensions.height;
    to.dimensions.depth = from.dimensions.depth;
    if (from.dimensions.unit)
        to.dimensions.unit = static_cast<typename decltype(to.dimensions.unit)::value_type>(
            static_cast<int>(*from.dimensions.unit));
    copy(from.discontinued_at, to.discontinued_at, memory);
    to.created_at = copy(from.created_at, memory);
}

// Output capacity to start with: the same estimate the RapidJSON contestant gets.
constexpr std::size_t bytes_per_product = 512;

template <class T>
std::size_t write(const T& value, std::size_t capacity, std::pmr::memory_resource* memory, std::string* text) {
    katana::json::writer w(memory, capacity);
    using katana::api::write_json; // the generic vector overload; product_gen's are found by ADL
    write_json(w, value);
    if (text != nullptr) text->assign(w.view());
    return w.size();
}

} // namespace

struct generated_contestant::impl {
    std::pmr::unsynchronized_pool_resource memory;
    generated_list source{&memory};
};

generated_contestant::generated_contestant(const product_list& source) : impl_(new impl) {
    for (const Product& p : source) convert(p, impl_->source.emplace_back(), &impl_->memory);
}

generated_contestant::~generated_contestant() { delete impl_; }

parse_status generated_contestant::parse_one(json_input input, std::pmr::memory_resource* memory) {
    katana::api::validation_context ctx(memory);
    product_gen::Product p;
    return status_of(katana::api::parse_body(input.text, p, ctx));
}

parse_status generated_contestant::parse_list(json_input input, std::pmr::memory_resource* memory) {
    katana::api::validation_context ctx(memory);
    generated_list list(memory);
    return status_of(katana::api::parse_body(input.text, list, ctx));
}

std::size_t generated_contestant::serialize_one(std::pmr::memory_resource* memory) {
    return write(impl_->source.front(), bytes_per_product, memory, nullptr);
}

std::size_t generated_contestant::serialize_list(std::pmr::memory_resource* memory) {
    return write(impl_->source, bytes_per_product * impl_->source.size() + 2, memory, nullptr);
}

void add_generated_parser(std::vector<parser_entry>& out) {
    out.push_back({"generated",
                   [](json_input in, Product& p, std::pmr::memory_resource* m) {
                       katana::api::validation_context ctx(m);
                       product_gen::Product g;
                       const auto st = status_of(katana::api::parse_body(in.text, g, ctx));
                       if (st == parse_status::ok) {
                           bind(p, m);
                           convert(g, p, m);
                       }
                       return st;
                   },
                   [](json_input in, product_list& l, std::pmr::memory_resource* m) {
                       katana::api::validation_context ctx(m);
                       generated_list g(m);
                       const auto st = status_of(katana::api::parse_body(in.text, g, ctx));
                       if (st == parse_status::ok) {
                           rebind(l, m);
                           for (const auto& item : g) {
                               Product& p = l.emplace_back();
                               bind(p, m);
                               convert(item, p, m);
                           }
                       }
                       return st;
                   }});
}

void add_generated_writer(std::vector<writer_entry>& out) {
    out.push_back({"generated",
                   [](const Product& p) {
                       std::pmr::unsynchronized_pool_resource m;
                       product_gen::Product g;
                       convert(p, g, &m);
                       std::string text;
                       write(g, bytes_per_product, &m, &text);
                       return text;
                   },
                   [](const product_list& l) {
                       std::pmr::unsynchronized_pool_resource m;
                       generated_list g(&m);
                       for (const Product& p : l) convert(p, g.emplace_back(), &m);
                       std::string text;
                       write(g, bytes_per_product * l.size() + 2, &m, &text);
                       return text;
                   }});
}

} // namespace katana::bench
