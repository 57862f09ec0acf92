// katana: the command-line front door. Only commands that work are listed; new ones (dev, bench)
// are added here when they exist.
//   katana gen openapi SPEC -o DIR [--namespace NS] [--strict] ...
//   katana gen sql --migrations DIR --queries DIR -o DIR [--db-url URL] [--namespace NS] [--check]
//   katana db migrate up|status|down|create ...
//   katana version | katana --version
//   katana help    | katana --help
#include "gen_command.hpp"
#include "migrate.hpp"
#include "sql_command.hpp"

#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>

#ifndef KATANA_VERSION
#error "KATANA_VERSION must be defined by the build"
#endif

int main(int argc, char** argv) {
    CLI::App app("katana: OpenAPI-to-C++ server framework", "katana");
    app.set_version_flag("--version", "katana " KATANA_VERSION);
    app.require_subcommand(1);

    CLI::App* gen = app.add_subcommand("gen", "Generate C++ from a spec");
    gen->require_subcommand(1);
    CLI::App* openapi = gen->add_subcommand("openapi", "C++ models, JSON, validation, routes and handler "
                                                       "interface from an OpenAPI 3.0/3.1 document");
    katana::cli::gen_openapi_args args;
    katana::cli::add_gen_openapi_options(*openapi, args);
    CLI::App* sql = gen->add_subcommand("sql", "Typed C++ (row and parameter structs, enums, SQL text) from "
                                               "migrations and annotated queries, analyzed by PostgreSQL");
    katana::cli::gen_sql_args sql_args;
    katana::cli::add_gen_sql_options(*sql, sql_args);

    CLI::App* db = app.add_subcommand("db", "Database schema tools");
    db->require_subcommand(1);
    katana::cli::db_migrate_args migrate_args;
    katana::cli::add_db_migrate_command(*db, migrate_args);

    CLI::App* version = app.add_subcommand("version", "Print the version");
    CLI::App* help = app.add_subcommand("help", "Print this help");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? katana::cli::exit_ok : katana::cli::exit_usage;
    }
    if (version->parsed()) {
        std::cout << "katana " KATANA_VERSION "\n";
        return katana::cli::exit_ok;
    }
    if (help->parsed()) {
        std::cout << app.help();
        return katana::cli::exit_ok;
    }
    try {
        if (db->parsed()) return katana::cli::run_db_migrate(migrate_args);
        if (sql->parsed()) return katana::cli::run_gen_sql(sql_args);
        return katana::cli::run_gen_openapi(args);
    } catch (const std::exception& e) {
        std::cerr << "katana: internal error: " << e.what() << '\n';
        return katana::cli::exit_failed;
    }
}
