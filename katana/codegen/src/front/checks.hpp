#pragma once
// Structural checks of a loaded spec (required fields, known top-level keys, servers, Schema
// Object shapes, path keys, and that every $ref on the way resolves).
#include <katana/codegen/diagnostics.hpp>
#include <katana/codegen/spec.hpp>

namespace katana::codegen::detail {

// Walks the whole spec (following $refs into other files) and reports every problem found.
void check_structure(spec_set& spec, diagnostics& diags);

} // namespace katana::codegen::detail
