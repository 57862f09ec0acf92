// The statement splitter and position mapping behind `katana db migrate` (tools/katana_cli).
#include "sql_script.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using katana::cli::split_sql_statements;

namespace {

std::vector<std::string> texts(std::string_view script) {
    std::vector<std::string> out;
    for (const auto& s : split_sql_statements(script)) out.emplace_back(s.text);
    return out;
}

} // namespace

TEST(SqlScript, SplitsAtTopLevelSemicolonsOnly) {
    EXPECT_EQ(texts("SELECT 1; SELECT 2"), (std::vector<std::string>{"SELECT 1", " SELECT 2"}));
    EXPECT_EQ(texts("SELECT 'a;b'; SELECT \"x;y\" FROM t"), (std::vector<std::string>{"SELECT 'a;b'", " SELECT \"x;y\" FROM t"}));
    EXPECT_EQ(texts("SELECT 'it''s;'; SELECT E'\\';'"), (std::vector<std::string>{"SELECT 'it''s;'", " SELECT E'\\';'"}));
    EXPECT_EQ(texts("CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql; SELECT $$;$$"),
              (std::vector<std::string>{"CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql", " SELECT $$;$$"}));
    EXPECT_EQ(texts("SELECT $1; -- c;\nSELECT /* a /* nested; */ ; */ 2;"),
              (std::vector<std::string>{"SELECT $1", " -- c;\nSELECT /* a /* nested; */ ; */ 2"}));
}

TEST(SqlScript, DropsEmptyStatementsAndKeepsOffsets) {
    const std::string script = "  ;\n-- only a comment;\n;SELECT 1;\n/* x */\n";
    const auto stmts = split_sql_statements(script);
    ASSERT_EQ(stmts.size(), 1u);
    EXPECT_EQ(stmts[0].text, "SELECT 1");
    EXPECT_EQ(script.substr(stmts[0].offset, 8), "SELECT 1");
}

TEST(SqlScript, UnterminatedQuoteRunsToTheEnd) {
    EXPECT_EQ(texts("SELECT 'abc; SELECT 2"), (std::vector<std::string>{"SELECT 'abc; SELECT 2"}));
    EXPECT_EQ(texts("SELECT $t$ x; y"), (std::vector<std::string>{"SELECT $t$ x; y"}));
}

TEST(SqlScript, PositionsCountCodePoints) {
    const std::string text = "ab\ncé;x";
    EXPECT_EQ(katana::cli::position_at(text, 0).line, 1u);
    const auto p = katana::cli::position_at(text, text.find(';'));
    EXPECT_EQ(p.line, 2u);
    EXPECT_EQ(p.column, 3u);
    // Character 6 (1-based) of "ab\ncé;x" is ';' (é is one character, two bytes).
    EXPECT_EQ(katana::cli::byte_offset_of_character(text, 6), text.find(';'));
    EXPECT_EQ(katana::cli::byte_offset_of_character(text, 100), text.size());
}
