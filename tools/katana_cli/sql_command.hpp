#pragma once
// `katana gen sql`: typed C++ from SQL migrations and annotated queries (katana/sqlgen).
#include "exit_codes.hpp"

#include <CLI/CLI.hpp>

#include <string>

namespace katana::cli {

struct gen_sql_args {
    std::string migrations_dir;
    std::string queries_dir;
    std::string out_dir;
    std::string db_url;
    std::string cpp_namespace = "db";
    std::string lock_file;   // default: <parent of --queries>/katana.sql.lock.json
    bool check = false;      // only: is the lock file fresh? (exit 1 when stale)
    bool offline = false;    // never use a server: the lock file must be fresh
    bool quiet = false;
};

void add_gen_sql_options(CLI::App& cmd, gen_sql_args& args);
[[nodiscard]] int run_gen_sql(const gen_sql_args& args);

} // namespace katana::cli
