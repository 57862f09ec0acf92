// katana_gen: the generator alone, for build systems (katana_add_openapi) and scripts.
//   katana_gen SPEC -o DIR [--namespace NS] [--strict] [--depfile FILE] [--stamp FILE] [--shards N]
// Same code path as `katana gen openapi`.
#include "gen_command.hpp"

#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>

#ifndef KATANA_VERSION
#error "KATANA_VERSION must be defined by the build"
#endif

int main(int argc, char** argv) {
    CLI::App app("katana_gen: generate C++ (models, JSON, validation, routes, handler interface) from an "
                 "OpenAPI 3.0/3.1 document",
                 "katana_gen");
    app.set_version_flag("--version", "katana_gen " KATANA_VERSION);
    katana::cli::gen_openapi_args args;
    katana::cli::add_gen_openapi_options(app, args);
    // For build-system checks: the headers every --shards run writes (see generated_headers()).
    app.add_flag_callback(
        "--list-headers",
        [] {
            for (const std::string_view h : katana::codegen::generated_headers()) std::cout << h << '\n';
            throw CLI::Success();
        },
        "Print the headers a generation always writes with --shards, then exit");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? katana::cli::exit_ok : katana::cli::exit_usage;
    }
    try {
        return katana::cli::run_gen_openapi(args);
    } catch (const std::exception& e) {
        std::cerr << "katana_gen: internal error: " << e.what() << '\n';
        return katana::cli::exit_failed;
    }
}
