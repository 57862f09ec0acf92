// Every type of katana/pg/types.hpp against a real PostgreSQL 15 (the oracle), through blocking
// libpq: binary parameters in, binary results out (PQexecParams, resultFormat 1). Each value is
//  - sent in binary and printed by the server as text (SELECT $1::T::text): our encoding means
//    what we think it means;
//  - sent as the server's own text literal and read back in binary: our decoding matches;
//  - echoed binary -> binary: the round trip is lossless.
#include "support/pg_server.hpp"

#include <katana/pg/types.hpp>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <cmath>
#include <limits>
#include <memory>
#include <random>

namespace pg = katana::pg;
namespace kt = katana::test;
using namespace std::chrono;

namespace {

struct result_deleter {
    void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using result_ptr = std::unique_ptr<PGresult, result_deleter>;

std::span<const std::byte> field_bytes(const PGresult* r, int row, int col) {
    return {reinterpret_cast<const std::byte*>(PQgetvalue(r, row, col)), static_cast<std::size_t>(PQgetlength(r, row, col))};
}

class PgTypesPg : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        auto started = kt::pg_server::start();
        ASSERT_TRUE(started.has_value()) << started.error();
        server_ = new kt::pg_server(std::move(*started));
        conn_ = PQconnectdb(server_->conninfo().c_str());
        ASSERT_EQ(PQstatus(conn_), CONNECTION_OK) << PQerrorMessage(conn_);
        // Fixed output styles so the expected texts below are the server's defaults spelled out.
        for (const char* sql : {"SET TimeZone = 'UTC'", "SET DateStyle = 'ISO, MDY'", "SET IntervalStyle = 'postgres'",
                                "SET extra_float_digits = 1", "SET bytea_output = 'hex'",
                                "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')"}) {
            result_ptr r(PQexec(conn_, sql));
            ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << sql << ": " << PQerrorMessage(conn_);
        }
    }
    static void TearDownTestSuite() {
        if (conn_ != nullptr) PQfinish(conn_);
        conn_ = nullptr;
        delete server_;
        server_ = nullptr;
    }
    void SetUp() override {
        if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) GTEST_FAIL() << "no PostgreSQL connection";
    }

    // One binary parameter of type `type` (or SQL NULL), result in `result_format`.
    static result_ptr run(const char* sql, const std::optional<std::string>& binary_param, pg::oid type, int result_format) {
        const char* values[1] = {binary_param ? binary_param->data() : nullptr};
        const int lengths[1] = {binary_param ? static_cast<int>(binary_param->size()) : 0};
        const int formats[1] = {1};
        const Oid types[1] = {type};
        return result_ptr(PQexecParams(conn_, sql, 1, types, values, lengths, formats, result_format));
    }
    static result_ptr run_text(const std::string& sql, const std::string& text_param, int result_format) {
        const char* values[1] = {text_param.c_str()};
        return result_ptr(PQexecParams(conn_, sql.c_str(), 1, nullptr, values, nullptr, nullptr, result_format));
    }

    // SELECT $1::<type>::text with v sent in binary.
    template <class T>
    static std::string server_text(const T& v, const std::string& type, pg::oid wire = pg::codec<T>::type_oid) {
        std::string bin;
        pg::encode(v, bin, wire);
        const std::string sql = "SELECT $1::" + type + "::text";
        auto r = run(sql.c_str(), bin, wire, 0);
        if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) return std::string("ERROR: ") + PQresultErrorMessage(r.get());
        return PQgetvalue(r.get(), 0, 0);
    }

    // SELECT $1::<type> with a text literal, read in binary and decoded as T.
    template <class T>
    static katana::expected<T, pg::error> from_server(const std::string& literal, const std::string& type) {
        auto r = run_text("SELECT $1::" + type, literal, 1);
        if (PQresultStatus(r.get()) != PGRES_TUPLES_OK)
            return katana::unexpected(pg::make_error(pg::error_kind::other, PQresultErrorMessage(r.get())));
        if (PQgetisnull(r.get(), 0, 0)) return katana::unexpected(pg::make_error(pg::error_kind::other, "NULL"));
        return pg::decode<T>(field_bytes(r.get(), 0, 0), PQftype(r.get(), 0));
    }

    // SELECT $1::<type>, binary in and out.
    template <class T>
    static katana::expected<T, pg::error> echo(const T& v, const std::string& type, pg::oid wire = pg::codec<T>::type_oid) {
        std::string bin;
        pg::encode(v, bin, wire);
        const std::string sql = "SELECT $1::" + type;
        auto r = run(sql.c_str(), bin, wire, 1);
        if (PQresultStatus(r.get()) != PGRES_TUPLES_OK)
            return katana::unexpected(pg::make_error(pg::error_kind::other, PQresultErrorMessage(r.get())));
        return pg::decode<T>(field_bytes(r.get(), 0, 0), PQftype(r.get(), 0));
    }

    // All three checks for one value whose server text is `text`.
    template <class T>
    static void check(const T& v, const std::string& text, const std::string& type, pg::oid wire = pg::codec<T>::type_oid) {
        SCOPED_TRACE(type + " " + text);
        EXPECT_EQ(server_text(v, type, wire), text);
        auto in = from_server<T>(text, type);
        ASSERT_TRUE(in.has_value()) << in.error().message;
        EXPECT_TRUE(*in == v);
        auto back = echo(v, type, wire);
        ASSERT_TRUE(back.has_value()) << back.error().message;
        EXPECT_TRUE(*back == v);
    }

    static pg::oid type_oid(const std::string& name) {
        auto r = run_text("SELECT oid FROM pg_type WHERE typname = $1", name, 0);
        return PQntuples(r.get()) == 1 ? static_cast<pg::oid>(std::stoul(PQgetvalue(r.get(), 0, 0))) : 0;
    }

    static inline kt::pg_server* server_ = nullptr;
    static inline PGconn* conn_ = nullptr;
};

pg::numeric num(std::string_view s) { return *pg::numeric::parse(s); }

enum class mood { sad, ok, happy };

} // namespace

template <>
struct katana::pg::enum_traits<mood> {
    static constexpr std::string_view type_name = "mood";
    static constexpr std::array<std::pair<mood, std::string_view>, 3> labels{
        {{mood::sad, "sad"}, {mood::ok, "ok"}, {mood::happy, "happy"}}};
};

TEST_F(PgTypesPg, OidTableMatchesTheCatalog) {
    const std::tuple<const char*, pg::oid, pg::oid> table[] = {
        {"bool", pg::oids::boolean, pg::oids::bool_array},        {"int2", pg::oids::int2, pg::oids::int2_array},
        {"int4", pg::oids::int4, pg::oids::int4_array},           {"int8", pg::oids::int8, pg::oids::int8_array},
        {"float4", pg::oids::float4, pg::oids::float4_array},     {"float8", pg::oids::float8, pg::oids::float8_array},
        {"numeric", pg::oids::numeric, pg::oids::numeric_array},  {"text", pg::oids::text, pg::oids::text_array},
        {"varchar", pg::oids::varchar, pg::oids::varchar_array},  {"bpchar", pg::oids::bpchar, pg::oids::bpchar_array},
        {"name", pg::oids::name, pg::oids::name_array},           {"bytea", pg::oids::bytea, pg::oids::bytea_array},
        {"uuid", pg::oids::uuid, pg::oids::uuid_array},           {"date", pg::oids::date, pg::oids::date_array},
        {"timestamp", pg::oids::timestamp, pg::oids::timestamp_array},
        {"timestamptz", pg::oids::timestamptz, pg::oids::timestamptz_array},
        {"interval", pg::oids::interval, pg::oids::interval_array}, {"json", pg::oids::json, pg::oids::json_array},
        {"jsonb", pg::oids::jsonb, pg::oids::jsonb_array},
    };
    for (const auto& [name, type, array] : table) {
        auto r = run_text("SELECT oid, typarray FROM pg_type WHERE typname = $1", name, 0);
        ASSERT_EQ(PQntuples(r.get()), 1) << name;
        EXPECT_EQ(std::stoul(PQgetvalue(r.get(), 0, 0)), type) << name;
        EXPECT_EQ(std::stoul(PQgetvalue(r.get(), 0, 1)), array) << name;
        EXPECT_EQ(pg::element_oid(array), type) << name;
    }
}

TEST_F(PgTypesPg, BoolIntegersFloats) {
    check(true, "true", "bool");
    check(false, "false", "bool");
    check<std::int16_t>(-32768, "-32768", "int2");
    check<std::int16_t>(32767, "32767", "int2");
    check<std::int32_t>(std::numeric_limits<std::int32_t>::min(), "-2147483648", "int4");
    check<std::int32_t>(42, "42", "int4");
    check<std::int64_t>(std::numeric_limits<std::int64_t>::min(), "-9223372036854775808", "int8");
    check<std::int64_t>(std::numeric_limits<std::int64_t>::max(), "9223372036854775807", "int8");
    check(1.5f, "1.5", "float4");
    check(-0.1f, "-0.1", "float4");
    check(0.1, "0.1", "float8");
    check(1e308, "1e+308", "float8");
    check(std::numeric_limits<double>::infinity(), "Infinity", "float8");
    check(-std::numeric_limits<float>::infinity(), "-Infinity", "float4");
    EXPECT_EQ(server_text(std::numeric_limits<double>::quiet_NaN(), "float8"), "NaN");
    auto nan = from_server<double>("NaN", "float8");
    ASSERT_TRUE(nan.has_value());
    EXPECT_TRUE(std::isnan(*nan));
    // A server type the C++ type does not map to is an error, not a reinterpretation.
    EXPECT_FALSE(from_server<std::int32_t>("1", "int8").has_value());
    EXPECT_FALSE(from_server<float>("1", "float8").has_value());
}

TEST_F(PgTypesPg, NumericKeepsEveryDigit) {
    for (const char* s : {"0", "0.00", "1", "-1", "12345.678", "-0.0001", "0.00001", "100000000", "9999.9999", "1.50",
                          "3.14159265358979323846264338327950288419716939937510", "-99999999999999999999999999999.000000001",
                          "NaN", "Infinity", "-Infinity"}) {
        check(num(s), s, "numeric");
    }
    // Long values: the limits of the server's own format.
    check(num(std::string(1000, '7') + "." + std::string(1000, '3')), std::string(1000, '7') + "." + std::string(1000, '3'), "numeric");
    check(num("0." + std::string(16382, '0') + "1"), "0." + std::string(16382, '0') + "1", "numeric");
    // Random values, including zero groups inside and at both ends.
    std::mt19937_64 rng(4242);
    for (int i = 0; i < 300; ++i) {
        std::string s;
        if (rng() % 2) s.push_back('-');
        s.push_back(static_cast<char>('1' + rng() % 9));
        for (std::size_t k = rng() % 30; k > 0; --k) s.push_back(static_cast<char>(rng() % 3 == 0 ? '0' : '0' + rng() % 10));
        if (rng() % 4 != 0) {
            s.push_back('.');
            for (std::size_t k = 1 + rng() % 30; k > 0; --k) s.push_back(static_cast<char>(rng() % 3 == 0 ? '0' : '0' + rng() % 10));
        }
        check(num(s), s, "numeric");
    }
    // numeric::parse agrees with the server's numeric input on the scale it keeps.
    for (const char* in : {"007.50", "1.50e1", "1.5e-3", "12E-1", "-12.345e+2", "100e-2", "-0.00", "+5.", ".5", "1e20",
                           "0.000e2", "inf", "-inf", "nan"}) {
        auto r = run_text("SELECT $1::numeric::text", in, 0);
        ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << in;
        auto mine = pg::numeric::parse(in);
        ASSERT_TRUE(mine.has_value()) << in;
        EXPECT_EQ(mine->str(), PQgetvalue(r.get(), 0, 0)) << in;
    }
}

TEST_F(PgTypesPg, TextAndBytes) {
    check(std::string("héllo, 世界"), "héllo, 世界", "text");
    check(std::string(""), "", "text");
    check(std::string(100000, 'x'), std::string(100000, 'x'), "text");
    check(std::string("abc"), "abc", "varchar", pg::oids::varchar);
    // bpchar's binary form keeps the padding (its ::text cast would drop it).
    auto padded = from_server<std::string>("ab", "char(4)");
    ASSERT_TRUE(padded.has_value()) << padded.error().message;
    EXPECT_EQ(*padded, "ab  ");
    pg::bytes all;
    std::string text = "\\x";
    for (int i = 0; i < 256; ++i) {
        all.push_back(static_cast<std::byte>(i));
        text += fmt::format("{:02x}", i);
    }
    check(all, text, "bytea");
    check(pg::bytes{}, "\\x", "bytea");
}

TEST_F(PgTypesPg, Uuid) {
    for (const char* s : {"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "00000000-0000-0000-0000-000000000000",
                          "ffffffff-ffff-ffff-ffff-ffffffffffff"}) {
        check(*pg::uuid::parse(s), s, "uuid");
    }
    auto braces = from_server<pg::uuid>("{A0EEBC99-9C0B4EF8-BB6D6BB9-BD380A11}", "uuid");
    ASSERT_TRUE(braces.has_value());
    EXPECT_EQ(braces->to_string(), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    EXPECT_EQ(*pg::uuid::parse("{A0EEBC99-9C0B4EF8-BB6D6BB9-BD380A11}"), *braces);
}

TEST_F(PgTypesPg, Timestamps) {
    const pg::timestamptz t = sys_days(2024y / March / 9) + 13h + 5min + 7s + 123456us;
    check(t, "2024-03-09 13:05:07.123456+00", "timestamptz");
    check(pg::timestamptz(sys_days(1970y / January / 1)), "1970-01-01 00:00:00+00", "timestamptz");
    check(pg::timestamptz(sys_days(2000y / January / 1) - 1us), "1999-12-31 23:59:59.999999+00", "timestamptz");
    check(pg::timestamptz(sys_days(1y / January / 1)), "0001-01-01 00:00:00+00", "timestamptz");
    // The first microsecond PostgreSQL can store, and the last one sys_time<microseconds> can.
    for (const char* edge : {"4714-11-24 00:00:00+00 BC", "294247-01-10 04:00:54.775806+00"}) {
        auto v = from_server<pg::timestamptz>(edge, "timestamptz");
        ASSERT_TRUE(v.has_value()) << v.error().message;
        EXPECT_NE(*v, pg::timestamptz::max());
        EXPECT_NE(*v, pg::timestamptz::min());
        check(*v, edge, "timestamptz");
    }
    check(pg::timestamptz::max(), "infinity", "timestamptz");
    check(pg::timestamptz::min(), "-infinity", "timestamptz");
    const pg::local_timestamp lt = local_days(1969y / July / 20) + 20h + 17min + 40s;
    check(lt, "1969-07-20 20:17:40", "timestamp");
    check(pg::local_timestamp::max(), "infinity", "timestamp");
    check(pg::local_timestamp(local_days(-4713y / November / 24)), "4714-11-24 00:00:00 BC", "timestamp");
    // Out of PostgreSQL's range: the server refuses what we send.
    // PostgreSQL's last 30 years are beyond int64 microseconds since 1970: an error, not a clamp.
    auto last = from_server<pg::timestamptz>("294276-12-31 23:59:59.999999+00", "timestamptz");
    ASSERT_FALSE(last.has_value());
    EXPECT_EQ(last.error().kind, pg::error_kind::decode);
    EXPECT_EQ(server_text(pg::timestamptz::min() + 1us, "timestamptz").rfind("ERROR", 0), 0u);
    EXPECT_EQ(server_text(pg::timestamptz(sys_days(-5000y / January / 1)), "timestamptz").rfind("ERROR", 0), 0u);
    EXPECT_EQ(server_text(sys_days(-5000y / January / 1), "date").rfind("ERROR", 0), 0u);
}

TEST_F(PgTypesPg, Dates) {
    check(sys_days(2024y / February / 29), "2024-02-29", "date");
    check(year_month_day(2000y / January / 1), "2000-01-01", "date");
    check(sys_days(-4713y / November / 24), "4714-11-24 BC", "date");
    check(sys_days::max(), "infinity", "date");
    check(sys_days::min(), "-infinity", "date");
    EXPECT_FALSE(from_server<year_month_day>("infinity", "date").has_value());
    auto far = from_server<sys_days>("5874897-12-31", "date");
    ASSERT_TRUE(far.has_value());
    auto span = run_text("SELECT $1::date - '2000-01-01'::date", "5874897-12-31", 0);
    ASSERT_EQ(PQresultStatus(span.get()), PGRES_TUPLES_OK);
    EXPECT_EQ((*far - sys_days(2000y / January / 1)).count(), std::stoll(PQgetvalue(span.get(), 0, 0)));
    check(*far, "5874897-12-31", "date");
    EXPECT_FALSE(from_server<year_month_day>("5874897-12-31", "date").has_value());
}

TEST_F(PgTypesPg, Intervals) {
    check(pg::interval{.months = 14, .days = -3, .microseconds = 3'723'000'004}, "1 year 2 mons -3 days +01:02:03.000004",
          "interval");
    check(pg::interval{}, "00:00:00", "interval");
    check(pg::interval{.months = 0, .days = 0, .microseconds = -1}, "-00:00:00.000001", "interval");
    // Hours are not folded into days, nor days into months.
    check(pg::interval{.months = 0, .days = 0, .microseconds = 90'000'000'000}, "25:00:00", "interval");
    check(pg::interval{.months = 0, .days = 45, .microseconds = 0}, "45 days", "interval");
}

TEST_F(PgTypesPg, Json) {
    const pg::json_text doc{R"({"b": 1, "a": [1, 2.50, "x"]})"};
    check(doc, doc.text, "json", pg::oids::json);
    // jsonb normalizes: keys sorted by length then bytes, numbers kept as written.
    EXPECT_EQ(server_text(doc, "jsonb", pg::oids::jsonb), R"({"a": [1, 2.50, "x"], "b": 1})");
    auto back = echo(doc, "jsonb", pg::oids::jsonb);
    ASSERT_TRUE(back.has_value()) << back.error().message;
    EXPECT_EQ(back->text, R"({"a": [1, 2.50, "x"], "b": 1})");
    // jsonb's binary form declared as json is refused by the server, not misread: the target
    // type passed to encode() matters.
    std::string bin;
    pg::encode(doc, bin, pg::oids::jsonb);
    auto r = run("SELECT $1::text", bin, pg::oids::json, 0);
    EXPECT_EQ(PQresultStatus(r.get()), PGRES_FATAL_ERROR);
}

TEST_F(PgTypesPg, Arrays) {
    check(std::vector<std::int32_t>{1, -2, 3}, "{1,-2,3}", "int4[]");
    check(std::vector<std::int32_t>{}, "{}", "int4[]");
    check(std::vector<std::optional<std::int64_t>>{1, std::nullopt, 3}, "{1,NULL,3}", "int8[]");
    check(std::vector<std::optional<std::string>>{"a", std::nullopt, "", "b c", "NULL"}, R"({a,NULL,"","b c","NULL"})", "text[]");
    check(std::vector<std::string>{"x", "y"}, "{x,y}", "varchar[]", pg::oids::varchar_array);
    check(std::vector<bool>{true, false}, "{t,f}", "bool[]");
    check(std::vector<double>{0.5, -1e-300}, "{0.5,-1e-300}", "float8[]");
    check(std::vector<float>{0.25f}, "{0.25}", "float4[]");
    check(std::vector<std::int16_t>{7}, "{7}", "int2[]");
    check(std::vector<std::optional<pg::numeric>>{num("1.50"), std::nullopt, num("NaN")}, "{1.50,NULL,NaN}", "numeric[]");
    check(std::vector<pg::uuid>{*pg::uuid::parse("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")},
          "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", "uuid[]");
    check(std::vector<pg::timestamptz>{pg::timestamptz(sys_days(2024y / January / 2)), pg::timestamptz::max()},
          R"({"2024-01-02 00:00:00+00",infinity})", "timestamptz[]");
    check(std::vector<pg::local_timestamp>{pg::local_timestamp(local_days(2024y / January / 2) + 1s)},
          R"({"2024-01-02 00:00:01"})", "timestamp[]");
    check(std::vector<sys_days>{sys_days(2024y / January / 2)}, "{2024-01-02}", "date[]");
    check(std::vector<pg::interval>{{.months = 1, .days = 0, .microseconds = 0}}, R"({"1 mon"})", "interval[]");
    check(std::vector<pg::bytes>{{std::byte{0xde}, std::byte{0xad}}, {}}, R"({"\\xdead","\\x"})", "bytea[]");
    check(std::vector<pg::json_text>{{"[1]"}, {"{\"k\": 1}"}}, R"({[1],"{\"k\": 1}"})", "jsonb[]");
    check(std::vector<pg::json_text>{{"{}"}}, R"({"{}"})", "json[]", pg::oids::json_array);
    // Non-default lower bounds are read (and dropped); more dimensions are a clear error.
    auto shifted = from_server<std::vector<std::int32_t>>("[0:1]={5,6}", "int4[]");
    ASSERT_TRUE(shifted.has_value()) << shifted.error().message;
    EXPECT_EQ(*shifted, (std::vector<std::int32_t>{5, 6}));
    auto two_d = from_server<std::vector<std::int32_t>>("{{1,2},{3,4}}", "int4[]");
    ASSERT_FALSE(two_d.has_value());
    EXPECT_EQ(two_d.error().kind, pg::error_kind::decode);
    EXPECT_NE(two_d.error().message.find("2-dimensional"), std::string::npos) << two_d.error().message;
    // NULL into a non-optional element, and a wrong element type, are errors.
    EXPECT_FALSE(from_server<std::vector<std::int32_t>>("{1,NULL}", "int4[]").has_value());
    EXPECT_FALSE(from_server<std::vector<std::int32_t>>("{1}", "int8[]").has_value());
    // The server checks the element oid we write: text[] data for a varchar[] parameter fails,
    // which is why encode() takes the target array type.
    std::string bin;
    pg::encode(std::vector<std::string>{"x"}, bin, pg::oids::text_array);
    auto mismatch = run("SELECT $1::text", bin, pg::oids::varchar_array, 0);
    EXPECT_EQ(PQresultStatus(mismatch.get()), PGRES_FATAL_ERROR);
    EXPECT_NE(std::string(PQresultErrorMessage(mismatch.get())).find("element type"), std::string::npos)
        << PQresultErrorMessage(mismatch.get());
}

TEST_F(PgTypesPg, Enums) {
    const std::string name(pg::enum_traits<mood>::type_name);
    const pg::oid mood_oid = type_oid(name);
    const pg::oid mood_array = type_oid("_" + name);
    ASSERT_NE(mood_oid, 0u);
    check(mood::happy, "happy", "mood", mood_oid);
    check(mood::sad, "sad", "mood", mood_oid);
    // A label the C++ enum does not declare (a value added to the type later) is an error.
    result_ptr added(PQexec(conn_, "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'angry'"));
    ASSERT_EQ(PQresultStatus(added.get()), PGRES_COMMAND_OK) << PQerrorMessage(conn_);
    auto angry = from_server<mood>("angry", "mood");
    ASSERT_FALSE(angry.has_value());
    EXPECT_EQ(angry.error().kind, pg::error_kind::decode);
    // Arrays of enums: the element oid is the database's, looked up at run time.
    const std::vector<mood> moods{mood::ok, mood::sad};
    std::string bin;
    pg::encode_array(moods, bin, mood_oid);
    auto out = run("SELECT $1::mood[]::text", bin, mood_array, 0);
    ASSERT_EQ(PQresultStatus(out.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(out.get());
    EXPECT_STREQ(PQgetvalue(out.get(), 0, 0), "{ok,sad}");
    auto back = from_server<std::vector<mood>>("{happy,ok}", "mood[]");
    ASSERT_TRUE(back.has_value()) << back.error().message;
    EXPECT_EQ(*back, (std::vector<mood>{mood::happy, mood::ok}));
}

// bind()/field() glue over pg::params / pg::result, through a table with NULLs.
TEST_F(PgTypesPg, ParamsAndResultGlue) {
    result_ptr created(PQexec(conn_, "CREATE TABLE glue(id int8, price numeric, tags text[], at timestamptz, note text)"));
    ASSERT_EQ(PQresultStatus(created.get()), PGRES_COMMAND_OK) << PQerrorMessage(conn_);
    pg::params p;
    pg::bind(p, std::int64_t{7});
    pg::bind(p, num("19.990"));
    pg::bind(p, std::vector<std::optional<std::string>>{"new", std::nullopt});
    pg::bind(p, std::optional<pg::timestamptz>{});
    pg::bind(p, std::optional<std::string>{"hi"});
    pg::params::wire w;
    p.to_wire(w);
    result_ptr ins(PQexecParams(conn_, "INSERT INTO glue VALUES ($1, $2, $3, $4, $5)", p.size(), w.types.data(),
                                w.values.data(), w.lengths.data(), w.formats.data(), 1));
    ASSERT_EQ(PQresultStatus(ins.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(ins.get());

    pg::result r(PQexecParams(conn_, "SELECT id, price, tags, at, note FROM glue", 0, nullptr, nullptr, nullptr, nullptr, 1));
    ASSERT_EQ(r.rows(), 1);
    EXPECT_EQ(*pg::field<std::int64_t>(r, 0, 0), 7);
    EXPECT_EQ(pg::field<pg::numeric>(r, 0, 1)->str(), "19.990");
    EXPECT_EQ(*pg::field<std::vector<std::optional<std::string>>>(r, 0, 2),
              (std::vector<std::optional<std::string>>{"new", std::nullopt}));
    auto at = pg::field<std::optional<pg::timestamptz>>(r, 0, 3);
    ASSERT_TRUE(at.has_value());
    EXPECT_FALSE(at->has_value());
    EXPECT_FALSE(pg::field<pg::timestamptz>(r, 0, 3).has_value()); // NULL without optional
    EXPECT_EQ(*pg::field<std::string_view>(r, 0, 4), "hi");
    EXPECT_FALSE(pg::field<std::int32_t>(r, 0, 0).has_value()); // int8 column into int32
    EXPECT_FALSE(pg::field<std::int64_t>(r, 0, 9).has_value());
    EXPECT_FALSE(pg::field<std::int64_t>(r, 3, 0).has_value());

    // Text-format results: the types whose text is unambiguous are read, others refused.
    pg::result t(PQexecParams(conn_,
                              "SELECT id, note, price, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, true, "
                              "'happy'::mood, 70000::int4, tags, '{\"a\": 1}'::jsonb FROM glue",
                              0, nullptr, nullptr, nullptr, nullptr, 0));
    ASSERT_EQ(t.rows(), 1);
    EXPECT_EQ(*pg::field<std::int64_t>(t, 0, 0), 7);
    EXPECT_EQ(*pg::field<std::string>(t, 0, 1), "hi");
    EXPECT_EQ(pg::field<pg::numeric>(t, 0, 2)->str(), "19.990");
    EXPECT_EQ(pg::field<pg::uuid>(t, 0, 3)->to_string(), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    EXPECT_EQ(*pg::field<bool>(t, 0, 4), true);
    EXPECT_EQ(*pg::field<mood>(t, 0, 5), mood::happy);
    EXPECT_FALSE(pg::field<std::int16_t>(t, 0, 6).has_value()); // int4 column: wrong type
    EXPECT_FALSE(pg::field<std::vector<std::optional<std::string>>>(t, 0, 7).has_value()); // arrays: binary only
    EXPECT_EQ(pg::field<pg::json_text>(t, 0, 8)->text, R"({"a": 1})");
    EXPECT_FALSE(pg::field<pg::timestamptz>(t, 0, 0).has_value());
}
