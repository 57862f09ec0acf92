// ECMA-262 `pattern` on PCRE2: translation, ECMA semantics, safety bounds, per-thread
// compilation, and the JSON-Schema-Test-Suite pattern files.
#include "api_test_json.hpp"

#include <katana/api/formats.hpp>
#include <katana/api/pattern.hpp>

#include <support/paths.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

using katana::api::is_regex;
using katana::api::match_status;
using katana::api::regex_pattern;
using katana::api::translate_ecma_regex;
namespace mj = katana::test::mini_json;

bool test(std::string_view pattern, std::string_view subject) {
    const regex_pattern p{pattern};
    return p.search(subject);
}

TEST(ApiPattern, UnanchoredSearchLikeRegExpTest) {
    EXPECT_TRUE(test("a+", "xxaayy"));
    EXPECT_FALSE(test("^a+$", "xxaayy"));
    EXPECT_TRUE(test("^[a-z]+$", "hello"));
    EXPECT_TRUE(test("", "anything"));
    EXPECT_TRUE(test("^$", ""));
    EXPECT_FALSE(test("^a", ""));
}

TEST(ApiPattern, DollarDoesNotMatchBeforeAFinalNewline) {
    EXPECT_TRUE(test("^abc$", "abc"));
    EXPECT_FALSE(test("^abc$", "abc\n"));
    EXPECT_FALSE(test("abc$", "abc\n"));
}

TEST(ApiPattern, AsciiClassesAndUnicodeWhitespace) {
    EXPECT_TRUE(test("^\\d$", "7"));
    EXPECT_FALSE(test("^\\d$", "\xDF\x80"));   // NKO DIGIT ZERO
    EXPECT_TRUE(test("^\\D$", "\xDF\x80"));
    EXPECT_TRUE(test("^\\w$", "_"));
    EXPECT_FALSE(test("^\\w$", "é"));
    EXPECT_TRUE(test("^\\s$", "\xEF\xBB\xBF")); // U+FEFF
    EXPECT_TRUE(test("^\\s$", "\xE2\x80\xA9")); // U+2029
    EXPECT_TRUE(test("^\\s$", "\xC2\xA0"));     // U+00A0
    EXPECT_FALSE(test("^\\s$", "\xC2\x85"));    // U+0085 is not ECMA white space
    EXPECT_TRUE(test("^\\S$", "\xC2\x85"));
    EXPECT_TRUE(test("^[\\S]$", "a"));
    EXPECT_FALSE(test("^[\\S]$", " "));
    EXPECT_TRUE(test("^[a\\S]$", "b"));
    EXPECT_TRUE(test("^[^a\\S]$", " "));   // white space that is not 'a'
    EXPECT_FALSE(test("^[^a\\S]$", "b"));
    EXPECT_TRUE(test("^[\\s-]+$", " -\t"));
}

TEST(ApiPattern, DotExcludesEveryLineTerminator) {
    EXPECT_TRUE(test("^.$", "x"));
    EXPECT_TRUE(test("^.$", "🐲")); // one code point
    EXPECT_FALSE(test("^.$", "\n"));
    EXPECT_FALSE(test("^.$", "\r"));
    EXPECT_FALSE(test("^.$", "\xE2\x80\xA8"));
    EXPECT_TRUE(test("^[^]$", "\n"));
    EXPECT_FALSE(test("[]", "anything"));
}

TEST(ApiPattern, EscapesGetPcre2Spellings) {
    EXPECT_TRUE(test("^\\cJ$", "\n"));
    EXPECT_TRUE(test("^\\cj$", "\n"));
    EXPECT_TRUE(test("^\\u0041\\x42\\u{43}$", "ABC"));
    EXPECT_TRUE(test("^\\uD83D\\uDC32$", "🐲")); // surrogate pair -> one code point
    EXPECT_TRUE(test("^\\u{1F432}+$", "🐲🐲"));
    EXPECT_TRUE(test("^\\v$", "\v"));
    EXPECT_FALSE(test("^\\v$", "\n")); // PCRE2's \v would match any vertical space
    EXPECT_TRUE(test("^\\0$", std::string_view("\0", 1)));
    EXPECT_TRUE(test("^\\/\\.\\*$", "/.*"));
    EXPECT_TRUE(test("^[\\b]$", "\b"));
    EXPECT_TRUE(test("^a{2}$", "aa"));
    EXPECT_TRUE(test("^a{,2}$", "a{,2}")); // not a quantifier: literal (Annex B)
    EXPECT_TRUE(test("^]$", "]"));
    // No POSIX classes in ECMA: "[[:alpha:]" is a class of 7 characters, then "]+" literally.
    EXPECT_TRUE(test("^[[:alpha:]]+$", ":]]"));
    EXPECT_FALSE(test("^[[:alpha:]]+$", "abc"));
    EXPECT_TRUE(test("^[\\w-.]+$", "a-b.c")); // Annex B: '-' after a class escape is literal
    EXPECT_TRUE(test("^#\\ $", "# "));
}

TEST(ApiPattern, GroupsBackreferencesAndProperties) {
    EXPECT_TRUE(test("^(a)\\1$", "aa"));
    EXPECT_TRUE(test("^\\1(a)$", "a")); // forward reference matches empty in ECMA
    EXPECT_TRUE(test("^(?<n>ab)\\k<n>$", "abab"));
    EXPECT_TRUE(test("^(?:ab)+$", "abab"));
    EXPECT_TRUE(test("^a(?=b)", "ab"));
    EXPECT_TRUE(test("^a(?!b)", "ac"));
    EXPECT_TRUE(test("(?<=a)b", "ab"));
    EXPECT_TRUE(test("^\\p{Letter}+$", "Héllo"));
    EXPECT_FALSE(test("^\\p{Letter}+$", "123"));
    EXPECT_TRUE(test("^\\p{Lu}\\P{Lu}$", "Ab"));
    EXPECT_TRUE(test("^\\p{digit}+$", "৪২"));
    EXPECT_TRUE(test("^\\p{Script=Greek}+$", "αβγ"));
    EXPECT_TRUE(test("^[\\p{L}\\d]+$", "a1é"));
    EXPECT_TRUE(test("^a+?b$", "aaab"));
}

TEST(ApiPattern, VariableLengthLookbehindThroughCallouts) {
    // PCRE2 10.42 rejects these natively; they run as separately compiled bodies.
    EXPECT_TRUE(is_regex("(?<=a+)b"));
    EXPECT_TRUE(test("(?<=a+)b", "xaab"));
    EXPECT_FALSE(test("(?<=a+)b", "xcb"));
    EXPECT_TRUE(test("(?<!a+)b", "xcb"));
    EXPECT_FALSE(test("(?<!a+)b", "aab"));
    EXPECT_TRUE(test("^\\w+(?<=\\d{2,})$", "abc12"));
    EXPECT_FALSE(test("^\\w+(?<=\\d{2,})$", "abc1"));
}

TEST(ApiPattern, NonEcmaSyntaxIsInvalid) {
    for (const char* bad : {"\\a", "(?i)abc", "(?P<n>x)", "(?#c)a", "a++", "a**", "a{2}{3}", "*a", "a{2,1}",
                            "(?>a)", "\\Qa\\E", "\\A", "\\z", "\\h", "(abc", "abc)", "[abc", "\\k<nope>", "\\2(a)",
                            "\\p{NoSuchProperty}", "(?<1a>x)", "(?<n>a)(?<n>b)", "\\u{110000}", "\\c1", "\\x4",
                            "x\\"}) {
        EXPECT_FALSE(is_regex(bad)) << bad;
        const regex_pattern p{bad};
        EXPECT_FALSE(p.valid()) << bad;
        EXPECT_FALSE(p.search("a")) << bad;
    }
    for (const char* good : {"[]", "[^]", "\\cA", "(?<name>x)", "(?<n>a)\\k<n>", "^\\d{3}-\\d{4}$", "a|", "(?:)",
                             "[a-z&&[^b]]", "\\-", "a{1,}", "(?=a)*b"}) {
        EXPECT_TRUE(is_regex(good)) << good;
        EXPECT_TRUE(regex_pattern{good}.valid()) << good;
    }
}

TEST(ApiPattern, TranslationIsReadable) {
    EXPECT_EQ(translate_ecma_regex("^ab$").value(), "^ab\\z");
    EXPECT_EQ(translate_ecma_regex("\\d+").value(), "\\d+");
    EXPECT_FALSE(translate_ecma_regex("(?i)x").has_value());
}

TEST(ApiPattern, InvalidUtf8SubjectDoesNotMatch) {
    const regex_pattern p{"."};
    EXPECT_EQ(p.match("\xC0\xAF"), match_status::error);
    EXPECT_FALSE(p.search("\xff"));
    EXPECT_TRUE(p.search("ok"));
}

TEST(ApiPattern, CatastrophicBacktrackingIsBounded) {
    const regex_pattern p{"^(a+)+$"};
    const std::string subject = std::string(5000, 'a') + "!";
    const auto start = std::chrono::steady_clock::now();
    const match_status r = p.match(subject);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_NE(r, match_status::matched);
    EXPECT_LT(elapsed, std::chrono::seconds(2));
}

TEST(ApiPattern, HugeAndHostileSourcesAreRejectedOrCompiled) {
    std::string deep(10000, '(');
    EXPECT_FALSE(is_regex(deep)); // unbalanced and deep: no stack overflow
    std::string nested;
    for (int i = 0; i < 200; ++i) nested += "(?:";
    nested += "a";
    for (int i = 0; i < 200; ++i) nested += ")";
    EXPECT_TRUE(is_regex(nested)); // within the nesting bound (PCRE2's default is 250)
    EXPECT_FALSE(is_regex("(?:" + nested + ")" + std::string(300, ')')));
    EXPECT_FALSE(is_regex("\xff\xfe"));
}

// Patterns with static storage, as generated code declares them.
const regex_pattern shared_digits{"^\\d{3}-\\d{4}$"};
const regex_pattern shared_word{"^(?<w>[a-z]+)-\\k<w>$"};
const regex_pattern shared_lookbehind{"(?<=x+)y"};

TEST(ApiPattern, ThreadsCompileTheirOwnCopiesSafely) {
    constexpr int threads = 8;
    constexpr int rounds = 2000;
    std::atomic<int> wrong{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            while (!go.load()) std::this_thread::yield();
            // A per-thread pattern too: ids are handed out concurrently.
            const regex_pattern mine{t % 2 == 0 ? "^even$" : "^odd$"};
            for (int i = 0; i < rounds; ++i) {
                const bool a = shared_digits.search(i % 2 == 0 ? "555-1234" : "55-1234");
                const bool b = shared_word.search(i % 3 == 0 ? "ab-ab" : "ab-cd");
                const bool c = shared_lookbehind.search(i % 5 == 0 ? "xxy" : "zy");
                const bool d = mine.search(t % 2 == 0 ? "even" : "odd");
                if (a != (i % 2 == 0) || b != (i % 3 == 0) || c != (i % 5 == 0) || !d) wrong.fetch_add(1);
            }
        });
    }
    go.store(true);
    for (auto& th : pool) th.join();
    EXPECT_EQ(wrong.load(), 0);
    EXPECT_TRUE(shared_digits.valid());
}

// ---------------------------------------------------------------- corpus

struct tally {
    int pass = 0, total = 0;
};

void run_pattern_file(const std::filesystem::path& file, tally& t) {
    const auto doc = mj::parse_file(file);
    ASSERT_TRUE(doc.has_value()) << file;
    for (const mj::value& group : doc->items) {
        const mj::value* schema = group.find("schema");
        const mj::value* tests = group.find("tests");
        if (schema == nullptr || tests == nullptr || schema->type != mj::value::kind::object) continue;
        const mj::value* pattern = schema->find("pattern");
        const mj::value* pattern_props = schema->find("patternProperties");
        const mj::value* additional = schema->find("additionalProperties");
        for (const mj::value& test_case : tests->items) {
            const mj::value* data = test_case.find("data");
            const mj::value* valid = test_case.find("valid");
            if (data == nullptr || valid == nullptr) continue;
            bool got;
            if (pattern != nullptr && pattern->is_string()) {
                if (!data->is_string()) continue; // pattern ignores other types
                got = regex_pattern{pattern->s}.search(data->s);
            } else if (pattern_props != nullptr && pattern_props->keys.size() == 1 && additional != nullptr &&
                       additional->type == mj::value::kind::boolean && !additional->b &&
                       pattern_props->values[0].type == mj::value::kind::boolean &&
                       data->type == mj::value::kind::object) {
                // {"patternProperties": {P: true}, "additionalProperties": false}: every key must match.
                const regex_pattern p{pattern_props->keys[0]};
                got = true;
                for (const auto& k : data->keys) got = got && p.search(k);
            } else {
                continue;
            }
            ++t.total;
            if (got == valid->b) {
                ++t.pass;
            } else {
                const mj::value* d = test_case.find("description");
                std::printf("[ pattern ] miss %s: %s\n", file.filename().c_str(), d ? d->s.c_str() : "");
            }
        }
    }
}

TEST(ApiPatternCorpus, JsonSchemaTestSuitePatterns) {
    const auto corpus = katana::test::corpus_dir();
    if (!corpus) GTEST_SKIP() << "corpus not found (set KATANA_CORPUS_DIR or provide ../shared/corpus)";
    tally t;
    for (const char* draft : {"draft4", "draft2020-12"}) {
        const auto base = *corpus / "json-schema" / draft;
        for (const auto* rel : {"pattern.json", "patternProperties.json", "optional/ecmascript-regex.json",
                                "optional/non-bmp-regex.json"}) {
            const auto file = base / rel;
            if (std::filesystem::exists(file)) run_pattern_file(file, t);
        }
    }
    if (t.total == 0) GTEST_SKIP() << "no pattern files in the corpus";
    std::printf("[ pattern ] corpus %d / %d\n", t.pass, t.total);
    EXPECT_EQ(t.pass, t.total);
}

} // namespace
