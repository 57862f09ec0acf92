// String formats, utf8_length and multipleOf: hand-written cases plus every {"format": X} datum
// of the JSON-Schema-Test-Suite (draft4 and draft2020-12, optional/format), with a pass-rate
// floor per format so that regressions fail.
#include "api_test_json.hpp"

#include <katana/api/formats.hpp>

#include <support/paths.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <string>

namespace {

using namespace katana::api;
namespace mj = katana::test::mini_json;

TEST(ApiFormats, DateUsesTheRealCalendar) {
    EXPECT_TRUE(is_date("2024-02-29"));
    EXPECT_FALSE(is_date("2023-02-29"));
    EXPECT_FALSE(is_date("1900-02-29"));
    EXPECT_TRUE(is_date("2000-02-29"));
    EXPECT_FALSE(is_date("2024-04-31"));
    EXPECT_TRUE(is_date("2024-12-31"));
    EXPECT_FALSE(is_date("2024-13-01"));
    EXPECT_FALSE(is_date("2024-1-01"));
    EXPECT_FALSE(is_date("2024-01-01T00:00:00Z"));
    EXPECT_FALSE(is_date(""));
}

TEST(ApiFormats, TimeAndDateTime) {
    EXPECT_TRUE(is_time("23:59:59Z"));
    EXPECT_TRUE(is_time("12:00:00.123456+05:30"));
    EXPECT_FALSE(is_time("12:00:00"));          // offset required
    EXPECT_FALSE(is_time("12:00:00.+01:00"));   // empty fraction
    EXPECT_FALSE(is_time("12:00:00+1:00"));
    EXPECT_TRUE(is_time("23:59:60Z"));
    EXPECT_TRUE(is_time("00:29:60+00:30"));     // 23:59:60 UTC
    EXPECT_FALSE(is_time("00:29:60+00:31"));
    EXPECT_TRUE(is_date_time("2024-06-30T23:59:60Z"));
    EXPECT_TRUE(is_date_time("2024-06-30t10:00:00z"));
    EXPECT_FALSE(is_date_time("2024-06-30 10:00:00Z"));
    EXPECT_FALSE(is_date_time("2024-02-30T10:00:00Z"));
    EXPECT_FALSE(is_date_time("2024-06-30T10:00:00Z "));
}

TEST(ApiFormats, Duration) {
    EXPECT_TRUE(is_duration("P1Y2M3DT4H5M6S"));
    EXPECT_TRUE(is_duration("P3W"));
    EXPECT_TRUE(is_duration("PT0S"));
    EXPECT_FALSE(is_duration("P1Y3D"));
    EXPECT_FALSE(is_duration("PT1H3S"));
    EXPECT_FALSE(is_duration("P1W2D"));
    EXPECT_FALSE(is_duration("P"));
    EXPECT_FALSE(is_duration("PT"));
    EXPECT_FALSE(is_duration("P1DT"));
    EXPECT_FALSE(is_duration("PT1.5S"));
}

TEST(ApiFormats, UuidAndByte) {
    EXPECT_TRUE(is_uuid("123e4567-e89b-12d3-a456-426614174000"));
    EXPECT_FALSE(is_uuid("123e4567e89b-12d3-a456-426614174000-"));
    EXPECT_FALSE(is_uuid("123e4567-e89b-12d3-a456-42661417400g"));
    EXPECT_TRUE(is_byte(""));
    EXPECT_TRUE(is_byte("aGVsbG8="));
    EXPECT_TRUE(is_byte("aGVsbG8h"));
    EXPECT_TRUE(is_byte("aGk="));
    EXPECT_TRUE(is_byte("aA=="));
    EXPECT_FALSE(is_byte("aGVsbG8"));   // length not a multiple of 4
    EXPECT_FALSE(is_byte("a==="));
    EXPECT_FALSE(is_byte("aG=k"));      // padding in the middle
    EXPECT_FALSE(is_byte("aGVs bG8="));
}

TEST(ApiFormats, IpAddresses) {
    EXPECT_TRUE(is_ipv4("0.0.0.0"));
    EXPECT_TRUE(is_ipv4("255.255.255.255"));
    EXPECT_FALSE(is_ipv4("256.0.0.1"));
    EXPECT_FALSE(is_ipv4("01.2.3.4"));
    EXPECT_FALSE(is_ipv4("1.2.3"));
    EXPECT_FALSE(is_ipv4("1.2.3.4."));
    EXPECT_FALSE(is_ipv4("1234.2.3.4"));
    EXPECT_TRUE(is_ipv6("::"));
    EXPECT_TRUE(is_ipv6("::1"));
    EXPECT_TRUE(is_ipv6("1::"));
    EXPECT_TRUE(is_ipv6("2001:db8::8a2e:370:7334"));
    EXPECT_TRUE(is_ipv6("1:2:3:4:5:6:7:8"));
    EXPECT_TRUE(is_ipv6("::ffff:10.0.0.1"));
    EXPECT_TRUE(is_ipv6("1:2:3:4:5:6:1.2.3.4"));
    EXPECT_FALSE(is_ipv6("1:2:3:4:5:6:7:1.2.3.4"));
    EXPECT_FALSE(is_ipv6("1:2:3:4:5:6:7:8:9"));
    EXPECT_FALSE(is_ipv6("1::2::3"));
    EXPECT_FALSE(is_ipv6("1:2:3:4:5:6:7::8")); // "::" must stand for at least one group
    EXPECT_FALSE(is_ipv6("fe80::1%eth0"));
    EXPECT_FALSE(is_ipv6(":1::"));
    EXPECT_FALSE(is_ipv6("1:::2"));
    EXPECT_FALSE(is_ipv6("::1.2.3.4:1"));
}

TEST(ApiFormats, HostnamesAndEmail) {
    EXPECT_TRUE(is_hostname("example.com"));
    EXPECT_TRUE(is_hostname("a"));
    EXPECT_FALSE(is_hostname("-a.com"));
    EXPECT_FALSE(is_hostname("a_b.com"));
    EXPECT_FALSE(is_hostname(std::string(64, 'a')));
    EXPECT_TRUE(is_hostname(std::string(63, 'a')));
    std::string long_name;
    while (long_name.size() < 250) long_name += "abcdefghi.";
    long_name += "abcd";
    EXPECT_FALSE(is_hostname(long_name));
    EXPECT_TRUE(is_hostname("xn--mnchen-3ya.de")); // münchen
    EXPECT_FALSE(is_hostname("xn--MNCHEN-3ya.de")); // decodes to upper case: not PVALID
    EXPECT_FALSE(is_hostname("xn--a.de"));          // decodes to U+0080, a control
    EXPECT_FALSE(is_hostname("xn--.de"));
    EXPECT_TRUE(is_idn_hostname("münchen.de"));
    EXPECT_FALSE(is_idn_hostname("MÜNCHEN.de")); // upper case is not PVALID
    EXPECT_TRUE(is_email("a.b+tag@example.com"));
    EXPECT_TRUE(is_email("\"a b\"@example.com"));
    EXPECT_TRUE(is_email("x@[IPv6:2001:db8::1]"));
    EXPECT_FALSE(is_email("a..b@example.com"));
    EXPECT_FALSE(is_email("a@b@example.com"));
    EXPECT_FALSE(is_email("ä@example.com"));
    EXPECT_TRUE(is_idn_email("ä@example.com"));
    EXPECT_FALSE(is_email(std::string(65, 'a') + "@example.com"));
}

TEST(ApiFormats, UrisAndTemplates) {
    EXPECT_TRUE(is_uri("https://user:pw@example.com:8080/a/b?c=d#e"));
    EXPECT_TRUE(is_uri("urn:isbn:0451450523"));
    EXPECT_TRUE(is_uri("http://[v1.fe:x]/"));
    EXPECT_FALSE(is_uri("/relative"));
    EXPECT_FALSE(is_uri("http://exa mple.com"));
    EXPECT_FALSE(is_uri("http://example.com/%zz"));
    EXPECT_FALSE(is_uri("http://example.com:80a/"));
    EXPECT_TRUE(is_uri_reference("../a/b"));
    EXPECT_TRUE(is_uri_reference(""));
    EXPECT_FALSE(is_uri_reference("a:b:c d"));
    EXPECT_TRUE(is_iri("http://ドメイン.example/パス"));
    EXPECT_FALSE(is_uri("http://ドメイン.example/"));
    EXPECT_TRUE(is_uri_template("/users/{id}{?fields*,limit:10}"));
    EXPECT_FALSE(is_uri_template("/users/{id"));
    EXPECT_FALSE(is_uri_template("/users/{!id}"));
    EXPECT_TRUE(is_json_pointer("/a~0b/~1"));
    EXPECT_FALSE(is_json_pointer("/a~2"));
    EXPECT_TRUE(is_relative_json_pointer("0#"));
    EXPECT_FALSE(is_relative_json_pointer("00"));
}

TEST(ApiFormats, NamesRoundTrip) {
    for (auto f : {string_format::date, string_format::date_time, string_format::uri_reference,
                   string_format::relative_json_pointer, string_format::idn_hostname, string_format::byte}) {
        const auto name = format_name(f);
        ASSERT_FALSE(name.empty());
        EXPECT_EQ(format_from_name(name), f);
    }
    EXPECT_EQ(format_from_name("date-time"), string_format::date_time);
    EXPECT_FALSE(format_from_name("Date-Time").has_value());
    EXPECT_FALSE(format_from_name("no-such-format").has_value());
    EXPECT_TRUE(check_format(string_format::password, "anything at all"));
    EXPECT_FALSE(check_format(string_format::ipv4, "1.2.3"));
}

TEST(ApiFormats, Utf8Length) {
    EXPECT_EQ(utf8_length(""), 0u);
    EXPECT_EQ(utf8_length("abc"), 3u);
    EXPECT_EQ(utf8_length("é"), 1u);
    EXPECT_EQ(utf8_length("日本語"), 3u);
    EXPECT_EQ(utf8_length("🐲x"), 2u);
    EXPECT_TRUE(is_valid_utf8("日本語🐲"));
    EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));         // overlong
    EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));     // surrogate
    EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80")); // > U+10FFFF
    EXPECT_FALSE(is_valid_utf8("\xE6\x97"));         // truncated
}

TEST(ApiFormats, MultipleOfDoubles) {
    EXPECT_TRUE(is_multiple_of(0.0075, 0.0001));
    EXPECT_FALSE(is_multiple_of(0.00751, 0.0001));
    EXPECT_TRUE(is_multiple_of(4.5, 1.5));
    EXPECT_TRUE(is_multiple_of(-4.5, 1.5));
    EXPECT_FALSE(is_multiple_of(35.0, 1.5));
    EXPECT_TRUE(is_multiple_of(0.0, 0.3));
    EXPECT_TRUE(is_multiple_of(0.3, 0.1));     // 0.3 / 0.1 = 2.9999999999999996 in binary
    EXPECT_TRUE(is_multiple_of(1e308, 0.5));
    EXPECT_FALSE(is_multiple_of(1e308, 0.123456789));
    EXPECT_TRUE(is_multiple_of(12391239123.0, 1e-8));
    EXPECT_TRUE(is_multiple_of(1e-300, 1e-310));
    EXPECT_FALSE(is_multiple_of(1e-310, 1e-300));
    EXPECT_TRUE(is_multiple_of(19.99, 0.01));
    EXPECT_FALSE(is_multiple_of(10.0, 3.0));
    EXPECT_FALSE(is_multiple_of(1.0, 0.0));
    EXPECT_FALSE(is_multiple_of(1.0, -1.0));
    EXPECT_FALSE(is_multiple_of(std::numeric_limits<double>::infinity(), 1.0));
    EXPECT_FALSE(is_multiple_of(std::nan(""), 1.0));
    EXPECT_TRUE(is_multiple_of(std::numeric_limits<double>::max(), 1.0)); // an integer, 309 digits
    EXPECT_FALSE(is_multiple_of(std::numeric_limits<double>::denorm_min(), 1.0));
}

TEST(ApiFormats, MultipleOfIntegers) {
    EXPECT_TRUE(is_multiple_of(std::int64_t{10}, std::int64_t{5}));
    EXPECT_FALSE(is_multiple_of(std::int64_t{7}, std::int64_t{2}));
    EXPECT_TRUE(is_multiple_of(std::numeric_limits<std::int64_t>::min(), std::int64_t{2}));
    EXPECT_FALSE(is_multiple_of(std::int64_t{3}, std::int64_t{0}));
    EXPECT_FALSE(is_multiple_of(std::int64_t{3}, std::int64_t{-1}));
}

// ---------------------------------------------------------------- JSON-Schema-Test-Suite corpus

struct tally {
    int pass = 0;
    int total = 0;
};

// Minimum share of corpus data each format must get right (measured rates are higher; these
// floors catch regressions without pinning exact numbers).
const std::map<std::string, double>& floors() {
    static const std::map<std::string, double> f = {
        {"date", 1.0},          {"date-time", 1.0},         {"time", 1.0},
        {"duration", 1.0},      {"uuid", 1.0},              {"email", 1.0},
        {"idn-email", 1.0},     {"hostname", 1.0},          {"idn-hostname", 1.0},
        {"ipv4", 1.0},          {"ipv6", 1.0},              {"uri", 1.0},
        {"uri-reference", 1.0}, {"iri", 1.0},               {"iri-reference", 1.0},
        {"uri-template", 1.0},  {"json-pointer", 1.0},      {"relative-json-pointer", 1.0},
        {"regex", 1.0},
    };
    return f;
}

TEST(ApiFormatsCorpus, JsonSchemaTestSuiteFormats) {
    const auto corpus = katana::test::corpus_dir();
    if (!corpus) GTEST_SKIP() << "corpus not found (set KATANA_CORPUS_DIR or provide ../shared/corpus)";
    std::map<std::string, tally> by_format;
    int files = 0;
    for (const char* draft : {"draft4", "draft2020-12"}) {
        const auto dir = *corpus / "json-schema" / draft / "optional" / "format";
        if (!std::filesystem::is_directory(dir)) continue;
        for (const auto& entry : std::filesystem::directory_iterator(dir)) {
            if (entry.path().extension() != ".json") continue;
            const auto doc = mj::parse_file(entry.path());
            ASSERT_TRUE(doc.has_value()) << entry.path();
            ++files;
            for (const mj::value& group : doc->items) {
                const mj::value* schema = group.find("schema");
                const mj::value* tests = group.find("tests");
                if (schema == nullptr || tests == nullptr || schema->type != mj::value::kind::object) continue;
                const mj::value* format = schema->find("format");
                // Only schemas that are just {"format": X} (plus $schema).
                bool plain = format != nullptr && format->is_string();
                for (const auto& k : schema->keys) plain = plain && (k == "format" || k == "$schema");
                if (!plain) continue;
                const auto f = format_from_name(format->s);
                if (!f) continue; // unknown formats are ignored by JSON Schema
                for (const mj::value& t : tests->items) {
                    const mj::value* data = t.find("data");
                    const mj::value* valid = t.find("valid");
                    if (data == nullptr || valid == nullptr || !data->is_string()) continue;
                    const bool got = check_format(*f, data->s);
                    tally& tl = by_format[format->s];
                    ++tl.total;
                    if (got == valid->b) {
                        ++tl.pass;
                    } else {
                        // Reported, not failed: the floors below decide.
                        const mj::value* desc = t.find("description");
                        std::printf("[ format ] miss %s: \"%s\" expected %s (%s)\n", format->s.c_str(),
                                    data->s.c_str(), valid->b ? "valid" : "invalid",
                                    desc ? desc->s.c_str() : "");
                    }
                }
            }
        }
    }
    if (files == 0) GTEST_SKIP() << "no optional/format files under the corpus";
    int pass = 0, total = 0;
    for (const auto& [name, tl] : by_format) {
        pass += tl.pass;
        total += tl.total;
        std::printf("[ format ] %-22s %4d / %4d\n", name.c_str(), tl.pass, tl.total);
        const auto floor = floors().find(name);
        if (floor != floors().end()) {
            EXPECT_GE(static_cast<double>(tl.pass), floor->second * tl.total) << name;
        }
    }
    std::printf("[ format ] %-22s %4d / %4d\n", "all", pass, total);
    EXPECT_GE(static_cast<double>(pass), 0.95 * total);
    for (const auto& [name, floor] : floors()) EXPECT_TRUE(by_format.count(name)) << "no corpus data for " << name;
}

} // namespace
