#include "sql_command.hpp"

#include "gen_command.hpp"

#include <katana/codegen/diagnostics.hpp>
#include <katana/sqlgen/generate.hpp>

#include <fmt/format.h>

#include <fstream>
#include <iostream>

namespace katana::cli {

void add_gen_sql_options(CLI::App& cmd, gen_sql_args& args) {
    cmd.add_option("--migrations", args.migrations_dir, "Directory of NNNN_name.sql migrations (applied in name order)")
        ->required();
    cmd.add_option("--queries", args.queries_dir, "Directory of annotated *.sql query files")->required();
    cmd.add_option("-o,--output", args.out_dir, "Output directory (queries.hpp)");
    cmd.add_option("--db-url", args.db_url,
                   "PostgreSQL to analyze with (a scratch database is created and dropped); default: a throwaway "
                   "server, or the lock file when PostgreSQL is not installed");
    cmd.add_option("--namespace", args.cpp_namespace, "C++ namespace of the generated code")->capture_default_str();
    cmd.add_option("--lock", args.lock_file, "Lock file (default: katana.sql.lock.json next to the queries directory)");
    cmd.add_flag("--check", args.check, "Only check that the lock file matches the migrations and queries");
    cmd.add_flag("--offline", args.offline, "Never start or connect to PostgreSQL: generate from the lock file");
    cmd.add_flag("--quiet", args.quiet, "No summary line on success");
}

int run_gen_sql(const gen_sql_args& args) {
    sqlgen::sql_options options;
    options.migrations_dir = args.migrations_dir;
    options.queries_dir = args.queries_dir;
    options.lock_file = args.lock_file;
    options.db_url = args.db_url;
    options.cpp_namespace = args.cpp_namespace;
    options.source = args.offline ? sqlgen::analysis_source::lock_only
                     : args.db_url.empty() ? sqlgen::analysis_source::automatic
                                           : sqlgen::analysis_source::database;
    const auto lock_path = sqlgen::default_lock_file(options);
    if (args.check) {
        auto fresh = sqlgen::lock_is_fresh(options);
        if (!fresh) {
            std::cerr << "katana gen sql: " << fresh.error() << '\n';
            return exit_failed;
        }
        if (!*fresh) {
            std::cerr << lock_path.generic_string()
                      << ": error: stale or missing: the migrations or queries changed since it was written; run "
                         "`katana gen sql` to refresh it\n";
            return exit_failed;
        }
        if (!args.quiet) std::cout << lock_path.generic_string() << ": up to date\n";
        return exit_ok;
    }
    if (args.out_dir.empty()) {
        std::cerr << "katana gen sql: -o DIR is required (unless --check)\n";
        return exit_usage;
    }
    codegen::diagnostics diags;
    auto result = sqlgen::generate_sql(options, diags);
    diags.print(std::cerr);
    if (!result) return exit_failed;
    auto written = write_output_dir(args.out_dir, result->files);
    if (!written) {
        std::cerr << "katana gen sql: " << written.error() << '\n';
        return exit_failed;
    }
    if (result->lock_changed) {
        // Only an analysis refreshes the lock; from the lock itself it is already identical.
        std::ofstream out(lock_path, std::ios::binary | std::ios::trunc);
        out << result->lock_text;
        out.close();
        if (!out) {
            std::cerr << "katana gen sql: cannot write " << lock_path.string() << '\n';
            return exit_failed;
        }
    }
    if (!args.quiet) {
        std::cout << fmt::format("katana gen sql: {} queries, {} enums ({}); {} file(s) written, {} unchanged{}\n",
                                 result->schema.queries.size(), result->schema.enums.size(),
                                 result->analyzed ? "analyzed by PostgreSQL" : "from the lock file", written->written,
                                 written->unchanged, result->lock_changed ? "; lock file updated" : "");
    }
    return exit_ok;
}

} // namespace katana::cli
