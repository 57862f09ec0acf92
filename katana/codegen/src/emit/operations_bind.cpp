// operations_<k>.cpp: per operation, bind_<op>() (parameters, negotiation, body) and
// write_<op>() (typed response -> status, headers, body). Split into shards so huge specs
// compile in parallel.
#include "emit/operations_emit.hpp"

#include <katana/codegen/printer.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace katana::codegen::detail {

namespace {

// What a parameter's text is read from, as C++ statements defining `text` (primitive-like
// shapes: std::optional<std::string_view>) and `present` (bool: something was sent).
struct text_source {
    std::string setup;
    std::string present = "false";
};

text_source primitive_source(const parameter_model& p) {
    const std::string name = cpp_string(p.name);
    text_source s;
    switch (p.in) {
    case param_location::path:
        s.setup = fmt::format("const auto raw = src.path({0});\n"
                              "const auto text = raw ? katana::api::primitive_value({1}, {2}, {0}, *raw, memory)\n"
                              "                      : std::optional<std::string_view>();\n",
                              name, style_enumerator(p.style), p.explode ? "true" : "false");
        s.present = "raw.has_value()";
        break;
    case param_location::query:
        s.setup = fmt::format("const auto text = katana::api::find_query(src.query(), {}, memory);\n", name);
        s.present = fmt::format("src.query_has({})", name);
        break;
    case param_location::header: s.setup = fmt::format("const auto text = src.header({});\n", name); break;
    case param_location::cookie:
        // Style form is RFC 6570 form expansion, which percent-encodes; RFC 6265 cookie-octets
        // cannot carry spaces, commas, ';', '"' or '\\' at all. So values are percent-decoded
        // ('+' stays '+'), like the items of cookie arrays and objects; a bad %XX is malformed.
        s.setup = fmt::format("const auto raw = src.cookie({});\n"
                              "const auto text = raw ? katana::api::decode_component(*raw, false, memory)\n"
                              "                      : std::optional<std::string_view>();\n",
                              name);
        s.present = "raw.has_value()";
        break;
    }
    return s;
}

std::string raw_value_expr(const parameter_model& p) {
    const std::string name = cpp_string(p.name);
    switch (p.in) {
    case param_location::path: return fmt::format("src.path({})", name);
    case param_location::header: return fmt::format("src.header({})", name);
    case param_location::cookie: return fmt::format("src.cookie({})", name);
    case param_location::query: break;
    }
    return {};
}

std::string default_text(const node& d) {
    switch (d.kind) {
    case node_kind::boolean: return d.boolean ? "true" : "false";
    case node_kind::integer: return std::to_string(d.integer);
    case node_kind::number: return fmt::format("{}", d.number);
    default: return d.text;
    }
}

std::string absent_code(const parameter_model& p, const std::string& target) {
    if (p.default_value != nullptr) {
        if (p.shape == param_shape::array) {
            if (p.default_value->items.empty()) return fmt::format("katana::api::rebind({}, memory);\n", target);
            std::string list;
            for (const node* e : p.default_value->items) list += (list.empty() ? "" : ", ") + cpp_string(default_text(*e));
            return fmt::format("static constexpr std::string_view defaults[] = {{{}}};\n"
                               "static_cast<void>(katana::api::convert_array(std::span<const std::string_view>(defaults), {}, "
                               "memory, vc));\n",
                               list, target);
        }
        return fmt::format("static_cast<void>(katana::api::parse_scalar(std::string_view({}), {}, memory));\n",
                           cpp_string(default_text(*p.default_value)), target);
    }
    if (p.required) return "vc.add(\"required parameter is missing\");\n";
    return {};
}

std::string malformed_text(const parameter_model& p) {
    return cpp_string(fmt::format("malformed value (style {}{})", to_string(p.style), p.explode ? ", explode" : ""));
}

// Indents every line of `code` by `n` spaces.
std::string indented(const std::string& code, std::size_t n) {
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

// `, "a, b"`: the extra argument of convert_param / convert_array that lists an enum's values in
// its error message (like body errors); empty when the type is not an enum.
std::string allowed_argument(const cpp_type* t) {
    if (t == nullptr || t->category != cpp_type::kind::enumeration || t->schema == nullptr) return {};
    const node* values = t->schema->get("enum");
    if (values == nullptr || !values->is_array()) return {};
    std::string list;
    std::size_t n = 0;
    for (const node* v : values->items) {
        if (v->kind == node_kind::null) continue;
        if (n == 20) {
            list += fmt::format(", ... ({} values)", values->items.size());
            break;
        }
        list += (n == 0 ? "" : ", ") + default_text(*v);
        ++n;
    }
    return list.empty() ? std::string() : ", " + cpp_string(list);
}

std::string param_code(const parameter_model& p, schema_model& schemas) {
    const bool optional = p.spelling.starts_with("std::optional<");
    const std::string field = "req.params." + p.field;
    const std::string value = optional ? "(*" + field + ")" : field;
    std::string code = fmt::format("auto at = vc.key({});\n", cpp_string(p.name));
    std::string checks;
    if ((p.shape == param_shape::primitive || p.shape == param_shape::array) && p.schema != nullptr) {
        checks = schemas.value_checks(p.schema, value, "vc");
    }
    const std::string absent = absent_code(p, field);
    const std::string on_ok = checks.empty() ? "" : indented(checks, 8);

    switch (p.shape) {
    case param_shape::primitive:
    case param_shape::json_content:
    case param_shape::scalar_json:
    case param_shape::raw: {
        const text_source s = primitive_source(p);
        code += s.setup;
        code += "if (text) {\n";
        if (p.shape == param_shape::primitive) {
            const std::string allowed = allowed_argument(p.type);
            if (on_ok.empty()) {
                code += fmt::format("    static_cast<void>(katana::api::convert_param(*text, {}, memory, vc{}));\n", field, allowed);
            } else {
                code += fmt::format("    if (katana::api::convert_param(*text, {}, memory, vc{})) {{\n{}    }}\n", field, allowed,
                                    on_ok);
            }
        } else if (p.shape == param_shape::raw) {
            code += fmt::format("    {} = *text;\n", field);
        } else {
            if (optional) code += fmt::format("    {}.emplace();\n", field);
            const std::string json = p.shape == param_shape::json_content ? "*text" : "katana::api::text_to_json(*text, memory)";
            code += fmt::format("    static_cast<void>(katana::api::read_json_text({}, {}, vc));\n", json, value);
        }
        code += "}";
        if (s.present != "false") code += fmt::format(" else if ({}) {{\n    vc.add({});\n}}", s.present, malformed_text(p));
        if (!absent.empty()) code += " else {\n" + indented(absent, 4) + "}";
        code += "\n";
        return code;
    }
    case param_shape::array: {
        const std::string name = cpp_string(p.name);
        if (p.in == param_location::query) {
            code += fmt::format("const bool present = src.query_has({});\n", name);
            code += "std::optional<std::pmr::vector<std::string_view>> items;\n";
            code += fmt::format("if (present) items = katana::api::array_values({}, {}, {}, src.query(), {{}}, true, memory);\n",
                                style_enumerator(p.style), p.explode ? "true" : "false", name);
        } else {
            code += fmt::format("const auto raw = {};\n", raw_value_expr(p));
            code += "const bool present = raw.has_value();\n";
            code += "std::optional<std::pmr::vector<std::string_view>> items;\n";
            code += fmt::format("if (present) items = katana::api::array_values({}, {}, {}, {{}}, *raw, false, memory);\n",
                                style_enumerator(p.style), p.explode ? "true" : "false", name);
        }
        code += "if (items) {\n";
        if (optional) code += fmt::format("    {}.emplace();\n", field);
        const std::string allowed = allowed_argument(p.element);
        if (on_ok.empty()) {
            code += fmt::format("    static_cast<void>(katana::api::convert_array(*items, {}, memory, vc{}));\n", value, allowed);
        } else {
            code += fmt::format("    if (katana::api::convert_array(*items, {}, memory, vc{})) {{\n{}    }}\n", value, allowed,
                                on_ok);
        }
        code += fmt::format("}} else if (present) {{\n    vc.add({});\n}}", malformed_text(p));
        if (!absent.empty()) code += " else {\n" + indented(absent, 4) + "}";
        code += "\n";
        return code;
    }
    case param_shape::object: {
        const std::string name = cpp_string(p.name);
        std::string known;
        std::string fields;
        for (const auto& [prop, kind] : p.object_fields) {
            known += (known.empty() ? "" : ", ") + cpp_string(prop);
            fields += fmt::format("{}katana::api::form_field{{{}, katana::api::field_kind::{}}}", fields.empty() ? "" : ", ",
                                  cpp_string(prop), kind);
        }
        if (!known.empty()) {
            code += fmt::format("static constexpr std::string_view known[] = {{{}}};\n", known);
            code += fmt::format("static constexpr katana::api::form_field fields[] = {{{}}};\n", fields);
        } else {
            code += "constexpr std::span<const std::string_view> known{};\n";
            code += "constexpr std::span<const katana::api::form_field> fields{};\n";
        }
        code += "std::optional<std::pmr::vector<std::pair<std::string_view, std::string_view>>> members;\n";
        if (p.in == param_location::query) {
            if (p.style == param_style::deep_object) {
                code += fmt::format("const bool present = src.query_has({}, true);\n", name);
            } else if (p.style == param_style::form && p.explode) {
                code += known.empty() ? "const bool present = !src.query().empty();\n"
                                      : "const bool present = src.query_has_any(known);\n";
            } else {
                code += fmt::format("const bool present = src.query_has({});\n", name);
            }
            code += fmt::format("if (present) members = katana::api::object_members({}, {}, {}, src.query(), {{}}, true, known, "
                                "memory);\n",
                                style_enumerator(p.style), p.explode ? "true" : "false", name);
        } else {
            code += fmt::format("const auto raw = {};\n", raw_value_expr(p));
            code += "const bool present = raw.has_value();\n";
            code += fmt::format("if (present) members = katana::api::object_members({}, {}, {}, {{}}, *raw, false, known, memory);\n",
                                style_enumerator(p.style), p.explode ? "true" : "false", name);
        }
        code += "if (members) {\n";
        if (optional) code += fmt::format("    {}.emplace();\n", field);
        code += fmt::format("    static_cast<void>(katana::api::read_json_text(katana::api::pairs_to_json(*members, fields, "
                            "memory), {}, vc));\n",
                            value);
        code += fmt::format("}} else if (present) {{\n    vc.add({});\n}}", malformed_text(p));
        if (!absent.empty()) code += " else {\n" + indented(absent, 4) + "}";
        code += "\n";
        return code;
    }
    }
    return code;
}

std::string body_code(const operation& op) {
    const request_body_model& b = *op.body;
    std::string code = "// Request body.\n";
    code += "if (!katana::api::has_body(ctx.request)) {\n";
    code += b.required ? "    katana::api::answer_missing_body(ctx);\n    return false;\n" : "    return true;\n";
    code += "}\n";
    std::string media;
    for (const auto& m : b.media) media += (media.empty() ? "" : ", ") + cpp_string(m.media_type);
    code += fmt::format("static constexpr std::string_view media[] = {{{}}};\n", media);
    code += "req.info.content_type = ctx.request.header_value(\"Content-Type\");\n";
    code += "switch (katana::api::match_content_type(req.info.content_type, media)) {\n";
    for (std::size_t i = 0; i < b.media.size(); ++i) {
        const media_model& m = b.media[i];
        std::string c;
        std::string target;
        if (b.media.size() == 1) {
            const bool wrap = !b.required && !m.nullable;
            if (m.kind == media_kind::json || m.kind == media_kind::form) {
                if (wrap) c += "req.body.emplace();\n";
                target = wrap ? "*req.body" : "req.body";
            } else {
                target = "req.body";
            }
        } else {
            c += fmt::format("req.body_media = {}Request::media::{};\n", op.type_prefix, m.enumerator);
            if (m.kind == media_kind::json || m.kind == media_kind::form) {
                if (!m.nullable) c += fmt::format("req.{}.emplace();\n", m.field);
                target = m.nullable ? "req." + m.field : "*req." + m.field;
            } else {
                target = "req." + m.field;
            }
        }
        switch (m.kind) {
        case media_kind::json:
            c += "katana::json::syntax_error syntax{};\n";
            if (m.reader.empty()) {
                c += fmt::format("switch (katana::api::parse_body(ctx.request.body, {}, vc, &syntax)) {{\n", target);
            } else if (m.nullable) {
                // The schema's reader fills T; null leaves the std::optional<T> empty.
                c += fmt::format("switch (katana::api::parse_body_with(ctx.request.body, {}, vc, [](katana::json::reader& r_, "
                                 "auto& out_, katana::api::validation_context& vc_) {{\n"
                                 "    if (r_.read_null()) {{\n        out_.reset();\n        return true;\n    }}\n"
                                 "    return {}(r_, out_.emplace(), vc_);\n}}, &syntax)) {{\n",
                                 target, m.reader);
            } else {
                c += fmt::format("switch (katana::api::parse_body_with(ctx.request.body, {}, vc, {}, &syntax)) {{\n", target,
                                 m.reader);
            }
            c += "case katana::api::body_status::ok: break;\n";
            c += "case katana::api::body_status::malformed: katana::api::answer_malformed_json(ctx, syntax); return false;\n";
            c += "case katana::api::body_status::invalid: katana::api::answer_unprocessable(ctx, vc); return false;\n";
            c += "}\n";
            break;
        case media_kind::form: {
            std::string fields;
            for (const auto& [prop, kind] : m.form_fields) {
                fields += fmt::format("{}katana::api::form_field{{{}, katana::api::field_kind::{}}}", fields.empty() ? "" : ", ",
                                      cpp_string(prop), kind);
            }
            c += "const auto pairs = katana::api::decode_form(ctx.request.body, memory);\n";
            c += "if (!pairs) {\n    katana::api::answer_malformed_form(ctx);\n    return false;\n}\n";
            if (fields.empty()) {
                c += "constexpr std::span<const katana::api::form_field> fields{};\n";
            } else {
                c += fmt::format("static constexpr katana::api::form_field fields[] = {{{}}};\n", fields);
            }
            c += fmt::format("if (katana::api::parse_body(katana::api::pairs_to_json(*pairs, fields, memory), {}, vc) != "
                             "katana::api::body_status::ok) {{\n",
                             target);
            c += "    katana::api::answer_unprocessable(ctx, vc);\n    return false;\n}\n";
            break;
        }
        case media_kind::text:
        case media_kind::binary: c += fmt::format("{} = ctx.request.body;\n", target); break;
        }
        c += "break;\n";
        code += fmt::format("case {}: {{\n{}}}\n", i, indented(c, 4));
    }
    code += "default: katana::api::answer_unsupported_media(ctx, media); return false;\n}\n";
    return code;
}

void emit_bind(printer& p, const ops_context& c, const operation& op) {
    std::string body;
    const bool has_params = !op.params.empty();
    const bool needs_vc = has_params || op.body.has_value();
    body += fmt::format("const katana::api::operation_info& op = operation_table[{}];\n", op.index);
    body += "if (!katana::api::negotiate_accept(ctx, op, req.info)) return false;\n";
    if (!needs_vc) body += "static_cast<void>(memory);\n";
    if (needs_vc) body += "katana::api::validation_context vc(memory);\n";
    if (has_params) {
        const bool query = std::any_of(op.params.begin(), op.params.end(),
                                       [](const parameter_model& x) { return x.in == param_location::query; });
        body += fmt::format("const katana::api::param_source src(ctx, memory, {});\n", query ? "true" : "false");
        for (param_location loc : {param_location::path, param_location::query, param_location::header, param_location::cookie}) {
            std::string group;
            for (const auto& prm : op.params) {
                if (prm.in != loc) continue;
                group += fmt::format("{{\n{}}}\n", indented(param_code(prm, c.schemas), 4));
            }
            if (group.empty()) continue;
            body += fmt::format("{{\n    auto in = vc.key(\"{}\");\n{}}}\n", to_string(loc), indented(group, 4));
        }
        body += "if (!vc.ok()) {\n    katana::api::answer_bad_request(ctx, vc, \"invalid parameters\");\n    return false;\n}\n";
    }
    if (op.body) body += body_code(op);
    body += "return true;\n";
    p.emit({{"name", op.handler}, {"type", op.type_prefix + "Request"}, {"body", body},
            {"id", comment_text(op.operation_id, 100)}, {"method", upper(op.method)}, {"path", comment_text(op.path, 200)}},
           R"(
        // $id$: $method$ $path$
        bool bind_$name$(katana::request_context& ctx, $type$& req, std::pmr::memory_resource* memory) {
            $body$
        }

    )");
}

std::string send_code(const ops_context& c, const operation& op, const representation_model& rep, const std::string& value) {
    // One media type: its Content-Type directly; several: the negotiated one if it fits.
    std::string content_type;
    std::string prefix;
    if (rep.media.size() == 1) {
        content_type = fmt::format("std::string_view({})", cpp_string(op_content_type(op, rep.media.front())));
    } else {
        std::string list;
        for (int m : rep.media) list += (list.empty() ? "" : ", ") + std::to_string(m);
        prefix = fmt::format("static constexpr std::int16_t candidates[] = {{{}}};\n", list);
        content_type = "content_types[static_cast<std::size_t>(katana::api::choose_media(info.accept, candidates))]";
    }
    static_cast<void>(c);
    const bool all_json = std::all_of(rep.media_json.begin(), rep.media_json.end(), [](bool j) { return j; });
    const bool no_json = std::none_of(rep.media_json.begin(), rep.media_json.end(), [](bool j) { return j; });
    if (all_json) return prefix + fmt::format("katana::api::send_json(ctx, {}, {}, serializer);\n", value, content_type);
    if (no_json) return prefix + fmt::format("katana::api::send_bytes(ctx, {}, {});\n", value, content_type);
    // Text and JSON media for one string value: the negotiated media decides the encoding.
    std::string json_test;
    for (std::size_t i = 0; i < rep.media.size(); ++i) {
        if (!rep.media_json[i]) continue;
        json_test += fmt::format("{}chosen == {}", json_test.empty() ? "" : " || ", rep.media[i]);
    }
    return prefix + fmt::format("const std::int16_t chosen = katana::api::choose_media(info.accept, candidates);\n"
                                "const std::string_view content_type = content_types[static_cast<std::size_t>(chosen)];\n"
                                "if ({}) {{\n"
                                "    katana::api::send_json(ctx, {}, content_type, serializer);\n"
                                "}} else {{\n"
                                "    katana::api::send_bytes(ctx, {}, content_type);\n"
                                "}}\n",
                                json_test, value, value);
}

void emit_write(printer& p, const ops_context& c, const operation& op) {
    std::string body;
    bool uses_info = false;
    bool uses_table = false;
    bool uses_serializer = false;
    std::string cases;
    for (std::size_t i = 0; i < op.responses.size(); ++i) {
        const response_model& r = op.responses[i];
        const bool uses_r = r.kind != status_kind::exact || !r.headers.empty() || !r.representations.empty();
        std::string cc = uses_r ? fmt::format("const auto& r = *res.get_if<{}Response::{}>();\n", op.type_prefix, r.type_name)
                                : std::string();
        switch (r.kind) {
        case status_kind::exact: cc += fmt::format("ctx.response.status({});\n", r.code); break;
        case status_kind::range: cc += "ctx.response.status(r.code());\n"; break;
        case status_kind::fallback: cc += "if (!katana::api::check_status(ctx, r.code)) return;\nctx.response.status(r.code);\n"; break;
        }
        for (const auto& h : r.headers) {
            cc += fmt::format("katana::api::write_header(ctx.response, {}, r.headers.{}, ctx.memory);\n", cpp_string(h.name), h.field);
        }
        if (r.representations.empty()) {
            cc += "ctx.response.finish();\n";
        } else if (r.representations.size() == 1) {
            const auto& rep = r.representations.front();
            cc += send_code(c, op, rep, "r.body");
            uses_info = uses_info || rep.media.size() > 1;
            uses_table = uses_table || rep.media.size() > 1;
            uses_serializer = uses_serializer || rep.json;
        } else {
            cc += "switch (r.body.index()) {\n";
            for (std::size_t k = 0; k < r.representations.size(); ++k) {
                const auto& rep = r.representations[k];
                const std::string inner = fmt::format("const auto& b = *std::get_if<{}>(&r.body);\n", k) +
                                          send_code(c, op, rep, "b") + "break;\n";
                cc += fmt::format("case {}: {{\n{}}}\n", k, indented(inner, 4));
                uses_info = uses_info || rep.media.size() > 1;
                uses_table = uses_table || rep.media.size() > 1;
                uses_serializer = uses_serializer || rep.json;
            }
            cc += "default: break;\n}\n";
        }
        cc += "return;\n";
        cases += fmt::format("case {}: {{\n{}}}\n", i, indented(cc, 4));
    }
    // Escape hatch: a handler that answered through ctx.response itself (e.g. streamed) keeps
    // its answer; the typed response it returns is then ignored.
    body += "if (ctx.response.started()) return;\n";
    if (!uses_info) body += "static_cast<void>(info);\n";
    if (uses_serializer) {
        body += fmt::format("constexpr auto serializer = katana::api::serializer_kind::{};\n",
                            op.policy.dom_serializer ? "dom" : "zero_copy");
    }
    if (uses_table) {
        std::string list;
        for (std::size_t m = 0; m < op.response_media.size(); ++m) {
            list += (list.empty() ? "" : ", ") + cpp_string(op_content_type(op, static_cast<int>(m)));
        }
        body += fmt::format("static constexpr std::string_view content_types[] = {{{}}};\n", list);
    }
    body += "switch (res.index()) {\n" + cases;
    body += "default: break;\n}\n";
    body += "// Only reachable for an operation without declared responses.\n";
    body += "static_cast<void>(katana::api::check_status(ctx, 0));\n";
    p.emit({{"name", op.handler}, {"type", op.type_prefix + "Response"}, {"body", body}}, R"(
        void write_$name$(katana::request_context& ctx, const $type$& res, const katana::api::request_info& info) {
            $body$
        }

    )");
}

} // namespace

// Content-Type written for op.response_media[index] (ranges made concrete).
std::string op_content_type(const operation& op, int index) {
    const std::string& media = op.response_media[static_cast<std::size_t>(index)];
    for (const auto& r : op.responses) {
        for (const auto& m : r.media) {
            if (m.media_type == media) return m.content_type;
        }
    }
    return media;
}

void emit_operation_shards(const ops_context& c, std::vector<generated_file>& out) {
    const auto& ops = c.model.operations();
    const std::size_t per = operation_model::operations_per_shard;
    const std::size_t shards = ops.empty() ? 1 : (ops.size() + per - 1) / per;
    for (std::size_t k = 0; k < shards; ++k) {
        printer p;
        p.emit({{"first", std::to_string(k * per)}, {"last", std::to_string(std::min(ops.size(), (k + 1) * per))}}, R"(
            // Binding and response writing of operations [$first$, $last$).
            #include "operations.hpp"

            #include <katana/api/dispatch.hpp>

            #include <cstdint>
            #include <optional>
            #include <span>
            #include <string_view>
            #include <utility>
            #include <variant>

        )");
        p.emit({{"ns", c.ns}}, R"(
            namespace $ns$ {

        )");
        const std::size_t end = std::min(ops.size(), (k + 1) * per);
        for (std::size_t i = k * per; i < end; ++i) emit_response_definitions(p, ops[i]);
        p.emit(R"(
            namespace detail {

        )");
        for (std::size_t i = k * per; i < end; ++i) {
            emit_bind(p, c, ops[i]);
            emit_write(p, c, ops[i]);
        }
        p.emit({{"ns", c.ns}}, R"(
            } // namespace detail

            } // namespace $ns$
        )");
        out.push_back({fmt::format("operations_{}.cpp", k), p.take()});
    }
}

} // namespace katana::codegen::detail
