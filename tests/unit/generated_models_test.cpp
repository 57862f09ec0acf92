// Behaviour of generated DTO code (tests/codegen/behaviour/models_31.yaml / models_30.yaml, one
// schema per row of the schema-model table): parse + validate in one pass with every error and
// its JSON pointer, serialization, round trips, variants, maps, DOM validators, recursion.
#if defined(KATANA_HAVE_GENERATED_MODELS)
#include "models30/models.hpp"
#include "models31/models.hpp"
#include "modelsqa/models.hpp"
#endif

#include "support/alloc_counter.hpp"

#include <gtest/gtest.h>

#include <array>
#include <memory_resource>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(KATANA_HAVE_GENERATED_MODELS)

namespace {

using katana::api::body_status;

struct parsed_errors {
    body_status status = body_status::ok;
    std::vector<std::pair<std::string, std::string>> errors; // pointer, detail

    [[nodiscard]] bool has(std::string_view pointer, std::string_view detail_part) const {
        for (const auto& [p, d] : errors) {
            if (p == pointer && d.find(detail_part) != std::string::npos) return true;
        }
        return false;
    }
    [[nodiscard]] std::string dump() const {
        std::string s;
        for (const auto& [p, d] : errors) s += "  '" + p + "': " + d + "\n";
        return s;
    }
};

class GeneratedModels : public ::testing::Test {
protected:
    template <class T>
    parsed_errors parse(std::string_view json, T& out) {
        katana::api::validation_context ctx(&memory_);
        parsed_errors r;
        r.status = katana::api::parse_body(json, out, ctx);
        for (const auto& e : ctx.errors()) r.errors.emplace_back(std::string(e.pointer), std::string(e.detail));
        return r;
    }
    // Top-level values of component aliases (maps, DOM values): the alias's read_<Name> checks
    // the component's constraints, which the C++ type itself does not carry.
    template <class T, class Read>
    parsed_errors parse_with(std::string_view json, T& out, Read read) {
        katana::api::validation_context ctx(&memory_);
        parsed_errors r;
        r.status = katana::api::parse_body_with(json, out, ctx, read);
        for (const auto& e : ctx.errors()) r.errors.emplace_back(std::string(e.pointer), std::string(e.detail));
        return r;
    }
    template <class T>
    std::string write(const T& v) {
        katana::json::writer w(&memory_);
        using katana::api::write_json; // aliases of built-in types (maps, json::value) have no ADL namespace
        write_json(w, v);
        return std::string(w.view());
    }
    template <class T>
    parsed_errors validate_value(const T& v) {
        katana::api::validation_context ctx(&memory_);
        using katana::api::validate;
        validate(v, ctx);
        parsed_errors r;
        r.status = ctx.ok() ? body_status::ok : body_status::invalid;
        for (const auto& e : ctx.errors()) r.errors.emplace_back(std::string(e.pointer), std::string(e.detail));
        return r;
    }
    template <class T, class Check>
    parsed_errors validate_value_with(const T& v, Check check) {
        katana::api::validation_context ctx(&memory_);
        check(v, ctx);
        parsed_errors r;
        r.status = ctx.ok() ? body_status::ok : body_status::invalid;
        for (const auto& e : ctx.errors()) r.errors.emplace_back(std::string(e.pointer), std::string(e.detail));
        return r;
    }
    // Parses `json`, serializes the result and checks the text is unchanged (inputs are given in
    // the serializer's canonical form).
    template <class T>
    void expect_round_trip(std::string_view json) {
        T v;
        const auto r = parse(json, v);
        ASSERT_EQ(r.status, body_status::ok) << json << "\n" << r.dump();
        EXPECT_EQ(write(v), json);
    }

    std::pmr::monotonic_buffer_resource memory_;
};

// ---- object with properties: required / optional / nullable

TEST_F(GeneratedModels, ObjectFieldsParseAndSerialize) {
    models31::Item item;
    const auto r = parse(R"({"id":7,"name":"abc","note":null,"comment":"xy","count":3,"kind":"item"})", item);
    ASSERT_EQ(r.status, body_status::ok) << r.dump();
    EXPECT_EQ(item.id, 7);
    EXPECT_EQ(item.name, "abc");
    EXPECT_FALSE(item.note.has_value()); // required + nullable: std::optional, null -> empty
    ASSERT_TRUE(item.comment.has_value());
    EXPECT_EQ(*item.comment, "xy");
    ASSERT_TRUE(item.count.has_value());
    EXPECT_EQ(*item.count, 3);
    EXPECT_EQ(write(item), R"({"id":7,"name":"abc","note":null,"comment":"xy","count":3,"kind":"item"})");
}

TEST_F(GeneratedModels, TristateDistinguishesAbsentNullAndValue) {
    models31::Item absent;
    ASSERT_EQ(parse(R"({"id":1,"name":"ab","note":"n"})", absent).status, body_status::ok);
    EXPECT_TRUE(absent.comment.is_absent());
    EXPECT_EQ(write(absent), R"({"id":1,"name":"ab","note":"n"})");

    models31::Item null;
    ASSERT_EQ(parse(R"({"id":1,"name":"ab","note":"n","comment":null})", null).status, body_status::ok);
    EXPECT_TRUE(null.comment.is_null());
    EXPECT_EQ(write(null), R"({"id":1,"name":"ab","note":"n","comment":null})");

    models31::Item value;
    ASSERT_EQ(parse(R"({"id":1,"name":"ab","note":"n","comment":"c"})", value).status, body_status::ok);
    EXPECT_TRUE(value.comment.has_value());
    EXPECT_NE(absent, null);
    EXPECT_NE(null, value);
}

TEST_F(GeneratedModels, EveryErrorIsReportedWithItsPointer) {
    models31::Item item;
    const auto r = parse(R"({"id":0,"name":"a","comment":"toolong","count":11,"kind":"other","count":1})", item);
    ASSERT_EQ(r.status, body_status::invalid);
    EXPECT_TRUE(r.has("/id", "must be >= 1")) << r.dump();
    EXPECT_TRUE(r.has("/name", "at least 2 characters")) << r.dump();
    EXPECT_TRUE(r.has("/comment", "at most 3 characters")) << r.dump();
    EXPECT_TRUE(r.has("/count", "must be <= 10")) << r.dump();
    EXPECT_TRUE(r.has("/kind", "must be \"item\"")) << r.dump();
    EXPECT_TRUE(r.has("/count", "duplicate property")) << r.dump();
    EXPECT_TRUE(r.has("", "missing required property \"note\"")) << r.dump();
    EXPECT_EQ(r.errors.size(), 7u) << r.dump();
}

TEST_F(GeneratedModels, TypeErrorsAreSkippedAndParsingGoesOn) {
    models31::Item item;
    const auto r = parse(R"({"id":"7","name":["x"],"note":{"a":[1,{"b":2}]},"count":1.5})", item);
    ASSERT_EQ(r.status, body_status::invalid);
    EXPECT_TRUE(r.has("/id", "expected integer, got string")) << r.dump();
    EXPECT_TRUE(r.has("/name", "expected string, got array")) << r.dump();
    EXPECT_TRUE(r.has("/note", "expected string, got object")) << r.dump();
    EXPECT_TRUE(r.has("/count", "fractional")) << r.dump();
    EXPECT_EQ(r.errors.size(), 4u) << r.dump();
}

TEST_F(GeneratedModels, MultiByteCharactersCountAsOne) {
    models31::Item item;
    // "äöü" is 6 bytes but 3 code points: within maxLength 5.
    EXPECT_EQ(parse(R"({"id":1,"name":"äöü","note":null})", item).status, body_status::ok);
    models31::Item longer;
    EXPECT_TRUE(parse(R"({"id":1,"name":"ääääää","note":null})", longer).has("/name", "at most 5"));
}

TEST_F(GeneratedModels, ReadOnlyIsNotRequiredAndWriteOnlyIsNotSerialized) {
    models31::Item item;
    const auto r = parse(R"({"id":1,"name":"ab","note":null,"secret":"pw","created":"2024-05-06T07:08:09+02:00"})", item);
    ASSERT_EQ(r.status, body_status::ok) << r.dump();
    ASSERT_TRUE(item.secret.has_value());
    EXPECT_EQ(*item.secret, "pw");
    const std::string out = write(item);
    EXPECT_EQ(out.find("secret"), std::string::npos) << out;
    EXPECT_NE(out.find(R"("created":"2024-05-06T07:08:09+02:00")"), std::string::npos) << out; // offset kept
}

TEST_F(GeneratedModels, MalformedJsonIsNotInvalid) {
    for (std::string_view body : {R"({"id":1,)", R"({"id":01})", R"({"id":1}x)", R"({"id":1,"name":"ab\u0000"x})", ""}) {
        models31::Item item;
        katana::api::validation_context ctx(&memory_);
        katana::json::syntax_error syntax;
        EXPECT_EQ(katana::api::parse_body(body, item, ctx, &syntax), body_status::malformed) << body;
        EXPECT_NE(syntax.code, katana::json::error_code::none) << body;
    }
}

TEST_F(GeneratedModels, DeepNestingIsRefusedNotRecursedInto) {
    std::string deep;
    for (int i = 0; i < 10000; ++i) deep += R"({"value":1,"children":[)";
    models31::TreeNode node;
    katana::api::validation_context ctx(&memory_);
    EXPECT_EQ(katana::api::parse_body(deep, node, ctx), body_status::malformed);
}

// ---- enums

TEST_F(GeneratedModels, StringEnumConversions) {
    models31::Status s{};
    ASSERT_TRUE(from_string("in-progress", s));
    EXPECT_EQ(s, models31::Status::in_progress);
    EXPECT_EQ(to_string(models31::Status::class_), "class");
    EXPECT_FALSE(from_string("In-Progress", s));
    EXPECT_FALSE(from_string("", s));
}

TEST_F(GeneratedModels, EnumErrorsListAllowedValues) {
    models31::Order order;
    const auto r = parse(R"({"price":1,"status":"paused","level":3})", order);
    EXPECT_TRUE(r.has("/status", "unknown value \"paused\"; allowed: active, in-progress, done, class")) << r.dump();
    EXPECT_TRUE(r.has("/level", "unknown value 3; allowed: 1, 2, 10, -1")) << r.dump();
    models31::Order ok;
    ASSERT_EQ(parse(R"({"price":1,"status":"class","level":-1})", ok).status, body_status::ok);
    EXPECT_EQ(ok.level, models31::Level::value_minus_1);
    EXPECT_EQ(write(ok), R"({"price":1,"status":"class","level":-1})");
}

// ---- allOf

TEST_F(GeneratedModels, AllOfMergesPropertiesAndCombinesConstraints) {
    models31::Derived d;
    ASSERT_EQ(parse(R"({"id":3,"label":"ab","extra":true})", d).status, body_status::ok);
    EXPECT_EQ(d.id, 3);
    EXPECT_TRUE(d.extra);
    EXPECT_EQ(write(d), R"({"id":3,"label":"ab","extra":true})");

    models31::Derived bad;
    const auto r = parse(R"({"id":0,"label":"a"})", bad);
    EXPECT_TRUE(r.has("/id", "must be >= 1")) << r.dump();
    EXPECT_TRUE(r.has("/label", "at least 2 characters")) << r.dump(); // from the second part
    EXPECT_TRUE(r.has("", "missing required property \"extra\"")) << r.dump();
    models31::Derived too_long;
    EXPECT_TRUE(parse(R"({"id":1,"extra":false,"label":"0123456789x"})", too_long).has("/label", "at most 10"));
}

TEST_F(GeneratedModels, AllOfOfNumbersChecksEveryBound) {
    models31::Order order;
    EXPECT_TRUE(parse(R"({"price":0})", order).has("/price", "must be > 0"));
    models31::Order high;
    EXPECT_TRUE(parse(R"({"price":100.5})", high).has("/price", "must be <= 100"));
    models31::Order ok;
    EXPECT_EQ(parse(R"({"price":100})", ok).status, body_status::ok);
}

TEST_F(GeneratedModels, AdditionalPropertiesFalseRejectsUnknownKeys) {
    models31::Order order;
    const auto r = parse(R"({"price":1,"colour":"red","x":{"deep":[1,2]}})", order);
    EXPECT_TRUE(r.has("/colour", "unknown property")) << r.dump();
    EXPECT_TRUE(r.has("/x", "unknown property")) << r.dump();
    EXPECT_EQ(r.errors.size(), 2u);
}

TEST_F(GeneratedModels, UnknownKeysAreSkippedButStillSyntaxChecked) {
    models31::Item item;
    EXPECT_EQ(parse(R"({"id":1,"name":"ab","note":null,"other":{"a":[1,2,{"b":null}]}})", item).status, body_status::ok);
    models31::Item bad;
    EXPECT_EQ(parse(R"({"id":1,"name":"ab","note":null,"other":{"a":[1,2,}})", bad).status, body_status::malformed);
}

// ---- arrays

TEST_F(GeneratedModels, ArrayConstraintsAndElementPointers) {
    models31::Order order;
    const auto r = parse(R"({"price":1,"items":[],"tags":["a","B","a"],"matrix":[[2,null],[3]]})", order);
    EXPECT_TRUE(r.has("/items", "at least 1 items")) << r.dump();
    EXPECT_TRUE(r.has("/tags/1", "must match pattern ^[a-z]+$")) << r.dump();
    EXPECT_TRUE(r.has("/tags", "items must be unique")) << r.dump();
    EXPECT_TRUE(r.has("/matrix/1/0", "multiple of 2")) << r.dump();
    EXPECT_EQ(r.errors.size(), 4u) << r.dump();

    models31::Order ok;
    ASSERT_EQ(parse(R"({"price":1,"matrix":[[2,null],[]]})", ok).status, body_status::ok);
    ASSERT_TRUE(ok.matrix.has_value());
    ASSERT_EQ(ok.matrix->size(), 2u);
    EXPECT_FALSE((*ok.matrix)[0][1].has_value());
    EXPECT_EQ(write(ok), R"({"price":1,"matrix":[[2,null],[]]})");
}

TEST_F(GeneratedModels, ArraysOfBooleans) {
    expect_round_trip<models31::Flags>(R"({"bits":[true,false],"maybe":[null,true,false]})");
    models31::Flags dup;
    EXPECT_TRUE(parse(R"({"bits":[true,true]})", dup).has("/bits", "items must be unique"));
    models31::Flags wrong;
    EXPECT_TRUE(parse(R"({"bits":[false,1]})", wrong).has("/bits/1", "expected boolean, got number"));
}

TEST_F(GeneratedModels, UniqueItemsUsesJsonEqualityOfStructs) {
    models31::Order order;
    const auto r = parse(
        R"({"price":1,"items":[{"id":1,"name":"ab","note":null},{"id":1,"name":"ab","note":null}]})", order);
    EXPECT_TRUE(r.has("/items", "items must be unique")) << r.dump();
    models31::Order distinct;
    EXPECT_EQ(parse(R"({"price":1,"items":[{"id":1,"name":"ab","note":null},{"id":2,"name":"ab","note":null}]})",
                    distinct)
                  .status,
              body_status::ok);
    models31::Order too_many;
    EXPECT_TRUE(parse(R"({"price":1,"items":[{"id":1,"name":"ab","note":null},{"id":2,"name":"ab","note":null},)"
                      R"({"id":3,"name":"ab","note":null},{"id":4,"name":"ab","note":null}]})",
                      too_many)
                    .has("/items", "at most 3 items"));
}

TEST_F(GeneratedModels, NestedErrorsCarryTheirFullPointer) {
    models31::Order order;
    const auto r = parse(R"({"price":1,"items":[{"id":1,"name":"ab","note":null},{"id":-5,"name":"ab"}]})", order);
    EXPECT_TRUE(r.has("/items/1/id", "must be >= 1")) << r.dump();
    EXPECT_TRUE(r.has("/items/1", "missing required property \"note\"")) << r.dump();
}

// ---- oneOf / anyOf

TEST_F(GeneratedModels, DiscriminatorSelectsTheAlternativeByTag) {
    models31::Pet cat;
    ASSERT_EQ(parse(R"({"lives":7,"petType":"kitty"})", cat).status, body_status::ok); // tag not first
    ASSERT_EQ(cat.index(), 0u);
    EXPECT_EQ(std::get<0>(cat.as_variant()).lives, 7);
    EXPECT_EQ(write(cat), R"({"petType":"kitty","lives":7})");

    models31::Pet dog;
    ASSERT_EQ(parse(R"({"petType":"Dog","bark":true})", dog).status, body_status::ok); // implicit mapping
    ASSERT_EQ(dog.index(), 1u);
    EXPECT_TRUE(std::get<1>(dog.as_variant()).bark);

    models31::Pet wrong;
    const auto r = parse(R"({"petType":"Cat","lives":1})", wrong); // explicit mapping replaces "Cat"
    EXPECT_TRUE(r.has("/petType", "unknown discriminator value \"Cat\"; allowed: kitty, Dog")) << r.dump();
    models31::Pet missing;
    EXPECT_TRUE(parse(R"({"lives":1})", missing).has("", "missing discriminator property \"petType\""));
    models31::Pet not_object;
    EXPECT_TRUE(parse(R"([1])", not_object).has("", "expected object, got array"));
    models31::Pet inner;
    EXPECT_TRUE(parse(R"({"petType":"kitty","lives":10})", inner).has("/lives", "must be <= 9"));
}

TEST_F(GeneratedModels, OneOfWithoutDiscriminatorNeedsExactlyOneMatch) {
    models31::Shape circle;
    ASSERT_EQ(parse(R"({"radius":2.5})", circle).status, body_status::ok);
    ASSERT_EQ(circle.index(), 0u);
    EXPECT_EQ(std::get<0>(circle.as_variant()).radius, 2.5);
    models31::Shape square;
    ASSERT_EQ(parse(R"({"side":1})", square).status, body_status::ok);
    EXPECT_EQ(square.index(), 1u);
    EXPECT_EQ(write(square), R"({"side":1})");

    models31::Shape neither;
    const auto r = parse(R"({"radius":1,"side":2})", neither);
    ASSERT_EQ(r.status, body_status::invalid);
    EXPECT_TRUE(r.has("", "must match exactly one of: Circle, Square (matched none)")) << r.dump();
    EXPECT_EQ(r.errors.size(), 1u) << r.dump(); // the alternatives' own errors are rolled back

    models31::Ambiguous both;
    EXPECT_TRUE(parse(R"({"radius":1})", both).has("", "must match exactly one of: Circle, Blob (matched 2)"));
    models31::Ambiguous blob_only;
    ASSERT_EQ(parse(R"({"radius":-1})", blob_only).status, body_status::ok); // Circle needs radius >= 0
    EXPECT_EQ(blob_only.index(), 1u);
}

TEST_F(GeneratedModels, AnyOfTakesTheFirstMatch) {
    models31::IdOrName id;
    ASSERT_EQ(parse("5", id).status, body_status::ok);
    EXPECT_EQ(std::get<0>(id.as_variant()), 5);
    models31::IdOrName name;
    ASSERT_EQ(parse(R"("bob")", name).status, body_status::ok);
    EXPECT_EQ(std::get<1>(name.as_variant()), "bob");
    EXPECT_EQ(write(name), R"("bob")");
    // The alternatives start with different JSON kinds, so the kind picks the only candidate
    // (no speculative parsing) and its own errors are reported.
    models31::IdOrName negative;
    EXPECT_TRUE(parse("-1", negative).has("", "must be >= 0"));
    models31::IdOrName empty;
    EXPECT_TRUE(parse(R"("")", empty).has("", "must not be empty"));
    models31::IdOrName neither;
    EXPECT_TRUE(parse("true", neither).has("", "expected number or string, got boolean"));
}

TEST_F(GeneratedModels, OneOfWithNullIsANullableAlias) {
    static_assert(std::is_same_v<models31::MaybeCircle, models31::Circle>);
    models31::Circle c;
    EXPECT_EQ(parse(R"({"radius":1})", c).status, body_status::ok);
}

// ---- additionalProperties

TEST_F(GeneratedModels, MapOfAdditionalProperties) {
    models31::Labels labels;
    ASSERT_EQ(parse_with(R"({"b":"x","a":"yy"})", labels, models31::read_Labels).status, body_status::ok);
    ASSERT_EQ(labels.size(), 2u);
    EXPECT_EQ(labels[0].first, "b"); // document order
    EXPECT_EQ(labels[1].second, "yy");
    EXPECT_EQ(write(labels), R"({"b":"x","a":"yy"})");
    models31::Labels bad;
    const auto r = parse_with(R"({"a":"123456","b":1,"c":"","d":""})", bad, models31::read_Labels);
    EXPECT_TRUE(r.has("/a", "at most 5 characters")) << r.dump();
    EXPECT_TRUE(r.has("/b", "expected string, got number")) << r.dump();
    EXPECT_TRUE(r.has("", "at most 3 properties")) << r.dump();
}

TEST_F(GeneratedModels, AdditionalPropertiesBesideDeclaredFields) {
    models31::Counters c;
    ASSERT_EQ(parse(R"({"x":1,"name":"n","y":2})", c).status, body_status::ok);
    EXPECT_EQ(c.name, "n");
    ASSERT_EQ(c.additional_properties.size(), 2u);
    EXPECT_EQ(c.additional_properties[1].first, "y");
    EXPECT_EQ(c.additional_properties[1].second, 2);
    EXPECT_EQ(write(c), R"({"name":"n","x":1,"y":2})");
    models31::Counters bad;
    EXPECT_TRUE(parse(R"({"name":"n","neg":-1})", bad).has("/neg", "must be >= 0"));

    expect_round_trip<models31::Open>(R"({"name":"n","a":[1,{"b":null}],"c":1.50})");
}

// ---- free-form and DOM-validated values

TEST_F(GeneratedModels, FreeFormValuesRoundTrip) {
    expect_round_trip<models31::Anything>(R"({"a":[1,2.50,-0,1e3,"x\"y",true,null],"b":{}})");
    expect_round_trip<models31::Meta>(R"({"data":[1,"two"],"extra":{"k":"v"}})");
    models31::Meta bad;
    EXPECT_TRUE(parse(R"({"extra":[1]})", bad).has("/extra", "expected object, got array"));
}

TEST_F(GeneratedModels, DomValidatorForSchemasWithoutOneCppType) {
    models31::Mixed m;
    EXPECT_EQ(parse_with("5", m, models31::read_Mixed).status, body_status::ok);
    models31::Mixed s;
    EXPECT_EQ(parse_with(R"("abc")", s, models31::read_Mixed).status, body_status::ok);
    models31::Mixed low;
    EXPECT_TRUE(parse_with("0", low, models31::read_Mixed).has("", "must be >= 1"));
    models31::Mixed long_string;
    EXPECT_TRUE(parse_with(R"("abcd")", long_string, models31::read_Mixed).has("", "at most 3 characters"));
    models31::Mixed wrong;
    EXPECT_TRUE(parse_with("true", wrong, models31::read_Mixed).has("", "expected string or integer, got boolean"));
    models31::Mixed fraction;
    EXPECT_TRUE(parse_with("1.5", fraction, models31::read_Mixed).has("", "expected string or integer"));

    models31::Constrained c1;
    EXPECT_TRUE(parse_with("2", c1, models31::read_Constrained).has("", "must be >= 3"));
    models31::Constrained c2;
    EXPECT_EQ(parse_with(R"("no type, so strings pass")", c2, models31::read_Constrained).status, body_status::ok);

    models31::Never never;
    EXPECT_TRUE(parse_with("{}", never, models31::read_Never).has("", "no value is allowed"));
    models31::Always always;
    EXPECT_EQ(parse_with(R"([{"any":"thing"}])", always, models31::read_Always).status, body_status::ok);

    models31::NotString not_string;
    EXPECT_EQ(parse_with("1", not_string, models31::read_NotString).status, body_status::ok);
    models31::NotString is_string;
    EXPECT_TRUE(parse_with(R"("x")", is_string, models31::read_NotString).has("", "must not match"));
}

TEST_F(GeneratedModels, DomConditionalsAndPatternProperties) {
    models31::Conditional a_ok;
    EXPECT_EQ(parse_with(R"({"kind":"a","a":1})", a_ok, models31::read_Conditional).status, body_status::ok);
    models31::Conditional a_missing;
    EXPECT_TRUE(parse_with(R"({"kind":"a","b":1})", a_missing, models31::read_Conditional).has("", "missing required property \"a\""));
    models31::Conditional b_missing;
    EXPECT_TRUE(parse_with(R"({"kind":"c"})", b_missing, models31::read_Conditional).has("", "missing required property \"b\""));

    models31::Patterned p;
    EXPECT_EQ(parse_with(R"({"x-a":1,"x-b":2})", p, models31::read_Patterned).status, body_status::ok);
    models31::Patterned bad;
    const auto r = parse_with(R"({"x-a":"s","y":1})", bad, models31::read_Patterned);
    EXPECT_TRUE(r.has("/x-a", "expected integer, got string")) << r.dump();
    EXPECT_TRUE(r.has("/y", "unknown property")) << r.dump();
}

TEST_F(GeneratedModels, VariantOfEqualTypesDecidesByConstraints) {
    models31::Loose low;
    ASSERT_EQ(parse(R"({"choice":3})", low).status, body_status::ok);
    EXPECT_EQ(low.choice->index(), 0u);
    models31::Loose both;
    EXPECT_TRUE(parse(R"({"choice":7})", both).has("/choice", "matched 2"));
    models31::Loose value;
    EXPECT_EQ(parse(R"({"value":"s"})", value).status, body_status::ok);
    models31::Loose bad_value;
    EXPECT_TRUE(parse(R"({"value":[]})", bad_value).has("/value", "expected string or integer, got array"));
}

// ---- numbers and strings

TEST_F(GeneratedModels, IntegerFormatsAreRangeChecked) {
    models31::Numbers n;
    const auto r = parse(R"({"i32":2147483648,"i64":9223372036854775808,"plain":-9223372036854775809})", n);
    EXPECT_TRUE(r.has("/i32", "out of range")) << r.dump();
    EXPECT_TRUE(r.has("/i64", "out of range")) << r.dump();
    EXPECT_TRUE(r.has("/plain", "out of range")) << r.dump();
    models31::Numbers limits;
    ASSERT_EQ(parse(R"({"i32":-2147483648,"i64":9223372036854775807,"plain":-9223372036854775808,"f":0.5,"d":1e300})",
                    limits)
                  .status,
              body_status::ok);
    EXPECT_EQ(*limits.i32, INT32_MIN);
    EXPECT_EQ(*limits.i64, INT64_MAX);
    EXPECT_EQ(*limits.plain, INT64_MIN);
    EXPECT_EQ(*limits.f, 0.5f);
    EXPECT_EQ(write(limits),
              R"({"i32":-2147483648,"i64":9223372036854775807,"plain":-9223372036854775808,"f":0.5,"d":1e+300})");
    models31::Numbers integral_double;
    EXPECT_EQ(parse(R"({"i64":1.0})", integral_double).status, body_status::ok); // 1.0 is an integer
}

TEST_F(GeneratedModels, NumberBoundsAndMultiples) {
    models31::Numbers n;
    const auto r = parse(R"({"big":1000,"ratio":0.075})", n);
    EXPECT_TRUE(r.has("/big", "must be < 1000")) << r.dump();
    EXPECT_TRUE(r.has("/ratio", "multiple of 0.01")) << r.dump();
    models31::Numbers bad_multiple;
    EXPECT_TRUE(parse(R"({"big":7})", bad_multiple).has("/big", "multiple of 5"));
    models31::Numbers ok;
    EXPECT_EQ(parse(R"({"big":995,"ratio":0.07})", ok).status, body_status::ok);
}

TEST_F(GeneratedModels, StringFormatsAreValidatedAndKeptVerbatim) {
    models31::Formats ok;
    const std::string good =
        R"({"date":"2024-02-29","date_time":"2024-02-29T23:59:59.5-05:30","uuid":"123e4567-e89b-12d3-a456-426614174000",)"
        R"("email":"a.b@example.com","uri":"https://example.com/x?y#z","ipv4":"192.168.0.1","ipv6":"::1",)"
        R"("hostname":"api.example.com","byte":"aGk=","binary":"\u0000\u00ff","custom":"anything"})";
    const auto r = parse(good, ok);
    ASSERT_EQ(r.status, body_status::ok) << r.dump();
    EXPECT_EQ(*ok.date_time, "2024-02-29T23:59:59.5-05:30");

    models31::Formats bad;
    const auto e = parse(R"({"date":"2023-02-29","date_time":"2024-01-01 10:00","uuid":"x","email":"no-at","uri":"rel/path",)"
                         R"("ipv4":"01.2.3.4","ipv6":"1:::2","hostname":"-bad-","byte":"a","custom":"x"})",
                         bad);
    for (const char* field : {"/date", "/date_time", "/uuid", "/email", "/uri", "/ipv4", "/ipv6", "/hostname", "/byte"}) {
        EXPECT_TRUE(e.has(field, "must be a valid")) << field << "\n" << e.dump();
    }
    EXPECT_EQ(e.errors.size(), 9u) << e.dump();
}

// ---- recursion

TEST_F(GeneratedModels, RecursiveSchemasUseBoxWhereNeeded) {
    static_assert(std::is_same_v<decltype(models31::TreeNode::parent), std::optional<katana::api::box<models31::TreeNode>>>);
    static_assert(std::is_same_v<decltype(models31::TreeNode::children), std::optional<std::pmr::vector<models31::TreeNode>>>);
    expect_round_trip<models31::TreeNode>(
        R"({"value":1,"children":[{"value":2,"children":[{"value":3}]},{"value":4,"parent":{"value":0}}],"parent":{"value":-1}})");
    models31::TreeNode bad;
    EXPECT_TRUE(parse(R"({"value":1,"children":[{"value":2,"parent":{"value":"x"}}]})", bad)
                    .has("/children/0/parent/value", "expected integer"));
    expect_round_trip<models31::Left>(R"({"right":{"left":{"right":{}}}})");
    models31::Left missing;
    EXPECT_TRUE(parse(R"({"right":{"left":{}}})", missing).has("/right/left", "missing required property \"right\""));
}

TEST_F(GeneratedModels, SpeculativeParsingOfRecursiveOneOfIsBounded) {
    models31::Nested flat;
    ASSERT_EQ(parse("[1,2,3]", flat).status, body_status::ok); // only the unbounded array matches
    EXPECT_EQ(flat.index(), 0u);
    models31::Nested ambiguous;
    EXPECT_TRUE(parse("[1]", ambiguous).has("", "matched 2"));
    // Both array alternatives recurse, so each level would double the work: the nesting of
    // speculative parses is capped instead of taking exponential time.
    std::string deep = "7";
    for (int i = 0; i < 60; ++i) deep = "[" + deep + ",1]";
    models31::Nested nested;
    const auto r = parse(deep, nested);
    // (Without the cap this would not finish: 2^60 parses.) The innermost levels fail with
    // "nested too deeply", which makes every enclosing alternative fail too.
    EXPECT_EQ(r.status, body_status::invalid);
    EXPECT_TRUE(r.has("", "(matched none)")) << r.dump();
    std::string shallow = "7";
    for (int i = 0; i < 5; ++i) shallow = "[" + shallow + ",1]";
    models31::Nested fine;
    EXPECT_EQ(parse(shallow, fine).status, body_status::ok);

    // Within the nesting cap but wide: 2^7 re-parses of most of the body exceed the work budget
    // (a few times the body size), so the attempt is refused instead of doing 128x the work.
    auto wide = [](int depth) {
        std::string body = "7";
        std::string ones;
        for (int i = 0; i < 200; ++i) ones += ",1";
        for (int i = 0; i < depth; ++i) body = "[" + body + ones + "]";
        return body;
    };
    models31::Nested expensive;
    EXPECT_TRUE(parse(wide(7), expensive).has("", "(matched none)"));
    models31::Nested cheap;
    EXPECT_EQ(parse(wide(2), cheap).status, body_status::ok);
}

// Mutated bodies (bytes flipped, truncated, duplicated) never crash and always end in one of
// the three outcomes; run under ASan/UBSan by the dev preset.
TEST_F(GeneratedModels, MutatedBodiesAreHandled) {
    const std::vector<std::string> seeds = {
        R"({"price":5,"status":"done","tags":["abc","def"],"items":[{"id":1,"name":"ab","note":null}],"matrix":[[2,null]]})",
        R"({"value":1,"children":[{"value":2,"parent":{"value":3}}]})",
        R"({"petType":"kitty","lives":3})",
        R"({"x-a":1,"y":[true,{"z":"\u00e9\ud83d\ude00"}]})",
    };
    std::uint32_t state = 12345;
    auto next = [&] {
        state = state * 1664525u + 1013904223u;
        return state >> 8;
    };
    const char alphabet[] = "{}[],:\"\\0123456789.eE+-tfnulr \x01\xff\xc3";
    std::size_t outcomes[3] = {0, 0, 0};
    for (int round = 0; round < 3000; ++round) {
        std::string body = seeds[next() % seeds.size()];
        const int edits = 1 + static_cast<int>(next() % 4);
        for (int e = 0; e < edits && !body.empty(); ++e) {
            const std::size_t at = next() % body.size();
            switch (next() % 4) {
            case 0: body[at] = alphabet[next() % (sizeof(alphabet) - 1)]; break;
            case 1: body.erase(at, 1 + next() % 3); break;
            case 2: body.insert(at, body.substr(at, next() % 8)); break;
            default: body.resize(at); break;
            }
        }
        std::pmr::monotonic_buffer_resource round_memory;
        katana::api::validation_context ctx(&round_memory);
        models31::Order order;
        models31::TreeNode tree;
        models31::Pet pet;
        models31::Patterned patterned;
        const body_status results[] = {katana::api::parse_body(body, order, ctx), katana::api::parse_body(body, tree, ctx),
                                       katana::api::parse_body(body, pet, ctx),
                                       katana::api::parse_body_with(body, patterned, ctx, models31::read_Patterned)};
        for (body_status st : results) ++outcomes[static_cast<int>(st)];
        if (results[0] == body_status::ok) {
            katana::json::writer w(&round_memory);
            write_json(w, order);
            models31::Order again;
            katana::api::validation_context ctx2(&round_memory);
            EXPECT_EQ(katana::api::parse_body(w.view(), again, ctx2), body_status::ok) << body;
        }
    }
    // The mutations reach all three outcomes.
    EXPECT_GT(outcomes[0], 0u);
    EXPECT_GT(outcomes[1], 0u);
    EXPECT_GT(outcomes[2], 0u);
}

// ---- validate() on in-memory values

TEST_F(GeneratedModels, ValidateChecksInMemoryValues) {
    models31::Order order;
    order.price = 0;
    order.tags.emplace();
    order.tags->emplace_back("ok");
    order.tags->emplace_back("NOT");
    auto& items = order.items.emplace();
    items.emplace_back().name = "x";
    const auto r = validate_value(order);
    EXPECT_TRUE(r.has("/price", "must be > 0")) << r.dump();
    EXPECT_TRUE(r.has("/tags/1", "must match pattern")) << r.dump();
    EXPECT_TRUE(r.has("/items/0/id", "must be >= 1")) << r.dump();
    EXPECT_TRUE(r.has("/items/0/name", "at least 2 characters")) << r.dump();

    models31::Pet pet = models31::Cat{"kitty", 12};
    EXPECT_TRUE(validate_value(pet).has("/lives", "must be <= 9"));
}

// ---- memory

TEST_F(GeneratedModels, ParsingAllocatesOnlyFromTheRequestMemory) {
    const std::string_view body = R"({"price":5,"status":"done","tags":["abc","def"],)"
                                  R"("items":[{"id":1,"name":"a long name over SSO size? no, 5 max","note":"some note)"
                                  R"( that is longer than the small string buffer","comment":null}],"matrix":[[2,4]]})";
    std::array<std::byte, 1 << 16> buffer;
    {
        // Warm-up: per-thread regex compilation happens on first use.
        std::pmr::monotonic_buffer_resource warm(buffer.data(), buffer.size(), std::pmr::null_memory_resource());
        katana::api::validation_context ctx(&warm);
        models31::Order o;
        (void)katana::api::parse_body(body, o, ctx);
    }
    std::pmr::monotonic_buffer_resource arena(buffer.data(), buffer.size(), std::pmr::null_memory_resource());
    models31::Order order;
    katana::api::validation_context ctx(&arena);
    const auto before = katana::test::thread_allocation_count();
    const auto status = katana::api::parse_body(body, order, ctx);
    const auto after = katana::test::thread_allocation_count();
    EXPECT_EQ(status, body_status::invalid); // name too long: errors are allocated in the arena too
    EXPECT_EQ(after - before, 0u);
    ASSERT_TRUE(order.items.has_value());
    EXPECT_EQ((*order.items)[0].note.value_or(""), "some note that is longer than the small string buffer");
}

// ---- OpenAPI 3.0 flavour

TEST_F(GeneratedModels, OpenApi30NullableAndBooleanExclusiveBounds) {
    models30::Patch p;
    ASSERT_EQ(parse(R"({"owner":null,"title":null,"color":null})", p).status, body_status::ok);
    EXPECT_FALSE(p.owner.has_value()); // required + nullable
    EXPECT_TRUE(p.title.is_null());    // optional + nullable
    EXPECT_TRUE(p.color.is_null());
    EXPECT_FALSE(p.rating.has_value());

    models30::Patch bad;
    const auto r = parse(R"({"title":"","rating":0,"parent":{"id":"nope"},"color":"blue","legacy":"x"})", bad);
    EXPECT_TRUE(r.has("", "missing required property \"owner\"")) << r.dump();
    EXPECT_TRUE(r.has("/title", "must not be empty")) << r.dump();
    EXPECT_TRUE(r.has("/rating", "must be > 0")) << r.dump();
    EXPECT_TRUE(r.has("/parent/id", "valid uuid")) << r.dump();
    EXPECT_TRUE(r.has("/color", "unknown value \"blue\"")) << r.dump();
    EXPECT_EQ(r.errors.size(), 5u) << r.dump();

    models30::Patch edge;
    ASSERT_EQ(parse(R"({"owner":"o","rating":5,"parent":null})", edge).status, body_status::ok);
    EXPECT_TRUE(edge.parent.is_null());
    EXPECT_EQ(write(edge), R"({"owner":"o","rating":5,"parent":null})");
}

// ---- QA regressions (tests/codegen/behaviour/models_qa.yaml)

// QA 1: components that map to a plain C++ type keep their top-level constraints in read_<Name>.
TEST_F(GeneratedModels, QaPlainComponentsCheckTheirOwnConstraints) {
    std::int64_t n = 0;
    EXPECT_EQ(parse_with("7", n, modelsqa::read_Positive).status, body_status::invalid);
    EXPECT_EQ(parse_with("0", n, modelsqa::read_Positive).status, body_status::invalid);
    EXPECT_EQ(parse_with("3", n, modelsqa::read_Positive).status, body_status::ok);
    EXPECT_EQ(n, 3);
    // allOf of primitives: both parts' bounds.
    EXPECT_TRUE(parse_with("9", n, modelsqa::read_Prim).has("", "must be <= 5"));
    EXPECT_TRUE(parse_with("0", n, modelsqa::read_Prim).has("", "must be >= 1"));
    EXPECT_EQ(parse_with("5", n, modelsqa::read_Prim).status, body_status::ok);

    modelsqa::Code code;
    EXPECT_TRUE(parse_with(R"("abc")", code, modelsqa::read_Code).has("", "must match pattern"));
    EXPECT_EQ(parse_with(R"("ABC")", code, modelsqa::read_Code).status, body_status::ok);

    modelsqa::Codes codes;
    const auto r = parse_with(R"(["ABC","x","DEF"])", codes, modelsqa::read_Codes);
    EXPECT_TRUE(r.has("", "must have at most 2 items")) << r.dump();
    EXPECT_TRUE(r.has("/1", "must match pattern")) << r.dump();
    modelsqa::Codes two;
    EXPECT_EQ(parse_with(R"(["ABC","DEF"])", two, modelsqa::read_Codes).status, body_status::ok);

    // 3.1 `false`: nothing is valid.
    modelsqa::Nothing nothing;
    EXPECT_EQ(parse_with("1", nothing, modelsqa::read_Nothing).status, body_status::invalid);
    modelsqa::Nothing nothing2;
    EXPECT_EQ(parse_with("{}", nothing2, modelsqa::read_Nothing).status, body_status::invalid);

    // validate_<Name> checks in-memory values the same way.
    EXPECT_EQ(validate_value_with(std::int64_t{6}, modelsqa::validate_Positive).status, body_status::invalid);
    EXPECT_EQ(validate_value_with(std::int64_t{2}, modelsqa::validate_Positive).status, body_status::ok);
}

// QA 4a: recursion through map values and struct extras (box<Node>), parsed and written back.
TEST_F(GeneratedModels, QaRecursionThroughMaps) {
    expect_round_trip<modelsqa::Node>(R"({"v":1,"children":{"a":{"v":2,"children":{"b":{}}}},"x":{"v":3,"y":{}}})");
    modelsqa::Node node;
    const auto r = parse(R"({"children":{"a":{"children":{"b":{"v":"no"}}}},"x":{"z":{"v":true}}})", node);
    EXPECT_TRUE(r.has("/children/a/children/b/v", "expected integer")) << r.dump();
    EXPECT_TRUE(r.has("/x/z/v", "expected integer")) << r.dump();

    modelsqa::Node built;
    built.v = 1;
    auto& child = built.children.emplace();
    child.emplace_back(std::pmr::string("k"), modelsqa::Node{});
    (*child.front().second).v = 2;
    EXPECT_EQ(write(built), R"({"v":1,"children":{"k":{"v":2}}})");
}

// QA 6: a $ref-only component is an alias of its target.
TEST_F(GeneratedModels, QaReferenceOnlyComponentIsAnAlias) {
    static_assert(std::is_same_v<modelsqa::NodeAlias, modelsqa::Node>);
    static_assert(std::is_same_v<modelsqa::CodeAlias, modelsqa::Code>);
    modelsqa::CodeAlias code;
    EXPECT_TRUE(parse_with(R"("abc")", code, modelsqa::read_CodeAlias).has("", "must match pattern"));
    EXPECT_EQ(parse_with(R"("XYZ")", code, modelsqa::read_CodeAlias).status, body_status::ok);
}

// QA 7: an array of itself accepts nested arrays only.
TEST_F(GeneratedModels, QaSelfRecursiveArray) {
    modelsqa::Nest ok;
    EXPECT_EQ(parse_with("[[],[[]]]", ok, modelsqa::read_Nest).status, body_status::ok);
    modelsqa::Nest bad;
    const auto r = parse_with("[1]", bad, modelsqa::read_Nest);
    EXPECT_EQ(r.status, body_status::invalid);
    EXPECT_TRUE(r.has("/0", "expected array")) << r.dump();
    modelsqa::Nest deep_bad;
    EXPECT_TRUE(parse_with(R"([[[],["x"]]])", deep_bad, modelsqa::read_Nest).has("/0/1/0", "expected array"));
}

// QA 10: a discriminated variant writes the tag of the alternative it holds.
TEST_F(GeneratedModels, QaDiscriminatedWriteUsesTheAlternativesTag) {
    modelsqa::Expr lit{modelsqa::Lit{.op = "neg", .v = 3}};
    EXPECT_EQ(write(lit), R"({"op":"lit","v":3})");
    modelsqa::Neg neg;
    neg.op = modelsqa::NegOp::minus;
    modelsqa::Expr e{neg};
    EXPECT_EQ(write(e), R"({"op":"neg"})");
    // What is written reads back as the same alternative.
    modelsqa::Expr back;
    ASSERT_EQ(parse(write(lit), back).status, body_status::ok);
    EXPECT_EQ(back.index(), 0u);
    // A matching tag is written as is.
    modelsqa::Expr same{modelsqa::Lit{.op = "lit", .v = 1}};
    EXPECT_EQ(write(same), R"({"op":"lit","v":1})");
}

// QA 11: repeated keys in maps are rejected like repeated struct members.
TEST_F(GeneratedModels, QaDuplicateMapKeys) {
    modelsqa::Node node;
    auto r = parse(R"({"children":{"a":{},"b":{},"a":{}}})", node);
    EXPECT_TRUE(r.has("/children/a", "duplicate property")) << r.dump();
    modelsqa::Node extras;
    r = parse(R"({"x":{},"x":{}})", extras);
    EXPECT_TRUE(r.has("/x", "duplicate property")) << r.dump();
    // Many members take the sorting path.
    std::string big = R"({"children":{)";
    for (int i = 0; i < 40; ++i) big += "\"k" + std::to_string(i % 30) + "\":{},";
    big.back() = '}';
    big += "}";
    modelsqa::Node many;
    r = parse(big, many);
    EXPECT_EQ(r.errors.size(), 10u) << r.dump();
    EXPECT_TRUE(r.has("/children/k0", "duplicate property")) << r.dump();
    modelsqa::Forest forest;
    EXPECT_TRUE(parse_with(R"({"a":{},"a":{}})", forest, modelsqa::read_Forest).has("/a", "duplicate property"));
    modelsqa::Node distinct;
    EXPECT_EQ(parse(R"({"children":{"a":{},"b":{}},"a":{},"b":{}})", distinct).status, body_status::ok);
}

// QA 12: colliding member names get numbers, never "__"; a symbol-only name is spelled out.
TEST_F(GeneratedModels, QaMemberNames) {
    modelsqa::Names n;
    n.a_b = "dash";
    n.a_b_ = "underscore";
    n.a_b_2 = "space";
    n.u2713 = true;
    EXPECT_EQ(write(n), R"({"a-b":"dash","a_b":"underscore","a b":"space","✓":true})");
}

} // namespace

#else

TEST(GeneratedModels, NeedsTheGenerator) {
    GTEST_SKIP() << "katana_gen is not part of this build, so the behaviour specs in tests/codegen/behaviour were "
                    "not generated";
}

#endif
