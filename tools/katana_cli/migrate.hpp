#pragma once
// `katana db migrate`: applies migrations/NNNN_name.sql in order and records each one, with a
// checksum, in the table katana_schema_migrations.
//
//   up            apply every pending migration (each in its own transaction unless the file
//                 starts with the marker line `-- katana: no-transaction`)
//   status        list migrations: applied (when), pending, modified since applied, missing
//   down [-n N]   revert the newest N applied migrations with their NNNN_name.down.sql
//   create NAME   write the next NNNN_NAME.sql (and, with --down, its .down.sql)
//
// Safety: every command that reads or writes the table holds pg_advisory_lock(migration_lock_key)
// for its whole run, so two instances starting together apply each migration once; a migration
// whose file changed after it was applied, an applied migration whose file is gone, and a pending
// migration older than an applied one are errors that stop `up` before it changes anything.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <katana/util/expected.hpp>

namespace katana::cli {

// The advisory lock every katana migrator takes (the bytes of "katanamg").
inline constexpr std::int64_t migration_lock_key = 0x6b6174616e616d67;

struct migration_file {
    std::int64_t version = 0;
    std::string name;                         // "add_tags" of 0002_add_tags.sql
    std::filesystem::path up;                 // 0002_add_tags.sql
    std::optional<std::filesystem::path> down; // 0002_add_tags.down.sql
};

// The migrations of `dir`, ordered by version. Errors: no such directory, a .sql file whose name
// is not NNNN_name.sql / NNNN_name.down.sql, two files with one version, a down without its up.
[[nodiscard]] katana::expected<std::vector<migration_file>, std::string> scan_migrations(const std::filesystem::path& dir);

// The file's first non-blank line is `-- katana: no-transaction` (for CREATE INDEX CONCURRENTLY
// and the few other statements PostgreSQL refuses inside a transaction block).
[[nodiscard]] bool wants_no_transaction(std::string_view sql) noexcept;

struct db_migrate_args {
    std::string command; // up | status | down | create
    std::filesystem::path dir = "migrations";
    std::string db_url;  // empty: $DATABASE_URL
    std::string name;    // create
    bool with_down = false; // create
    unsigned steps = 1;  // down
};

// Registers `migrate` and its subcommands under `db`.
void add_db_migrate_command(CLI::App& db, db_migrate_args& args);
// Runs the parsed command; prints progress to stdout and problems to stderr; returns the exit code.
[[nodiscard]] int run_db_migrate(const db_migrate_args& args);

} // namespace katana::cli
