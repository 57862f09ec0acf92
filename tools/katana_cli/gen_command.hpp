#pragma once
// `katana gen openapi` and `katana_gen` share this: options, generation, writing the output
// directory, depfile and stamp. The two binaries differ only in how they spell the command.
#include "exit_codes.hpp"

#include <katana/codegen/generate.hpp>
#include <katana/util/expected.hpp>

#include <CLI/CLI.hpp>

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace katana::cli {

struct gen_openapi_args {
    std::string spec;
    std::string out_dir;
    std::string cpp_namespace = "api";
    bool strict = false;
    bool quiet = false;      // no summary line on success
    std::string depfile;     // Makefile syntax: <stamp or outputs>: <every spec file read>
    std::string stamp;       // touched after every successful run (build systems' output)
    unsigned shards = 0;     // 0: none; else write _shards/shard_<i>.cpp, i < shards
};

// Registers SPEC, -o, --namespace, --strict, --depfile, --stamp, --shards, --quiet on `cmd`.
void add_gen_openapi_options(CLI::App& cmd, gen_openapi_args& args);
// Generates, writes, prints diagnostics to stderr and the summary to stdout; returns the exit code.
[[nodiscard]] int run_gen_openapi(const gen_openapi_args& args);

// ---- pieces of run_gen_openapi, separate so that they stay small and readable ------------------

struct write_stats {
    std::size_t written = 0;   // created or changed
    std::size_t unchanged = 0; // same bytes already there: not touched, so builds stay incremental
    std::size_t removed = 0;   // generated before (marker line), not generated now
};

// Writes `files` under `dir` (created), rewriting a file only when its bytes differ, then removes
// files under `dir` that are not in `files` and start with the generated-file marker. A file is
// replaced by renaming a complete temporary file over it, so a compiler never reads half a file.
[[nodiscard]] katana::expected<write_stats, std::string> write_output_dir(
    const std::filesystem::path& dir, const std::vector<codegen::generated_file>& files);

// The fixed set of `count` translation units `_shards/shard_<i>.cpp` that katana_add_openapi()
// compiles: generated .cpp file j (sorted) is #included by shard j % count. Each shard carries a
// fingerprint of what it includes plus every generated header, so a shard's bytes change exactly
// when its translation unit would; build tools that only see the shards still rebuild correctly.
[[nodiscard]] std::vector<codegen::generated_file> make_shards(const std::vector<codegen::generated_file>& files,
                                                               unsigned count, std::string_view marker);

// "target: dep dep ..." with Makefile escaping of spaces, '#', '$' and backslashes before them.
[[nodiscard]] std::string make_depfile(const std::vector<std::string>& targets, const std::vector<std::string>& deps);

} // namespace katana::cli
