// The SQL front of `katana gen sql`: statement splitter, annotations, parameters, variants.
#include <katana/sqlgen/query.hpp>

#include <gtest/gtest.h>

namespace {

using katana::sqlgen::parse_query_file;
using katana::sqlgen::query_kind;
using katana::sqlgen::split_statements;

TEST(SqlgenSplit, SemicolonsInsideStringsCommentsAndDollarQuotesDoNotSplit) {
    const auto st = split_statements(
        "SELECT 'a;b', \"x;y\", E'it\\'s;' FROM t; -- c;\n"
        "SELECT $$ ; $$, $tag$ $$ ; $tag$ /* ; /* nested ; */ ; */ ;\n"
        "SELECT 3");
    ASSERT_EQ(st.size(), 3U);
    EXPECT_EQ(st[0].text, "SELECT 'a;b', \"x;y\", E'it\\'s;' FROM t");
    EXPECT_EQ(st[1].text, "SELECT $$ ; $$, $tag$ $$ ; $tag$ /* ; /* nested ; */ ; */");
    EXPECT_EQ(st[2].text, "SELECT 3");
    // "-- c;" follows the first statement on its line: it is the second's leading comment.
    ASSERT_EQ(st[1].comments.size(), 1U);
    EXPECT_EQ(st[1].comments[0].text, " c;");
    EXPECT_EQ(st[1].first_line, 2U);
    EXPECT_EQ(st[2].first_line, 3U);
}

TEST(SqlgenSplit, UnterminatedQuoteDoesNotHangAndKeepsTheRest) {
    const auto st = split_statements("SELECT 'open; SELECT 2;");
    ASSERT_EQ(st.size(), 1U);
    EXPECT_EQ(st[0].text, "SELECT 'open; SELECT 2;");
    EXPECT_TRUE(split_statements("   \n -- only a comment\n").empty());
}

TEST(SqlgenSplit, PositionsMapBackToTheFile) {
    const auto st = split_statements("\n\n  -- name: X :one\n  SELECT\n    nope");
    ASSERT_EQ(st.size(), 1U);
    EXPECT_EQ(st[0].first_line, 4U);
    EXPECT_EQ(st[0].first_column, 3U);
    const auto p = katana::sqlgen::position_in_file(st[0], st[0].text.find("nope"));
    EXPECT_EQ(p.line, 5U);
    EXPECT_EQ(p.column, 5U);
}

TEST(SqlgenParse, AnnotationsAndNamedParameters) {
    katana::codegen::diagnostics diags;
    const auto qs = parse_query_file("q.sql",
                                     "-- name: GetProduct :one\n"
                                     "-- nullable: name\n"
                                     "SELECT * FROM p WHERE id = @id AND (@name::text IS NULL OR name = @name)\n"
                                     "  AND tags @> '{x}' AND meta ? 'k' AND col = '@notparam';\n"
                                     "-- name: Del :execrows\n"
                                     "DELETE FROM p WHERE id = $2 AND x = $1",
                                     diags);
    ASSERT_FALSE(diags.failed()) << diags.to_string();
    ASSERT_EQ(qs.size(), 2U);
    EXPECT_EQ(qs[0].name, "GetProduct");
    EXPECT_EQ(qs[0].kind, query_kind::one);
    ASSERT_EQ(qs[0].params.size(), 2U);
    EXPECT_EQ(qs[0].params[0].name, "id");
    EXPECT_FALSE(qs[0].params[0].nullable);
    EXPECT_EQ(qs[0].params[1].name, "name");
    EXPECT_TRUE(qs[0].params[1].nullable);
    EXPECT_EQ(qs[0].variant_sql(0, 0),
              "SELECT * FROM p WHERE id = $1 AND ($2::text IS NULL OR name = $2)\n"
              "  AND tags @> '{x}' AND meta ? 'k' AND col = '@notparam'");
    EXPECT_EQ(qs[1].kind, query_kind::execrows);
    ASSERT_EQ(qs[1].params.size(), 2U);
    EXPECT_EQ(qs[1].params[0].name, "p1");
    EXPECT_EQ(qs[1].variant_sql(0, 0), "DELETE FROM p WHERE id = $2 AND x = $1");
}

TEST(SqlgenParse, FiltersAndSortExpandToWhitelistedVariants) {
    katana::codegen::diagnostics diags;
    const auto qs = parse_query_file("q.sql",
                                     "-- name: List :many\n"
                                     "-- filter: cat = category_id = @cat\n"
                                     "-- filter: cheap = price < @max\n"
                                     "-- sort: name, price\n"
                                     "SELECT id FROM p WHERE true /* filters */ /* sort */ LIMIT @limit",
                                     diags);
    ASSERT_FALSE(diags.failed()) << diags.to_string();
    ASSERT_EQ(qs.size(), 1U);
    const auto& q = qs[0];
    EXPECT_EQ(q.variant_count(), 4U * 5U);
    ASSERT_EQ(q.params.size(), 3U);
    EXPECT_EQ(q.params[0].name, "limit");
    EXPECT_EQ(q.variant_sql(0, 0), "SELECT id FROM p WHERE true   LIMIT $1");
    EXPECT_EQ(q.variant_sql(0b11, 4), "SELECT id FROM p WHERE true  AND (category_id = $2) AND (price < $3) "
                                      "ORDER BY price DESC LIMIT $1");
    EXPECT_EQ(q.variant_sql(0b10, 1), "SELECT id FROM p WHERE true  AND (price < $3) ORDER BY name ASC LIMIT $1");
    // A PostgreSQL error position inside a filter maps to the annotation line.
    const std::string full = q.variant_sql(q.all_filters(), 0);
    const auto at = q.position_of(full.find("price"));
    EXPECT_EQ(at.line, 3U);
    EXPECT_EQ(at.column, 20U); // "-- filter: cheap = " is 19 characters
    const auto in_body = q.position_of(full.find("LIMIT"));
    EXPECT_EQ(in_body.line, 5U);
    EXPECT_EQ(in_body.column, 54U);
}

TEST(SqlgenParse, ErrorsAreLocated) {
    katana::codegen::diagnostics diags;
    const auto qs = parse_query_file("q.sql",
                                     "-- name: A\nSELECT 1;\n"
                                     "SELECT 2;\n"
                                     "-- name: B :one\n-- nullable: zz\nSELECT @a, $2;\n"
                                     "-- name: C :many\n-- sort: name\nSELECT 1;\n"
                                     "-- name: D :one\n-- filter: broken\nSELECT 1 /* filters */;\n"
                                     "-- name: Ok :exec\nSELECT 1",
                                     diags);
    ASSERT_EQ(qs.size(), 1U);
    EXPECT_EQ(qs[0].name, "Ok");
    const std::string text = diags.to_string();
    EXPECT_NE(text.find("q.sql:1:10: error: query A needs a kind"), std::string::npos) << text;
    EXPECT_NE(text.find("q.sql:3:1: error: statement has no '-- name:"), std::string::npos) << text;
    EXPECT_NE(text.find("q.sql:6:12: error: a query uses either @name or $n"), std::string::npos) << text;
    EXPECT_NE(text.find("q.sql:5:1: error: '-- nullable: zz' names no parameter of query B"), std::string::npos) << text;
    EXPECT_NE(text.find("no /* sort */ placeholder"), std::string::npos) << text;
    EXPECT_NE(text.find("q.sql:11:12: error: a filter is declared as"), std::string::npos) << text;
}

TEST(SqlgenParse, TooManyFiltersAreRefused) {
    katana::codegen::diagnostics diags;
    std::string sql = "-- name: Many :many\n";
    for (int i = 0; i < 5; ++i) sql += "-- filter: f" + std::to_string(i) + " = x = @p" + std::to_string(i) + "\n";
    sql += "SELECT 1 WHERE true /* filters */";
    EXPECT_TRUE(parse_query_file("q.sql", sql, diags).empty());
    EXPECT_NE(diags.to_string().find("at most 4"), std::string::npos) << diags.to_string();
}

TEST(SqlgenParse, GarbageNeverCrashes) {
    // Every prefix of a tricky input: quotes, dollar signs, comments cut anywhere.
    const std::string input =
        "-- name: Q :one\n-- filter: a = x = @a\nSELECT $tag$ '; $$ /* \"@x\" */ $1 @b E'\\'' /* filters */ /* sort ";
    for (std::size_t n = 0; n <= input.size(); ++n) {
        katana::codegen::diagnostics diags;
        const auto qs = parse_query_file("q.sql", input.substr(0, n), diags);
        for (const auto& q : qs) {
            for (std::uint32_t v = 0; v < q.variant_count(); ++v) {
                static_cast<void>(q.variant_sql(v / q.sort_count(), v % q.sort_count()));
            }
            static_cast<void>(q.position_of(n));
        }
    }
    SUCCEED();
}

} // namespace
