// Constraint checks as C++ statements: for typed values (parse-time checks after a scalar was
// read, validate() on in-memory DTOs, parameter checks) and for katana::json::value through
// generated DOM validators (schemas without one precise C++ type). One message text per
// violation, stable, with the spec's own spelling of numbers.
#include "model/schema_impl.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>

namespace katana::codegen {

namespace {

constexpr std::string_view here = "katana::api::here";

struct format_check {
    std::string_view name;
    std::string_view function;
    std::string_view shown;
};
constexpr std::array<format_check, 20> format_checks{{
    {"date", "is_date", "date"},
    {"time", "is_time", "time"},
    {"date-time", "is_date_time", "date-time"},
    {"duration", "is_duration", "duration"},
    {"uuid", "is_uuid", "uuid"},
    {"byte", "is_byte", "base64 string (format byte)"},
    {"email", "is_email", "email address"},
    {"idn-email", "is_idn_email", "email address"},
    {"hostname", "is_hostname", "hostname"},
    {"idn-hostname", "is_idn_hostname", "hostname"},
    {"ipv4", "is_ipv4", "IPv4 address"},
    {"ipv6", "is_ipv6", "IPv6 address"},
    {"uri", "is_uri", "URI"},
    {"uri-reference", "is_uri_reference", "URI reference"},
    {"iri", "is_iri", "IRI"},
    {"iri-reference", "is_iri_reference", "IRI reference"},
    {"uri-template", "is_uri_template", "URI template"},
    {"json-pointer", "is_json_pointer", "JSON pointer"},
    {"relative-json-pointer", "is_relative_json_pointer", "relative JSON pointer"},
    {"regex", "is_regex", "regular expression"},
}};

const format_check* find_format(std::string_view name) {
    for (const auto& f : format_checks) {
        if (f.name == name) return &f;
    }
    return nullptr;
}

// Compact JSON text of a spec value (for messages and DOM constants).
void node_json(const node* n, std::string& out, int depth = 0) {
    if (n == nullptr || depth > 64) {
        out += "null";
        return;
    }
    switch (n->kind) {
    case node_kind::null: out += "null"; break;
    case node_kind::boolean: out += n->boolean ? "true" : "false"; break;
    case node_kind::integer: out += fmt::format("{}", n->integer); break;
    case node_kind::number: out += fmt::format("{}", n->number); break;
    case node_kind::string: out += model::json_quoted(n->text); break;
    case node_kind::array: {
        out.push_back('[');
        bool first = true;
        for (const node* x : n->items) {
            if (!first) out.push_back(',');
            first = false;
            node_json(x, out, depth + 1);
        }
        out.push_back(']');
        break;
    }
    case node_kind::object: {
        out.push_back('{');
        bool first = true;
        for (const auto& m : n->members) {
            if (!first) out.push_back(',');
            first = false;
            out += model::json_quoted(m.key);
            out.push_back(':');
            node_json(m.value, out, depth + 1);
        }
        out.push_back('}');
        break;
    }
    }
}

std::string json_text(const node* n) {
    std::string s;
    node_json(n, s);
    return s;
}

// Allowed values for a message: at most 20 shown.
std::string listing(const std::vector<std::string>& values) {
    std::string out;
    const std::size_t shown = std::min<std::size_t>(values.size(), 20);
    for (std::size_t i = 0; i < shown; ++i) {
        if (i != 0) out += ", ";
        out += values[i];
    }
    if (values.size() > shown) out += fmt::format(", ... ({} values)", values.size());
    return out;
}

bool is_integer_kind(cpp_type::kind k) {
    return k == cpp_type::kind::int32 || k == cpp_type::kind::int64 || k == cpp_type::kind::uint64;
}

bool annotation_key(std::string_view key) {
    static constexpr std::string_view words[] = {
        "title",    "description", "default",       "example",      "examples",        "deprecated",
        "readOnly", "writeOnly",   "xml",           "externalDocs", "$comment",        "$schema",
        "$id",      "$anchor",     "$defs",         "definitions",  "contentMediaType", "contentEncoding",
        "contentSchema", "discriminator", "nullable"};
    return key.starts_with("x-") || std::find(std::begin(words), std::end(words), key) != std::end(words);
}

// A member that asserts nothing: an annotation, or a `format` katana has no check for (JSON
// Schema ignores unknown formats). A known format is a constraint even without `type`, since
// `{format: ipv4}` still rejects a string that is no IPv4 address (other types pass).
bool annotation_member(const node::member& m) {
    if (m.key == "format") return !m.value->is_string() || find_format(m.value->text) == nullptr;
    return annotation_key(m.key);
}

// A non-negative count keyword (minContains, maxContains). JSON Schema allows it to be written
// as a number with a zero fraction (2.0), which the parser keeps as a double.
std::optional<std::uint64_t> count_value(const node* n) {
    if (n == nullptr) return std::nullopt;
    if (n->kind == node_kind::integer && n->integer >= 0) return static_cast<std::uint64_t>(n->integer);
    if (n->kind == node_kind::number && n->number >= 0 && n->number < 1e18 && n->number == std::floor(n->number)) {
        return static_cast<std::uint64_t>(n->number);
    }
    return std::nullopt;
}

bool is_annotation_only(const node* n) {
    for (const auto& m : n->members) {
        if (annotation_member(m)) continue;
        if (m.key == "additionalProperties" && m.value->is_bool() && m.value->boolean) continue;
        if (m.key == "additionalProperties" && m.value->is_object() && m.value->members.empty()) continue;
        if (m.key == "properties" && m.value->is_object() && m.value->members.empty()) continue;
        return false;
    }
    return true;
}

} // namespace

std::size_t schema_model::impl::pattern_id(const std::string& source) {
    const auto it = patterns.find(source);
    if (it != patterns.end()) return it->second;
    if (emitted) {
        diags.error_at(source_name, 0, 0,
                       "internal: a pattern check was requested after models were emitted (call value_checks() "
                       "before schema_model::emit)");
    }
    const std::size_t id = patterns.size();
    patterns.emplace(source, id);
    return id;
}

bool schema_model::impl::needs_dom_validator(const node* schema) {
    if (schema == nullptr) return false;
    if (schema->is_bool()) return !schema->boolean;
    if (!schema->is_object()) return false;
    if (!spec_set::ref_of(schema).empty()) {
        const node* target = resolve(schema);
        if (target != nullptr && target != schema && needs_dom_validator(target)) return true;
        if (spec.version() == spec_version::v3_0) return false;
        for (const auto& m : schema->members) {
            if (m.key != "$ref" && !annotation_member(m)) return true;
        }
        return false;
    }
    return !is_annotation_only(schema);
}

std::size_t schema_model::impl::dom_validator(const node* schema) {
    // Pure references share their target's validator.
    if (schema != nullptr && !spec_set::ref_of(schema).empty()) {
        bool siblings = false;
        if (spec.version() == spec_version::v3_1) {
            for (const auto& m : schema->members) siblings = siblings || (m.key != "$ref" && !annotation_member(m));
        }
        if (!siblings) {
            const node* target = resolve(schema);
            if (target != nullptr) schema = target;
        }
    }
    const auto it = dom_ids.find(schema);
    if (it != dom_ids.end()) return it->second;
    if (emitted) {
        diags.error_at(source_name, 0, 0,
                       "internal: a DOM validator was requested after models were emitted (call value_checks() "
                       "before schema_model::emit)");
    }
    const std::size_t id = dom_order.size();
    dom_ids.emplace(schema, id);
    dom_order.push_back(schema);
    return id;
}

// ---------------------------------------------------------------------------------------------
// Typed checks

std::string schema_model::impl::checks(const node* schema, const cpp_type* t, std::string_view expr,
                                       std::string_view segment, bool deep, int depth) {
    if (t == nullptr || depth > 32) return {};
    const cpp_type* u = underlying(t);
    const std::string ctx = ctx_name;
    const std::string e = std::string(expr);
    std::string out;
    auto report = [&](std::string_view cond, std::string_view message) {
        out += fmt::format("if ({}) katana::api::report({}, {}, {});\n", cond, ctx, segment, model::cpp_literal(message));
    };
    auto push = [&](int d) -> std::string {
        if (segment == here) return {};
        return fmt::format("auto s{}_ = katana::api::enter({}, {});\n", d, ctx, segment);
    };

    // `{ push; statement }`, or the bare statement when nothing is pushed.
    auto scoped = [&](const std::string& statement) {
        const std::string p = push(depth);
        return p.empty() ? statement : fmt::format("{{\n{}{}}}\n", p, statement);
    };
    switch (u->category) {
    case cpp_type::kind::object:
    case cpp_type::kind::variant:
        if (deep) out += scoped(fmt::format("validate({}, {});\n", e, ctx));
        return out;
    case cpp_type::kind::any: {
        const node* s = schema != nullptr ? schema : u->schema;
        if (!needs_dom_validator(s)) return {};
        out += scoped(fmt::format("models_detail::dom_{}({}, {});\n", dom_validator(s), e, ctx));
        return out;
    }
    case cpp_type::kind::enumeration: return {};
    default: break;
    }

    const model::constraints c = collect(schema != nullptr ? schema : u->schema);
    const cpp_type::kind k = u->category;

    if (k == cpp_type::kind::int32 || k == cpp_type::kind::int64 || k == cpp_type::kind::uint64 ||
        k == cpp_type::kind::float32 || k == cpp_type::kind::float64) {
        const bool integral = is_integer_kind(k);
        auto operand = [&](const model::bound& b) -> std::pair<std::string, std::string> {
            if (integral && b.is_integer) {
                if (k == cpp_type::kind::uint64) return {e, fmt::format("{}u", b.integer)};
                return {e, b.text};
            }
            if (integral) return {fmt::format("static_cast<double>({})", e), b.text};
            return {e, b.text};
        };
        for (const auto& lim : c.minimum) {
            if (k == cpp_type::kind::uint64 && lim.value.is_integer && lim.value.integer < 0) continue;
            auto [lhs, rhs] = operand(lim.value);
            report(fmt::format("!({} {} {})", lhs, lim.exclusive ? ">" : ">=", rhs),
                   fmt::format("must be {} {}", lim.exclusive ? ">" : ">=", lim.value.shown));
        }
        for (const auto& lim : c.maximum) {
            if (k == cpp_type::kind::uint64 && lim.value.is_integer && lim.value.integer < 0) {
                report("true", fmt::format("must be {} {}", lim.exclusive ? "<" : "<=", lim.value.shown));
                continue;
            }
            auto [lhs, rhs] = operand(lim.value);
            report(fmt::format("!({} {} {})", lhs, lim.exclusive ? "<" : "<=", rhs),
                   fmt::format("must be {} {}", lim.exclusive ? "<" : "<=", lim.value.shown));
        }
        for (const auto& m : c.multiple_of) {
            if (integral && m.is_integer && k != cpp_type::kind::uint64) {
                report(fmt::format("!katana::api::is_multiple_of(static_cast<std::int64_t>({}), std::int64_t{{{}}})", e,
                                   m.text),
                       fmt::format("must be a multiple of {}", m.shown));
            } else {
                report(fmt::format("!katana::api::is_multiple_of(static_cast<double>({}), {})", e, m.text),
                       fmt::format("must be a multiple of {}", m.shown));
            }
        }
        for (const node* cn : c.consts) {
            if (!cn->is_number()) {
                report("true", fmt::format("must be {}", json_text(cn)));
                continue;
            }
            const std::string lit = cn->kind == node_kind::integer ? fmt::format("{}", cn->integer)
                                                                    : fmt::format("{}", cn->number);
            std::string lhs = e;
            if (k == cpp_type::kind::uint64 || (integral && cn->kind != node_kind::integer)) {
                lhs = fmt::format("static_cast<double>({})", e);
            }
            report(fmt::format("{} != {}", lhs, lit), fmt::format("must be {}", json_text(cn)));
        }
        return out;
    }
    if (k == cpp_type::kind::boolean) {
        for (const node* cn : c.consts) {
            if (!cn->is_bool()) {
                report("true", fmt::format("must be {}", json_text(cn)));
                continue;
            }
            report(fmt::format("{} != {}", e, cn->boolean ? "true" : "false"), fmt::format("must be {}", json_text(cn)));
        }
        return out;
    }
    if (k == cpp_type::kind::string) {
        if (c.min_length && *c.min_length > 0) {
            const std::uint64_t n = *c.min_length;
            if (n == 1) {
                report(fmt::format("{}.empty()", e), "must not be empty");
            } else {
                // Byte length bounds the code point count: only short-ish strings need counting.
                report(fmt::format("{0}.size() < {1}u * 4 && katana::api::utf8_length({0}) < {1}u", e, n),
                       fmt::format("must be at least {} characters long", n));
            }
        }
        if (c.max_length) {
            const std::uint64_t n = *c.max_length;
            report(fmt::format("{0}.size() > {1}u && katana::api::utf8_length({0}) > {1}u", e, n),
                   fmt::format("must be at most {} characters long", n));
        }
        for (const auto& p : c.patterns) {
            const std::size_t id = pattern_id(p);
            report(fmt::format("!models_detail::pattern_{}.search({})", id, e), fmt::format("must match pattern {}", p));
        }
        for (const auto& f : c.formats) {
            const format_check* fc = find_format(f);
            if (fc == nullptr) continue; // unknown formats are annotations (JSON Schema)
            report(fmt::format("!katana::api::{}({})", fc->function, e), fmt::format("must be a valid {}", fc->shown));
        }
        for (const node* cn : c.consts) {
            if (!cn->is_string()) {
                report("true", fmt::format("must be {}", json_text(cn)));
                continue;
            }
            report(fmt::format("std::string_view({}) != std::string_view({}, {})", e, model::cpp_literal(cn->text),
                               cn->text.size()),
                   fmt::format("must be {}", json_text(cn)));
        }
        return out;
    }
    if (k == cpp_type::kind::array || k == cpp_type::kind::map) {
        const bool is_map = k == cpp_type::kind::map;
        const auto min = is_map ? c.min_properties : c.min_items;
        const auto max = is_map ? c.max_properties : c.max_items;
        if (min && *min > 0) {
            report(fmt::format("{}.size() < {}u", e, *min),
                   is_map ? fmt::format("must have at least {} properties", *min)
                          : fmt::format("must have at least {} items", *min));
        }
        if (max) {
            report(fmt::format("{}.size() > {}u", e, *max),
                   is_map ? fmt::format("must have at most {} properties", *max)
                          : fmt::format("must have at most {} items", *max));
        }
        if (!is_map && c.unique_items) {
            report(fmt::format("katana::api::has_duplicates({}, {}.memory())", e, ctx), "items must be unique");
        }
        if (!deep) return out;
        const auto es = element_schema.find(u);
        const node* element_node = es != element_schema.end() ? es->second : nullptr;
        const std::string ev = fmt::format("e{}_", depth);
        const std::string iv = fmt::format("i{}_", depth);
        const std::string kv = fmt::format("k{}_", depth);
        const std::string elem_expr = u->element_nullable ? fmt::format("(*{})", ev) : ev;
        std::string inner = checks(element_node, u->element, elem_expr, is_map ? kv : iv, true, depth + 1);
        if (inner.empty()) return out;
        if (u->element_nullable) inner = fmt::format("if ({}) {{\n{}}}\n", ev, inner);
        std::string loop;
        if (is_map) {
            loop = fmt::format("for (const auto& [{}, {}] : {}) {{\n{}}}\n", kv, ev, e, inner);
        } else {
            loop = fmt::format("for (std::size_t {0} = 0; {0} < {1}.size(); ++{0}) {{\nconst auto& {2} = {1}[{0}];\n{3}}}\n",
                               iv, e, ev, inner);
        }
        out += fmt::format("{{\n{}{}}}\n", push(depth), loop);
        return out;
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// DOM validators

std::string schema_model::impl::dom_function(std::size_t id) {
    const node* s = dom_order[id];
    std::string body;
    const std::string rep_here = "katana::api::report(ctx, katana::api::here, ";
    auto report = [&](std::string_view cond, std::string_view message) {
        body += fmt::format("if ({}) {}{});\n", cond, rep_here, model::cpp_literal(message));
    };
    auto call = [&](const node* sub, std::string_view value_expr) {
        return fmt::format("dom_{}({}, ctx);\n", dom_validator(sub), value_expr);
    };
    const bool v31 = spec.version() == spec_version::v3_1;

    if (s != nullptr && s->is_bool() && !s->boolean) {
        body += rep_here + "\"no value is allowed here\");\n";
    } else if (s != nullptr && s->is_object()) {
        if (!spec_set::ref_of(s).empty()) {
            const node* target = resolve(s);
            if (target != nullptr && target != s) body += call(target, "v");
        }
        const bool own = spec_set::ref_of(s).empty() || v31;
        if (own) {
            // type (3.0 nullable adds null)
            std::uint8_t types = model::declared_types(s, spec.version());
            const bool nullable30 = !v31 && s->get("nullable") != nullptr && s->get("nullable")->is_bool() &&
                                    s->get("nullable")->boolean;
            if (s->get("type") != nullptr && types != model::t_all) {
                std::string mask;
                const std::pair<std::uint8_t, const char*> names[] = {
                    {model::t_null, "dom_null"},     {model::t_boolean, "dom_boolean"}, {model::t_number, "dom_number"},
                    {model::t_integer, "dom_integer"}, {model::t_string, "dom_string"},  {model::t_array, "dom_array"},
                    {model::t_object, "dom_object"}};
                for (const auto& [bit, bit_name] : names) {
                    if ((types & bit) == 0) continue;
                    if (bit == model::t_integer && (types & model::t_number) != 0) continue; // numbers include integers
                    if (!mask.empty()) mask += " | ";
                    mask += fmt::format("katana::api::{}", bit_name);
                }
                if (mask.empty()) mask = "0";
                body += fmt::format("if (constexpr std::uint8_t types_ = {0}; !katana::api::dom_type_matches(v, types_)) {{\n"
                                    "katana::api::dom_type_error(ctx, v, types_);\nreturn;\n}}\n",
                                    mask);
            }
            if (nullable30) body += "if (v.is_null()) return;\n";
            // enum / const
            auto equals = [&](const node* value) -> std::string {
                switch (value->kind) {
                case node_kind::null: return "v.is_null()";
                case node_kind::boolean: return fmt::format("katana::api::dom_equals_bool(v, {})", value->boolean);
                case node_kind::integer:
                    if (value->integer > -(std::int64_t{1} << 53) && value->integer < (std::int64_t{1} << 53)) {
                        return fmt::format("katana::api::dom_equals_number(v, {})", value->integer);
                    }
                    return fmt::format("katana::api::dom_equals_json(v, {})", model::cpp_literal(json_text(value)));
                case node_kind::number:
                    return fmt::format("katana::api::dom_equals_number(v, {})", fmt::format("{}", value->number));
                case node_kind::string:
                    return fmt::format("katana::api::dom_equals_string(v, std::string_view({}, {}))",
                                       model::cpp_literal(value->text), value->text.size());
                default: return fmt::format("katana::api::dom_equals_json(v, {})", model::cpp_literal(json_text(value)));
                }
            };
            if (const node* e = s->get("enum"); e != nullptr && e->is_array()) {
                std::string cond;
                std::vector<std::string> shown;
                for (const node* x : e->items) {
                    if (!cond.empty()) cond += " || ";
                    cond += equals(x);
                    shown.push_back(json_text(x));
                }
                if (cond.empty()) cond = "false";
                report(fmt::format("!({})", cond), fmt::format("must be one of: {}", listing(shown)));
            }
            if (const node* cn = s->get("const"); cn != nullptr) {
                report(fmt::format("!({})", equals(cn)), fmt::format("must be {}", json_text(cn)));
            }
            // numbers
            model::constraints c;
            {
                // Own keywords only: $ref targets and allOf members have their own validators.
                node copy = *s;
                copy.members.erase(std::remove_if(copy.members.begin(), copy.members.end(),
                                                  [](const node::member& m) { return m.key == "$ref" || m.key == "allOf"; }),
                                   copy.members.end());
                collect_into(&copy, c, 0);
            }
            {
                std::string num;
                for (const auto& lim : c.minimum) {
                    num += fmt::format("if (!(d_ {} {})) {}{});\n", lim.exclusive ? ">" : ">=", lim.value.text, rep_here,
                                       model::cpp_literal(fmt::format("must be {} {}", lim.exclusive ? ">" : ">=",
                                                                      lim.value.shown)));
                }
                for (const auto& lim : c.maximum) {
                    num += fmt::format("if (!(d_ {} {})) {}{});\n", lim.exclusive ? "<" : "<=", lim.value.text, rep_here,
                                       model::cpp_literal(fmt::format("must be {} {}", lim.exclusive ? "<" : "<=",
                                                                      lim.value.shown)));
                }
                for (const auto& m : c.multiple_of) {
                    num += fmt::format("if (!katana::api::is_multiple_of(d_, {})) {}{});\n", m.text, rep_here,
                                       model::cpp_literal(fmt::format("must be a multiple of {}", m.shown)));
                }
                if (!num.empty()) body += fmt::format("if (v.is_number()) {{\nconst double d_ = v.as_double();\n{}}}\n", num);
            }
            // strings
            {
                std::string str;
                if (c.min_length && *c.min_length > 0) {
                    str += fmt::format("if (katana::api::utf8_length(s_) < {}u) {}{});\n", *c.min_length, rep_here,
                                       model::cpp_literal(fmt::format("must be at least {} characters long", *c.min_length)));
                }
                if (c.max_length) {
                    str += fmt::format("if (s_.size() > {0}u && katana::api::utf8_length(s_) > {0}u) {1}{2});\n",
                                       *c.max_length, rep_here,
                                       model::cpp_literal(fmt::format("must be at most {} characters long", *c.max_length)));
                }
                for (const auto& p : c.patterns) {
                    str += fmt::format("if (!pattern_{}.search(s_)) {}{});\n", pattern_id(p), rep_here,
                                       model::cpp_literal(fmt::format("must match pattern {}", p)));
                }
                for (const auto& f : c.formats) {
                    const format_check* fc = find_format(f);
                    if (fc == nullptr) continue;
                    str += fmt::format("if (!katana::api::{}(s_)) {}{});\n", fc->function, rep_here,
                                       model::cpp_literal(fmt::format("must be a valid {}", fc->shown)));
                }
                if (!str.empty()) body += fmt::format("if (v.is_string()) {{\nconst std::string_view s_ = v.as_string();\n{}}}\n", str);
            }
            // arrays
            {
                std::string arr;
                if (c.min_items && *c.min_items > 0) {
                    arr += fmt::format("if (a_.size() < {}u) {}{});\n", *c.min_items, rep_here,
                                       model::cpp_literal(fmt::format("must have at least {} items", *c.min_items)));
                }
                if (c.max_items) {
                    arr += fmt::format("if (a_.size() > {}u) {}{});\n", *c.max_items, rep_here,
                                       model::cpp_literal(fmt::format("must have at most {} items", *c.max_items)));
                }
                if (c.unique_items) {
                    arr += fmt::format("if (katana::api::json_has_duplicates(a_, ctx.memory())) {}\"items must be unique\");\n",
                                       rep_here);
                }
                std::size_t prefix = 0;
                const node* prefix_items = s->get("prefixItems");
                const node* items = s->get("items");
                if (items != nullptr && items->is_array()) { // draft-4 tuple form
                    prefix_items = items;
                    items = s->get("additionalItems");
                }
                if (prefix_items != nullptr && prefix_items->is_array()) {
                    for (const node* p : prefix_items->items) {
                        arr += fmt::format("if (a_.size() > {0}u) {{\nauto sc_ = ctx.index({0});\n{1}}}\n", prefix,
                                           call(p, fmt::format("a_[{}]", prefix)));
                        ++prefix;
                    }
                }
                if (items != nullptr && (items->is_object() || items->is_bool()) && needs_dom_validator(items)) {
                    arr += fmt::format("for (std::size_t i_ = {}; i_ < a_.size(); ++i_) {{\nauto sc_ = ctx.index(i_);\n{}}}\n",
                                       prefix, call(items, "a_[i_]"));
                }
                if (const node* contains = s->get("contains"); contains != nullptr) {
                    const std::uint64_t min_contains = count_value(s->get("minContains")).value_or(1);
                    const std::optional<std::uint64_t> max_contains = count_value(s->get("maxContains"));
                    arr += fmt::format(
                        "{{\nkatana::api::speculation g_(katana::api::speculation::dom_budget);\n[[maybe_unused]] std::size_t n_ = 0;\nif (g_) {{\nfor (const auto& e_ : a_) {{\n"
                        "const auto m_ = ctx.mark();\n{}if (ctx.errors_since(m_) == 0) ++n_;\nctx.rollback(m_);\n}}\n}}\n",
                        call(contains, "e_"));
                    arr += fmt::format("if (!g_) {}\"alternatives nested too deeply to validate\");\n", rep_here);
                    if (min_contains > 0) { // "at least 0" is always true (and -Wtype-limits says so)
                        arr += fmt::format("else if (n_ < {}u) {}{});\n", min_contains, rep_here,
                                           model::cpp_literal(fmt::format("must contain at least {} matching item(s)", min_contains)));
                    }
                    if (max_contains) {
                        arr += fmt::format("else if (n_ > {}u) {}{});\n", *max_contains, rep_here,
                                           model::cpp_literal(fmt::format("must contain at most {} matching item(s)", *max_contains)));
                    }
                    arr += "}\n";
                }
                if (!arr.empty()) body += fmt::format("if (v.is_array()) {{\nconst auto a_ = v.as_array();\n{}}}\n", arr);
            }
            // objects
            {
                std::string obj;
                if (c.min_properties && *c.min_properties > 0) {
                    obj += fmt::format("if (o_.size() < {}u) {}{});\n", *c.min_properties, rep_here,
                                       model::cpp_literal(fmt::format("must have at least {} properties", *c.min_properties)));
                }
                if (c.max_properties) {
                    obj += fmt::format("if (o_.size() > {}u) {}{});\n", *c.max_properties, rep_here,
                                       model::cpp_literal(fmt::format("must have at most {} properties", *c.max_properties)));
                }
                if (const node* req = s->get("required"); req != nullptr && req->is_array()) {
                    for (const node* r : req->items) {
                        if (!r->is_string()) continue;
                        obj += fmt::format("if (v.find(std::string_view({}, {})) == nullptr) {}{});\n",
                                           model::cpp_literal(r->text), r->text.size(), rep_here,
                                           model::cpp_literal(fmt::format("missing required property \"{}\"", r->text)));
                    }
                }
                std::vector<std::string> declared;
                if (const node* props = s->get("properties"); props != nullptr && props->is_object()) {
                    for (const auto& m : props->members) {
                        declared.push_back(m.key);
                        if (!needs_dom_validator(m.value)) continue;
                        const std::string key = fmt::format("std::string_view({}, {})", model::cpp_literal(m.key), m.key.size());
                        obj += fmt::format("if (const auto* p_ = v.find({0})) {{\nauto sc_ = ctx.key({0});\n{1}}}\n", key,
                                           call(m.value, "*p_"));
                    }
                }
                if (const node* dep = s->get("dependentRequired"); dep != nullptr && dep->is_object()) {
                    for (const auto& m : dep->members) {
                        if (!m.value->is_array()) continue;
                        for (const node* r : m.value->items) {
                            if (!r->is_string()) continue;
                            obj += fmt::format(
                                "if (v.find(std::string_view({}, {})) != nullptr && v.find(std::string_view({}, {})) == "
                                "nullptr) {}{});\n",
                                model::cpp_literal(m.key), m.key.size(), model::cpp_literal(r->text), r->text.size(),
                                rep_here,
                                model::cpp_literal(fmt::format("property \"{}\" is required when \"{}\" is present", r->text,
                                                               m.key)));
                        }
                    }
                }
                const node* ap = s->get("additionalProperties");
                const node* pattern_props = s->get("patternProperties");
                const node* names_schema = s->get("propertyNames");
                const bool ap_false = ap != nullptr && ap->is_bool() && !ap->boolean;
                const bool ap_schema = ap != nullptr && ap->is_object() && needs_dom_validator(ap);
                const bool have_patterns = pattern_props != nullptr && pattern_props->is_object() &&
                                           !pattern_props->members.empty();
                if (ap_false || ap_schema || have_patterns || names_schema != nullptr) {
                    std::string loop;
                    if (names_schema != nullptr && needs_dom_validator(names_schema)) {
                        loop += fmt::format("{{\nconst auto name_ = katana::json::value::make_string(m_.key, ctx.memory());\n"
                                            "auto sc_ = ctx.key(m_.key);\n{}}}\n",
                                            call(names_schema, "name_"));
                    }
                    if (ap_false || ap_schema || have_patterns) {
                        std::string known;
                        for (const auto& d : declared) {
                            if (!known.empty()) known += " || ";
                            known += fmt::format("m_.key == std::string_view({}, {})", model::cpp_literal(d), d.size());
                        }
                        // Only some keyword combinations read known_ afterwards.
                        loop += fmt::format("[[maybe_unused]] bool known_ = {};\n", known.empty() ? "false" : known);
                        if (have_patterns) {
                            for (const auto& pm : pattern_props->members) {
                                loop += fmt::format("if (pattern_{}.search(m_.key)) {{\nknown_ = true;\nauto sc_ = ctx.key(m_.key);\n{}}}\n",
                                                    pattern_id(pm.key), call(pm.value, "m_.val"));
                            }
                        }
                        if (ap_false) {
                            loop += "if (!known_) katana::api::report(ctx, m_.key, \"unknown property\");\n";
                        } else if (ap_schema) {
                            loop += fmt::format("if (!known_) {{\nauto sc_ = ctx.key(m_.key);\n{}}}\n", call(ap, "m_.val"));
                        }
                    }
                    if (!loop.empty()) obj += fmt::format("for (const auto& m_ : o_) {{\n{}}}\n", loop);
                }
                if (!obj.empty()) {
                    // `required` alone looks members up through v.find().
                    const bool uses_members = obj.find(" o_") != std::string::npos || obj.find("o_.") != std::string::npos;
                    body += fmt::format("if (v.is_object()) {{\n{}{}}}\n",
                                        uses_members ? "[[maybe_unused]] const auto o_ = v.as_object();\n" : "", obj);
                }
            }
            // combinators
            if (const node* all = s->get("allOf"); all != nullptr && all->is_array()) {
                for (const node* a : all->items) {
                    if (needs_dom_validator(a)) body += call(a, "v");
                }
            }
            auto speculative = [&](std::string_view inner, std::string_view after) {
                body += fmt::format("{{\nkatana::api::speculation g_(katana::api::speculation::dom_budget);\nif (!g_) {{\n{}\"alternatives nested too deeply to "
                                    "validate\");\n}} else {{\n{}{}}}\n}}\n",
                                    rep_here, inner, after);
            };
            if (const node* any_of = s->get("anyOf"); any_of != nullptr && any_of->is_array()) {
                std::string inner = "const auto m0_ = ctx.mark();\nbool ok_ = false;\n";
                for (const node* a : any_of->items) {
                    inner += fmt::format("if (!ok_) {{\nconst auto m1_ = ctx.mark();\n{}ok_ = ctx.errors_since(m1_) == 0;\n}}\n",
                                         call(a, "v"));
                }
                inner += "ctx.rollback(m0_);\n";
                speculative(inner, fmt::format("if (!ok_) {}\"must match at least one schema of anyOf\");\n", rep_here));
            }
            if (const node* one_of = s->get("oneOf"); one_of != nullptr && one_of->is_array()) {
                std::string inner = "const auto m0_ = ctx.mark();\nstd::size_t n_ = 0;\n";
                for (const node* a : one_of->items) {
                    inner += fmt::format("{{\nconst auto m1_ = ctx.mark();\n{}if (ctx.errors_since(m1_) == 0) ++n_;\n}}\n",
                                         call(a, "v"));
                }
                inner += "ctx.rollback(m0_);\n";
                speculative(inner, fmt::format("if (n_ == 0) {0}\"must match exactly one schema of oneOf (matched none)\");\n"
                                               "else if (n_ > 1) ctx.addf(\"must match exactly one schema of oneOf (matched {{}})\", n_);\n",
                                               rep_here));
            }
            if (const node* not_schema = s->get("not"); not_schema != nullptr) {
                std::string inner = fmt::format("const auto m0_ = ctx.mark();\n{}const bool matched_ = ctx.errors_since(m0_) == 0;\n"
                                                "ctx.rollback(m0_);\n",
                                                call(not_schema, "v"));
                speculative(inner, fmt::format("if (matched_) {}\"must not match the schema in not\");\n", rep_here));
            }
            if (const node* if_schema = s->get("if"); if_schema != nullptr) {
                const node* then_schema = s->get("then");
                const node* else_schema = s->get("else");
                if (then_schema != nullptr || else_schema != nullptr) {
                    std::string inner = fmt::format("const auto m0_ = ctx.mark();\n{}const bool cond_ = ctx.errors_since(m0_) == 0;\n"
                                                    "ctx.rollback(m0_);\n",
                                                    call(if_schema, "v"));
                    std::string after;
                    if (then_schema != nullptr) after += fmt::format("if (cond_) {{\n{}}}\n", call(then_schema, "v"));
                    if (else_schema != nullptr) after += fmt::format("if (!cond_) {{\n{}}}\n", call(else_schema, "v"));
                    speculative(inner, after);
                }
            }
        }
    }
    std::string out = fmt::format("void dom_{}(const katana::json::value& v, katana::api::validation_context& ctx) {{\n", id);
    out += "(void)v;\n(void)ctx;\n";
    out += "katana::api::speculation::charge(1);\n";
    out += body;
    out += "}\n";
    return out;
}

} // namespace katana::codegen
