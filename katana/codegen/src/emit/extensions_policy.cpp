// The constexpr per-route policy table (x-katana-* extensions) in operations.hpp.
#include "emit/operations_emit.hpp"

#include <fmt/format.h>

namespace katana::codegen::detail {

namespace {

bool is_default(const policy_model& p) {
    return !p.cache && !p.rate_limit && !p.idempotency && p.alloc_mode == policy_model::alloc::arena &&
           p.alloc_size_hint == 0 && !p.dom_serializer;
}

std::string_view alloc_name(policy_model::alloc a) {
    switch (a) {
    case policy_model::alloc::arena: return "arena";
    case policy_model::alloc::pmr: return "pmr";
    case policy_model::alloc::heap: return "heap";
    }
    return "arena";
}

} // namespace

std::string emit_policy_table(const ops_context& c) {
    const auto& ops = c.model.operations();
    std::string out;
    std::string rows;
    for (const auto& op : ops) {
        const policy_model& p = op.policy;
        if (is_default(p)) {
            rows += fmt::format("    katana::api::route_policy{{}}, // {}\n", comment_text(op.operation_id, 100));
            continue;
        }
        std::string vary = "{}";
        if (!p.cache_vary.empty()) {
            std::string list;
            for (const auto& h : p.cache_vary) list += (list.empty() ? "" : ", ") + cpp_string(h);
            out += fmt::format("inline constexpr std::string_view vary_{}[] = {{{}}};\n", op.handler, list);
            vary = fmt::format("std::span<const std::string_view>(detail::vary_{})", op.handler);
        }
        // Every member spelled out: compilers warn about partially initialised aggregates.
        rows += fmt::format(
            "    katana::api::route_policy{{\n"
            "        katana::api::cache_policy{{{}, {}, {}, {}, {}}},\n"
            "        katana::api::rate_limit_policy{{{}, {}, {}, {}, {}}},\n"
            "        katana::api::idempotency_policy{{{}, {}, {}, {}}},\n"
            "        katana::api::alloc_policy{{katana::api::alloc_mode::{}, {}}},\n"
            "        katana::api::serializer_kind::{}}}, // {}\n",
            p.cache ? "true" : "false", p.cache_ttl_ms, p.cache_swr_ms, p.cache_jitter_ms, vary, p.rate_limit ? "true" : "false",
            p.rate_requests, p.rate_window_ms, p.rate_burst, cpp_string(p.rate_key), p.idempotency ? "true" : "false",
            cpp_string(p.idempotency_header), p.idempotency_ttl_ms, p.idempotency_required ? "true" : "false",
            alloc_name(p.alloc_mode), p.alloc_size_hint, p.dom_serializer ? "dom" : "zero_copy", comment_text(op.operation_id, 100));
    }
    std::string table = "// Per-route policies from x-katana-* extensions (docs/EXTENSIONS.md), by operation index.\n";
    if (!out.empty()) table += "namespace detail {\n" + out + "} // namespace detail\n";
    table += fmt::format("inline constexpr std::array<katana::api::route_policy, {}> route_policies{{{{\n{}}}}};", ops.size(), rows);
    return table;
}

} // namespace katana::codegen::detail
