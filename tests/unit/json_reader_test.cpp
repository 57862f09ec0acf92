// katana::json::reader: the pull API, strictness (every error code with its offset), strings and
// escapes, UTF-8 edge cases, number conversions at their limits, checkpoints (copies), and the
// promise of no heap allocation and no read past the end of the document.
#include <katana/json/reader.hpp>
#include <katana/json/writer.hpp>
#include <katana/memory/arena.hpp>
#include <katana/memory/block_pool.hpp>

#include "support/alloc_counter.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <memory_resource>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

using katana::json::error_code;
using katana::json::reader;
using katana::json::value_kind;
using nr = katana::json::reader::number_result;

// The document in a heap block of exactly its size, so ASan reports any read past the end.
class exact_doc {
public:
    explicit exact_doc(std::string_view text) : size_(text.size()), bytes_(new char[text.size() == 0 ? 1 : text.size()]) {
        if (size_ != 0) std::memcpy(bytes_.get(), text.data(), size_);
    }
    [[nodiscard]] std::string_view view() const { return std::string_view(bytes_.get(), size_); }

private:
    std::size_t size_;
    std::unique_ptr<char[]> bytes_;
};

// Skips the whole document; returns the error (code none when accepted).
katana::json::syntax_error check(std::string_view text, std::uint32_t max_depth = 64) {
    exact_doc doc(text);
    std::pmr::monotonic_buffer_resource memory;
    reader r(doc.view(), &memory, max_depth);
    if (r.skip_value()) (void)r.finish();
    return r.error();
}

TEST(JSONReader, ReadsAnObjectFieldByField) {
    const std::string_view text =
        R"( { "id" : 42, "name":"Ada", "score": -1.25e2 , "ok":true, "off":false, "none":null,)"
        R"( "tags":["a","b"], "nested":{"x":[]} } )";
    exact_doc doc(text);
    std::pmr::monotonic_buffer_resource memory;
    reader r(doc.view(), &memory);
    ASSERT_EQ(r.peek(), value_kind::object);
    ASSERT_TRUE(r.begin_object());
    std::string_view key;
    std::vector<std::string> keys;
    std::int64_t id = 0;
    std::string_view name;
    double score = 0;
    bool ok = false, off = true;
    std::vector<std::string> tags;
    bool saw_nested_empty_array = false;
    while (r.next_key(key)) {
        keys.emplace_back(key);
        if (key == "id") {
            ASSERT_EQ(r.read_int64(id), nr::ok);
        } else if (key == "name") {
            ASSERT_TRUE(r.read_string(name));
        } else if (key == "score") {
            ASSERT_EQ(r.read_double(score), nr::ok);
        } else if (key == "ok") {
            ASSERT_TRUE(r.read_bool(ok));
        } else if (key == "off") {
            ASSERT_TRUE(r.read_bool(off));
        } else if (key == "none") {
            ASSERT_TRUE(r.read_null());
        } else if (key == "tags") {
            ASSERT_TRUE(r.begin_array());
            while (r.next_element()) {
                std::string_view t;
                ASSERT_TRUE(r.read_string(t));
                tags.emplace_back(t);
            }
        } else if (key == "nested") {
            ASSERT_TRUE(r.begin_object());
            ASSERT_TRUE(r.next_key(key));
            EXPECT_EQ(key, "x");
            ASSERT_TRUE(r.begin_array());
            EXPECT_EQ(r.depth(), 3u);
            EXPECT_FALSE(r.next_element());
            saw_nested_empty_array = true;
            EXPECT_FALSE(r.next_key(key));
        }
    }
    ASSERT_FALSE(r.failed()) << katana::json::describe(r.error().code) << " at " << r.error().offset;
    EXPECT_TRUE(r.finish());
    EXPECT_EQ(keys, (std::vector<std::string>{"id", "name", "score", "ok", "off", "none", "tags", "nested"}));
    EXPECT_EQ(id, 42);
    EXPECT_EQ(name, "Ada");
    EXPECT_EQ(score, -125.0);
    EXPECT_TRUE(ok);
    EXPECT_FALSE(off);
    EXPECT_EQ(tags, (std::vector<std::string>{"a", "b"}));
    EXPECT_TRUE(saw_nested_empty_array);
    EXPECT_EQ(r.depth(), 0u);
    EXPECT_EQ(r.offset(), text.size());
}

TEST(JSONReader, WrongKindReturnsFalseWithoutConsumingOrFailing) {
    std::pmr::monotonic_buffer_resource memory;
    reader r(R"([7, "s", true, null, {"a":1}, [2]])", &memory);
    ASSERT_TRUE(r.begin_array());
    ASSERT_TRUE(r.next_element());
    std::string_view s;
    bool b = false;
    std::int64_t i = 0;
    const std::size_t at = r.offset();
    EXPECT_FALSE(r.read_string(s));
    EXPECT_FALSE(r.read_bool(b));
    EXPECT_FALSE(r.read_null());
    EXPECT_FALSE(r.begin_object());
    EXPECT_FALSE(r.begin_array());
    EXPECT_FALSE(r.failed());
    EXPECT_EQ(r.offset(), at);
    EXPECT_EQ(r.read_int64(i), nr::ok);
    EXPECT_EQ(i, 7);

    ASSERT_TRUE(r.next_element());
    EXPECT_EQ(r.read_int64(i), nr::not_a_number);
    double d = 0;
    EXPECT_EQ(r.read_double(d), nr::not_a_number);
    std::string_view text;
    EXPECT_FALSE(r.read_number_text(text));
    EXPECT_FALSE(r.failed());
    EXPECT_TRUE(r.skip_value()); // the caller's reaction to a type error

    ASSERT_TRUE(r.next_element());
    EXPECT_FALSE(r.read_string(s));
    EXPECT_TRUE(r.read_bool(b));
    EXPECT_TRUE(b);
    ASSERT_TRUE(r.next_element());
    EXPECT_FALSE(r.read_bool(b));
    EXPECT_TRUE(r.read_null());
    ASSERT_TRUE(r.next_element());
    EXPECT_FALSE(r.begin_array());
    std::string_view raw;
    EXPECT_TRUE(r.raw_value(raw));
    EXPECT_EQ(raw, R"({"a":1})");
    ASSERT_TRUE(r.next_element());
    EXPECT_EQ(r.peek(), value_kind::array);
    EXPECT_FALSE(r.begin_object());
    EXPECT_TRUE(r.skip_value());
    EXPECT_FALSE(r.next_element());
    EXPECT_TRUE(r.finish());
}

TEST(JSONReader, PeekReportsEveryKind) {
    std::pmr::monotonic_buffer_resource memory;
    const std::pair<std::string_view, value_kind> cases[] = {
        {"{}", value_kind::object}, {"[]", value_kind::array},   {R"("")", value_kind::string},
        {"-1", value_kind::number}, {"0", value_kind::number},   {"true", value_kind::boolean},
        {"false", value_kind::boolean}, {"null", value_kind::null},
    };
    for (const auto& [text, kind] : cases) {
        reader r(text, &memory);
        EXPECT_EQ(r.peek(), kind) << text;
        EXPECT_EQ(r.peek(), kind) << "peek consumes nothing: " << text;
        EXPECT_TRUE(r.skip_value()) << text;
        EXPECT_EQ(r.peek(), std::nullopt) << "no value after the top-level one: " << text;
        EXPECT_FALSE(r.failed()) << text;
        EXPECT_TRUE(r.finish()) << text;
    }
}

struct error_case {
    std::string_view text;
    error_code code;
    std::size_t offset;
};

TEST(JSONReader, EveryErrorCodeWithItsOffset) {
    const error_case cases[] = {
        {"", error_code::unexpected_end, 0},
        {"   ", error_code::unexpected_end, 3},
        {"[1,", error_code::unexpected_end, 3},
        {R"({"a")", error_code::unexpected_end, 4},
        {R"({"a":)", error_code::unexpected_end, 5},
        {R"(["abc)", error_code::unexpected_end, 5},
        {"[-", error_code::unexpected_end, 2},
        {"[1.", error_code::unexpected_end, 3},
        {"[1e+", error_code::unexpected_end, 4},
        {"tru", error_code::unexpected_end, 3},
        {R"("\u12)", error_code::unexpected_end, 5},
        {"]", error_code::unexpected_character, 0},
        {"[1,]", error_code::unexpected_character, 3},
        {R"({"a":1,})", error_code::unexpected_character, 7},
        {"[1 2]", error_code::unexpected_character, 3},
        {R"({"a" 1})", error_code::unexpected_character, 5},
        {"{'a':1}", error_code::unexpected_character, 1},
        {"[1}", error_code::unexpected_character, 2},
        {R"({"a":1])", error_code::unexpected_character, 6},
        {"/* c */ 1", error_code::unexpected_character, 0},
        {"\xEF\xBB\xBF{}", error_code::unexpected_character, 0}, // BOM
        {"[NaN]", error_code::unexpected_character, 1},
        {"+1", error_code::unexpected_character, 0},
        {"[truth]", error_code::invalid_literal, 1},
        {"nul!", error_code::invalid_literal, 0},
        {"[01]", error_code::invalid_number, 2},
        {"-01", error_code::invalid_number, 2},
        {"1.e5", error_code::invalid_number, 2},
        {"1.5.3", error_code::invalid_number, 3},
        {"1e5e", error_code::invalid_number, 3},
        {"[-x]", error_code::invalid_number, 2},
        {".5", error_code::unexpected_character, 0},
        {"[1ex]", error_code::invalid_number, 3},
        {R"(["a\x"])", error_code::invalid_escape, 3},
        {R"(["\u12G4"])", error_code::invalid_escape, 2},
        {R"(["\U0041"])", error_code::invalid_escape, 2},
        {"[\"a\xC0\x80\"]", error_code::invalid_utf8, 3},
        {"[\"\xFF\"]", error_code::invalid_utf8, 2},
        {"[\"a\tb\"]", error_code::control_character_in_string, 3},
        {"[\"\x1F\"]", error_code::control_character_in_string, 2},
        {std::string_view("[\"\0\"]", 4), error_code::control_character_in_string, 2},
        {"{} {}", error_code::trailing_content, 3},
        {"1 x", error_code::trailing_content, 2},
        {R"(["\ud800"])", error_code::lone_surrogate, 2},
        {R"(["x\udc00"])", error_code::lone_surrogate, 3},
        {R"(["\ud800\u0041"])", error_code::lone_surrogate, 2},
        {R"(["\ud800\ud800"])", error_code::lone_surrogate, 2},
        {R"(["\ud800\uZZZZ"])", error_code::invalid_escape, 2},
    };
    for (const auto& c : cases) {
        const auto e = check(c.text);
        EXPECT_EQ(e.code, c.code) << "input: " << c.text << " got: " << katana::json::describe(e.code);
        EXPECT_EQ(e.offset, c.offset) << "input: " << c.text;
    }
}

TEST(JSONReader, DescribeNamesEveryCode) {
    for (int i = 0; i <= static_cast<int>(error_code::value_too_large); ++i) {
        const auto text = katana::json::describe(static_cast<error_code>(i));
        EXPECT_FALSE(text.empty());
        EXPECT_NE(text, "unknown JSON error") << i;
    }
    EXPECT_EQ(katana::json::describe(error_code::unexpected_end), "unexpected end of input");
}

TEST(JSONReader, DepthLimitCountsOpenContainers) {
    EXPECT_EQ(check("[[[1]]]", 3).code, error_code::none);
    const auto e = check("[[[[1]]]]", 3);
    EXPECT_EQ(e.code, error_code::depth_limit_exceeded);
    EXPECT_EQ(e.offset, 3u);
    EXPECT_EQ(check(R"({"a":{"b":[{}]}})", 4).code, error_code::none);
    EXPECT_EQ(check(R"({"a":{"b":[{}]}})", 3).code, error_code::depth_limit_exceeded);
    EXPECT_EQ(check("7", 0).code, error_code::none);
    EXPECT_EQ(check("[]", 0).code, error_code::depth_limit_exceeded);

    // The pull API and skip_value share one budget.
    std::pmr::monotonic_buffer_resource memory;
    reader r("[[[[1]]]]", &memory, 3);
    ASSERT_TRUE(r.begin_array());
    ASSERT_TRUE(r.next_element());
    ASSERT_TRUE(r.begin_array());
    ASSERT_TRUE(r.next_element());
    EXPECT_FALSE(r.skip_value());
    EXPECT_EQ(r.error().code, error_code::depth_limit_exceeded);
    EXPECT_EQ(r.error().offset, 3u);

    // Deep documents are rejected without recursion, also far beyond the limit.
    const std::string deep(200000, '[');
    EXPECT_EQ(check(deep).code, error_code::depth_limit_exceeded);
    // With a huge limit the skipper's bit stack spills from the C stack into `memory`.
    std::string nested = std::string(5000, '[') + std::string(5000, ']');
    EXPECT_EQ(check(nested, 100000).code, error_code::none);
    nested[9999] = '}';
    const auto mismatch = check(nested, 100000);
    EXPECT_EQ(mismatch.code, error_code::unexpected_character);
    EXPECT_EQ(mismatch.offset, 9999u);
}

TEST(JSONReader, FirstErrorIsSticky) {
    std::pmr::monotonic_buffer_resource memory;
    reader r(R"({"a":[1,,2], "b": tru})", &memory);
    ASSERT_TRUE(r.begin_object());
    std::string_view key;
    ASSERT_TRUE(r.next_key(key));
    ASSERT_TRUE(r.begin_array());
    ASSERT_TRUE(r.next_element());
    std::int64_t v = 0;
    ASSERT_EQ(r.read_int64(v), nr::ok);
    ASSERT_TRUE(r.next_element());
    EXPECT_EQ(r.read_int64(v), nr::not_a_number);
    ASSERT_TRUE(r.failed());
    const auto first = r.error();
    EXPECT_EQ(first.code, error_code::unexpected_character);
    EXPECT_EQ(first.offset, 8u);
    // Every later call is a no-op returning false.
    EXPECT_FALSE(r.next_element());
    EXPECT_FALSE(r.next_key(key));
    EXPECT_FALSE(r.skip_value());
    EXPECT_FALSE(r.begin_object());
    EXPECT_EQ(r.peek(), std::nullopt);
    EXPECT_FALSE(r.finish());
    r.fail(error_code::out_of_memory);
    EXPECT_EQ(r.error(), first);
}

TEST(JSONReader, CallsOutOfOrderFailWithInvalidCall) {
    std::pmr::monotonic_buffer_resource memory;
    std::string_view s;
    {
        reader r("[1]", &memory);
        EXPECT_FALSE(r.next_element()); // not inside an array yet
        EXPECT_EQ(r.error().code, error_code::invalid_call);
    }
    {
        reader r(R"({"a":1})", &memory);
        ASSERT_TRUE(r.begin_object());
        EXPECT_FALSE(r.read_string(s)); // a key comes next, not a value
        EXPECT_EQ(r.error().code, error_code::invalid_call);
        EXPECT_EQ(r.error().offset, 1u);
    }
    {
        reader r(R"({"a":1})", &memory);
        ASSERT_TRUE(r.begin_object());
        ASSERT_TRUE(r.next_key(s));
        EXPECT_FALSE(r.next_key(s)); // the value of "a" was not read
        EXPECT_EQ(r.error().code, error_code::invalid_call);
    }
    {
        reader r("[1]", &memory);
        EXPECT_FALSE(r.finish()); // the value was not read
        EXPECT_EQ(r.error().code, error_code::invalid_call);
    }
    {
        reader r("1", &memory);
        EXPECT_TRUE(r.skip_value());
        EXPECT_FALSE(r.skip_value()); // only one top-level value
        EXPECT_EQ(r.error().code, error_code::invalid_call);
    }
    {
        reader r("[1]", &memory);
        ASSERT_TRUE(r.begin_array());
        EXPECT_EQ(r.peek(), std::nullopt); // before next_element: no value position, no failure
        EXPECT_FALSE(r.failed());
    }
}

TEST(JSONReader, CopiesAreIndependentCheckpoints) {
    std::pmr::monotonic_buffer_resource memory;
    reader r(R"({"x":1,"kind":"circle","r":2.5} )", &memory);
    ASSERT_TRUE(r.begin_object());
    // Look ahead for the discriminator on a copy.
    reader look = r;
    std::string_view key, tag;
    while (look.next_key(key)) {
        if (key == "kind") {
            ASSERT_TRUE(look.read_string(tag));
            break;
        }
        ASSERT_TRUE(look.skip_value());
    }
    EXPECT_EQ(tag, "circle");
    EXPECT_GT(look.offset(), r.offset());
    // The original continues from the checkpoint.
    ASSERT_TRUE(r.next_key(key));
    EXPECT_EQ(key, "x");
    std::int64_t x = 0;
    ASSERT_EQ(r.read_int64(x), nr::ok);
    // A failing trial does not affect the original.
    reader trial = r;
    ASSERT_TRUE(trial.next_key(key));
    EXPECT_EQ(trial.read_int64(x), nr::not_a_number);
    EXPECT_TRUE(trial.begin_array() == false && !trial.failed());
    trial.fail(error_code::invalid_string);
    EXPECT_TRUE(trial.failed());
    EXPECT_FALSE(r.failed());
    ASSERT_TRUE(r.next_key(key));
    EXPECT_EQ(key, "kind");
    ASSERT_TRUE(r.skip_value());
    ASSERT_TRUE(r.next_key(key));
    double radius = 0;
    ASSERT_EQ(r.read_double(radius), nr::ok);
    EXPECT_EQ(radius, 2.5);
    EXPECT_FALSE(r.next_key(key));
    EXPECT_TRUE(r.finish());
    static_assert(std::is_trivially_copyable_v<reader>);
}

std::string read_one_string(std::string_view text, bool* in_document = nullptr) {
    exact_doc doc(text);
    std::pmr::monotonic_buffer_resource memory;
    reader r(doc.view(), &memory);
    std::string_view s;
    if (!r.read_string(s) || !r.finish()) return "<error " + std::string(katana::json::describe(r.error().code)) + ">";
    if (in_document != nullptr)
        *in_document = s.empty() || (s.data() >= doc.view().data() && s.data() < doc.view().data() + text.size());
    return std::string(s);
}

TEST(JSONReader, StringsWithoutEscapesAreViewsIntoTheDocument) {
    bool in_doc = false;
    EXPECT_EQ(read_one_string(R"("plain text, longer than sixteen bytes")", &in_doc),
              "plain text, longer than sixteen bytes");
    EXPECT_TRUE(in_doc);
    EXPECT_EQ(read_one_string(R"("a\nb")", &in_doc), "a\nb");
    EXPECT_FALSE(in_doc);
    EXPECT_EQ(read_one_string(R"("")"), "");
}

TEST(JSONReader, DecodesEveryEscape) {
    EXPECT_EQ(read_one_string(R"("\"\\\/\b\f\n\r\t")"), "\"\\/\b\f\n\r\t");
    EXPECT_EQ(read_one_string(R"("\u0041\u00e9\u00E9\u20ac")"), "A\xC3\xA9\xC3\xA9\xE2\x82\xAC");
    EXPECT_EQ(read_one_string(R"("\u0000")"), std::string(1, '\0'));
    EXPECT_EQ(read_one_string(R"("\u007f\u0080\u07ff\u0800\uffff")"),
              "\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF");
    // Surrogate pairs: U+1F600 and the extremes U+10000 and U+10FFFF.
    EXPECT_EQ(read_one_string(R"("\ud83d\ude00")"), "\xF0\x9F\x98\x80");
    EXPECT_EQ(read_one_string(R"("\uD800\uDC00")"), "\xF0\x90\x80\x80");
    EXPECT_EQ(read_one_string(R"("\udbff\udfff")"), "\xF4\x8F\xBF\xBF");
    // Escapes mixed with plain runs, UTF-8 and across the 16-byte scan blocks.
    EXPECT_EQ(read_one_string("\"0123456789abcdef\\t0123456789abcdef\xC3\xA9\\u0041 end\""),
              "0123456789abcdef\t0123456789abcdef\xC3\xA9" "A end");
    // Keys are decoded the same way.
    std::pmr::monotonic_buffer_resource memory;
    reader r(R"({"k\u00e9y":1})", &memory);
    std::string_view key;
    ASSERT_TRUE(r.begin_object());
    ASSERT_TRUE(r.next_key(key));
    EXPECT_EQ(key, "k\xC3\xA9y");
}

TEST(JSONReader, Utf8EdgeCases) {
    struct utf8_case {
        std::string_view bytes;
        bool valid;
    };
    const utf8_case cases[] = {
        {"\xC2\x80", true},         {"\xDF\xBF", true},          {"\xE0\xA0\x80", true},
        {"\xEF\xBF\xBF", true},     {"\xF0\x90\x80\x80", true},  {"\xF4\x8F\xBF\xBF", true},
        {"\xED\x9F\xBF", true},     {"\xEE\x80\x80", true},      // around the surrogate block
        {"\xC0\x80", false},        {"\xC1\xBF", false},         // overlong 2-byte
        {"\xE0\x80\x80", false},    {"\xE0\x9F\xBF", false},     // overlong 3-byte
        {"\xF0\x80\x80\x80", false}, {"\xF0\x8F\xBF\xBF", false}, // overlong 4-byte
        {"\xED\xA0\x80", false},    {"\xED\xBF\xBF", false},     // UTF-8-encoded surrogates
        {"\xF4\x90\x80\x80", false}, {"\xF5\x80\x80\x80", false}, // above U+10FFFF
        {"\xF8\x88\x80\x80\x80", false}, {"\xFE", false},  {"\xFF", false},
        {"\x80", false},            {"\xBF", false},             // stray continuation
        {"\xC3", false},            {"\xE2\x82", false},         // truncated by the quote
        {"\xC3\x28", false},        {"\xE2\x28\xA1", false},     {"\xF0\x90\x28\xBC", false},
    };
    for (const auto& c : cases) {
        // Alone, after a long ASCII prefix (SIMD path) and before the end of the document.
        for (const std::string& prefix : {std::string(), std::string(37, 'a')}) {
            const std::string text = "\"" + prefix + std::string(c.bytes) + "\"";
            const auto e = check(text);
            if (c.valid) {
                EXPECT_EQ(e.code, error_code::none) << "prefix " << prefix.size();
                EXPECT_EQ(read_one_string(text), prefix + std::string(c.bytes));
            } else {
                EXPECT_EQ(e.code, error_code::invalid_utf8) << "prefix " << prefix.size() << " byte0 "
                                                            << static_cast<int>(static_cast<unsigned char>(c.bytes[0]));
                EXPECT_EQ(e.offset, 1 + prefix.size());
            }
        }
        // Cut by the end of the document (no closing quote): must not read past the end.
        const auto cut = check("\"" + std::string(c.bytes));
        EXPECT_NE(cut.code, error_code::none);
    }
}

TEST(JSONReader, NeverReadsPastTheEnd) {
    // Every prefix of a document full of different tokens fails cleanly (ASan checks the reads:
    // each prefix lives in a heap block of exactly its size).
    const std::string full =
        R"({"key":"value with \u00e9 and \ud83d\ude00 and é","n":[-0.5e-3,123456789012345678901234,true,false,null],)"
        R"("s":"0123456789abcdef0123456789abcdef","e":{}})";
    ASSERT_EQ(check(full).code, error_code::none);
    for (std::size_t n = 0; n < full.size(); ++n) {
        const auto e = check(std::string_view(full).substr(0, n));
        EXPECT_NE(e.code, error_code::none) << n;
        EXPECT_LE(e.offset, n);
    }
}

TEST(JSONReader, StringsAtEveryPositionAroundTheScanBlocks) {
    // The string scanner caches a stop mask per 64-byte block: strings must be found wherever
    // they start and end relative to those blocks and to the end of the document.
    std::pmr::monotonic_buffer_resource memory;
    for (std::size_t offset = 0; offset < 70; ++offset) {
        for (std::size_t length = 0; length < 140; length += (length < 20 ? 1 : 7)) {
            std::string content(length, 'x');
            for (std::size_t i = 0; i < length; i += 13) content[i] = static_cast<char>('a' + i % 26);
            if (length > 5) content.replace(length / 2, 2, "\xC3\xA9"); // non-ASCII in the middle
            const std::string text = "[" + std::string(offset, ' ') + "\"" + content + "\",\"k\"]";
            exact_doc doc(text);
            reader r(doc.view(), &memory);
            std::string_view a, b;
            ASSERT_TRUE(r.begin_array());
            ASSERT_TRUE(r.next_element());
            ASSERT_TRUE(r.read_string(a)) << offset << " " << length;
            EXPECT_EQ(a, content);
            ASSERT_TRUE(r.next_element());
            ASSERT_TRUE(r.read_string(b));
            EXPECT_EQ(b, "k");
            EXPECT_FALSE(r.next_element());
            EXPECT_TRUE(r.finish());
            // Cut inside the string: unexpected end at the end, never a read past it.
            const auto cut = check(std::string_view(text).substr(0, 2 + offset + length));
            EXPECT_EQ(cut.code, error_code::unexpected_end) << offset << " " << length;
        }
    }
}

TEST(JSONReader, Int64Limits) {
    struct int_case {
        std::string_view text;
        nr result;
        std::int64_t value;
    };
    const int_case cases[] = {
        {"0", nr::ok, 0},
        {"-0", nr::ok, 0},
        {"9223372036854775807", nr::ok, INT64_MAX},
        {"-9223372036854775808", nr::ok, INT64_MIN},
        {"9223372036854775808", nr::out_of_range, 0},
        {"-9223372036854775809", nr::out_of_range, 0},
        {"18446744073709551616", nr::out_of_range, 0},
        {"123456789012345678901234567890", nr::out_of_range, 0},
        {"1.0", nr::ok, 1},
        {"1e2", nr::ok, 100},
        {"1E+2", nr::ok, 100},
        {"-2.50e1", nr::ok, -25},
        {"12300e-2", nr::ok, 123},
        {"0.0e99999", nr::ok, 0},
        {"-0.0", nr::ok, 0},
        {"9.223372036854775807e18", nr::ok, INT64_MAX},
        {"-9223372036854775808.000000", nr::ok, INT64_MIN},
        {"92233720368547758070e-1", nr::ok, INT64_MAX},
        {"100000000000000000000000000e-8", nr::ok, 1000000000000000000},
        {"1.5", nr::not_integral, 0},
        {"-0.1", nr::not_integral, 0},
        {"1e-1", nr::not_integral, 0},
        {"1e-400", nr::not_integral, 0},
        {"1234567890123456789012345.5", nr::not_integral, 0},
        {"1e19", nr::out_of_range, 0},
        {"1e400", nr::out_of_range, 0},
        {"1.5e400", nr::out_of_range, 0},
        {"1e99999999999999999999", nr::out_of_range, 0},
    };
    std::pmr::monotonic_buffer_resource memory;
    for (const auto& c : cases) {
        exact_doc doc(c.text);
        reader r(doc.view(), &memory);
        std::int64_t v = 77;
        EXPECT_EQ(r.read_int64(v), c.result) << c.text;
        if (c.result == nr::ok) {
            EXPECT_EQ(v, c.value) << c.text;
        } else {
            EXPECT_EQ(v, 77) << "unchanged: " << c.text;
        }
        EXPECT_FALSE(r.failed()) << c.text;
        EXPECT_TRUE(r.finish()) << "token consumed: " << c.text;
    }
}

TEST(JSONReader, Uint64AndInt32Limits) {
    std::pmr::monotonic_buffer_resource memory;
    auto u64 = [&](std::string_view text, std::uint64_t& v) {
        reader r(text, &memory);
        return r.read_uint64(v);
    };
    auto i32 = [&](std::string_view text, std::int32_t& v) {
        reader r(text, &memory);
        return r.read_int32(v);
    };
    std::uint64_t u = 0;
    EXPECT_EQ(u64("18446744073709551615", u), nr::ok);
    EXPECT_EQ(u, UINT64_MAX);
    EXPECT_EQ(u64("18446744073709551616", u), nr::out_of_range);
    EXPECT_EQ(u64("99999999999999999999", u), nr::out_of_range);
    EXPECT_EQ(u64("1.8446744073709551615e19", u), nr::ok);
    EXPECT_EQ(u, UINT64_MAX);
    EXPECT_EQ(u64("-1", u), nr::out_of_range);
    EXPECT_EQ(u64("-0", u), nr::ok);
    EXPECT_EQ(u, 0u);
    EXPECT_EQ(u64("-0.5", u), nr::not_integral);
    EXPECT_EQ(u64("\"1\"", u), nr::not_a_number);

    std::int32_t i = 0;
    EXPECT_EQ(i32("2147483647", i), nr::ok);
    EXPECT_EQ(i, INT32_MAX);
    EXPECT_EQ(i32("-2147483648", i), nr::ok);
    EXPECT_EQ(i, INT32_MIN);
    EXPECT_EQ(i32("2147483648", i), nr::out_of_range);
    EXPECT_EQ(i32("-2147483649", i), nr::out_of_range);
    EXPECT_EQ(i32("2.147483647e9", i), nr::ok);
    EXPECT_EQ(i32("0.5", i), nr::not_integral);
}

TEST(JSONReader, DoublesAreCorrectlyRounded) {
    std::pmr::monotonic_buffer_resource memory;
    auto read = [&](std::string_view text, double& d) {
        reader r(text, &memory);
        const nr res = r.read_double(d);
        EXPECT_TRUE(res != nr::ok || r.finish()) << text;
        return res;
    };
    const char* texts[] = {"0", "-0", "1", "0.1", "-2.5", "3.141592653589793", "1e22", "1e23", "9007199254740993",
                           "2.2250738585072011e-308", "4.9e-324", "1.7976931348623157e308", "123456789012345678901234",
                           "0.000000000000000000000000000001", "7.0e-10", "1E-5", "-1.5e+300",
                           "2.22507385850720113605740979670913197593481954635164564e-308",
                           "8.988465674311579538646525953945123668089884894711532863671504057886633790275048156635423866120376801056005693993569667882939488440720831124642371531973706218888394671243274263815110980062304705972654147604250288441907534117123144073695655527041361858167525534229314911997362296923985815241"};
    for (const char* t : texts) {
        double d = 0;
        ASSERT_EQ(read(t, d), nr::ok) << t;
        const double expected = std::strtod(t, nullptr);
        EXPECT_EQ(std::bit_cast<std::uint64_t>(d), std::bit_cast<std::uint64_t>(expected)) << t;
    }
    double d = 5;
    EXPECT_EQ(read("1e309", d), nr::out_of_range);
    EXPECT_EQ(read("-1e400", d), nr::out_of_range);
    EXPECT_EQ(d, 5.0);
    EXPECT_EQ(read("1e-400", d), nr::ok);
    EXPECT_EQ(d, 0.0);
    EXPECT_EQ(read("-1e-400", d), nr::ok);
    EXPECT_TRUE(d == 0.0 && std::signbit(d));
    EXPECT_EQ(read("-0", d), nr::ok);
    EXPECT_TRUE(d == 0.0 && std::signbit(d));

    float f = 0;
    reader r1("0.1", &memory);
    EXPECT_EQ(r1.read_float(f), nr::ok);
    EXPECT_EQ(f, 0.1f);
    reader r2("3.4028235e38", &memory);
    EXPECT_EQ(r2.read_float(f), nr::ok);
    EXPECT_EQ(f, std::numeric_limits<float>::max());
    reader r3("1e39", &memory);
    EXPECT_EQ(r3.read_float(f), nr::out_of_range);
    reader r4("16777217", &memory);
    EXPECT_EQ(r4.read_float(f), nr::ok);
    EXPECT_EQ(f, 16777216.0f);
    reader r5("1.00000005960464477539062500001", &memory); // just above the float midpoint
    EXPECT_EQ(r5.read_float(f), nr::ok);
    EXPECT_EQ(f, std::nextafter(1.0f, 2.0f));
}

TEST(JSONReader, RandomDoublesRoundTripThroughTheWriter) {
    std::mt19937_64 rng(20240501);
    std::pmr::monotonic_buffer_resource memory;
    katana::json::writer w(std::pmr::new_delete_resource());
    int checked = 0;
    for (int i = 0; i < 200000; ++i) {
        const double d = std::bit_cast<double>(rng());
        if (!std::isfinite(d)) continue;
        w.clear();
        w.number(d);
        reader r(w.view(), &memory);
        double back = 0;
        ASSERT_EQ(r.read_double(back), nr::ok) << w.view();
        ASSERT_EQ(std::bit_cast<std::uint64_t>(back), std::bit_cast<std::uint64_t>(d)) << w.view();
        ++checked;
    }
    EXPECT_GT(checked, 190000);
    // Short decimal values take the inline fast path; check it against strtod.
    for (int i = 0; i < 100000; ++i) {
        const auto mantissa = static_cast<long long>(rng() % 100000000000ULL) - 50000000000LL;
        const int exponent = static_cast<int>(rng() % 45) - 22;
        const std::string text = std::to_string(mantissa) + "e" + std::to_string(exponent);
        reader r(text, &memory);
        double back = 0;
        ASSERT_EQ(r.read_double(back), nr::ok) << text;
        ASSERT_EQ(std::bit_cast<std::uint64_t>(back), std::bit_cast<std::uint64_t>(std::strtod(text.c_str(), nullptr)))
            << text;
    }
}

TEST(JSONReader, NumberTextAndPartsAreTheValidatedToken) {
    std::pmr::monotonic_buffer_resource memory;
    reader r(R"([-12.50e+3 ,0])", &memory);
    ASSERT_TRUE(r.begin_array());
    ASSERT_TRUE(r.next_element());
    katana::json::number_parts n;
    ASSERT_TRUE(r.read_number_parts(n));
    EXPECT_EQ(std::string_view(n.begin, static_cast<std::size_t>(n.end - n.begin)), "-12.50e+3");
    EXPECT_TRUE(n.negative);
    EXPECT_FALSE(n.plain);
    EXPECT_EQ(n.mantissa, 1250u);
    EXPECT_EQ(n.exponent, 1);
    ASSERT_TRUE(r.next_element());
    std::string_view text;
    double d = 1;
    ASSERT_EQ(r.read_number(text, d), nr::ok);
    EXPECT_EQ(text, "0");
    EXPECT_EQ(d, 0.0);
    EXPECT_FALSE(r.next_element());
    EXPECT_TRUE(r.finish());
}

TEST(JSONReader, WhitespaceIsAcceptedEverywhereBetweenTokens) {
    const std::string_view text = " \t\r\n{ \n\"a\" \t:\r [ 1 , \"x\" , { } , [ ] ] , \"b\" : null \n} \r\n\t ";
    EXPECT_EQ(check(text).code, error_code::none);
    EXPECT_EQ(check("\f1").code, error_code::unexpected_character); // only the four RFC 8259 bytes
    EXPECT_EQ(check("1\v").code, error_code::trailing_content);
}

TEST(JSONReader, RawValueIsTheExactText) {
    std::pmr::monotonic_buffer_resource memory;
    reader r(R"({"keep": {"x" : [1, "\u0041", null]} , "next":1})", &memory);
    ASSERT_TRUE(r.begin_object());
    std::string_view key, raw;
    ASSERT_TRUE(r.next_key(key));
    ASSERT_TRUE(r.raw_value(raw));
    EXPECT_EQ(raw, R"({"x" : [1, "\u0041", null]})");
    ASSERT_TRUE(r.next_key(key));
    EXPECT_EQ(key, "next");
    // raw_value validates what it returns.
    reader bad(R"({"keep": [1, 02]})", &memory);
    ASSERT_TRUE(bad.begin_object());
    ASSERT_TRUE(bad.next_key(key));
    EXPECT_FALSE(bad.raw_value(raw));
    EXPECT_EQ(bad.error().code, error_code::invalid_number);
}

TEST(JSONReader, AllocatesNothingFromTheHeap) {
    katana::block_pool pool(64 * 1024);
    katana::arena arena(pool);
    const std::string text =
        R"({"id":12345,"name":"with \"escapes\" \u00e9","tags":["a","b","c"],"price":19.99,"ok":true,)"
        R"("nested":{"deep":[[1],[2,[3]]],"s":"\ud83d\ude00"}})";
    auto parse_once = [&] {
        reader r(text, arena.resource());
        int strings = 0;
        // Walk with the pull API, decoding every string.
        struct walker {
            reader& r;
            int& strings;
            bool value() {
                const auto kind = r.peek();
                if (!kind) return false;
                switch (*kind) {
                case value_kind::object: {
                    if (!r.begin_object()) return false;
                    std::string_view k;
                    while (r.next_key(k)) {
                        ++strings;
                        if (!value()) return false;
                    }
                    return !r.failed();
                }
                case value_kind::array:
                    if (!r.begin_array()) return false;
                    while (r.next_element())
                        if (!value()) return false;
                    return !r.failed();
                case value_kind::string: {
                    std::string_view s;
                    ++strings;
                    return r.read_string(s);
                }
                case value_kind::number: {
                    double d = 0;
                    return r.read_double(d) == nr::ok;
                }
                default: return r.skip_value();
                }
            }
        };
        walker w{r, strings};
        EXPECT_TRUE(w.value());
        EXPECT_TRUE(r.finish());
        return strings;
    };
    EXPECT_EQ(parse_once(), 13); // warm-up: the arena takes its first block
    arena.reset();
    const auto before = katana::test::thread_allocation_count();
    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(parse_once(), 13);
        arena.reset();
    }
    EXPECT_EQ(katana::test::thread_allocation_count(), before);
}

} // namespace
