// Pure tests of katana/pg/types.hpp: wire bytes of each codec against the layouts of
// PostgreSQL's send/recv functions, round trips, edge values and malformed buffers.
// tests/services/pg_types_pgtest.cpp checks the same codecs against a real server.
#include <katana/pg/types.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

namespace pg = katana::pg;
using namespace std::chrono;

namespace {

std::span<const std::byte> as_bytes(const std::string& s) {
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

std::string hex(const std::string& s) {
    static constexpr char d[] = "0123456789abcdef";
    std::string h;
    for (unsigned char c : s) {
        h.push_back(d[c >> 4]);
        h.push_back(d[c & 0xF]);
    }
    return h;
}

std::string unhex(std::string_view h) {
    std::string s;
    for (std::size_t i = 0; i + 1 < h.size(); i += 2) s.push_back(static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
    return s;
}

template <class T>
std::string enc(const T& v, pg::oid target = pg::codec<T>::type_oid) {
    std::string out;
    pg::encode(v, out, target);
    return out;
}

template <class T>
T round_trip(const T& v, pg::oid type = pg::codec<T>::type_oid) {
    const std::string wire = enc(v, type);
    auto back = pg::decode<T>(as_bytes(wire), type);
    EXPECT_TRUE(back.has_value()) << (back ? "" : back.error().message);
    return back ? *back : T{};
}

pg::numeric num(std::string_view s) {
    auto n = pg::numeric::parse(s);
    EXPECT_TRUE(n.has_value()) << s;
    return n ? *n : pg::numeric{};
}

// Every prefix of a valid encoding must decode to an error or a value, never crash or read out
// of bounds (ASan in the dev preset).
template <class T>
void all_prefixes_safe(const std::string& wire, pg::oid type = pg::codec<T>::type_oid) {
    for (std::size_t n = 0; n < wire.size(); ++n) {
        const std::string cut = wire.substr(0, n); // own allocation: ASan sees overreads
        auto r = pg::decode<T>(as_bytes(cut), type);
        if (r) SUCCEED();
        else EXPECT_EQ(r.error().kind, pg::error_kind::decode);
    }
}

enum class mood { sad, ok, happy };

} // namespace

template <>
struct katana::pg::enum_traits<mood> {
    static constexpr std::string_view type_name = "mood";
    static constexpr std::array<std::pair<mood, std::string_view>, 3> labels{
        {{mood::sad, "sad"}, {mood::ok, "ok"}, {mood::happy, "happy"}}};
};

TEST(PgTypes, IntegersAreBigEndianAndSized) {
    EXPECT_EQ(hex(enc<std::int16_t>(-2)), "fffe");
    EXPECT_EQ(hex(enc<std::int32_t>(0x01020304)), "01020304");
    EXPECT_EQ(hex(enc<std::int64_t>(-1)), "ffffffffffffffff");
    EXPECT_EQ(round_trip<std::int64_t>(std::numeric_limits<std::int64_t>::min()), std::numeric_limits<std::int64_t>::min());
    EXPECT_EQ(round_trip<std::int32_t>(std::numeric_limits<std::int32_t>::max()), std::numeric_limits<std::int32_t>::max());
    EXPECT_EQ(round_trip<std::int16_t>(-32768), -32768);
    // Wrong lengths and wrong server types are errors.
    EXPECT_FALSE(pg::decode<std::int32_t>(as_bytes(unhex("010203")), pg::oids::int4));
    EXPECT_FALSE(pg::decode<std::int32_t>(as_bytes(unhex("0102030405")), pg::oids::int4));
    auto wrong_type = pg::decode<std::int32_t>(as_bytes(unhex("00000000")), pg::oids::float4);
    ASSERT_FALSE(wrong_type);
    EXPECT_EQ(wrong_type.error().kind, pg::error_kind::decode);
    EXPECT_FALSE(pg::decode<std::int64_t>(as_bytes(unhex("00000001")), pg::oids::int4));
}

TEST(PgTypes, BoolAndFloats) {
    EXPECT_EQ(hex(enc(true)), "01");
    EXPECT_EQ(hex(enc(false)), "00");
    EXPECT_TRUE(*pg::decode<bool>(as_bytes(unhex("02"))));
    EXPECT_FALSE(pg::decode<bool>(as_bytes(std::string())));
    EXPECT_EQ(hex(enc(1.0)), "3ff0000000000000");
    EXPECT_EQ(hex(enc(1.0f)), "3f800000");
    EXPECT_TRUE(std::isnan(round_trip(std::numeric_limits<double>::quiet_NaN())));
    EXPECT_EQ(round_trip(-std::numeric_limits<float>::infinity()), -std::numeric_limits<float>::infinity());
    EXPECT_TRUE(std::signbit(round_trip(-0.0)));
    EXPECT_EQ(round_trip(std::numeric_limits<double>::denorm_min()), std::numeric_limits<double>::denorm_min());
    EXPECT_FALSE(pg::decode<double>(as_bytes(unhex("3ff00000"))));
    EXPECT_FALSE(pg::decode<float>(as_bytes(unhex("3ff0000000000000"))));
}

TEST(PgTypes, NumericParseCanonicalizes) {
    const std::pair<std::string_view, std::string_view> cases[] = {
        {"0", "0"},         {"-0", "0"},           {"-0.00", "0.00"},   {"007.50", "7.50"},
        {"+1", "1"},        {".5", "0.5"},          {"5.", "5"},         {"1e3", "1000"},
        {"1.50e1", "15.0"}, {"1.5e-3", "0.0015"},   {"12E-1", "1.2"},    {"-12.345e+2", "-1234.5"},
        {"nan", "NaN"},     {"NaN", "NaN"},         {"inf", "Infinity"}, {"-Infinity", "-Infinity"},
        {"+inf", "Infinity"}, {"0.000e2", "0.0"},   {"100e-2", "1.00"},  {"-0.001e3", "-1"},
    };
    for (const auto& [in, want] : cases) {
        auto n = pg::numeric::parse(in);
        ASSERT_TRUE(n.has_value()) << in;
        EXPECT_EQ(n->str(), want) << in;
    }
    for (std::string_view bad : {"", "-", "+", ".", "e5", "1e", "1e+", "1x", " 1", "1 ", "--1", "-nan", "1.2.3",
                                 "1e999999999999", "0x10", "١"}) {
        EXPECT_FALSE(pg::numeric::parse(bad).has_value()) << bad;
    }
    EXPECT_EQ(pg::numeric(-9'223'372'036'854'775'807 - 1).str(), "-9223372036854775808");
    EXPECT_EQ(num("1.50").scale(), 2);
    EXPECT_NE(num("1.5"), num("1.50")); // representation equality, documented
    EXPECT_TRUE(num("-inf").is_infinite());
    EXPECT_TRUE(num("-inf").is_negative());
    EXPECT_TRUE(num("NAN").is_nan());
}

TEST(PgTypes, NumericLimits) {
    EXPECT_TRUE(pg::numeric::parse(std::string(131072, '9')).has_value());
    EXPECT_FALSE(pg::numeric::parse(std::string(131073, '9')).has_value());
    EXPECT_TRUE(pg::numeric::parse("0." + std::string(16383, '1')).has_value());
    EXPECT_FALSE(pg::numeric::parse("0." + std::string(16384, '1')).has_value());
    EXPECT_FALSE(pg::numeric::parse("1e131072").has_value());
    EXPECT_TRUE(pg::numeric::parse("1e131071").has_value());
    EXPECT_FALSE(pg::numeric::parse("1e-16384").has_value());
    // Leading zeros do not count toward the integer digits.
    EXPECT_TRUE(pg::numeric::parse(std::string(200000, '0') + "1").has_value());
}

TEST(PgTypes, NumericWireLayout) {
    // 12345.678: base-10000 groups 1 | 2345 . 6780, weight 1, dscale 3.
    EXPECT_EQ(hex(enc(num("12345.678"))), "0003" "0001" "0000" "0003" "0001" "0929" "1a7c");
    // -0.0001: one group (1) at weight -1, negative.
    EXPECT_EQ(hex(enc(num("-0.0001"))), "0001" "ffff" "4000" "0004" "0001");
    // Zero with scale: no digits, the scale kept.
    EXPECT_EQ(hex(enc(num("0.00"))), "0000" "0000" "0000" "0002");
    // Trailing zero groups are not sent; the weight says where the digits sit.
    EXPECT_EQ(hex(enc(num("100000000"))), "0001" "0002" "0000" "0000" "0001");
    EXPECT_EQ(hex(enc(pg::numeric::nan())), "0000" "0000" "c000" "0000");
    EXPECT_EQ(hex(enc(pg::numeric::infinity())), "0000" "0000" "d000" "0000");
    EXPECT_EQ(hex(enc(pg::numeric::negative_infinity())), "0000" "0000" "f000" "0000");
    // Decoding pads the fraction to dscale and cuts digits beyond it.
    EXPECT_EQ(pg::decode<pg::numeric>(as_bytes(unhex("0001" "ffff" "0000" "0006" "1388")))->str(), "0.500000");
    EXPECT_EQ(pg::decode<pg::numeric>(as_bytes(unhex("0001" "ffff" "0000" "0002" "1389")))->str(), "0.50");
    EXPECT_EQ(pg::decode<pg::numeric>(as_bytes(unhex("0001" "0003" "0000" "0000" "0007")))->str(), "7000000000000");
}

TEST(PgTypes, NumericRoundTripsRandomValues) {
    std::mt19937_64 rng(20240611);
    for (int i = 0; i < 3000; ++i) {
        std::string s;
        if (rng() % 2) s.push_back('-');
        const std::size_t int_len = rng() % 40;
        const std::size_t frac_len = rng() % 40;
        s.push_back(static_cast<char>('1' + rng() % 9));
        for (std::size_t k = 0; k < int_len; ++k) s.push_back(static_cast<char>('0' + rng() % 10));
        if (frac_len > 0) {
            s.push_back('.');
            for (std::size_t k = 0; k < frac_len; ++k) s.push_back(static_cast<char>('0' + (rng() % 3 == 0 ? 0 : rng() % 10)));
        }
        const pg::numeric n = num(s);
        EXPECT_EQ(n.str(), s);
        EXPECT_EQ(round_trip(n).str(), s);
    }
    for (std::string_view s : {"0", "0.0000", "0.00001", "9999.9999", "10000", "-10000.00010", "0.000000001"})
        EXPECT_EQ(round_trip(num(s)).str(), s);
}

TEST(PgTypes, NumericRejectsMalformedWire) {
    const char* bad[] = {
        "",                              // empty
        "00010000000000",                // truncated header
        "000100000000000000",            // ndigits 1 but no digit
        "0001000000000000" "00010002",   // one extra digit
        "0001000000000000" "2710",       // digit 10000
        "0001000012340000" "0001",       // invalid sign
        "000100000000ffff" "0001",       // negative dscale
        "00010000000040000" "0001",      // odd length
        "ffff000000000000",              // negative ndigits
        "0000000000004000",              // dscale 16384 (beyond the maximum)
    };
    for (const char* h : bad) {
        auto r = pg::decode<pg::numeric>(as_bytes(unhex(h)));
        EXPECT_FALSE(r.has_value()) << h;
    }
    all_prefixes_safe<pg::numeric>(enc(num("-123456789.987654321")));
}

TEST(PgTypes, Uuid) {
    auto u = pg::uuid::parse("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11");
    ASSERT_TRUE(u.has_value());
    EXPECT_EQ(u->to_string(), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    EXPECT_EQ(hex(enc(*u)), "a0eebc999c0b4ef8bb6d6bb9bd380a11");
    for (std::string_view same : {"{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", "a0eebc999c0b4ef8bb6d6bb9bd380a11",
                                  "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11", "{a0eebc999c0b4ef8bb6d6bb9bd380a11}"}) {
        auto v = pg::uuid::parse(same);
        ASSERT_TRUE(v.has_value()) << same;
        EXPECT_EQ(*v, *u) << same;
    }
    for (std::string_view bad : {"", "{}", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111",
                                 "-a0eebc999c0b4ef8bb6d6bb9bd380a11", "a0eebc999c0b4ef8bb6d6bb9bd380a11-",
                                 "a0eeb-c999c0b4ef8bb6d6bb9bd380a11", "a0ee--bc999c0b4ef8bb6d6bb9bd380a11",
                                 "g0eebc999c0b4ef8bb6d6bb9bd380a11", "{a0eebc999c0b4ef8bb6d6bb9bd380a11"}) {
        EXPECT_FALSE(pg::uuid::parse(bad).has_value()) << bad;
    }
    EXPECT_EQ(round_trip(*u), *u);
    EXPECT_FALSE(pg::decode<pg::uuid>(as_bytes(unhex("a0eebc999c0b4ef8bb6d6bb9bd380a"))));
    EXPECT_LT(*pg::uuid::parse("00000000-0000-0000-0000-000000000001"), *u);
}

TEST(PgTypes, TimestampsUsePostgresEpoch) {
    const pg::timestamptz y2k = sys_days(2000y / January / 1);
    EXPECT_EQ(hex(enc(y2k)), "0000000000000000");
    const pg::timestamptz unix0{};
    EXPECT_EQ(static_cast<std::int64_t>(*pg::decode<std::int64_t>(as_bytes(enc(unix0)))), -946'684'800'000'000);
    const pg::timestamptz t = sys_days(2024y / March / 9) + 13h + 5min + 7s + 123456us;
    EXPECT_EQ(round_trip(t), t);
    const pg::local_timestamp lt = local_days(1969y / July / 20) + 20h + 17min;
    EXPECT_EQ(round_trip(lt), lt);
    EXPECT_EQ(hex(enc(lt)), hex(enc(pg::timestamptz(sys_days(1969y / July / 20) + 20h + 17min))));
    // +-infinity: sentinels both ways.
    EXPECT_EQ(hex(enc(pg::timestamptz::max())), "7fffffffffffffff");
    EXPECT_EQ(hex(enc(pg::timestamptz::min())), "8000000000000000");
    EXPECT_EQ(*pg::decode<pg::timestamptz>(as_bytes(unhex("7fffffffffffffff"))), pg::timestamptz::max());
    EXPECT_EQ(*pg::decode<pg::local_timestamp>(as_bytes(unhex("8000000000000000"))), pg::local_timestamp::min());
    // A finite time below the range saturates to a finite value (rejected by the server), it
    // does not wrap or turn into -infinity.
    const auto low = *pg::decode<std::int64_t>(as_bytes(enc(pg::timestamptz::min() + 1us)));
    EXPECT_NE(low, std::numeric_limits<std::int64_t>::min());
    EXPECT_LT(low, -9'000'000'000'000'000'000);
    // Past sys_time<microseconds>'s end (PostgreSQL's last 30 years): an error, not a clamp.
    EXPECT_EQ(hex(enc(pg::timestamptz::max() - 1us)), "7ffca2fec4c81ffe");
    EXPECT_TRUE(pg::decode<pg::timestamptz>(as_bytes(unhex("7ffca2fec4c81ffe"))).has_value());
    EXPECT_FALSE(pg::decode<pg::timestamptz>(as_bytes(unhex("7ffca2fec4c81fff"))).has_value());
    EXPECT_FALSE(pg::decode<pg::local_timestamp>(as_bytes(unhex("7ffffffffffffffe"))).has_value());
    EXPECT_FALSE(pg::decode<pg::timestamptz>(as_bytes(unhex("00000000"))));
    EXPECT_FALSE(pg::decode<pg::timestamptz>(as_bytes(unhex("0000000000000000")), pg::oids::timestamp));
}

TEST(PgTypes, Dates) {
    EXPECT_EQ(hex(enc(sys_days(2000y / January / 1))), "00000000");
    EXPECT_EQ(hex(enc(sys_days(1999y / December / 31))), "ffffffff");
    const year_month_day d = 2024y / February / 29;
    EXPECT_EQ(round_trip(d), d);
    EXPECT_EQ(round_trip(sys_days(-4713y / November / 24)), sys_days(-4713y / November / 24));
    EXPECT_EQ(hex(enc(sys_days::max())), "7fffffff");
    EXPECT_EQ(*pg::decode<sys_days>(as_bytes(unhex("80000000"))), sys_days::min());
    EXPECT_FALSE(pg::decode<year_month_day>(as_bytes(unhex("7fffffff"))).has_value());
    // 5874897 AD (PostgreSQL's last date) fits sys_days but not year_month_day.
    EXPECT_TRUE(pg::decode<sys_days>(as_bytes(unhex("7ffffffe"))).has_value());
    EXPECT_FALSE(pg::decode<year_month_day>(as_bytes(unhex("7ffffffe"))).has_value());
    EXPECT_FALSE(pg::decode<sys_days>(as_bytes(unhex("000000"))));
}

TEST(PgTypes, Interval) {
    const pg::interval v{.months = 14, .days = -3, .microseconds = 3'723'000'004};
    EXPECT_EQ(hex(enc(v)), "00000000dde878c4" "fffffffd" "0000000e");
    EXPECT_EQ(round_trip(v), v);
    EXPECT_FALSE(pg::decode<pg::interval>(as_bytes(unhex("00000000dde878c4fffffffd"))));
}

TEST(PgTypes, TextBytesJson) {
    EXPECT_EQ(round_trip(std::string("h\xC3\xA9llo")), "h\xC3\xA9llo");
    EXPECT_EQ(round_trip(std::string()), "");
    EXPECT_TRUE(pg::decode<std::string>(as_bytes(std::string("x")), pg::oids::varchar).has_value());
    EXPECT_TRUE(pg::decode<std::string_view>(as_bytes(std::string("x")), pg::oids::bpchar).has_value());
    EXPECT_FALSE(pg::decode<std::string>(as_bytes(std::string("x")), pg::oids::bytea).has_value());
    const pg::bytes b{std::byte{0}, std::byte{0xFF}, std::byte{'\\'}};
    EXPECT_EQ(round_trip(b), b);
    EXPECT_EQ(hex(enc(b)), "00ff5c");

    const pg::json_text j{R"({"a": [1, 2]})"};
    EXPECT_EQ(enc(j, pg::oids::jsonb), "\x01" + j.text);
    EXPECT_EQ(enc(j, pg::oids::json), j.text);
    EXPECT_EQ(round_trip(j, pg::oids::jsonb), j);
    EXPECT_EQ(round_trip(j, pg::oids::json), j);
    // jsonb's version byte is recognised without the oid; other versions are refused.
    EXPECT_EQ(pg::decode<pg::json_text>(as_bytes("\x01" + j.text), pg::oids::json)->text, j.text);
    EXPECT_FALSE(pg::decode<pg::json_text>(as_bytes("\x02" + j.text)).has_value());
    EXPECT_FALSE(pg::decode<pg::json_text>(as_bytes(j.text), pg::oids::text).has_value());
}

TEST(PgTypes, Enums) {
    EXPECT_EQ(pg::enum_traits<mood>::type_name, "mood");
    EXPECT_EQ(enc(mood::happy), "happy");
    EXPECT_EQ(round_trip(mood::sad, 16384), mood::sad); // enum oids are per database: any is taken
    EXPECT_FALSE(pg::decode<mood>(as_bytes(std::string("angry")), 16384).has_value());
    const std::vector<mood> moods{mood::ok, mood::happy};
    std::string wire;
    pg::encode_array(moods, wire, 16384);
    auto back = pg::decode<std::vector<mood>>(as_bytes(wire), 16390);
    ASSERT_TRUE(back.has_value()) << back.error().message;
    EXPECT_EQ(*back, moods);
}

TEST(PgTypes, ArrayWireLayout) {
    const std::vector<std::int32_t> v{1, -2, 3};
    EXPECT_EQ(hex(enc(v)), "00000001" "00000000" "00000017" "00000003" "00000001"
                           "00000004" "00000001" "00000004" "fffffffe" "00000004" "00000003");
    EXPECT_EQ(round_trip(v), v);
    // Empty: zero dimensions.
    EXPECT_EQ(hex(enc(std::vector<std::int64_t>{})), "00000000" "00000000" "00000014");
    EXPECT_TRUE(round_trip(std::vector<std::string>{}).empty());
    // NULL elements: flag set, length -1.
    const std::vector<std::optional<std::string>> withnull{"a", std::nullopt, ""};
    const std::string wire = enc(withnull);
    EXPECT_EQ(hex(wire), "00000001" "00000001" "00000019" "00000003" "00000001"
                         "00000001" "61" "ffffffff" "00000000");
    EXPECT_EQ(round_trip(withnull), withnull);
    auto strict = pg::decode<std::vector<std::string>>(as_bytes(wire), pg::oids::text_array);
    ASSERT_FALSE(strict.has_value());
    EXPECT_NE(strict.error().message.find("NULL"), std::string::npos);
    // The element oid follows the target array type (array_recv checks it).
    const std::vector<std::string> names{"x"};
    EXPECT_EQ(hex(enc(names, pg::oids::varchar_array).substr(8, 4)), "00000413");
    EXPECT_EQ(round_trip(names, pg::oids::varchar_array), names);
    const std::vector<pg::bytes> blobs{{std::byte{1}}, {}};
    EXPECT_EQ(round_trip(blobs), blobs);
    const std::vector<std::optional<pg::numeric>> nums{num("1.5"), std::nullopt, num("-0.001")};
    EXPECT_EQ(round_trip(nums), nums);
}

TEST(PgTypes, ArrayRejectsMalformed) {
    auto dec = [](std::string_view h) { return pg::decode<std::vector<std::optional<std::int32_t>>>(as_bytes(unhex(h)), pg::oids::int4_array); };
    EXPECT_TRUE(dec("00000001" "00000000" "00000017" "00000001" "00000001" "00000004" "00000007").has_value());
    // Lower bound other than 1 is accepted ('[0:0]={7}').
    EXPECT_TRUE(dec("00000001" "00000000" "00000017" "00000001" "00000000" "00000004" "00000007").has_value());
    const char* bad[] = {
        "0000000100000000",                                                       // truncated header
        "00000002" "00000000" "00000017" "00000001" "00000001" "00000001" "00000001" "00000004" "00000007", // 2-D
        "ffffffff" "00000000" "00000017",                                         // negative ndim
        "00000001" "00000002" "00000017" "00000001" "00000001" "00000004" "00000007", // bad flags
        "00000001" "00000000" "00000014" "00000001" "00000001" "00000008" "0000000000000007", // int8 element
        "00000001" "00000000" "00000017" "7fffffff" "00000001" "00000004" "00000007", // count too large
        "00000001" "00000000" "00000017" "ffffffff" "00000001",                   // negative count
        "00000001" "00000000" "00000017" "00000001" "00000001" "00000005" "00000007", // element past end
        "00000001" "00000000" "00000017" "00000001" "00000001" "00000003" "000000",   // element wrong size
        "00000001" "00000000" "00000017" "00000001" "00000001" "fffffffe" "00000000", // length -2
        "00000001" "00000000" "00000017" "00000001" "00000001" "00000004" "00000007" "00", // trailing byte
        "00000001" "00000000" "00000017" "00000001",                              // truncated dimension
    };
    for (const char* h : bad) EXPECT_FALSE(dec(h).has_value()) << h;
    auto md = dec("00000002" "00000000" "00000017" "00000001" "00000001" "00000001" "00000001" "00000004" "00000007");
    ASSERT_FALSE(md.has_value());
    EXPECT_NE(md.error().message.find("dimension"), std::string::npos) << md.error().message;
    // Wrong array type for the C++ element type.
    EXPECT_FALSE(pg::decode<std::vector<std::int32_t>>(as_bytes(enc(std::vector<std::int32_t>{1})), pg::oids::int8_array));
    all_prefixes_safe<std::vector<std::optional<std::string>>>(enc(std::vector<std::optional<std::string>>{"ab", std::nullopt, "c"}));
}

TEST(PgTypes, RandomBytesNeverCrashDecoders) {
    std::mt19937 rng(7);
    for (int i = 0; i < 20000; ++i) {
        std::string s(rng() % 40, '\0');
        for (auto& c : s) c = static_cast<char>(rng() % 4 == 0 ? 0 : rng());
        if (s.size() >= 12 && rng() % 2) { // plausible array headers reach deeper code
            s.replace(0, 12, unhex(rng() % 2 ? "000000010000000000000017" : "000000010000000100000006a4"), 0, 12);
        }
        const auto b = as_bytes(s);
        (void)pg::decode<pg::numeric>(b);
        (void)pg::decode<pg::interval>(b);
        (void)pg::decode<pg::json_text>(b);
        (void)pg::decode<std::vector<std::optional<std::int32_t>>>(b);
        (void)pg::decode<std::vector<pg::numeric>>(b, pg::oids::numeric_array);
        (void)pg::decode<year_month_day>(b);
    }
    SUCCEED();
}

TEST(PgTypes, CodecsSatisfyTheProtocol) {
    static_assert(pg::has_codec<bool> && pg::has_codec<std::int16_t> && pg::has_codec<double> &&
                  pg::has_codec<pg::numeric> && pg::has_codec<pg::uuid> && pg::has_codec<pg::bytes> &&
                  pg::has_codec<std::string_view> && pg::has_codec<pg::timestamptz> &&
                  pg::has_codec<pg::local_timestamp> && pg::has_codec<sys_days> &&
                  pg::has_codec<year_month_day> && pg::has_codec<pg::interval> &&
                  pg::has_codec<pg::json_text> && pg::has_codec<mood> &&
                  pg::has_codec<std::vector<std::optional<pg::uuid>>>);
    static_assert(!pg::has_codec<char> && !pg::has_codec<std::vector<std::vector<int>>>);
    EXPECT_EQ(pg::codec<std::vector<pg::uuid>>::type_oid, pg::oids::uuid_array);
    EXPECT_EQ(pg::element_oid(pg::oids::timestamptz_array), pg::oids::timestamptz);
}
