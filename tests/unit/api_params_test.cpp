// OpenAPI parameter serialization: every row of the style-examples table
// (https://spec.openapis.org/oas/v3.1.0#style-examples), decoding, cookies, typed conversion,
// and bounds on hostile input.
#include <katana/api/params.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <memory_resource>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using namespace katana::api;
using sv = std::string_view;

std::vector<std::string> strings(const std::optional<std::pmr::vector<sv>>& v) {
    std::vector<std::string> out;
    if (v) {
        for (sv s : *v) out.emplace_back(s);
    }
    return out;
}

using members = std::vector<std::pair<std::string, std::string>>;
members pairs(const std::optional<std::pmr::vector<std::pair<sv, sv>>>& v) {
    members out;
    if (v) {
        for (const auto& [k, val] : *v) out.emplace_back(k, val);
    }
    return out;
}

class ApiParams : public ::testing::Test {
protected:
    std::pmr::vector<raw_pair> q(sv query) { return split_query(query, &mem_); }
    std::optional<std::pmr::vector<sv>> arr(param_style s, bool explode, sv raw) {
        return array_values(s, explode, "color", {}, raw, false, &mem_);
    }
    std::optional<std::pmr::vector<sv>> arr_q(param_style s, bool explode, sv query) {
        const auto pairs_ = q(query);
        return array_values(s, explode, "color", pairs_, {}, true, &mem_);
    }
    std::optional<std::pmr::vector<std::pair<sv, sv>>> obj(param_style s, bool explode, sv raw) {
        return object_members(s, explode, "color", {}, raw, false, {}, &mem_);
    }
    std::optional<std::pmr::vector<std::pair<sv, sv>>> obj_q(param_style s, bool explode, sv query,
                                                            std::span<const sv> known = {}) {
        const auto pairs_ = q(query);
        return object_members(s, explode, "color", pairs_, {}, true, known, &mem_);
    }
    std::pmr::monotonic_buffer_resource mem_;
};

const std::vector<std::string> rgb_list = {"blue", "black", "brown"};
const members rgb_obj = {{"R", "100"}, {"G", "200"}, {"B", "150"}};

TEST_F(ApiParams, SplitQueryKeepsRawPairs) {
    const auto pairs_ = q("a=1&b=&c&&d=x%20y&=v");
    ASSERT_EQ(pairs_.size(), 5u);
    EXPECT_EQ(pairs_[0].name, "a");
    EXPECT_EQ(pairs_[0].value, "1");
    EXPECT_TRUE(pairs_[1].has_equals);
    EXPECT_EQ(pairs_[1].value, "");
    EXPECT_FALSE(pairs_[2].has_equals);
    EXPECT_EQ(pairs_[3].value, "x%20y");
    EXPECT_EQ(pairs_[4].name, "");
    EXPECT_TRUE(q("").empty());
    EXPECT_TRUE(q("&&&").empty());
    int n = 0;
    for (const raw_pair& p : query_range{"x=1&y=2"}) {
        EXPECT_FALSE(p.name.empty());
        ++n;
    }
    EXPECT_EQ(n, 2);
}

TEST_F(ApiParams, DecodeComponent) {
    EXPECT_EQ(decode_component("plain", false, &mem_), "plain");
    EXPECT_EQ(decode_component("a%20b", false, &mem_), "a b");
    EXPECT_EQ(decode_component("a+b", false, &mem_), "a+b");
    EXPECT_EQ(decode_component("a+b", true, &mem_), "a b");
    EXPECT_EQ(decode_component("%E2%82%AC", false, &mem_), "€");
    EXPECT_EQ(decode_component("%2f%2F", false, &mem_), "//");
    EXPECT_FALSE(decode_component("%", false, &mem_).has_value());
    EXPECT_FALSE(decode_component("%2", false, &mem_).has_value());
    EXPECT_FALSE(decode_component("%zz", false, &mem_).has_value());
    EXPECT_FALSE(decode_component("%C3%28", false, &mem_).has_value()); // invalid UTF-8
    EXPECT_FALSE(decode_component("\xC3\x28", false, &mem_).has_value());
    // No copy when nothing needs decoding.
    const sv raw = "nothing-to-do";
    EXPECT_EQ(decode_component(raw, true, &mem_)->data(), raw.data());
}

// ---- arrays: path / header (raw value)

TEST_F(ApiParams, ArraySimple) {
    EXPECT_EQ(strings(arr(param_style::simple, false, "blue,black,brown")), rgb_list);
    EXPECT_EQ(strings(arr(param_style::simple, true, "blue,black,brown")), rgb_list);
    EXPECT_EQ(strings(arr(param_style::simple, false, "3")), std::vector<std::string>{"3"});
    EXPECT_TRUE(arr(param_style::simple, false, "")->empty());
    EXPECT_EQ(strings(arr(param_style::simple, false, "a%2Cb,c")), (std::vector<std::string>{"a,b", "c"}));
}

TEST_F(ApiParams, ArrayLabel) {
    EXPECT_EQ(strings(arr(param_style::label, false, ".blue,black,brown")), rgb_list);
    EXPECT_EQ(strings(arr(param_style::label, true, ".blue.black.brown")), rgb_list);
    EXPECT_TRUE(arr(param_style::label, false, ".")->empty());
    EXPECT_FALSE(arr(param_style::label, false, "blue").has_value()); // missing '.'
}

TEST_F(ApiParams, ArrayMatrix) {
    EXPECT_EQ(strings(arr(param_style::matrix, false, ";color=blue,black,brown")), rgb_list);
    EXPECT_EQ(strings(arr(param_style::matrix, true, ";color=blue;color=black;color=brown")), rgb_list);
    EXPECT_TRUE(arr(param_style::matrix, false, ";color")->empty());
    EXPECT_TRUE(arr(param_style::matrix, true, ";color")->empty());
    EXPECT_FALSE(arr(param_style::matrix, false, ";other=1").has_value());
    EXPECT_FALSE(arr(param_style::matrix, true, ";color=1;other=2").has_value());
    EXPECT_FALSE(arr(param_style::matrix, false, "color=1").has_value());
}

// ---- arrays: query

TEST_F(ApiParams, ArrayQueryForm) {
    EXPECT_EQ(strings(arr_q(param_style::form, false, "color=blue,black,brown")), rgb_list);
    EXPECT_EQ(strings(arr_q(param_style::form, true, "color=blue&x=1&color=black&color=brown")), rgb_list);
    EXPECT_TRUE(arr_q(param_style::form, false, "color=")->empty());
    EXPECT_TRUE(arr_q(param_style::form, true, "other=1")->empty());
    EXPECT_EQ(strings(arr_q(param_style::form, true, "color=a+b&col%6Fr=c%26d")), (std::vector<std::string>{"a b", "c&d"}));
    EXPECT_FALSE(arr_q(param_style::form, true, "color=%zz").has_value());
}

TEST_F(ApiParams, ArrayQuerySpaceAndPipeDelimited) {
    EXPECT_EQ(strings(arr_q(param_style::space_delimited, false, "color=blue%20black%20brown")), rgb_list);
    EXPECT_EQ(strings(arr_q(param_style::space_delimited, false, "color=blue+black+brown")), rgb_list);
    EXPECT_EQ(strings(arr_q(param_style::pipe_delimited, false, "color=blue|black|brown")), rgb_list);
    EXPECT_EQ(strings(arr_q(param_style::pipe_delimited, false, "color=blue%7Cblack%7cbrown")), rgb_list);
    // explode=true serializes like form explode
    EXPECT_EQ(strings(arr_q(param_style::pipe_delimited, true, "color=blue&color=black&color=brown")), rgb_list);
    EXPECT_FALSE(arr_q(param_style::deep_object, true, "color=1").has_value());
}

// ---- objects

TEST_F(ApiParams, ObjectSimpleLabelMatrix) {
    EXPECT_EQ(pairs(obj(param_style::simple, false, "R,100,G,200,B,150")), rgb_obj);
    EXPECT_EQ(pairs(obj(param_style::simple, true, "R=100,G=200,B=150")), rgb_obj);
    EXPECT_EQ(pairs(obj(param_style::label, false, ".R,100,G,200,B,150")), rgb_obj);
    EXPECT_EQ(pairs(obj(param_style::label, true, ".R=100.G=200.B=150")), rgb_obj);
    EXPECT_EQ(pairs(obj(param_style::matrix, false, ";color=R,100,G,200,B,150")), rgb_obj);
    EXPECT_EQ(pairs(obj(param_style::matrix, true, ";R=100;G=200;B=150")), rgb_obj);
    EXPECT_FALSE(obj(param_style::simple, false, "R,100,G").has_value());   // odd count
    EXPECT_FALSE(obj(param_style::simple, true, "R=100,G").has_value());    // member without '='
    EXPECT_FALSE(obj(param_style::label, true, "R=100").has_value());       // missing '.'
    EXPECT_EQ(pairs(obj(param_style::simple, true, "k=a%3Db")), (members{{"k", "a=b"}}));
}

TEST_F(ApiParams, ObjectQueryStyles) {
    EXPECT_EQ(pairs(obj_q(param_style::form, false, "color=R,100,G,200,B,150")), rgb_obj);
    const sv known[] = {"R", "G", "B"};
    EXPECT_EQ(pairs(obj_q(param_style::form, true, "R=100&other=1&G=200&B=150", known)), rgb_obj);
    EXPECT_EQ(pairs(obj_q(param_style::form, true, "R=100&G=200&B=150")), rgb_obj); // no list: take all
    EXPECT_EQ(pairs(obj_q(param_style::deep_object, true, "color[R]=100&color[G]=200&x=1&color[B]=150")), rgb_obj);
    EXPECT_EQ(pairs(obj_q(param_style::deep_object, true, "color%5BR%5D=100")), (members{{"R", "100"}}));
    EXPECT_FALSE(obj_q(param_style::deep_object, true, "color[a][b]=1").has_value());
    EXPECT_EQ(pairs(obj_q(param_style::space_delimited, false, "color=R%20100%20G%20200%20B%20150")), rgb_obj);
    EXPECT_EQ(pairs(obj_q(param_style::pipe_delimited, false, "color=R|100|G|200|B|150")), rgb_obj);
    EXPECT_TRUE(obj_q(param_style::form, false, "x=1")->empty());
}

// ---- primitives

TEST_F(ApiParams, PrimitiveEveryStyle) {
    EXPECT_EQ(primitive_value(param_style::simple, false, "color", "blue", &mem_), "blue");
    EXPECT_EQ(primitive_value(param_style::simple, true, "color", "bl%C3%BCe", &mem_), "blüe");
    EXPECT_EQ(primitive_value(param_style::label, false, "color", ".blue", &mem_), "blue");
    EXPECT_EQ(primitive_value(param_style::label, true, "color", ".blue", &mem_), "blue");
    EXPECT_EQ(primitive_value(param_style::matrix, false, "color", ";color=blue", &mem_), "blue");
    EXPECT_EQ(primitive_value(param_style::matrix, true, "color", ";color", &mem_), "");
    EXPECT_EQ(primitive_value(param_style::form, false, "color", "color=blue", &mem_), "blue");
    EXPECT_EQ(primitive_value(param_style::form, true, "color", "blue", &mem_), "blue");
    EXPECT_EQ(primitive_value(param_style::form, false, "color", "color=a+b", &mem_), "a b");
    EXPECT_FALSE(primitive_value(param_style::label, false, "color", "blue", &mem_).has_value());
    EXPECT_FALSE(primitive_value(param_style::matrix, false, "color", ";other=blue", &mem_).has_value());
    EXPECT_FALSE(primitive_value(param_style::simple, false, "color", "%G0", &mem_).has_value());
}

TEST_F(ApiParams, FindQueryAndCookie) {
    const auto pairs_ = q("a=1&b=x+y&a=2&c%20d=e&flag");
    EXPECT_EQ(find_query(pairs_, "a", &mem_), "1");
    EXPECT_EQ(find_query(pairs_, "b", &mem_), "x y");
    EXPECT_EQ(find_query(pairs_, "c d", &mem_), "e");
    EXPECT_EQ(find_query(pairs_, "flag", &mem_), "");
    EXPECT_FALSE(find_query(pairs_, "missing", &mem_).has_value());
    const auto all = find_query_all(pairs_, "a", &mem_);
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[1], "2");

    EXPECT_EQ(find_cookie("a=b; session=xyz; c=d", "session"), "xyz");
    EXPECT_EQ(find_cookie("session=\"quoted\"", "session"), "quoted");
    EXPECT_EQ(find_cookie(" a = 1 ;b=2", "a"), "1");
    EXPECT_EQ(find_cookie("a=;b=2", "a"), "");
    EXPECT_FALSE(find_cookie("a=1; b=2", "c").has_value());
    EXPECT_FALSE(find_cookie("Session=1", "session").has_value()); // names are case-sensitive
    EXPECT_FALSE(find_cookie("", "a").has_value());
    EXPECT_FALSE(find_cookie(";;;", "a").has_value());
}

TEST(ApiParamsConvert, Integers) {
    std::int32_t i32 = 0;
    EXPECT_TRUE(parse_int32("2147483647", i32));
    EXPECT_EQ(i32, 2147483647);
    EXPECT_TRUE(parse_int32("-2147483648", i32));
    EXPECT_EQ(i32, std::numeric_limits<std::int32_t>::min());
    EXPECT_FALSE(parse_int32("2147483648", i32));
    EXPECT_FALSE(parse_int32("+1", i32));
    EXPECT_FALSE(parse_int32(" 1", i32));
    EXPECT_FALSE(parse_int32("1 ", i32));
    EXPECT_FALSE(parse_int32("", i32));
    EXPECT_FALSE(parse_int32("1.0", i32));
    EXPECT_FALSE(parse_int32("0x10", i32));
    EXPECT_TRUE(parse_int32("007", i32));
    EXPECT_EQ(i32, 7);
    std::int64_t i64 = 0;
    EXPECT_TRUE(parse_int64("-9223372036854775808", i64));
    EXPECT_FALSE(parse_int64("9223372036854775808", i64));
    EXPECT_FALSE(parse_int64(std::string(5000, '9'), i64));
    std::uint64_t u64 = 0;
    EXPECT_TRUE(parse_uint64("18446744073709551615", u64));
    EXPECT_FALSE(parse_uint64("18446744073709551616", u64));
    EXPECT_FALSE(parse_uint64("-1", u64));
    std::uint32_t u32 = 0;
    EXPECT_FALSE(parse_uint32("4294967296", u32));
}

TEST(ApiParamsConvert, FloatingAndBool) {
    double d = 0;
    EXPECT_TRUE(parse_double("1.5", d));
    EXPECT_EQ(d, 1.5);
    EXPECT_TRUE(parse_double("-2e-3", d));
    EXPECT_DOUBLE_EQ(d, -0.002);
    EXPECT_FALSE(parse_double("1e400", d));
    EXPECT_FALSE(parse_double("inf", d));
    EXPECT_FALSE(parse_double("nan", d));
    EXPECT_FALSE(parse_double("+1", d));
    EXPECT_FALSE(parse_double("1.5x", d));
    EXPECT_FALSE(parse_double("", d));
    float f = 0;
    EXPECT_TRUE(parse_float("3.25", f));
    EXPECT_EQ(f, 3.25f);
    EXPECT_FALSE(parse_float("1e39", f)); // beyond float
    bool b = false;
    EXPECT_TRUE(parse_bool("true", b));
    EXPECT_TRUE(b);
    EXPECT_TRUE(parse_bool("false", b));
    EXPECT_FALSE(b);
    EXPECT_FALSE(parse_bool("True", b));
    EXPECT_FALSE(parse_bool("1", b));
}

TEST(ApiParamsStyle, Names) {
    EXPECT_EQ(param_style_from_name("deepObject"), param_style::deep_object);
    EXPECT_EQ(param_style_from_name("spaceDelimited"), param_style::space_delimited);
    EXPECT_FALSE(param_style_from_name("deepobject").has_value());
}

TEST_F(ApiParams, HugeInputsStayLinearAndBounded) {
    std::string big;
    for (int i = 0; i < 20000; ++i) big += "color=x&";
    const auto pairs_ = q(big);
    EXPECT_EQ(pairs_.size(), 20000u);
    const auto values = array_values(param_style::form, true, "color", pairs_, {}, true, &mem_);
    ASSERT_TRUE(values.has_value());
    EXPECT_EQ(values->size(), 20000u);
    std::string commas(100000, ',');
    const auto many = arr(param_style::simple, false, commas);
    ASSERT_TRUE(many.has_value());
    EXPECT_EQ(many->size(), commas.size() + 1); // n separators, n + 1 (empty) items
    std::string bad(100000, '%');
    EXPECT_FALSE(decode_component(bad, false, &mem_).has_value());
}

} // namespace
