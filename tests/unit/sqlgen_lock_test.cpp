// katana.sql.lock.json: round trip, determinism, staleness hash.
#include <katana/sqlgen/model.hpp>

#include <gtest/gtest.h>

namespace {

using namespace katana::sqlgen;

schema_info sample() {
    schema_info s;
    s.input_hash = "fnv1a64:0123456789abcdef";
    s.enums.push_back({"status", {"draft", "active"}});
    query_info q;
    q.name = "GetProduct";
    q.params.push_back({"id", {"int8", false, false, 20}, false});
    q.columns.push_back({"name", {"text", false, false, 25}, false});
    q.columns.push_back({"tags", {"text", true, false, 1009}, true});
    q.columns.push_back({"status", {"status", false, true, 0}, false});
    s.queries.push_back(q);
    return s;
}

TEST(SqlgenLock, RoundTripsAndIsDeterministic) {
    const auto text = write_lock(sample());
    EXPECT_EQ(text, write_lock(sample()));
    EXPECT_EQ(text.back(), '\n');
    auto back = read_lock(text);
    ASSERT_TRUE(back.has_value()) << back.error();
    EXPECT_EQ(*back, sample());
    EXPECT_EQ(write_lock(*back), text);
}

TEST(SqlgenLock, RejectsMalformedInput) {
    EXPECT_FALSE(read_lock("").has_value());
    EXPECT_FALSE(read_lock("[]").has_value());
    EXPECT_FALSE(read_lock(R"({"version": 2, "enums": [], "queries": []})").has_value());
    EXPECT_FALSE(read_lock(R"({"version": 1, "enums": [], "queries": [{"name": "x", "params": [{}]}]})").has_value());
    EXPECT_TRUE(read_lock(R"({"version": 1, "enums": [], "queries": []})").has_value());
}

TEST(SqlgenLock, HashChangesWithAnyInput) {
    const std::vector<input_file> m{{"0001_a.sql", "CREATE TABLE t (id int);"}};
    const std::vector<input_file> q{{"q.sql", "-- name: A :one\nSELECT 1"}};
    const auto h = input_hash(m, q);
    EXPECT_EQ(h, input_hash(m, q));
    EXPECT_NE(h, input_hash(m, {{"q.sql", "-- name: A :one\nSELECT 2"}}));
    EXPECT_NE(h, input_hash(m, {{"r.sql", "-- name: A :one\nSELECT 1"}}));
    EXPECT_NE(h, input_hash({}, q));
    // Moving bytes between name and contents is a different input.
    EXPECT_NE(input_hash({{"ab", "c"}}, {}), input_hash({{"a", "bc"}}, {}));
}

} // namespace
