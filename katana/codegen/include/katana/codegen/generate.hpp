#pragma once
// The generator as a function: spec in, files out, all in memory. The CLI (katana gen openapi /
// katana_gen) writes the files, and only those whose contents changed.
#include <katana/codegen/diagnostics.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace katana::codegen {

struct generate_options {
    std::filesystem::path spec;        // root spec file
    std::string cpp_namespace = "api"; // may be nested: "shop::v1"
    bool strict = false;               // warnings are errors
};

struct generated_file {
    std::string path;     // relative to the output directory, '/'-separated
    std::string contents;
};

struct generate_result {
    std::vector<generated_file> files;  // sorted by path
    std::vector<std::string> inputs;    // every spec file read (for depfiles)
};

// nullopt when diags.failed(); diags holds every problem found either way.
[[nodiscard]] std::optional<generate_result> generate(const generate_options& options, diagnostics& diags);

} // namespace katana::codegen
