#pragma once
// `katana gen sql` end to end: read the migration and query directories, analyze (PostgreSQL or
// the lock file), emit C++. The command-line tool only adds option parsing and file writing.
#include <katana/codegen/diagnostics.hpp>
#include <katana/codegen/generate.hpp>
#include <katana/sqlgen/model.hpp>
#include <katana/sqlgen/query.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace katana::sqlgen {

enum class analysis_source : std::uint8_t {
    automatic, // --db-url if given, else a throwaway server, else a fresh lock file
    database,  // must analyze (error without a server)
    lock_only, // never start or connect to a server; the lock file must be fresh
};

struct sql_options {
    std::filesystem::path migrations_dir;
    std::filesystem::path queries_dir;
    std::filesystem::path lock_file;      // empty: <parent of queries_dir>/katana.sql.lock.json
    std::string db_url;                   // empty: throwaway server
    std::string cpp_namespace = "db";
    std::string header_name = "queries.hpp";
    analysis_source source = analysis_source::automatic;
};

struct sql_result {
    std::vector<codegen::generated_file> files; // sorted by path
    schema_info schema;
    std::string lock_text;        // write_lock(schema)
    bool lock_changed = false;    // differs from the lock file on disk (or it is missing)
    bool analyzed = false;        // true: PostgreSQL was asked; false: the lock file was used
    std::vector<std::string> inputs; // every file read (depfiles)
};

// Input files of a directory: *.sql sorted by name (migrations: NNNN_name.sql, applied in order).
[[nodiscard]] katana::expected<std::vector<input_file>, std::string> read_sql_dir(const std::filesystem::path& dir);
[[nodiscard]] std::filesystem::path default_lock_file(const sql_options& options);

// Checks only: is the lock file present and made from exactly these inputs?
[[nodiscard]] katana::expected<bool, std::string> lock_is_fresh(const sql_options& options);

[[nodiscard]] std::optional<sql_result> generate_sql(const sql_options& options, codegen::diagnostics& diags);

// The C++ header for `queries` analyzed as `schema` (phase 1: types and SQL text, no runtime calls).
[[nodiscard]] std::string emit_header(const std::vector<query>& queries, const schema_info& schema,
                                      const std::string& cpp_namespace, std::string_view marker,
                                      codegen::diagnostics& diags);

} // namespace katana::sqlgen
