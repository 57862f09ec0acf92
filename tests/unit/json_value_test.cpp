// katana::json::value: parse -> write round trips, number text preservation, duplicates, lookup,
// exact JSON Schema equality, construction, depth and allocation behaviour.
#include <katana/json/value.hpp>
#include <katana/memory/arena.hpp>
#include <katana/memory/block_pool.hpp>

#include "support/alloc_counter.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <memory_resource>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace {

namespace json = katana::json;
using json::value;
using json::value_kind;

std::string round_trip(std::string_view text, std::pmr::memory_resource* m) {
    auto v = json::parse(text, m);
    if (!v) return "<error " + std::string(json::describe(v.error().code)) + ">";
    json::writer w(m);
    json::write_value(w, *v);
    return std::string(w.view());
}

TEST(JSONValue, CompactDocumentsRoundTripByteForByte) {
    std::pmr::monotonic_buffer_resource memory;
    const std::string_view docs[] = {
        "null",
        "true",
        "false",
        "0",
        "-1.50e+10",
        "1E400",
        R"("")",
        R"("a\"b\\c\nd\u0001")",
        "[]",
        "{}",
        R"([1,"two",[3,[4,{}]],{"five":5}])",
        R"({"b":1,"a":2,"b":3})",
        R"({"k":{"k":{"k":[null,true,false,-0.0,123456789012345678901234567890]}}})",
    };
    for (const auto doc : docs) EXPECT_EQ(round_trip(doc, &memory), doc);
}

TEST(JSONValue, WhitespaceAndEscapesAreNormalised) {
    std::pmr::monotonic_buffer_resource memory;
    EXPECT_EQ(round_trip(" { \"a\" : [ 1 , 2 ] ,\n\t\"b\" : \"\\u0041\\/\" } ", &memory), R"({"a":[1,2],"b":"A/"})");
    EXPECT_EQ(round_trip(R"("\ud83d\ude00")", &memory), "\"\xF0\x9F\x98\x80\"");
}

TEST(JSONValue, AccessorsAndLookup) {
    std::pmr::monotonic_buffer_resource memory;
    auto v = json::parse(R"({"n":1.50,"s":"x","a":[true,null],"o":{},"n":2,"big":1e400,"neg":-1e400})", &memory);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->kind(), value_kind::object);
    EXPECT_EQ(v->size(), 7u);
    const value* n = v->find("n");
    ASSERT_NE(n, nullptr);
    EXPECT_TRUE(n->is_number());
    EXPECT_EQ(n->number_text(), "1.50"); // first of the duplicates, original text
    EXPECT_EQ(n->as_double(), 1.5);
    EXPECT_EQ(v->as_object()[4].key, "n"); // duplicates are kept in order
    EXPECT_EQ(v->as_object()[4].val.number_text(), "2");
    EXPECT_EQ(v->find("s")->as_string(), "x");
    const auto a = v->find("a")->as_array();
    ASSERT_EQ(a.size(), 2u);
    EXPECT_TRUE(a[0].as_bool());
    EXPECT_TRUE(a[1].is_null());
    EXPECT_TRUE(v->find("o")->is_object());
    EXPECT_TRUE(v->find("o")->as_object().empty());
    EXPECT_EQ(v->find("missing"), nullptr);
    EXPECT_EQ(v->find("big")->as_double(), std::numeric_limits<double>::infinity());
    EXPECT_EQ(v->find("neg")->as_double(), -std::numeric_limits<double>::infinity());
    EXPECT_EQ(v->find("big")->number_text(), "1e400");
    // Mismatched accessors are neutral.
    EXPECT_EQ(n->as_string(), "");
    EXPECT_TRUE(n->as_array().empty());
    EXPECT_EQ(n->find("x"), nullptr);
    EXPECT_FALSE(n->as_bool());
    EXPECT_EQ(v->find("s")->as_double(), 0.0);

    std::int64_t i = 0;
    EXPECT_EQ(n->as_int64(i), json::reader::number_result::not_integral);
    EXPECT_EQ(v->as_object()[4].val.as_int64(i), json::reader::number_result::ok);
    EXPECT_EQ(i, 2);
    EXPECT_EQ(v->find("big")->as_int64(i), json::reader::number_result::out_of_range);
    EXPECT_EQ(v->find("s")->as_int64(i), json::reader::number_result::not_a_number);
}

TEST(JSONValue, ParseErrorsCarryCodeAndOffset) {
    std::pmr::monotonic_buffer_resource memory;
    auto bad = json::parse(R"({"a":[1,2,]})", &memory);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, json::error_code::unexpected_character);
    EXPECT_EQ(bad.error().offset, 10u);
    auto trailing = json::parse("[] x", &memory);
    ASSERT_FALSE(trailing);
    EXPECT_EQ(trailing.error().code, json::error_code::trailing_content);
    auto deep = json::parse("[[[[]]]]", &memory, 3);
    ASSERT_FALSE(deep);
    EXPECT_EQ(deep.error().code, json::error_code::depth_limit_exceeded);
    EXPECT_EQ(deep.error().offset, 3u);
    EXPECT_TRUE(json::parse("[[[]]]", &memory, 3));
    auto empty = json::parse("", &memory);
    ASSERT_FALSE(empty);
    EXPECT_EQ(empty.error().code, json::error_code::unexpected_end);
}

TEST(JSONValue, ReadValueFromTheMiddleOfADocument) {
    std::pmr::monotonic_buffer_resource memory;
    json::reader r(R"({"id":1,"extra":{"free":["form",2]},"last":true})", &memory);
    ASSERT_TRUE(r.begin_object());
    std::string_view key;
    value extra;
    while (r.next_key(key)) {
        if (key == "extra") {
            ASSERT_TRUE(json::read_value(r, extra));
        } else {
            ASSERT_TRUE(r.skip_value());
        }
    }
    ASSERT_TRUE(r.finish());
    json::writer w(&memory);
    json::write_value(w, extra);
    EXPECT_EQ(w.view(), R"({"free":["form",2]})");
    // At a position without a value it fails instead of guessing.
    json::reader misuse("[1]", &memory);
    ASSERT_TRUE(misuse.begin_array());
    EXPECT_FALSE(json::read_value(misuse, extra));
    EXPECT_EQ(misuse.error().code, json::error_code::invalid_call);
}

TEST(JSONValue, EqualityFollowsJsonSchema) {
    std::pmr::monotonic_buffer_resource memory;
    auto eq = [&](std::string_view a, std::string_view b) {
        auto x = json::parse(a, &memory);
        auto y = json::parse(b, &memory);
        EXPECT_TRUE(x && y) << a << " / " << b;
        const bool ab = json::equal(*x, *y);
        EXPECT_EQ(ab, json::equal(*y, *x)) << "symmetric: " << a << " / " << b;
        return ab;
    };
    EXPECT_TRUE(eq("1", "1.0"));
    EXPECT_TRUE(eq("1", "10e-1"));
    EXPECT_TRUE(eq("1", "0.1E1"));
    EXPECT_TRUE(eq("100", "1e2"));
    EXPECT_TRUE(eq("0", "-0"));
    EXPECT_TRUE(eq("0", "0.000e10"));
    EXPECT_TRUE(eq("-12.5", "-1250e-2"));
    EXPECT_FALSE(eq("1", "2"));
    EXPECT_FALSE(eq("1", "-1"));
    EXPECT_FALSE(eq("1", "10"));
    EXPECT_FALSE(eq("0.1", "0.01"));
    EXPECT_FALSE(eq("1.5", "1.05"));
    EXPECT_FALSE(eq("12", "1.2"));
    // Exact beyond double precision.
    EXPECT_FALSE(eq("9007199254740993", "9007199254740992"));
    EXPECT_TRUE(eq("123456789012345678901234567890", "1.2345678901234567890123456789e29"));
    EXPECT_FALSE(eq("1e400", "1e401"));
    // Kinds never convert.
    EXPECT_FALSE(eq("1", "\"1\""));
    EXPECT_FALSE(eq("0", "false"));
    EXPECT_FALSE(eq("null", "false"));
    EXPECT_FALSE(eq("[]", "{}"));
    EXPECT_TRUE(eq("null", "null"));
    EXPECT_TRUE(eq("true", "true"));
    EXPECT_FALSE(eq("true", "false"));
    EXPECT_TRUE(eq(R"("a")", R"("\u0061")"));
    EXPECT_FALSE(eq(R"("a")", R"("A")"));
    // Arrays: order matters; objects: it does not.
    EXPECT_TRUE(eq("[1,[2,3]]", "[1.0,[2,3e0]]"));
    EXPECT_FALSE(eq("[1,2]", "[2,1]"));
    EXPECT_FALSE(eq("[1]", "[1,1]"));
    EXPECT_TRUE(eq(R"({"a":1,"b":{"c":[1]}})", R"({"b":{"c":[1.0]},"a":1})"));
    EXPECT_FALSE(eq(R"({"a":1,"b":2})", R"({"a":1,"c":2})"));
    EXPECT_FALSE(eq(R"({"a":1,"b":2})", R"({"b":2,"a":2})"));
    EXPECT_FALSE(eq(R"({"a":1})", R"({"a":1,"b":2})"));
    EXPECT_TRUE(eq("{}", "{}"));
}

TEST(JSONValue, BuiltValuesWriteAndCompare) {
    std::pmr::monotonic_buffer_resource memory;
    const value tags[] = {value::make_string("x\"y", &memory), value::make_null(), value::make_bool(false)};
    std::string key = "name";
    const json::member members[] = {
        {key, value::make_string("Ada", &memory)},
        {"age", value::make_int(-36, &memory)},
        {"ratio", value::make_number(0.25, &memory)},
        {"nan", value::make_number(std::nan(""), &memory)},
        {"tags", value::make_array(tags, &memory)},
        {"empty", value::make_object({}, &memory)},
        {"max", value::make_int(std::numeric_limits<std::int64_t>::min(), &memory)},
    };
    const value obj = value::make_object(members, &memory);
    key = "XXXX"; // keys are copied into the resource
    json::writer w(&memory);
    json::write_value(w, obj);
    EXPECT_EQ(w.view(),
              R"({"name":"Ada","age":-36,"ratio":0.25,"nan":null,"tags":["x\"y",null,false],"empty":{},)"
              R"("max":-9223372036854775808})");
    auto parsed = json::parse(w.view(), &memory);
    ASSERT_TRUE(parsed);
    EXPECT_TRUE(json::equal(obj, *parsed));
    EXPECT_EQ(obj.find("age")->as_double(), -36.0);
    EXPECT_EQ(obj.find("ratio")->as_double(), 0.25);
    // A value is a cheap handle: copies share the tree.
    const value copy = obj;
    EXPECT_EQ(copy.as_object().data(), obj.as_object().data());
    static_assert(sizeof(value) == 24);
    static_assert(std::is_trivially_copyable_v<value>);
}

TEST(JSONValue, DeepValuesAreWrittenWithoutRecursion) {
    const std::size_t depth = 100000;
    std::pmr::monotonic_buffer_resource memory;
    const std::string text = std::string(depth, '[') + "1" + std::string(depth, ']');
    auto v = json::parse(text, &memory, static_cast<std::uint32_t>(depth));
    ASSERT_TRUE(v);
    json::writer w(&memory);
    json::write_value(w, *v);
    EXPECT_EQ(w.view(), text);
    // equal() recurses and refuses depths beyond 1024 instead of exhausting the stack.
    EXPECT_FALSE(json::equal(*v, *v));
    auto shallow = json::parse("[[[[1]]]]", &memory);
    EXPECT_TRUE(json::equal(*shallow, *shallow));
}

TEST(JSONValue, RandomMutationsNeverCrashAndAllPathsAgree) {
    // Mutated documents (byte flips, insertions, deletions, truncations) must be handled without
    // crashing (ASan/UBSan in the dev preset), the DOM and the skipper must agree on them, and
    // whatever is accepted must round-trip.
    const std::string seeds[] = {
        R"({"a":[1,2.5e-3,-0,true,false,null],"b":{"c":"d\u00e9\ud83d\ude00\n"},"e":[]})",
        R"([[[["deep"]]],{"k":{"k":{"k":1e308}}},"\"",12345678901234567890])",
        "{\"utf8\":\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\",\"n\":0.1}",
    };
    static constexpr char inserts[] = "{}[],:\"\\-0e.tfn \xC3\x80";
    std::mt19937 rng(7);
    int accepted = 0;
    for (int i = 0; i < 30000; ++i) {
        std::string text = seeds[i % 3];
        const int edits = 1 + static_cast<int>(rng() % 3);
        for (int e = 0; e < edits && !text.empty(); ++e) {
            const std::size_t at = rng() % text.size();
            switch (rng() % 4) {
            case 0: text[at] = static_cast<char>(rng() % 256); break;
            case 1: text.insert(at, 1, inserts[rng() % (sizeof inserts - 1)]); break;
            case 2: text.erase(at, 1); break;
            default: text.resize(at); break;
            }
        }
        std::unique_ptr<char[]> exact(new char[text.size() + 1]);
        std::memcpy(exact.get(), text.data(), text.size());
        const std::string_view doc(exact.get(), text.size());
        std::pmr::monotonic_buffer_resource memory;
        auto v = json::parse(doc, &memory);
        json::reader r(doc, &memory);
        const bool skipped = r.skip_value() && r.finish();
        ASSERT_EQ(v.has_value(), skipped) << text;
        if (!v) {
            ASSERT_LE(v.error().offset, doc.size());
            ASSERT_EQ(v.error(), r.error()) << text;
            continue;
        }
        ++accepted;
        json::writer w(&memory);
        json::write_value(w, *v);
        auto again = json::parse(w.view(), &memory);
        ASSERT_TRUE(again) << text;
        ASSERT_TRUE(json::equal(*v, *again)) << text;
    }
    EXPECT_GT(accepted, 100); // the mutations keep some documents valid
}

TEST(JSONValue, ParseAllocatesOnlyFromTheArena) {
    katana::block_pool pool(64 * 1024);
    katana::arena arena(pool);
    std::string text = R"({"items":[)";
    for (int i = 0; i < 300; ++i) {
        if (i) text += ',';
        text += R"({"id":)" + std::to_string(i) + R"(,"name":"n\u00e9)" + std::to_string(i) + R"(","v":[1.5,true,null]})";
    }
    text += "]}";
    auto once = [&] {
        auto v = json::parse(text, arena.resource());
        EXPECT_TRUE(v);
        return v ? v->find("items")->size() : 0;
    };
    EXPECT_EQ(once(), 300u); // warm-up: the pool gets its blocks
    arena.reset();
    const auto before = katana::test::thread_allocation_count();
    EXPECT_EQ(once(), 300u);
    EXPECT_EQ(katana::test::thread_allocation_count(), before);
}

} // namespace
