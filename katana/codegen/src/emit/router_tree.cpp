// router.cpp: the route tree as plain functions, one per node. At each node the next path
// segment is dispatched by a switch on its length (and first byte when many literals share a
// length), then segment templates ("{name}.json"), then a parameter; a branch that fails deeper
// falls back to the next candidate. Leaves switch on the method. No route is scanned linearly
// and no string is built per request; the code is compiled once, outside any template.
#include "emit/operations_emit.hpp"

#include <katana/codegen/printer.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace katana::codegen::detail {

namespace {

// Position of each OpenAPI method in katana::http::method (the bit in route_match::allow).
int method_index(std::string_view m) {
    if (m == "get") return 0;
    if (m == "head") return 1;
    if (m == "post") return 2;
    if (m == "put") return 3;
    if (m == "delete") return 4;
    if (m == "patch") return 5;
    if (m == "options") return 6;
    if (m == "trace") return 7;
    return 9;
}

std::string node_name(const route_node& n) { return fmt::format("node_{}", n.id); }

void collect(const route_node& n, std::vector<const route_node*>& out) {
    out.push_back(&n);
    for (const auto& c : n.children) collect(*c, out);
}

std::string leaf_code(const route_node& n, const operation_model& model) {
    if (n.methods.empty()) return "if (pos == m.path.size()) return -1;\n";
    std::string code = "if (pos == m.path.size()) {\n    switch (m.method) {\n";
    unsigned mask = 0;
    for (const auto& [method, index] : n.methods) {
        const auto& op = model.operations()[index];
        code += fmt::format("    case katana::http::method::{}: return {}; // {}\n", method_enumerator(method), index,
                            comment_text(op.operation_id, 80));
        mask |= 1U << static_cast<unsigned>(method_index(method));
    }
    if (n.methods.contains("get") && !n.methods.contains("head")) {
        code += fmt::format("    case katana::http::method::head: return {}; // HEAD is answered like GET\n", n.methods.at("get"));
    }
    code += fmt::format("    default: m.allow = static_cast<std::uint16_t>(m.allow | 0x{:x}U); return -1;\n    }}\n}}\n", mask);
    return code;
}

std::string literal_call(const route_node& child) {
    return fmt::format("if (seg == {}) {{\n    if (const int r = {}(m, end); r >= 0) return r;\n}}\n", cpp_string(child.literal),
                       node_name(child));
}

std::string indent_block(const std::string& code, std::size_t n) {
    std::string out;
    std::size_t start = 0;
    while (start < code.size()) {
        std::size_t end = code.find('\n', start);
        if (end == std::string::npos) end = code.size();
        if (end > start) out.append(n, ' ');
        out.append(code, start, end - start);
        out.push_back('\n');
        start = end + 1;
    }
    return out;
}

std::string node_code(const route_node& n, const operation_model& model) {
    std::string code = leaf_code(n, model);
    if (n.children.empty()) return code + "return -1;\n";
    code += "std::size_t end = 0;\n";
    code += "const std::string_view seg = katana::api::path_segment(m.path, pos, end);\n";

    std::vector<const route_node*> literals;
    std::vector<const route_node*> patterns;
    const route_node* parameter = nullptr;
    for (const auto& c : n.children) {
        switch (c->kind) {
        case route_node::segment_kind::literal: literals.push_back(c.get()); break;
        case route_node::segment_kind::pattern: patterns.push_back(c.get()); break;
        case route_node::segment_kind::parameter: parameter = c.get(); break;
        case route_node::segment_kind::root: break;
        }
    }
    if (!literals.empty()) {
        std::map<std::size_t, std::vector<const route_node*>> by_length;
        for (const auto* l : literals) by_length[l->literal.size()].push_back(l);
        code += "switch (seg.size()) {\n";
        for (auto& [length, group] : by_length) {
            std::sort(group.begin(), group.end(), [](const route_node* a, const route_node* b) { return a->literal < b->literal; });
            std::string body;
            if (group.size() > 4 && length > 0) {
                std::map<char, std::vector<const route_node*>> by_first;
                for (const auto* l : group) by_first[l->literal.front()].push_back(l);
                body += "switch (seg.front()) {\n";
                for (const auto& [first, members] : by_first) {
                    std::string inner;
                    for (const auto* l : members) inner += literal_call(*l);
                    body += fmt::format("case {}:\n{}    break;\n", fmt::format("'{}'", first == '\'' ? std::string("\\'") : first == '\\' ? std::string("\\\\") : std::string(1, first)), indent_block(inner, 4));
                }
                body += "default: break;\n}\n";
            } else {
                for (const auto* l : group) body += literal_call(*l);
            }
            code += fmt::format("case {}: {{\n{}    break;\n}}\n", length, indent_block(body, 4));
        }
        code += "default: break;\n}\n";
    }
    if (!patterns.empty() || parameter != nullptr) code += "const std::uint8_t mark = m.count;\n";
    // More literal text first: "{id}.json" before "{id}.{ext}".
    std::stable_sort(patterns.begin(), patterns.end(), [](const route_node* a, const route_node* b) {
        std::size_t la = 0;
        std::size_t lb = 0;
        for (const auto& s : a->pattern) la += s.size();
        for (const auto& s : b->pattern) lb += s.size();
        return la > lb;
    });
    for (const auto* p : patterns) {
        std::string lits;
        for (const auto& s : p->pattern) lits += (lits.empty() ? "" : ", ") + cpp_string(s);
        code += fmt::format("{{\n"
                            "    static constexpr std::string_view literals[] = {{{}}};\n"
                            "    if (katana::api::match_segment_template(seg, literals, m)) {{\n"
                            "        if (const int r = {}(m, end); r >= 0) return r;\n"
                            "        m.truncate(mark);\n"
                            "    }}\n"
                            "}}\n",
                            lits, node_name(*p));
    }
    if (parameter != nullptr) {
        code += fmt::format("if (!seg.empty() && m.push(seg)) {{\n"
                            "    if (const int r = {}(m, end); r >= 0) return r;\n"
                            "    m.truncate(mark);\n"
                            "}}\n",
                            node_name(*parameter));
    }
    return code + "return -1;\n";
}

std::string describe(const route_node& n) {
    switch (n.kind) {
    case route_node::segment_kind::root: return "/";
    case route_node::segment_kind::literal: return "\"" + comment_text(n.literal, 60) + "\"";
    case route_node::segment_kind::parameter: return "{parameter}";
    case route_node::segment_kind::pattern: {
        std::string s;
        for (std::size_t i = 0; i < n.pattern.size(); ++i) s += (i != 0 ? "{}" : "") + n.pattern[i];
        return "pattern " + comment_text(s, 60);
    }
    }
    return {};
}

} // namespace

std::string emit_router(const ops_context& c) {
    std::vector<const route_node*> nodes;
    collect(c.model.routes(), nodes);
    printer p;
    p.emit({{"spec", c.spec_name}}, R"(
        // The route tree of $spec$. m.path is the raw (still percent-encoded) request path; segment
        // values are captured as views into it and named by the chosen operation.
        // Only the routing runtime is included: this file does not need the DTOs.
        #include <katana/api/routing.hpp>
        #include <katana/http/method.hpp>
        #include <katana/server/handler.hpp>

        #include <array>
        #include <cstddef>
        #include <cstdint>
        #include <span>
        #include <string_view>

    )");
    // Parameter names of each operation's template, by operation index.
    std::string names_decl;
    std::string names_rows;
    for (const auto& op : c.model.operations()) {
        if (op.path_param_names.empty()) {
            names_rows += "    std::span<const std::string_view>{},\n";
            continue;
        }
        std::string list;
        for (const auto& n : op.path_param_names) list += (list.empty() ? "" : ", ") + cpp_string(n);
        names_decl += fmt::format("constexpr std::string_view route_params_{}[] = {{{}}};\n", op.index, list);
        names_rows += fmt::format("    std::span<const std::string_view>(route_params_{}),\n", op.index);
    }
    p.emit({{"ns", c.ns}, {"decl", names_decl}, {"rows", names_rows}, {"n", std::to_string(c.model.operations().size())}}, R"(
        namespace $ns$::detail {

        std::string_view spec_json();
        int route_request(katana::request_context& ctx, bool serve_spec);

        namespace {

        $decl$
        constexpr std::array<std::span<const std::string_view>, $n$> route_params{{
        $rows$
        }};

    )");
    for (const auto* n : nodes) p.line(fmt::format("int {}(katana::api::route_match& m, std::size_t pos) noexcept;", node_name(*n)));
    p.blank_line();
    for (const auto* n : nodes) {
        p.emit({{"name", node_name(*n)}, {"what", describe(*n)}, {"body", node_code(*n, c.model)}}, R"(
            // $what$
            int $name$(katana::api::route_match& m, std::size_t pos) noexcept {
                $body$
            }

        )");
    }
    p.emit({{"ns", c.ns}, {"root", node_name(c.model.routes())}}, R"(
        // Operation index, or -1 (with m.allow set when only the method did not match).
        int match_route(katana::api::route_match& m) noexcept {
            if (m.path.empty() || m.path.front() != '/') return -1;
            // "/" is the root itself; otherwise the first segment starts after position 0.
            return $root$(m, m.path.size() == 1 ? m.path.size() : 0);
        }

        } // namespace

        int route_request(katana::request_context& ctx, bool serve_spec) {
            if (serve_spec && katana::api::serve_spec_document(ctx, spec_json())) return -1;
            katana::api::route_match m;
            m.path = ctx.request.path;
            m.method = ctx.request.method;
            const int op = match_route(m);
            if (op >= 0) {
                // Values were captured by position; name them after the chosen template.
                const auto names = route_params[static_cast<std::size_t>(op)];
                for (std::size_t i = 0; i < names.size() && i < m.count; ++i) ctx.push_param(names[i], m.values[i]);
                return op;
            }
            if (m.allow == 0) {
                katana::api::answer_not_found(ctx);
            } else if (ctx.request.method == katana::http::method::options) {
                katana::api::answer_options(ctx, m.allow);
            } else {
                katana::api::answer_method_not_allowed(ctx, m.allow);
            }
            return -1;
        }

        } // namespace $ns$::detail
    )");
    return p.take();
}

} // namespace katana::codegen::detail
