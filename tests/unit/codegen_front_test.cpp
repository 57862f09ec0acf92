// katana::codegen front, stage 1: YAML and JSON loading into the located node tree (line:column
// and JSON pointer of every value), YAML core-schema typing, duplicate keys, syntax errors,
// hostile inputs (deep nesting, recursive aliases, alias bombs), JSON pointers and the
// diagnostics print format.
#include <katana/codegen/diagnostics.hpp>
#include <katana/codegen/document.hpp>
#include <katana/codegen/loader.hpp>

#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>

namespace {

namespace cg = katana::codegen;
using cg::node_kind;

struct loaded {
    cg::diagnostics diags;
    std::unique_ptr<cg::document> doc;
};

std::unique_ptr<loaded> load(std::string_view text, std::string name = "t.yaml") {
    auto l = std::make_unique<loaded>();
    l->doc = cg::load_document_from_string(std::move(name), text, l->diags);
    return l;
}

const cg::node& at(const loaded& l, std::string_view pointer) {
    const cg::node* n = l.doc->at_pointer(pointer);
    EXPECT_NE(n, nullptr) << "no value at " << pointer;
    static const cg::node missing;
    return n != nullptr ? *n : missing;
}

// Every value knows its line, column, pointer and document.
void expect_at(const loaded& l, std::string_view pointer, node_kind kind, std::uint32_t line, std::uint32_t column) {
    const cg::node& n = at(l, pointer);
    EXPECT_EQ(n.kind, kind) << pointer;
    EXPECT_EQ(n.location.line, line) << pointer;
    EXPECT_EQ(n.location.column, column) << pointer;
    EXPECT_EQ(n.pointer, pointer);
    EXPECT_EQ(n.doc, l.doc.get()) << pointer;
    EXPECT_EQ(n.location.doc, l.doc.get()) << pointer;
}

// ---- YAML -------------------------------------------------------------------------------------

TEST(CodegenFrontYaml, EveryNodeKindHasLineColumnAndPointer) {
    const auto l = load("openapi: 3.1.0\n"          // 1
                        "info:\n"                   // 2
                        "  title: Shop\n"           // 3
                        "  count: 42\n"             // 4
                        "  ratio: 0.5\n"            // 5
                        "  on: true\n"              // 6
                        "  none: null\n"            // 7
                        "  list:\n"                 // 8
                        "    - a\n"                 // 9
                        "    - {k: v}\n"            // 10
                        "  flow: [1, \"two\"]\n"    // 11
                        "paths:\n"                  // 12
                        "  /pets/{id}:\n"           // 13
                        "    a~b: x\n");            // 14
    ASSERT_TRUE(l->doc) << l->diags.to_string();
    EXPECT_EQ(l->diags.all().size(), 0u);
    expect_at(*l, "", node_kind::object, 1, 1);
    expect_at(*l, "/openapi", node_kind::string, 1, 10);
    expect_at(*l, "/info", node_kind::object, 3, 3);
    expect_at(*l, "/info/title", node_kind::string, 3, 10);
    expect_at(*l, "/info/count", node_kind::integer, 4, 10);
    expect_at(*l, "/info/ratio", node_kind::number, 5, 10);
    expect_at(*l, "/info/on", node_kind::boolean, 6, 7);
    expect_at(*l, "/info/none", node_kind::null, 7, 9);
    expect_at(*l, "/info/list", node_kind::array, 9, 5);
    expect_at(*l, "/info/list/0", node_kind::string, 9, 7);
    expect_at(*l, "/info/list/1", node_kind::object, 10, 7);
    expect_at(*l, "/info/list/1/k", node_kind::string, 10, 11);
    expect_at(*l, "/info/flow", node_kind::array, 11, 9);
    expect_at(*l, "/info/flow/1", node_kind::string, 11, 13);
    expect_at(*l, "/paths/~1pets~1{id}", node_kind::object, 14, 5);
    expect_at(*l, "/paths/~1pets~1{id}/a~0b", node_kind::string, 14, 10);

    const cg::node& info = at(*l, "/info");
    ASSERT_EQ(info.members.size(), 7u);
    EXPECT_EQ(info.members[0].key, "title"); // document order is kept
    EXPECT_EQ(info.members[6].key, "flow");
    EXPECT_EQ(info.get_string("title"), "Shop");
    EXPECT_EQ(at(*l, "/info/count").integer, 42);
    EXPECT_EQ(at(*l, "/info/ratio").number, 0.5);
    EXPECT_TRUE(at(*l, "/info/on").boolean); // YAML 1.2: "on" is a plain string *key*, true is a bool
    EXPECT_EQ(at(*l, "/info/flow/1").text, "two");
}

struct scalar_case {
    std::string_view yaml;
    node_kind kind;
    std::int64_t integer = 0;
    double number = 0;
};

TEST(CodegenFrontYaml, PlainScalarsFollowTheCoreSchema) {
    const scalar_case cases[] = {
        {"~", node_kind::null},           {"null", node_kind::null},         {"NULL", node_kind::null},
        {"true", node_kind::boolean, 1},  {"False", node_kind::boolean, 0},  {"TRUE", node_kind::boolean, 1},
        {"yes", node_kind::string},       {"no", node_kind::string},         {"on", node_kind::string},
        {"0", node_kind::integer, 0, 0},  {"-17", node_kind::integer, -17, -17},
        {"+12", node_kind::integer, 12, 12},
        {"0x1F", node_kind::integer, 31, 31},
        {"0o17", node_kind::integer, 15, 15},
        {"9223372036854775807", node_kind::integer, std::numeric_limits<std::int64_t>::max(), 9223372036854775807.0},
        {"99999999999999999999", node_kind::number, 0, 1e20},
        {"1.5", node_kind::number, 0, 1.5},
        {"-.5", node_kind::number, 0, -0.5},
        {"1.", node_kind::number, 0, 1.0},
        {"2e3", node_kind::number, 0, 2000},
        {"1.0E-2", node_kind::number, 0, 0.01},
        {".inf", node_kind::number, 0, std::numeric_limits<double>::infinity()},
        {"-.Inf", node_kind::number, 0, -std::numeric_limits<double>::infinity()},
        {"1e999", node_kind::number, 0, std::numeric_limits<double>::infinity()},
        {"3.0.3", node_kind::string},     {"1_000", node_kind::string},      {"0x", node_kind::string},
        {"0o8", node_kind::string},       {"-0x1", node_kind::string},       {"1e", node_kind::string},
        {"e5", node_kind::string},        {".", node_kind::string},          {"-1-", node_kind::string},
        {"12:30", node_kind::string},     {"2024-01-01", node_kind::string}, {"+.5e-1", node_kind::number, 0, 0.05},
    };
    for (const auto& c : cases) {
        const auto l = load("v: " + std::string(c.yaml) + "\n");
        ASSERT_TRUE(l->doc) << c.yaml << ": " << l->diags.to_string();
        const cg::node& v = at(*l, "/v");
        EXPECT_EQ(v.kind, c.kind) << c.yaml;
        EXPECT_EQ(v.text, c.yaml) << "the spelling is kept";
        if (c.kind == node_kind::boolean) {
            EXPECT_EQ(v.boolean, c.integer != 0) << c.yaml;
        }
        if (c.kind == node_kind::integer) {
            EXPECT_EQ(v.integer, c.integer) << c.yaml;
        }
        if (c.kind == node_kind::integer || c.kind == node_kind::number) {
            EXPECT_DOUBLE_EQ(v.number, c.number) << c.yaml;
        }
    }
    const auto nan = load("v: .nan\n");
    ASSERT_TRUE(nan->doc);
    EXPECT_EQ(at(*nan, "/v").kind, node_kind::number);
    EXPECT_TRUE(std::isnan(at(*nan, "/v").number));
}

TEST(CodegenFrontYaml, QuotedAndBlockScalarsStayStringsAndTagsAreHonoured) {
    const auto l = load("a: \"12\"\n"
                        "b: 'true'\n"
                        "c: \"null\"\n"
                        "d: |\n  7\n"
                        "e: !!str 5\n"
                        "f: !!float 3\n"
                        "g: !!int \"8\"\n"
                        "h: >-\n  folded\n  text\n");
    ASSERT_TRUE(l->doc) << l->diags.to_string();
    for (const char* p : {"/a", "/b", "/c", "/d", "/e", "/h"}) EXPECT_EQ(at(*l, p).kind, node_kind::string) << p;
    EXPECT_EQ(at(*l, "/a").text, "12");
    EXPECT_EQ(at(*l, "/d").text, "7\n");
    EXPECT_EQ(at(*l, "/h").text, "folded text");
    EXPECT_EQ(at(*l, "/f").kind, node_kind::number);
    EXPECT_EQ(at(*l, "/f").number, 3.0);
    EXPECT_EQ(at(*l, "/g").kind, node_kind::integer);
    EXPECT_EQ(at(*l, "/g").integer, 8);

    const auto bad = load("a: !!int nope\n");
    EXPECT_FALSE(bad->doc);
    ASSERT_EQ(bad->diags.error_count(), 1u);
    EXPECT_EQ(bad->diags.all()[0].line, 1u);
    EXPECT_NE(bad->diags.all()[0].message.find("!!int"), std::string::npos);
}

TEST(CodegenFrontYaml, KeysAreStringsWhateverTheySpell) {
    const auto l = load("responses:\n  200: ok\n  default: d\n  true: t\n  ~: n\n  1.5: f\n");
    ASSERT_TRUE(l->doc) << l->diags.to_string();
    const cg::node& r = at(*l, "/responses");
    ASSERT_EQ(r.members.size(), 5u);
    EXPECT_EQ(r.members[0].key, "200");
    EXPECT_EQ(r.members[2].key, "true");
    EXPECT_EQ(r.members[3].key, "~");
    EXPECT_EQ(r.members[4].key, "1.5");
    EXPECT_EQ(r.get_string("200"), "ok");
    EXPECT_EQ(at(*l, "/responses/200").pointer, "/responses/200");
}

TEST(CodegenFrontYaml, EmptyValueIsNullLocatedAtItsKey) {
    const auto l = load("a:\n  b:\n  c: 1\n");
    ASSERT_TRUE(l->doc) << l->diags.to_string();
    expect_at(*l, "/a/b", node_kind::null, 2, 3);
    EXPECT_EQ(at(*l, "/a/b").text, "");

    // The next key spelling "null" is not this key's value.
    const auto next = load("a:\nnull: 1\nb:\n  ~\n");
    ASSERT_TRUE(next->doc) << next->diags.to_string();
    expect_at(*next, "/a", node_kind::null, 1, 1);
    EXPECT_EQ(at(*next, "/a").text, "");
    EXPECT_EQ(at(*next, "/null").integer, 1);
    expect_at(*next, "/b", node_kind::null, 4, 3);
    EXPECT_EQ(at(*next, "/b").text, "~");
}

TEST(CodegenFrontYaml, AnchorsAndAliasesShareOneValue) {
    const auto l = load("defs:\n"
                        "  e: &err\n"
                        "    type: object\n"
                        "    required: [code]\n"
                        "use:\n"
                        "  - *err\n"
                        "  - &s plain\n"
                        "  - *s\n");
    ASSERT_TRUE(l->doc) << l->diags.to_string();
    const cg::node& original = at(*l, "/defs/e");
    const cg::node& alias = at(*l, "/use/0");
    EXPECT_EQ(&original, &alias) << "an alias is the anchored value itself";
    EXPECT_EQ(alias.get_string("type"), "object");
    EXPECT_EQ(at(*l, "/use/0/required/0").text, "code");
    EXPECT_EQ(at(*l, "/use/2").text, "plain");
    EXPECT_EQ(at(*l, "/use/2").kind, node_kind::string);
}

TEST(CodegenFrontYaml, MergeKeysMergeWithExplicitKeysWinning) {
    const auto l = load("base: &base {type: object, description: base, nullable: true}\n"
                        "more: &more {description: more, readOnly: true, title: M}\n"
                        "one:\n  <<: *base\n  description: own\n"
                        "two:\n  title: T\n  <<: [*more, *base]\n"
                        "quoted:\n  '<<': *base\n");
    ASSERT_TRUE(l->doc) << l->diags.to_string();
    const cg::node& one = at(*l, "/one");
    ASSERT_EQ(one.members.size(), 3u);
    EXPECT_EQ(one.get("<<"), nullptr) << "the merge key itself is gone";
    EXPECT_EQ(one.get_string("type"), "object");
    EXPECT_EQ(one.get_string("description"), "own") << "a key written in the mapping wins";
    EXPECT_EQ(one.get("nullable"), at(*l, "/base").get("nullable")) << "merged values are the source's nodes";

    const cg::node& two = at(*l, "/two");
    EXPECT_EQ(two.members.size(), 5u);
    EXPECT_EQ(two.get_string("title"), "T");
    EXPECT_EQ(two.get_string("description"), "more") << "earlier sources win over later ones";
    EXPECT_TRUE(two.get("readOnly")->boolean);
    EXPECT_EQ(two.get_string("type"), "object");

    // Quoted, "<<" is an ordinary key.
    EXPECT_NE(at(*l, "/quoted").get("<<"), nullptr);

    const auto bad = load("a:\n  <<: 5\n");
    EXPECT_FALSE(bad->doc);
    ASSERT_EQ(bad->diags.error_count(), 1u) << bad->diags.to_string();
    EXPECT_EQ(bad->diags.all()[0].line, 2u);
}

TEST(CodegenFrontYaml, RecursiveAliasIsRefused) {
    const auto l = load("a: &x\n  b: [*x]\n");
    EXPECT_FALSE(l->doc);
    ASSERT_EQ(l->diags.error_count(), 1u) << l->diags.to_string();
    EXPECT_EQ(l->diags.all()[0].line, 2u);
    EXPECT_NE(l->diags.all()[0].message.find("recursive alias"), std::string::npos);
}

TEST(CodegenFrontYaml, AliasBombIsRefusedWithoutExpandingIt) {
    // Ten levels of ten aliases: 10^10 values if expanded.
    std::string yaml = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (int i = 1; i < 10; ++i) {
        yaml += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
        for (int j = 0; j < 10; ++j) yaml += (j != 0 ? ", *l" : "*l") + std::to_string(i - 1);
        yaml += "]\n";
    }
    const auto l = load(yaml);
    EXPECT_FALSE(l->doc);
    ASSERT_EQ(l->diags.error_count(), 1u) << l->diags.to_string();
    EXPECT_NE(l->diags.all()[0].message.find("aliases expand"), std::string::npos);

    // A handful of ordinary aliases is fine.
    const auto ok = load("a: &a [1, 2]\nb: [*a, *a, *a]\n");
    EXPECT_TRUE(ok->doc) << ok->diags.to_string();
}

TEST(CodegenFrontYaml, DuplicateKeysAreErrorsAtTheRepeatedKey) {
    const auto l = load("info:\n  title: a\n  version: 1\n  title: b\n");
    EXPECT_FALSE(l->doc);
    ASSERT_EQ(l->diags.error_count(), 1u) << l->diags.to_string();
    const cg::diagnostic& d = l->diags.all()[0];
    EXPECT_EQ(d.line, 4u);
    EXPECT_EQ(d.column, 3u);
    EXPECT_EQ(d.pointer, "/info/title");
    EXPECT_NE(d.message.find("duplicate key \"title\""), std::string::npos) << d.message;
    EXPECT_NE(d.message.find("line 2"), std::string::npos) << d.message;

    // Big maps take the sorting path; every repeat is reported, in document order.
    std::string big = "m:\n";
    for (int i = 0; i < 40; ++i) big += "  k" + std::to_string(i) + ": 1\n";
    big += "  k7: 2\n  k3: 2\n";
    const auto b = load(big);
    EXPECT_FALSE(b->doc);
    ASSERT_EQ(b->diags.error_count(), 2u) << b->diags.to_string();
    EXPECT_EQ(b->diags.all()[0].pointer, "/m/k7");
    EXPECT_EQ(b->diags.all()[0].line, 42u);
    EXPECT_EQ(b->diags.all()[1].pointer, "/m/k3");
}

TEST(CodegenFrontYaml, SyntaxErrorsAreLocated) {
    const auto l = load("openapi: 3.0.0\ninfo:\n  title: [unclosed\n  version: 1\n");
    EXPECT_FALSE(l->doc);
    ASSERT_GE(l->diags.error_count(), 1u);
    const cg::diagnostic& d = l->diags.all()[0];
    EXPECT_EQ(d.file, "t.yaml");
    EXPECT_GE(d.line, 3u);
    EXPECT_GT(d.column, 0u);
    EXPECT_NE(d.message.find("YAML syntax error"), std::string::npos);

    const auto tab = load("a:\n\tb: 1\n");
    EXPECT_FALSE(tab->doc);
    ASSERT_GE(tab->diags.error_count(), 1u);
    EXPECT_EQ(tab->diags.all()[0].line, 2u);

    const auto undefined = load("a: *nowhere\n");
    EXPECT_FALSE(undefined->doc);
    ASSERT_EQ(undefined->diags.error_count(), 1u);
    EXPECT_EQ(undefined->diags.all()[0].line, 1u);
}

TEST(CodegenFrontYaml, CollectionKeysAreRefused) {
    const auto l = load("? [a, b]\n: 1\n");
    EXPECT_FALSE(l->doc);
    ASSERT_EQ(l->diags.error_count(), 1u) << l->diags.to_string();
    EXPECT_NE(l->diags.all()[0].message.find("keys must be scalars"), std::string::npos);
}

TEST(CodegenFrontYaml, DeepNestingIsRefusedNotACrash) {
    const std::string flow = std::string(100000, '[') + std::string(100000, ']');
    const auto l = load(flow);
    EXPECT_FALSE(l->doc);
    ASSERT_EQ(l->diags.error_count(), 1u) << l->diags.to_string();
    EXPECT_NE(l->diags.all()[0].message.find("nested more than"), std::string::npos);

    std::string block;
    for (int i = 0; i < 400; ++i) block += std::string(static_cast<std::size_t>(i) * 2, ' ') + "k:\n";
    const auto b = load(block);
    EXPECT_FALSE(b->doc);
    EXPECT_EQ(b->diags.error_count(), 1u) << b->diags.to_string();
}

TEST(CodegenFrontYaml, EmptyStreamIsANullDocumentAndExtraDocumentsWarn) {
    const auto empty = load("# only a comment\n");
    ASSERT_TRUE(empty->doc);
    EXPECT_TRUE(empty->doc->root()->is_null());

    const auto two = load("a: 1\n---\nb: 2\n");
    ASSERT_TRUE(two->doc);
    EXPECT_EQ(two->diags.warning_count(), 1u);
    EXPECT_NE(two->doc->root()->get("a"), nullptr);
    EXPECT_EQ(two->doc->root()->get("b"), nullptr);
}

// ---- JSON -------------------------------------------------------------------------------------

TEST(CodegenFrontJson, EveryNodeKindHasLineColumnAndPointer) {
    const std::string_view text = "{\n"
                                  "  \"s\": \"x\\\"{[y\",\n"                       // 2
                                  "  \"n\": [1, -2.50, 1e3, 18446744073709551615],\n" // 3
                                  "  \"b\": true, \"f\": false, \"z\": null,\n"      // 4
                                  "  \"o/~\": {\"k\": {}},\n"                         // 5
                                  "  \"u\": \"\\u00e9\"  ,\"e\": []\n"                // 6
                                  "}\n";
    const auto l = load(text, "spec.json");
    ASSERT_TRUE(l->doc) << l->diags.to_string();
    expect_at(*l, "", node_kind::object, 1, 1);
    expect_at(*l, "/s", node_kind::string, 2, 8);
    expect_at(*l, "/n", node_kind::array, 3, 8);
    expect_at(*l, "/n/0", node_kind::integer, 3, 9);
    expect_at(*l, "/n/1", node_kind::number, 3, 12);
    expect_at(*l, "/n/2", node_kind::number, 3, 19);
    expect_at(*l, "/n/3", node_kind::number, 3, 24);
    expect_at(*l, "/b", node_kind::boolean, 4, 8);
    expect_at(*l, "/f", node_kind::boolean, 4, 19);
    expect_at(*l, "/z", node_kind::null, 4, 31);
    expect_at(*l, "/o~1~0", node_kind::object, 5, 10);
    expect_at(*l, "/o~1~0/k", node_kind::object, 5, 16);
    expect_at(*l, "/u", node_kind::string, 6, 8);
    expect_at(*l, "/e", node_kind::array, 6, 24);

    EXPECT_EQ(at(*l, "/s").text, "x\"{[y");
    EXPECT_EQ(at(*l, "/n/1").text, "-2.50") << "numbers keep their spelling";
    EXPECT_EQ(at(*l, "/n/1").number, -2.5);
    EXPECT_EQ(at(*l, "/n/3").text, "18446744073709551615");
    EXPECT_EQ(at(*l, "/n/0").integer, 1);
    EXPECT_EQ(at(*l, "/n/0").text, "1");
    EXPECT_TRUE(at(*l, "/b").boolean);
    EXPECT_FALSE(at(*l, "/f").boolean);
    EXPECT_EQ(at(*l, "/u").text, "\xc3\xa9");
}

TEST(CodegenFrontJson, DetectedByFirstByteOrExtension) {
    // YAML would read `{"a": 1, "a": 2}` fine (yaml-cpp keeps both); JSON reports the repeat, which
    // proves which reader ran.
    const auto by_content = load("  \n {\"a\": 1, \"a\": 2}", "spec.yaml");
    EXPECT_FALSE(by_content->doc);
    ASSERT_EQ(by_content->diags.error_count(), 1u);
    EXPECT_EQ(by_content->diags.all()[0].column, 11u);

    const auto by_extension = load("\"just a string\"", "value.JSON");
    ASSERT_TRUE(by_extension->doc) << by_extension->diags.to_string();
    EXPECT_EQ(by_extension->doc->root()->kind, node_kind::string);

    const auto yaml = load("a: {\"b\": 1}", "spec.yaml");
    ASSERT_TRUE(yaml->doc) << yaml->diags.to_string();
    EXPECT_EQ(at(*yaml, "/a/b").integer, 1);
}

TEST(CodegenFrontJson, DuplicateKeysAreErrorsAtTheRepeatedKey) {
    const auto l = load("{\n  \"a\": 1,\n  \"b\": {\"x\": 1,\n \"x\": 2}\n}", "d.json");
    EXPECT_FALSE(l->doc);
    ASSERT_EQ(l->diags.error_count(), 1u) << l->diags.to_string();
    const cg::diagnostic& d = l->diags.all()[0];
    EXPECT_EQ(d.line, 4u);
    EXPECT_EQ(d.column, 2u);
    EXPECT_EQ(d.pointer, "/b/x");
}

struct json_error_case {
    std::string_view text;
    std::uint32_t line;
    std::uint32_t column;
};

TEST(CodegenFrontJson, SyntaxErrorsAreLocatedAtTheOffendingByte) {
    const json_error_case cases[] = {
        {"{\"a\": 1,\n  \"b\": }", 2, 8},       // missing value
        {"[1, 2,]", 1, 7},                      // trailing comma
        {"{\"a\": tru}", 1, 10},                // bad literal
        {"{\"a\" 1}", 1, 6},                    // missing colon
        {"[1,\n2\n", 3, 1},                     // end of input
        {"{\"a\": \"x\ny\"}", 1, 9},            // raw newline inside a string
        {"{} {}", 1, 4},                        // trailing garbage
    };
    for (const auto& c : cases) {
        const auto l = load(c.text, "e.json");
        EXPECT_FALSE(l->doc) << c.text;
        ASSERT_EQ(l->diags.error_count(), 1u) << c.text;
        const cg::diagnostic& d = l->diags.all()[0];
        EXPECT_EQ(d.file, "e.json");
        EXPECT_EQ(d.line, c.line) << c.text << " -> " << d.message;
        EXPECT_EQ(d.column, c.column) << c.text << " -> " << d.message;
        EXPECT_TRUE(d.message.starts_with("JSON syntax error: ")) << d.message;
        EXPECT_EQ(d.message.find("[json.exception"), std::string::npos) << d.message;
    }
}

TEST(CodegenFrontJson, DeepNestingIsRefusedNotACrash) {
    const auto l = load(std::string(200000, '[') + std::string(200000, ']'), "deep.json");
    EXPECT_FALSE(l->doc);
    ASSERT_EQ(l->diags.error_count(), 1u);
    EXPECT_EQ(l->diags.all()[0].line, 1u);
}

// ---- files ------------------------------------------------------------------------------------

TEST(CodegenFrontLoader, ReadsFilesAndReportsUnreadableOnes) {
    katana::test::temp_dir dir("katana-front");
    const auto path = dir.path() / "a.yaml";
    std::ofstream(path) << "x: [1, 2]\n";
    cg::diagnostics diags;
    const auto doc = cg::load_document(path, diags);
    ASSERT_TRUE(doc) << diags.to_string();
    EXPECT_EQ(doc->path(), path.string());
    EXPECT_EQ(doc->at_pointer("/x/1")->integer, 2);

    cg::diagnostics missing;
    EXPECT_FALSE(cg::load_document(dir.path() / "nope.yaml", missing));
    ASSERT_EQ(missing.error_count(), 1u);
    EXPECT_EQ(missing.all()[0].file, (dir.path() / "nope.yaml").string());
    EXPECT_EQ(missing.all()[0].line, 0u);

    cg::diagnostics directory;
    EXPECT_FALSE(cg::load_document(dir.path(), directory));
    EXPECT_EQ(directory.error_count(), 1u);
}

// ---- document ---------------------------------------------------------------------------------

TEST(CodegenFrontDocument, AtPointerFollowsRfc6901) {
    const auto l = load("a/b: {c~d: [x, [y, z]]}\n'': root-empty\n'0': zero\n");
    ASSERT_TRUE(l->doc) << l->diags.to_string();
    const cg::document& d = *l->doc;
    EXPECT_EQ(d.at_pointer(""), d.root());
    EXPECT_EQ(d.at_pointer("/a~1b/c~0d/1/0")->text, "y");
    EXPECT_EQ(d.at_pointer("/a~1b/c~0d/0")->text, "x");
    EXPECT_EQ(d.at_pointer("/")->text, "root-empty");
    EXPECT_EQ(d.at_pointer("/0")->text, "zero") << "on objects an index is a key";
    EXPECT_EQ(d.at_pointer("a~1b"), nullptr) << "must start with '/'";
    EXPECT_EQ(d.at_pointer("/a/b"), nullptr);
    EXPECT_EQ(d.at_pointer("/a~1b/c~0d/2"), nullptr) << "past the end";
    EXPECT_EQ(d.at_pointer("/a~1b/c~0d/01"), nullptr) << "leading zero";
    EXPECT_EQ(d.at_pointer("/a~1b/c~0d/-"), nullptr);
    EXPECT_EQ(d.at_pointer("/a~1b/c~0d/1/0/x"), nullptr) << "into a scalar";
    EXPECT_EQ(d.at_pointer("/a~2b"), nullptr) << "invalid escape";
    EXPECT_EQ(d.at_pointer("/a~1b/c~"), nullptr) << "dangling '~'";
}

TEST(CodegenFrontDocument, PointerTokensEscapeAndUnescape) {
    EXPECT_EQ(cg::escape_pointer_token("a/b~c"), "a~1b~0c");
    EXPECT_EQ(cg::escape_pointer_token("~1"), "~01");
    EXPECT_EQ(cg::unescape_pointer_token("~01"), "~1") << "~0 first, then the 1 is literal";
    EXPECT_EQ(cg::unescape_pointer_token("a~1b~0c"), "a/b~c");
    EXPECT_EQ(cg::unescape_pointer_token("plain"), "plain");
    for (const std::string_view s : {"", "/", "~", "~~//", "{id}", "a~0/~1"}) {
        EXPECT_EQ(cg::unescape_pointer_token(cg::escape_pointer_token(s)), s);
    }
}

// ---- diagnostics ------------------------------------------------------------------------------

TEST(CodegenFrontDiagnostics, PrintFormat) {
    const auto l = load("a:\n  b: 1\n", "api.yaml");
    ASSERT_TRUE(l->doc);
    cg::diagnostics d;
    d.error(at(*l, "/a/b"), "bad b");
    d.warning(*l->doc->root(), "root warning");
    d.error_at("x.yaml", 0, 0, "cannot read");
    d.warning_at("y.yaml", 3, 4, "w", "/p");
    EXPECT_EQ(d.to_string(), "api.yaml:2:6: error: bad b [/a/b]\n"
                             "api.yaml:1:1: warning: root warning\n"
                             "x.yaml: error: cannot read\n"
                             "y.yaml:3:4: warning: w [/p]\n");
    EXPECT_EQ(d.error_count(), 2u);
    EXPECT_EQ(d.warning_count(), 2u);
    EXPECT_TRUE(d.failed());

    cg::diagnostics lenient;
    lenient.warning_at("y.yaml", 1, 1, "w");
    EXPECT_FALSE(lenient.failed());
    EXPECT_EQ(lenient.to_string(), "y.yaml:1:1: warning: w\n");

    cg::diagnostics strict(true);
    strict.warning_at("y.yaml", 1, 1, "w");
    EXPECT_TRUE(strict.strict());
    EXPECT_TRUE(strict.failed()) << "--strict: warnings fail the run";
    EXPECT_EQ(strict.to_string(), "y.yaml:1:1: error: w\n");
    std::ostringstream out;
    strict.print(out);
    EXPECT_EQ(out.str(), strict.to_string());
}

} // namespace

// ---- malformed text ---------------------------------------------------------------------------------

TEST(CodegenFrontMalformed, UnterminatedQuotedStringsAreLocatedErrors) {
    // yaml-cpp alone would read everything up to the end of the file into x-a.
    const auto a = load("openapi: 3.0.3\nx-a: \"unterminated\nx-b: 1\n");
    EXPECT_EQ(a->doc, nullptr);
    ASSERT_EQ(a->diags.error_count(), 1u) << a->diags.to_string();
    EXPECT_EQ(a->diags.all()[0].line, 2u);
    EXPECT_EQ(a->diags.all()[0].column, 6u);
    EXPECT_NE(a->diags.all()[0].message.find("unterminated double-quoted string"), std::string::npos);

    const auto b = load("a: 'it''s\nb: 1\n");
    EXPECT_EQ(b->doc, nullptr);
    EXPECT_NE(b->diags.to_string().find("t.yaml:1:4: error: unterminated single-quoted string"), std::string::npos)
        << b->diags.to_string();

    // Closed strings, escaped quotes, multi-line and anchored/tagged ones are fine.
    const auto c = load("a: \"x \\\" y\"\nb: 'it''s'\nc: \"multi\n  line\"\nd: &k !!str \"z\"\ne: \"\\\\\"\n");
    ASSERT_NE(c->doc, nullptr) << c->diags.to_string();
    EXPECT_EQ(at(*c, "/a").text, "x \" y");
    EXPECT_EQ(at(*c, "/c").text, "multi line");
    EXPECT_EQ(at(*c, "/e").text, "\\");
}

TEST(CodegenFrontMalformed, InvalidUtf8IsRefusedWithItsPosition) {
    const auto a = load("a: ok\nb: caf\xE9\n");
    EXPECT_EQ(a->doc, nullptr);
    EXPECT_NE(a->diags.to_string().find("t.yaml:2:7: error: the file is not valid UTF-8 (byte 0xE9)"), std::string::npos)
        << a->diags.to_string();
    // Overlong encodings and surrogates are not UTF-8 either, in JSON too.
    for (const std::string_view bad : {std::string_view("{\"a\": \"\xC0\xAF\"}"), std::string_view("{\"a\": \"\xED\xA0\x80\"}"),
                                       std::string_view("{\"a\": \"\xF4\x90\x80\x80\"}")}) {
        const auto j = load(bad, "t.json");
        EXPECT_EQ(j->doc, nullptr) << bad;
        EXPECT_NE(j->diags.to_string().find("t.json:1:8: error: the file is not valid UTF-8"), std::string::npos)
            << j->diags.to_string();
    }
    const auto ok = load("a: \"caf\xC3\xA9 \xF0\x9F\x98\x80\"\n");
    ASSERT_NE(ok->doc, nullptr) << ok->diags.to_string();
    EXPECT_EQ(at(*ok, "/a").text, "caf\xC3\xA9 \xF0\x9F\x98\x80");
    const auto utf16 = load(std::string_view("\xFF\xFE" "a\0", 4));
    EXPECT_EQ(utf16->doc, nullptr);
    EXPECT_NE(utf16->diags.to_string().find("UTF-16"), std::string::npos);
}

TEST(CodegenFrontMalformed, TabIndentationSaysSo) {
    const auto l = load("info:\n\ttitle: t\n");
    EXPECT_EQ(l->doc, nullptr);
    const std::string text = l->diags.to_string();
    EXPECT_NE(text.find("t.yaml:2:"), std::string::npos) << text;
    EXPECT_NE(text.find("tab"), std::string::npos) << text;
}

TEST(CodegenFrontMalformed, UnsupportedCoreTagsAreNamed) {
    const auto l = load("a: !!binary AAAA\n");
    EXPECT_EQ(l->doc, nullptr);
    EXPECT_NE(l->diags.to_string().find("the YAML tag !!binary is not supported"), std::string::npos)
        << l->diags.to_string();
}
