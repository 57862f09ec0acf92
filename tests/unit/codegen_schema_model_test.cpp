// The schema model on its own: which C++ type each kind of Schema Object becomes (one test per
// row of the model table), names, nullability, box insertion, diagnostics and the emitted text.
#include <katana/codegen/schema_model.hpp>
#include <katana/codegen/spec.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace {

using katana::codegen::cpp_type;
using katana::codegen::diagnostics;
using katana::codegen::generated_file;
using katana::codegen::node;
using katana::codegen::schema_model;
using katana::codegen::spec_set;

struct loaded {
    diagnostics diags;
    std::unique_ptr<spec_set> spec;
    std::unique_ptr<schema_model> model;

    const node* at(std::string_view pointer) const { return spec->root().at_pointer(pointer); }
    const cpp_type& type(std::string_view pointer, std::string_view hint = "Hint") {
        const node* n = at(pointer);
        EXPECT_NE(n, nullptr) << pointer;
        return model->type_for(n, hint);
    }
    std::vector<generated_file> emit(const std::string& ns = "api") {
        std::vector<generated_file> files;
        model->emit(ns, files);
        return files;
    }
    std::string header(const std::string& ns = "api") {
        for (auto& f : emit(ns)) {
            if (f.path == "models.hpp") return f.contents;
        }
        return {};
    }
};

std::unique_ptr<loaded> load(std::string_view version, std::string_view schemas) {
    auto l = std::make_unique<loaded>();
    std::string text = "openapi: " + std::string(version) + "\ninfo: {title: t, version: '1'}\npaths: {}\n" +
                       "components:\n  schemas:\n" + std::string(schemas);
    l->spec = spec_set::load_from_string("test.yaml", text, l->diags);
    EXPECT_NE(l->spec, nullptr) << l->diags.to_string();
    if (l->spec == nullptr) return l;
    l->model = std::make_unique<schema_model>(*l->spec, l->diags);
    l->model->build();
    return l;
}

bool contains(const std::string& haystack, std::string_view needle) { return haystack.find(needle) != std::string::npos; }

TEST(CodegenSchemaModel, PrimitivesAndFormats) {
    auto l = load("3.1.0", R"(
    S: { type: string, format: date-time }
    I32: { type: integer, format: int32 }
    I64: { type: integer, format: int64 }
    I: { type: integer }
    U: { type: integer, format: uint64 }
    F: { type: number, format: float }
    D: { type: number, format: double }
    N: { type: number }
    B: { type: boolean }
)");
    ASSERT_TRUE(l->model);
    struct row {
        const char* name;
        cpp_type::kind kind;
        const char* underlying;
    };
    for (const row& r : {row{"S", cpp_type::kind::string, "std::pmr::string"}, row{"I32", cpp_type::kind::int32, "std::int32_t"},
                         row{"I64", cpp_type::kind::int64, "std::int64_t"}, row{"I", cpp_type::kind::int64, "std::int64_t"},
                         row{"U", cpp_type::kind::uint64, "std::uint64_t"}, row{"F", cpp_type::kind::float32, "float"},
                         row{"D", cpp_type::kind::float64, "double"}, row{"N", cpp_type::kind::float64, "double"},
                         row{"B", cpp_type::kind::boolean, "bool"}}) {
        const cpp_type& t = l->type(std::string("/components/schemas/") + r.name);
        EXPECT_EQ(t.category, r.kind) << r.name;
        // Components that are not structs/enums/variants become aliases named after the schema.
        EXPECT_EQ(t.spelling, r.name);
        EXPECT_TRUE(contains(l->header(), std::string("using ") + r.name + " = " + r.underlying + ";")) << r.name;
    }
    EXPECT_EQ(l->diags.error_count(), 0u) << l->diags.to_string();
}

TEST(CodegenSchemaModel, ObjectsBecomeStructsWithWrappedOptionalFields) {
    auto l = load("3.1.0", R"(
    Product:
      type: object
      required: [id, owner]
      properties:
        id: { type: integer, format: int64 }
        name: { type: string }
        owner: { type: [string, 'null'] }
        note: { type: [string, 'null'] }
        tags: { type: array, items: { type: string } }
        dimensions:
          type: object
          properties:
            width: { type: number }
)");
    ASSERT_TRUE(l->model);
    const cpp_type& t = l->type("/components/schemas/Product");
    EXPECT_EQ(t.category, cpp_type::kind::object);
    EXPECT_EQ(t.spelling, "Product");
    EXPECT_GE(t.decl, 0);
    const cpp_type& tags = l->type("/components/schemas/Product/properties/tags");
    EXPECT_EQ(tags.category, cpp_type::kind::array);
    EXPECT_EQ(tags.spelling, "std::pmr::vector<std::pmr::string>");
    ASSERT_NE(tags.element, nullptr);
    EXPECT_EQ(tags.element->category, cpp_type::kind::string);
    // Inline object: named after its parent and property.
    EXPECT_EQ(l->type("/components/schemas/Product/properties/dimensions").spelling, "ProductDimensions");

    const std::string h = l->header();
    EXPECT_TRUE(contains(h, "std::int64_t id{};")) << h;                                         // required
    EXPECT_TRUE(contains(h, "std::optional<std::pmr::string> name;")) << h;                      // optional
    EXPECT_TRUE(contains(h, "std::optional<std::pmr::string> owner;")) << h;                     // required + nullable
    EXPECT_TRUE(contains(h, "katana::api::tristate<std::pmr::string> note;")) << h;              // optional + nullable
    EXPECT_TRUE(contains(h, "std::optional<std::pmr::vector<std::pmr::string>> tags;")) << h;
    EXPECT_TRUE(contains(h, "std::optional<ProductDimensions> dimensions;")) << h;
    EXPECT_TRUE(contains(h, "bool read_json(katana::json::reader& r, Product& out, katana::api::validation_context& ctx);"));
    EXPECT_TRUE(contains(h, "void write_json(katana::json::writer& w, const Product& v);"));
    EXPECT_TRUE(contains(h, "void validate(const Product& v, katana::api::validation_context& ctx);"));
    // Nested struct is defined before its user.
    EXPECT_LT(h.find("struct ProductDimensions {"), h.find("struct Product {"));
}

TEST(CodegenSchemaModel, NullabilityIsNotPartOfTheSpelling) {
    auto l31 = load("3.1.0", R"(
    A: { type: [string, 'null'] }
    B: { oneOf: [{ type: string }, { type: 'null' }] }
    C: { type: string }
    E: { type: [string, 'null'], enum: [x, y] }
    R: { $ref: '#/components/schemas/C' }
)");
    ASSERT_TRUE(l31->model);
    EXPECT_TRUE(l31->model->is_nullable(l31->at("/components/schemas/A")));
    EXPECT_TRUE(l31->model->is_nullable(l31->at("/components/schemas/B")));
    EXPECT_FALSE(l31->model->is_nullable(l31->at("/components/schemas/C")));
    EXPECT_FALSE(l31->model->is_nullable(l31->at("/components/schemas/E"))); // enum does not list null
    EXPECT_FALSE(l31->model->is_nullable(l31->at("/components/schemas/R")));
    EXPECT_EQ(l31->type("/components/schemas/A").category, cpp_type::kind::string);
    // oneOf [string, null] is the string type, not a variant.
    EXPECT_EQ(l31->type("/components/schemas/B").category, cpp_type::kind::string);

    auto l30 = load("3.0.3", R"(
    A: { type: string, nullable: true }
    P:
      allOf: [{ $ref: '#/components/schemas/Q' }]
      nullable: true
    Q: { type: object, properties: { x: { type: string } } }
)");
    ASSERT_TRUE(l30->model);
    EXPECT_TRUE(l30->model->is_nullable(l30->at("/components/schemas/A")));
    EXPECT_TRUE(l30->model->is_nullable(l30->at("/components/schemas/P")));
    EXPECT_FALSE(l30->model->is_nullable(l30->at("/components/schemas/Q")));
    // allOf with a single $ref (the 3.0 way to annotate a reference) is that type.
    EXPECT_EQ(l30->type("/components/schemas/P").category, cpp_type::kind::object);
    EXPECT_TRUE(contains(l30->header(), "using P = Q;"));
}

TEST(CodegenSchemaModel, EnumsOfStringsAndIntegers) {
    auto l = load("3.1.0", R"(
    Color: { type: string, enum: [red, dark-green, '', class] }
    Level: { type: integer, enum: [1, -2] }
    Mixed: { enum: [1, a] }
)");
    ASSERT_TRUE(l->model);
    const cpp_type& color = l->type("/components/schemas/Color");
    EXPECT_EQ(color.category, cpp_type::kind::enumeration);
    EXPECT_TRUE(color.is_string_enum);
    const cpp_type& level = l->type("/components/schemas/Level");
    EXPECT_EQ(level.category, cpp_type::kind::enumeration);
    EXPECT_FALSE(level.is_string_enum);
    EXPECT_EQ(l->type("/components/schemas/Mixed").category, cpp_type::kind::any);
    const std::string h = l->header();
    EXPECT_TRUE(contains(h, "enum class Color : std::uint8_t {")) << h;
    EXPECT_TRUE(contains(h, "dark_green, // \"dark-green\"")) << h;
    EXPECT_TRUE(contains(h, "empty, // \"\"")) << h;
    EXPECT_TRUE(contains(h, "class_, // \"class\"")) << h;
    EXPECT_TRUE(contains(h, "value_minus_2 = -2,")) << h;
    EXPECT_TRUE(contains(h, "bool from_string(std::string_view s, Color& out) noexcept;")) << h;
    EXPECT_TRUE(contains(h, "bool from_int(std::int64_t i, Level& out) noexcept;")) << h;
}

TEST(CodegenSchemaModel, AllOfMergesIntoOneStruct) {
    auto l = load("3.1.0", R"(
    Base:
      type: object
      required: [id]
      properties: { id: { type: integer } }
    Child:
      allOf:
        - $ref: '#/components/schemas/Base'
        - type: object
          required: [name]
          properties: { name: { type: string } }
)");
    ASSERT_TRUE(l->model);
    const cpp_type& child = l->type("/components/schemas/Child");
    EXPECT_EQ(child.category, cpp_type::kind::object);
    EXPECT_EQ(child.spelling, "Child");
    const std::string h = l->header();
    const auto start = h.find("struct Child {");
    ASSERT_NE(start, std::string::npos) << h;
    const std::string body = h.substr(start, h.find("\n};", start) - start);
    EXPECT_TRUE(contains(body, "std::int64_t id{};")) << body;
    EXPECT_TRUE(contains(body, "std::pmr::string name;")) << body;
    EXPECT_EQ(l->diags.error_count(), 0u);
}

TEST(CodegenSchemaModel, AllOfConflictsAreDiagnosed) {
    auto l = load("3.1.0", R"(
    Bad:
      allOf:
        - type: object
          properties: { x: { type: string } }
        - type: object
          properties: { x: { type: integer } }
)");
    ASSERT_TRUE(l->model);
    (void)l->type("/components/schemas/Bad");
    ASSERT_EQ(l->diags.error_count(), 1u) << l->diags.to_string();
    const auto& d = l->diags.all().front();
    EXPECT_TRUE(contains(d.message, "allOf: property \"x\" has incompatible types")) << d.message;
    EXPECT_EQ(d.pointer, "/components/schemas/Bad/allOf/1/properties/x");
    EXPECT_GT(d.line, 0u);
}

TEST(CodegenSchemaModel, OneOfAnyOfBecomeVariants) {
    auto l = load("3.1.0", R"(
    Cat: { type: object, properties: { petType: { type: string } } }
    Dog: { type: object, properties: { petType: { type: string } } }
    Pet:
      oneOf: [{ $ref: '#/components/schemas/Cat' }, { $ref: '#/components/schemas/Dog' }]
      discriminator: { propertyName: petType, mapping: { c: Cat } }
    Either: { anyOf: [{ type: string }, { type: integer }] }
    Required: { type: object, properties: { a: { type: string } }, oneOf: [{ required: [a] }, { required: [b] }] }
)");
    ASSERT_TRUE(l->model);
    const cpp_type& pet = l->type("/components/schemas/Pet");
    EXPECT_EQ(pet.category, cpp_type::kind::variant);
    EXPECT_EQ(l->type("/components/schemas/Either").category, cpp_type::kind::variant);
    // oneOf of constraint-only schemas is not a type: DOM value + validator.
    EXPECT_EQ(l->type("/components/schemas/Required").category, cpp_type::kind::any);
    const std::string h = l->header();
    EXPECT_TRUE(contains(h, "struct Pet : std::variant<Cat, Dog> {")) << h;
    EXPECT_TRUE(contains(h, "//   0: Cat (petType = c)")) << h;
    EXPECT_TRUE(contains(h, "//   1: Dog (petType = Dog)")) << h;
    EXPECT_TRUE(contains(h, "struct Either : std::variant<std::pmr::string, std::int64_t> {")) << h;
}

TEST(CodegenSchemaModel, AdditionalPropertiesAndFreeForm) {
    auto l = load("3.1.0", R"(
    Map: { type: object, additionalProperties: { type: integer } }
    WithExtra:
      type: object
      properties: { a: { type: string } }
      additionalProperties: { type: string }
    Open: { type: object, properties: { a: { type: string } }, additionalProperties: true }
    Closed: { type: object, properties: { a: { type: string } }, additionalProperties: false }
    Free: { type: object }
    Untyped: {}
)");
    ASSERT_TRUE(l->model);
    const cpp_type& map = l->type("/components/schemas/Map");
    EXPECT_EQ(map.category, cpp_type::kind::map);
    ASSERT_NE(map.element, nullptr);
    EXPECT_EQ(map.element->category, cpp_type::kind::int64);
    EXPECT_EQ(l->type("/components/schemas/Free").category, cpp_type::kind::any);
    EXPECT_EQ(l->type("/components/schemas/Untyped").category, cpp_type::kind::any);
    const std::string h = l->header();
    EXPECT_TRUE(contains(h, "using Map = std::pmr::vector<std::pair<std::pmr::string, std::int64_t>>;")) << h;
    EXPECT_TRUE(contains(h, "std::pmr::vector<std::pair<std::pmr::string, std::pmr::string>> additional_properties;")) << h;
    EXPECT_TRUE(contains(h, "std::pmr::vector<std::pair<std::pmr::string, katana::json::value>> additional_properties;")) << h;
    EXPECT_TRUE(contains(h, "using Free = katana::json::value;")) << h;
}

TEST(CodegenSchemaModel, SchemasWithoutOneCppTypeAreDomValues) {
    auto l = load("3.1.0", R"(
    Multi: { type: [integer, string] }
    Constraints: { minimum: 1 }
    Never: false
    Always: true
    Negated: { not: { type: string } }
    Cond: { if: { type: string }, then: { minLength: 1 } }
    Contains: { type: array, contains: { type: integer } }
)");
    ASSERT_TRUE(l->model);
    for (const char* name : {"Multi", "Constraints", "Never", "Always", "Negated", "Cond", "Contains"}) {
        const cpp_type& t = l->type(std::string("/components/schemas/") + name);
        EXPECT_EQ(t.category, cpp_type::kind::any) << name;
    }
    // Every constrained one gets a generated DOM validator.
    std::string all;
    for (const auto& f : l->emit()) all += f.contents;
    EXPECT_TRUE(contains(all, "constexpr std::uint8_t types_ = katana::api::dom_integer | katana::api::dom_string;")) << all;
    EXPECT_TRUE(contains(all, "\"no value is allowed here\""));
    EXPECT_TRUE(contains(all, "\"must not match the schema in not\""));
    EXPECT_TRUE(contains(all, "must contain at least 1 matching item(s)"));
    EXPECT_EQ(l->diags.warning_count(), 0u) << l->diags.to_string();
}

TEST(CodegenSchemaModel, UnsupportedKeywordsWarnWithKeywordAndPointer) {
    auto l = load("3.1.0", R"(
    A:
      type: object
      unevaluatedProperties: false
      x-vendor: ignored
      properties:
        b: { type: string, dependentSchemas: {} }
)");
    ASSERT_TRUE(l->model);
    ASSERT_EQ(l->diags.warning_count(), 2u) << l->diags.to_string();
    const auto& all = l->diags.all();
    EXPECT_TRUE(std::any_of(all.begin(), all.end(), [](const auto& d) {
        return d.message == "unsupported schema keyword \"unevaluatedProperties\" is not validated" &&
               d.pointer == "/components/schemas/A/unevaluatedProperties";
    })) << l->diags.to_string();
    EXPECT_TRUE(std::any_of(all.begin(), all.end(), [](const auto& d) {
        return contains(d.message, "\"dependentSchemas\"") && d.pointer == "/components/schemas/A/properties/b/dependentSchemas";
    })) << l->diags.to_string();
}

TEST(CodegenSchemaModel, RecursionGetsABoxOnlyWhereAValueCycleForms) {
    auto l = load("3.1.0", R"(
    Node:
      type: object
      properties:
        next: { $ref: '#/components/schemas/Node' }
        kids: { type: array, items: { $ref: '#/components/schemas/Node' } }
    A:
      type: object
      required: [b]
      properties: { b: { $ref: '#/components/schemas/B' } }
    B:
      type: object
      properties: { a: { $ref: '#/components/schemas/A' } }
)");
    ASSERT_TRUE(l->model);
    const std::string h = l->header();
    EXPECT_TRUE(contains(h, "std::optional<katana::api::box<Node>> next;")) << h;
    EXPECT_TRUE(contains(h, "std::optional<std::pmr::vector<Node>> kids;")) << h; // vectors need no box
    // Exactly one edge of the A <-> B cycle is boxed, and the by-value side is defined first.
    const bool a_boxed = contains(h, "katana::api::box<B> b;");
    const bool b_boxed = contains(h, "std::optional<katana::api::box<A>> a;");
    EXPECT_NE(a_boxed, b_boxed) << h;
    if (b_boxed) {
        EXPECT_LT(h.find("struct B {"), h.find("struct A {"));
    }
}

TEST(CodegenSchemaModel, HostileNamesStayValidCpp) {
    auto l = load("3.1.0", R"(
    class:
      type: object
      properties:
        namespace: { type: string }
        default: { type: integer }
        Type: { type: string }
        type: { type: string }
        std: { type: string }
        2fa: { type: boolean }
        a-b: { type: string }
        ctx: { type: string }
    Type: { type: string, enum: [a] }
    std: { type: object, properties: { i: { type: string } } }
)");
    ASSERT_TRUE(l->model);
    EXPECT_EQ(l->type("/components/schemas/class").spelling, "Class");
    EXPECT_EQ(l->type("/components/schemas/std").spelling, "Std");
    const std::string h = l->header();
    EXPECT_TRUE(contains(h, "std::optional<std::pmr::string> namespace_;")) << h;
    EXPECT_TRUE(contains(h, "std::optional<std::int64_t> default_;")) << h;
    EXPECT_TRUE(contains(h, "std::optional<std::pmr::string> Type_;")) << h; // never a type's name
    EXPECT_TRUE(contains(h, "std::optional<std::pmr::string> type;")) << h;
    EXPECT_TRUE(contains(h, "std::optional<std::pmr::string> std_;")) << h;
    EXPECT_TRUE(contains(h, "std::optional<bool> _2fa;")) << h;
    EXPECT_TRUE(contains(h, "// JSON: \"a-b\"")) << h;
    EXPECT_TRUE(contains(h, "std::optional<std::pmr::string> a_b;")) << h;
}

TEST(CodegenSchemaModel, InlineNamesNeverTakeComponentNames) {
    auto l = load("3.1.0", R"(
    Order:
      type: object
      properties:
        line: { type: object, properties: { x: { type: string } } }
    OrderLine: { type: object, properties: { y: { type: string } } }
)");
    ASSERT_TRUE(l->model);
    EXPECT_EQ(l->type("/components/schemas/OrderLine").spelling, "OrderLine");
    EXPECT_EQ(l->type("/components/schemas/Order/properties/line").spelling, "OrderLine_2");
    // H5's names are claimed in the same scope.
    EXPECT_EQ(l->model->type_names().claim("Order"), "Order_2");
}

TEST(CodegenSchemaModel, ValueChecksForParameters) {
    auto l = load("3.1.0", R"(
    Limit: { type: integer, minimum: 1, maximum: 100 }
    Code: { type: string, pattern: '^[A-Z]+$', minLength: 2 }
    Ids: { type: array, maxItems: 3, items: { type: integer, minimum: 0 } }
    Free: { type: string }
)");
    ASSERT_TRUE(l->model);
    const std::string limit = l->model->value_checks(l->at("/components/schemas/Limit"), "p.limit", "vctx");
    EXPECT_TRUE(contains(limit, "if (!(p.limit >= 1)) katana::api::report(vctx, katana::api::here, \"must be >= 1\");")) << limit;
    EXPECT_TRUE(contains(limit, "\"must be <= 100\"")) << limit;
    const std::string code = l->model->value_checks(l->at("/components/schemas/Code"), "c", "ctx");
    EXPECT_TRUE(contains(code, "models_detail::pattern_0.search(c)")) << code;
    const std::string ids = l->model->value_checks(l->at("/components/schemas/Ids"), "ids", "ctx");
    EXPECT_TRUE(contains(ids, "\"must have at most 3 items\"")) << ids;
    EXPECT_TRUE(contains(ids, "katana::api::report(ctx, i0_, \"must be >= 0\")")) << ids;
    EXPECT_TRUE(l->model->value_checks(l->at("/components/schemas/Free"), "s", "ctx").empty());
    // The pattern object the checks use is declared for every generated file.
    EXPECT_TRUE(contains(l->header(), "extern const katana::api::regex_pattern pattern_0;"));
}

TEST(CodegenSchemaModel, BodyReadersForTypesThatDoNotCarryTheirConstraints) {
    auto l = load("3.1.0", R"(
    Item: { type: object, properties: { a: { type: string } } }
    Items: { type: array, maxItems: 2, items: { $ref: '#/components/schemas/Item' } }
    Inline:
      type: object
      properties:
        list: { type: array, minItems: 1, items: { type: integer } }
)");
    ASSERT_TRUE(l->model);
    EXPECT_EQ(l->model->body_reader(l->at("/components/schemas/Item")), ""); // read_json(Item) checks everything
    EXPECT_EQ(l->model->body_reader(l->at("/components/schemas/Items")), "read_Items");
    const node* inline_list = l->at("/components/schemas/Inline/properties/list");
    EXPECT_EQ(l->model->body_reader(inline_list), "models_detail::read_body_0");
    EXPECT_EQ(l->model->body_reader(inline_list), "models_detail::read_body_0"); // registered once
    std::string all;
    for (const auto& f : l->emit()) all += f.contents;
    EXPECT_TRUE(contains(all, "bool read_Items(katana::json::reader& r, Items& out, katana::api::validation_context& ctx);"));
    EXPECT_TRUE(contains(all, "bool read_body_0(katana::json::reader& r, std::pmr::vector<std::int64_t>& out,"));
    EXPECT_TRUE(contains(all, "\"must have at most 2 items\""));
    EXPECT_TRUE(contains(all, "\"must have at least 1 items\""));
}

TEST(CodegenSchemaModel, OutputIsDeterministicAndSharded) {
    std::string schemas;
    for (int i = 0; i < 150; ++i) {
        schemas += "    S" + std::to_string(i) + ":\n      type: object\n      properties:\n        next: { $ref: '#/components/schemas/S" +
                   std::to_string((i + 1) % 150) + "' }\n        v: { type: string, maxLength: " + std::to_string(i + 1) + " }\n";
    }
    auto a = load("3.1.0", schemas);
    auto b = load("3.1.0", schemas);
    ASSERT_TRUE(a->model && b->model);
    const auto fa = a->emit("shop::v1");
    const auto fb = b->emit("shop::v1");
    ASSERT_EQ(fa.size(), fb.size());
    ASSERT_GT(fa.size(), 2u); // models.hpp + several models_<k>.cpp
    for (std::size_t i = 0; i < fa.size(); ++i) {
        EXPECT_EQ(fa[i].path, fb[i].path);
        EXPECT_EQ(fa[i].contents, fb[i].contents) << fa[i].path;
        EXPECT_TRUE(fa[i].contents.starts_with("// Generated by katana gen openapi from test.yaml. Do not edit.\n"));
        EXPECT_TRUE(contains(fa[i].contents, "namespace shop::v1 {"));
    }
    EXPECT_EQ(fa[0].path, "models.hpp");
    EXPECT_EQ(fa[1].path, "models_0.cpp");
    // The 150-long cycle is broken by exactly one box.
    std::size_t boxes = 0;
    for (std::size_t pos = 0; (pos = fa[0].contents.find("katana::api::box<", pos)) != std::string::npos; ++pos) ++boxes;
    EXPECT_EQ(boxes, 1u);
}

// ---- QA regressions

TEST(CodegenSchemaModel, ReferenceOnlyComponentIsAnAlias) {
    auto l = load("3.0.3", R"(
    Alias: { $ref: '#/components/schemas/H' }
    H: { type: object, properties: { p: { $ref: '#/components/schemas/Positive' } } }
    Positive: { type: integer, minimum: 1 }
    Again: { $ref: '#/components/schemas/Positive' }
)");
    ASSERT_TRUE(l->model);
    const std::string h = l->header();
    EXPECT_TRUE(contains(h, "using Alias = H;")) << h;
    EXPECT_TRUE(contains(h, "using Again = Positive;")) << h;
    // An alias of a plain type checks the target's constraints.
    EXPECT_TRUE(contains(h, "bool read_Again(")) << h;
    EXPECT_FALSE(contains(h, "bool read_Alias(")) << h; // structs are read by read_json
    EXPECT_EQ(l->diags.error_count() + l->diags.warning_count(), 0u) << l->diags.to_string();
}

TEST(CodegenSchemaModel, RecursionThroughMapsIsBoxed) {
    auto l = load("3.0.3", R"(
    Node:
      type: object
      properties:
        m: { type: object, additionalProperties: { $ref: '#/components/schemas/Node' } }
      additionalProperties: { $ref: '#/components/schemas/Node' }
    Holder:
      type: object
      properties:
        files: { type: object, additionalProperties: { type: object, properties: { size: { type: integer } } } }
)");
    ASSERT_TRUE(l->model);
    const std::string h = l->header();
    EXPECT_TRUE(contains(h, "std::optional<std::pmr::vector<std::pair<std::pmr::string, katana::api::box<Node>>>> m;")) << h;
    EXPECT_TRUE(contains(h, "std::pmr::vector<std::pair<std::pmr::string, katana::api::box<Node>>> additional_properties;")) << h;
    // A map of a non-recursive struct holds it by value, and that struct is defined first
    // (std::pair needs a complete type; clang instantiates it inside std::optional).
    EXPECT_TRUE(contains(h, "std::pair<std::pmr::string, HolderFilesValue>")) << h;
    const auto value_at = h.find("struct HolderFilesValue {");
    const auto holder_at = h.find("struct Holder {");
    ASSERT_NE(value_at, std::string::npos) << h;
    ASSERT_NE(holder_at, std::string::npos) << h;
    EXPECT_LT(value_at, holder_at) << h;
}

TEST(CodegenSchemaModel, MapsRejectRepeatedKeys) {
    auto l = load("3.0.3", R"(
    Tags: { type: object, additionalProperties: { type: string } }
)");
    ASSERT_TRUE(l->model);
    const auto files = l->emit();
    std::string all;
    for (const auto& f : files) all += f.contents;
    EXPECT_TRUE(contains(all, "void report_repeated_keys(")) << all;
    EXPECT_TRUE(contains(all, "models_detail::report_repeated_keys(out, ctx);")) << all;
}

TEST(CodegenSchemaModel, AllOfPolymorphismIsReported) {
    auto l = load("3.0.3", R"(
    Pet:
      type: object
      properties: { petType: { type: string } }
      discriminator: { propertyName: petType }
    Cat:
      allOf: [ { $ref: '#/components/schemas/Pet' }, { type: object, properties: { lives: { type: integer } } } ]
    Dog:
      allOf: [ { $ref: '#/components/schemas/Pet' } ]
)");
    ASSERT_TRUE(l->model);
    const std::string d = l->diags.to_string();
    EXPECT_TRUE(contains(d, "allOf polymorphism is not dispatched")) << d;
    EXPECT_TRUE(contains(d, "(Cat, Dog)")) << d;
    EXPECT_TRUE(contains(d, "/components/schemas/Pet/discriminator")) << d;
}

TEST(CodegenSchemaModel, CollidingMemberNamesAreNumbered) {
    auto l = load("3.0.3", R"(
    Names:
      type: object
      properties:
        a-b: { type: string }
        a_b: { type: string }
        a b: { type: string }
        "": { type: string }
        "$": { type: string }
        "\u2713": { type: string }
)");
    ASSERT_TRUE(l->model);
    const std::string h = l->header();
    EXPECT_TRUE(contains(h, " a_b;")) << h;
    EXPECT_TRUE(contains(h, " a_b_;")) << h;
    EXPECT_TRUE(contains(h, " a_b_2;")) << h;
    EXPECT_TRUE(contains(h, " _;")) << h;
    EXPECT_TRUE(contains(h, " _2;")) << h;
    EXPECT_TRUE(contains(h, " u2713;")) << h;
    EXPECT_FALSE(contains(h, "__;")) << h;
}

} // namespace
