#pragma once
// Private helpers shared by the operation model builder (model/operation_*.cpp).
#include <katana/codegen/diagnostics.hpp>
#include <katana/codegen/operation_model.hpp>
#include <katana/codegen/spec.hpp>

#include <string>
#include <string_view>

namespace katana::codegen::detail {

// x-katana-* operation extensions -> policy (operation_extensions.cpp). Diagnoses malformed
// values at their location and warns about policies without runtime effect.
void parse_policy_extensions(const node& operation_object, spec_set& spec, diagnostics& diags, policy_model& out);

// Duration "250ms", "30s", "5m", "1h", "1d" or an integer number of seconds -> milliseconds.
[[nodiscard]] bool parse_duration_ms(const node& n, std::uint32_t& out);
// Size "64KiB", "1MiB", "4096" (bytes; also KB/MB as powers of 1000) -> bytes.
[[nodiscard]] bool parse_size_bytes(const node& n, std::uint64_t& out);

// Route tree (operation_routes.cpp): inserts one operation's template; false (diagnosed) on a
// malformed template or a route that duplicates another one.
bool insert_route(route_node& root, const operation& op, const std::vector<operation>& all, diagnostics& diags);
// Numbers the nodes in preorder (ids are function names in router.cpp).
void number_routes(route_node& root);
// Parameter names of a template, in order; false on malformed braces.
bool template_parameters(std::string_view path, std::vector<std::string>& names);
// Percent-encodes the bytes of a literal path segment that clients must send encoded, so the
// raw (still encoded) request path can be compared byte for byte.
[[nodiscard]] std::string encode_path_literal(std::string_view literal);

} // namespace katana::codegen::detail
