#pragma once
// A .sql file as PostgreSQL's lexer sees it, for the parts katana needs without parsing SQL:
// where one statement ends and the next begins, and which line and column a byte offset is on
// (PostgreSQL reports error positions as character offsets into the query text).
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace katana::cli {

struct sql_statement {
    std::size_t offset = 0; // of the statement's first byte in the script
    std::string_view text;  // without the terminating ';'
};

// Splits at top-level ';' outside '...' (and E'...'), "...", $tag$...$tag$, -- and nested
// /* */ comments. Statements that hold only whitespace and comments are dropped. An unterminated
// quote or comment runs to the end of the script, where PostgreSQL will report it.
[[nodiscard]] std::vector<sql_statement> split_sql_statements(std::string_view script);

struct text_position {
    std::size_t line = 1;
    std::size_t column = 1; // in code points, as PostgreSQL counts
};

// `byte_offset` into `text` -> 1-based line and column.
[[nodiscard]] text_position position_at(std::string_view text, std::size_t byte_offset) noexcept;

// PostgreSQL's PG_DIAG_STATEMENT_POSITION is a 1-based *character* index: converts it to a byte
// offset (clamped to the text's size).
[[nodiscard]] std::size_t byte_offset_of_character(std::string_view text, std::size_t character_index) noexcept;

} // namespace katana::cli
