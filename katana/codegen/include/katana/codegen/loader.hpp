#pragma once
// Front stage 1: read one file (YAML through yaml-cpp, JSON through nlohmann_json) into a
// located `document`. Syntax errors and duplicate keys become diagnostics; nothing throws.
#include <katana/codegen/diagnostics.hpp>
#include <katana/codegen/document.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace katana::codegen {

// JSON when the first non-blank byte is '{' or '[' (or the extension is .json), else YAML.
// `display_path` is what diagnostics print (relative paths stay relative). Null on failure,
// with every problem found in `diags`.
[[nodiscard]] std::unique_ptr<document> load_document(const std::filesystem::path& path, diagnostics& diags);
[[nodiscard]] std::unique_ptr<document> load_document_from_string(std::string display_path, std::string_view text,
                                                                  diagnostics& diags);

} // namespace katana::codegen
