#pragma once
// Private interface between operation_model::emit and the emitters of each generated file.
#include <katana/codegen/operation_model.hpp>
#include <katana/codegen/printer.hpp>
#include <katana/codegen/schema_model.hpp>
#include <katana/codegen/spec.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace katana::codegen::detail {

struct ops_context {
    const operation_model& model;
    schema_model& schemas;
    spec_set& spec;
    std::string ns;          // C++ namespace of the generated code, e.g. "shop::v1"
    std::string spec_name;   // file name of the root spec (comments only)
};

// A C++ string literal for arbitrary bytes (quotes included).
[[nodiscard]] std::string cpp_string(std::string_view s);
// Text made safe for one `//` comment line (no newlines, no trailing backslash), cut to `max`.
[[nodiscard]] std::string comment_text(std::string_view s, std::size_t max = 160);
// "GET" from "get".
[[nodiscard]] std::string upper(std::string_view s);
// katana::http::method enumerator for a lower-case OpenAPI method ("delete" -> "delete_").
[[nodiscard]] std::string method_enumerator(std::string_view method);
// katana::api::param_style enumerator.
[[nodiscard]] std::string_view style_enumerator(param_style s);

// operations.hpp: Params/Request/Response types, operation ids, the policy table, webhooks and
// the declarations of the generated bind/write functions.
[[nodiscard]] std::string emit_operations_header(const ops_context& c);
// The out-of-line members of an operation's Response class (in its shard).
void emit_response_definitions(printer& d, const operation& op);
// operations_<k>.cpp: bind and write functions, operations_per_shard operations per file.
void emit_operation_shards(const ops_context& c, std::vector<generated_file>& out);
// router.cpp: the route tree as one function per node.
[[nodiscard]] std::string emit_router(const ops_context& c);
// server.hpp (ServerBase + Server<Handler>) and server.cpp (tables, ServerBase).
[[nodiscard]] std::string emit_server_header(const ops_context& c);
[[nodiscard]] std::string emit_server_source(const ops_context& c);
// spec.cpp: the root document as compact JSON.
[[nodiscard]] std::string emit_spec_source(const ops_context& c);
// The constexpr route_policy table (part of operations.hpp).
[[nodiscard]] std::string emit_policy_table(const ops_context& c);
// Content-Type written for op.response_media[index] (media ranges made concrete).
[[nodiscard]] std::string op_content_type(const operation& op, int index);
// The root document as compact JSON, deterministic (document order, numbers as written).
[[nodiscard]] std::string spec_to_json(const node& root);

} // namespace katana::codegen::detail
