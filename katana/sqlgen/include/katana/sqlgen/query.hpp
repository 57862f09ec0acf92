#pragma once
// The SQL front of `katana gen sql`: query files split into annotated queries, parameters found
// and numbered, whitelisted variants (filters x sort) expanded. No SQL grammar: the splitter only
// knows what can hide a ';', an annotation or a parameter (strings, quoted identifiers,
// dollar-quoting, comments). Types come from PostgreSQL itself (analyze.hpp).
//
// Query file syntax (docs: katana/sqlgen/README.md):
//   -- name: GetProduct :one            (:one :many :exec :execrows :copyfrom :batch)
//   -- nullable: description, price     parameters that may be NULL (std::optional in C++)
//   -- notnull: total                   result columns known to be NOT NULL (expressions)
//   -- filter: category = category_id = @category
//                                       a whitelisted WHERE fragment named `category`; the query
//                                       holds `/* filters */` where ` AND (<fragment>)` is inserted
//                                       for each active filter (at most 4 filters per query)
//   -- sort: name, price                whitelisted ORDER BY columns; the query holds `/* sort */`
//   -- prefetch: tags_by_product(product_id)
//   SELECT ... WHERE id = @id;         parameters: @name (same name = same parameter) or $n
#include <katana/codegen/diagnostics.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace katana::sqlgen {

enum class query_kind : std::uint8_t { one, many, exec, execrows, copyfrom, batch };
[[nodiscard]] std::string_view to_string(query_kind k) noexcept;

struct source_pos {
    std::uint32_t line = 0; // 1-based
    std::uint32_t column = 0;
};

// A statement as written, with a map from its text offsets back to the file.
struct raw_statement {
    std::string text;                 // the statement without its leading annotation comments
    std::uint32_t first_line = 1;     // where `text` starts in the file
    std::uint32_t first_column = 1;
    struct comment {
        std::string text;             // without the leading "--"
        std::uint32_t line = 0;
    };
    std::vector<comment> comments;    // the `--` comment lines right before it
};

// Splits a SQL file on top-level ';'. Comments before a statement are collected into `comments`
// (annotations). Text after the last ';' that is not blank becomes a statement too.
[[nodiscard]] std::vector<raw_statement> split_statements(std::string_view sql);
// The file position of byte `offset` of `st.text`.
[[nodiscard]] source_pos position_in_file(const raw_statement& st, std::size_t offset);

struct param {
    std::string name;     // "@name" without '@', or "p<n>" for $n
    std::uint32_t number = 0; // $n in the rewritten SQL, 1-based
    bool nullable = false;
};

// A piece of SQL text: literal text, a parameter reference, or a placeholder.
struct segment {
    enum class kind : std::uint8_t { text, param, filters, sort };
    kind what = kind::text;
    std::string text;             // kind::text: verbatim
    std::uint32_t param_index = 0; // kind::param: index into query::params
    std::size_t source_offset = 0; // where it starts in the statement (or fragment) text
};

struct filter_decl {
    std::string name;      // enumerator and option name
    std::string fragment;  // SQL as written (with @params)
    std::vector<segment> segments;
    source_pos at;         // where the fragment starts in the file
};

struct prefetch_decl {
    std::string query;     // another query's name
    std::string key;       // the column of this query passed to it
};

struct query {
    std::string name;               // as annotated ("GetProduct")
    query_kind kind = query_kind::many;
    std::string file;               // as given
    raw_statement statement;
    std::vector<param> params;      // in $n order
    std::vector<filter_decl> filters;
    std::vector<std::string> sort_columns;
    std::vector<std::string> notnull_columns;
    std::vector<prefetch_decl> prefetch;
    std::vector<segment> segments;  // statement.text, cut at parameters and placeholders

    // The SQL PostgreSQL sees for a variant: @params replaced by $n, `/* filters */` by the active
    // filters (bit i of filter_mask = filters[i]) and `/* sort */` by ORDER BY (sort_index 0 =
    // none, 2*i+1 = sort_columns[i] ASC, 2*i+2 = DESC). For analysis every filter is active.
    [[nodiscard]] std::string variant_sql(std::uint32_t filter_mask, std::uint32_t sort_index) const;
    [[nodiscard]] std::uint32_t variant_count() const noexcept;
    [[nodiscard]] std::uint32_t sort_count() const noexcept {
        return 1 + 2 * static_cast<std::uint32_t>(sort_columns.size());
    }
    [[nodiscard]] std::uint32_t all_filters() const noexcept { return (1U << filters.size()) - 1U; }
    // Maps an offset in variant_sql(all_filters(), 0) back to the file (for PG error positions).
    [[nodiscard]] source_pos position_of(std::size_t sql_offset) const;
};

inline constexpr std::size_t max_filters = 4;

// Parses every statement of one query file. Problems go to `diags` (located); a statement with
// errors is left out.
[[nodiscard]] std::vector<query> parse_query_file(std::string_view file_name, std::string_view sql,
                                                  codegen::diagnostics& diags);

} // namespace katana::sqlgen
