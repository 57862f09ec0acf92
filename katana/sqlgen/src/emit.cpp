// The C++ header of `katana gen sql` (phase 1): enums, parameter and row structs, SQL text of every
// whitelisted variant, prepared statement names and parameter type OIDs.
#include <katana/codegen/names.hpp>
#include <katana/codegen/printer.hpp>
#include <katana/sqlgen/generate.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace katana::sqlgen {

namespace names = codegen::names;

namespace {

struct cpp_type {
    std::string text;
    bool needs_pg = false;
    bool needs_chrono = false;
};

// The mapping table of issue 4. nullopt: no C++ type for this PostgreSQL type.
std::optional<cpp_type> scalar_type(const type_ref& t, const std::map<std::string, std::string>& enum_names) {
    if (t.is_enum) {
        const auto e = enum_names.find(t.name);
        if (e == enum_names.end()) return std::nullopt;
        return cpp_type{e->second};
    }
    static const std::map<std::string, cpp_type, std::less<>> table{
        {"bool", {"bool"}},
        {"int2", {"std::int16_t"}},
        {"int4", {"std::int32_t"}},
        {"int8", {"std::int64_t"}},
        {"oid", {"std::uint32_t"}},
        {"float4", {"float"}},
        {"float8", {"double"}},
        {"numeric", {"katana::pg::numeric", true}},
        {"text", {"std::string"}},
        {"varchar", {"std::string"}},
        {"bpchar", {"std::string"}},
        {"name", {"std::string"}},
        {"citext", {"std::string"}},
        {"bytea", {"katana::pg::bytes", true}},
        {"uuid", {"katana::pg::uuid", true}},
        {"timestamptz", {"std::chrono::sys_time<std::chrono::microseconds>", false, true}},
        {"timestamp", {"katana::pg::local_timestamp", true, true}},
        {"date", {"std::chrono::year_month_day", false, true}},
        {"interval", {"katana::pg::interval", true}},
        {"json", {"katana::pg::json_text", true}},
        {"jsonb", {"katana::pg::json_text", true}},
    };
    const auto it = table.find(t.name);
    if (it == table.end()) return std::nullopt;
    return it->second;
}

std::string indent(const std::string& code, std::size_t n) {
    std::string out;
    std::size_t start = 0;
    while (start < code.size()) {
        const std::size_t end = code.find('\n', start);
        const std::size_t stop = end == std::string::npos ? code.size() : end + 1;
        out += std::string(n, ' ');
        out.append(code, start, stop - start);
        start = stop;
    }
    return out;
}

std::string cpp_string_literal(std::string_view s) {
    std::string out = "\"";
    for (const char c : s) {
        switch (c) {
        case '\\': out += "\\\\"; break;
        case '"': out += "\\\""; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        case '?': out += "\\?"; break; // no trigraph surprises
        default:
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                out += fmt::format("\\{:03o}", static_cast<unsigned char>(c));
            } else {
                out += c;
            }
        }
    }
    out += '"';
    return out;
}

// What the repository needs to know of one emitted query.
struct repo_entry {
    const query* q = nullptr;
    const query_info* info = nullptr;
    std::string type;       // struct GetProduct
    std::string method;     // get_product
    std::string params_type;
    std::string row_type;   // empty: no result columns
    std::string filter_type;
    std::string sort_type;
    std::vector<std::string> param_fields;
    std::vector<std::pair<std::string, std::string>> columns; // (field, C++ type)
};

struct emitter {
    const std::vector<query>& queries;
    const schema_info& schema;
    codegen::diagnostics& diags;
    std::map<std::string, std::string> enum_names; // PostgreSQL name -> C++ name
    bool needs_pg = false;
    bool needs_chrono = false;

    std::optional<std::string> type_of(const query& q, const type_ref& t, bool nullable, std::string_view what) {
        auto s = scalar_type(t, enum_names);
        if (!s) {
            diags.error_at(q.file, q.statement.first_line, q.statement.first_column,
                           fmt::format("{} has PostgreSQL type {}{} which has no C++ mapping", what, t.name,
                                       t.array ? "[]" : ""));
            return std::nullopt;
        }
        needs_pg = needs_pg || s->needs_pg;
        needs_chrono = needs_chrono || s->needs_chrono;
        std::string text = t.array ? fmt::format("std::vector<{}>", s->text) : s->text;
        return nullable ? fmt::format("std::optional<{}>", text) : text;
    }
};


// `, std::uint32_t filters = 0, XSort sort = XSort::none` as declared by the query, and the
// matching arguments for a forwarding call.
std::pair<std::string, std::string> variant_arguments(const repo_entry& e) {
    std::string decl;
    std::string call;
    if (!e.filter_type.empty()) {
        decl += fmt::format(", std::uint32_t filters = 0");
        call += ", filters";
    }
    if (!e.sort_type.empty()) {
        decl += fmt::format(", {} sort = {}::none", e.sort_type, e.sort_type);
        call += ", sort";
    }
    return {decl, call};
}

std::string statement_expression(const repo_entry& e) {
    if (e.filter_type.empty() && e.sort_type.empty()) return e.type + "::statements[0]";
    return fmt::format("{}::statements[{}::variant({}{})]", e.type, e.type, e.filter_type.empty() ? "0" : "filters",
                       e.sort_type.empty() ? "" : ", sort");
}

bool integer_or_text(const std::string& cpp) {
    return cpp == "std::int16_t" || cpp == "std::int32_t" || cpp == "std::int64_t" || cpp == "std::string";
}

// A prefetch: run the parent once, the child once over every parent key (`= ANY(@keys)`), and
// attach child rows to parents by the child's first column. One query per level.
std::string prefetch_method(const repo_entry& parent, const prefetch_decl& decl, const std::vector<repo_entry>& all,
                            codegen::diagnostics& diags) {
    const auto where = [&](std::string message) {
        diags.error_at(parent.q->file, parent.q->statement.first_line, parent.q->statement.first_column, std::move(message));
        return std::string();
    };
    const auto child = std::find_if(all.begin(), all.end(), [&](const repo_entry& e) { return e.q->name == decl.query; });
    if (child == all.end()) return {}; // reported with the query's other prefetch checks
    const auto key = std::find_if(parent.columns.begin(), parent.columns.end(),
                                  [&](const auto& c) { return c.first == names::snake_case(decl.key); });
    if (key == parent.columns.end() || parent.row_type.empty()) return {};
    if (child->q->kind != query_kind::many || child->row_type.empty() || child->param_fields.size() != 1 ||
        !child->filter_type.empty() || !child->sort_type.empty()) {
        return where(fmt::format("prefetch {}: the child query must be a :many query with result columns, no filters or "
                                 "sort, and exactly one parameter (an array of keys, used as `= ANY(@keys)`)",
                                 decl.query));
    }
    std::string key_type = key->second;
    const bool key_nullable = key_type.starts_with("std::optional<");
    if (key_nullable) key_type = key_type.substr(14, key_type.size() - 15);
    const type_ref& keys = child->info->params[0].type;
    const auto key_column = std::find_if(parent.info->columns.begin(), parent.info->columns.end(),
                                         [&](const column_info& c) { return names::snake_case(c.name) == key->first; });
    if (!keys.array || key_column == parent.info->columns.end() || keys.name != key_column->type.name) {
        return where(fmt::format("prefetch {}({}): the child's parameter must be an array of the key's type", decl.query,
                                 decl.key));
    }
    std::string child_key_type = child->columns.front().second;
    const bool child_key_nullable = child_key_type.starts_with("std::optional<");
    if (child_key_nullable) child_key_type = child_key_type.substr(14, child_key_type.size() - 15);
    if (child_key_type != key_type) {
        return where(fmt::format("prefetch {}({}): the child's first column ({}) is the key its rows are grouped by and must "
                                 "have the key's type",
                                 decl.query, decl.key, child->columns.front().first));
    }
    if (!integer_or_text(key_type)) {
        return where(fmt::format("prefetch {}({}): keys must be integers or text", decl.query, decl.key));
    }
    const std::string attached = names::pascal_case(parent.q->name) + "With" + names::pascal_case(decl.query);
    const std::string member = names::snake_case(decl.query);
    const auto [decl_args, call_args] = variant_arguments(parent);
    return fmt::format(
        R"(// {parent} with the rows of {child} whose first column equals its {key}.
struct {attached} {{
    {parent_row} row;
    std::vector<{child_row}> {member};
}};
katana::task<katana::expected<std::vector<{attached}>, katana::pg::error>> {method}_with_{member}({parent_params} p{decl_args}) {{
    auto parents = co_await {method}(std::move(p){call_args});
    if (!parents) co_return katana::unexpected(std::move(parents).error());
    std::vector<{attached}> out;
    out.reserve(parents->size());
    {child_params} keys;
    std::unordered_map<{key_type}, std::vector<std::size_t>> positions;
    for (auto& parent : *parents) {{
        {take_key}
        out.push_back({attached}{{std::move(parent), {{}}}});
    }}
    if (keys.{child_field}.empty()) co_return out;
    auto children = co_await {child_method}(std::move(keys));
    if (!children) co_return katana::unexpected(std::move(children).error());
    for (auto& child : *children) {{
        {find_child}
        if (found == positions.end()) continue;
        for (std::size_t i = 0; i + 1 < found->second.size(); ++i) out[found->second[i]].{member}.push_back(child);
        out[found->second.back()].{member}.push_back(std::move(child));
    }}
    co_return out;
}}
)",
        fmt::arg("parent", parent.q->name), fmt::arg("child", decl.query), fmt::arg("key", decl.key),
        fmt::arg("attached", attached), fmt::arg("parent_row", parent.row_type), fmt::arg("child_row", child->row_type),
        fmt::arg("member", member), fmt::arg("method", parent.method), fmt::arg("parent_params", parent.params_type),
        fmt::arg("decl_args", decl_args), fmt::arg("call_args", call_args), fmt::arg("child_params", child->params_type),
        fmt::arg("key_type", key_type), fmt::arg("child_field", child->param_fields.front()),
        fmt::arg("child_method", child->method),
        fmt::arg("take_key",
                 key_nullable
                     ? fmt::format("if (parent.{k}) {{\n"
                                   "            if (positions[*parent.{k}].empty()) keys.{f}.push_back(*parent.{k});\n"
                                   "            positions[*parent.{k}].push_back(out.size());\n"
                                   "        }}",
                                   fmt::arg("k", key->first), fmt::arg("f", child->param_fields.front()))
                     : fmt::format("auto& at = positions[parent.{k}];\n"
                                   "        if (at.empty()) keys.{f}.push_back(parent.{k});\n"
                                   "        at.push_back(out.size());",
                                   fmt::arg("k", key->first), fmt::arg("f", child->param_fields.front()))),
        fmt::arg("find_child", child_key_nullable
                                   ? fmt::format("if (!child.{c}) continue;\n        const auto found = positions.find(*child.{c});",
                                                 fmt::arg("c", child->columns.front().first))
                                   : fmt::format("const auto found = positions.find(child.{c});",
                                                 fmt::arg("c", child->columns.front().first))));
}

std::string repository_methods(const std::vector<repo_entry>& entries, codegen::diagnostics& diags) {
    std::string out;
    for (const auto& e : entries) {
        const auto [decl_args, call_args] = variant_arguments(e);
        const std::string head = fmt::format("    auto r = co_await db_->execute({}, {}::bind(p));\n"
                                             "    if (!r) co_return katana::unexpected(std::move(r).error());\n",
                                             statement_expression(e), e.type);
        switch (e.q->kind) {
        case query_kind::one:
            if (e.row_type.empty()) break;
            out += fmt::format("katana::task<katana::expected<{row}, katana::pg::error>> {m}({p} p{decl}) {{\n{head}"
                               "    if (r->rows() == 0) {{\n"
                               "        co_return katana::unexpected(katana::pg::make_error(katana::pg::error_kind::not_found, "
                               "\"{name}: no row\"));\n"
                               "    }}\n"
                               "    co_return {type}::read_row(*r, 0);\n}}\n",
                               fmt::arg("row", e.row_type), fmt::arg("m", e.method), fmt::arg("p", e.params_type),
                               fmt::arg("decl", decl_args), fmt::arg("head", head), fmt::arg("name", e.q->name),
                               fmt::arg("type", e.type));
            break;
        case query_kind::many:
            if (e.row_type.empty()) break;
            out += fmt::format("katana::task<katana::expected<std::vector<{row}>, katana::pg::error>> {m}({p} p{decl}) {{\n{head}"
                               "    std::vector<{row}> rows;\n"
                               "    rows.reserve(static_cast<std::size_t>(r->rows()));\n"
                               "    for (int i = 0; i < r->rows(); ++i) {{\n"
                               "        auto row = {type}::read_row(*r, i);\n"
                               "        if (!row) co_return katana::unexpected(std::move(row).error());\n"
                               "        rows.push_back(std::move(*row));\n"
                               "    }}\n"
                               "    co_return rows;\n}}\n",
                               fmt::arg("row", e.row_type), fmt::arg("m", e.method), fmt::arg("p", e.params_type),
                               fmt::arg("decl", decl_args), fmt::arg("head", head), fmt::arg("type", e.type));
            // Rows one at a time, without a vector of every row.
            out += fmt::format("template <class F>\n"
                               "katana::task<katana::expected<void, katana::pg::error>> for_each_{m}({p} p, F on_row{decl}) {{\n"
                               "{head}"
                               "    for (int i = 0; i < r->rows(); ++i) {{\n"
                               "        auto row = {type}::read_row(*r, i);\n"
                               "        if (!row) co_return katana::unexpected(std::move(row).error());\n"
                               "        on_row(std::move(*row));\n"
                               "    }}\n"
                               "    co_return katana::expected<void, katana::pg::error>();\n}}\n",
                               fmt::arg("m", e.method), fmt::arg("p", e.params_type), fmt::arg("decl", decl_args),
                               fmt::arg("head", head), fmt::arg("type", e.type));
            for (const auto& pf : e.q->prefetch) out += prefetch_method(e, pf, entries, diags);
            break;
        case query_kind::exec:
            out += fmt::format("katana::task<katana::expected<void, katana::pg::error>> {m}({p} p{decl}) {{\n{head}"
                               "    co_return katana::expected<void, katana::pg::error>();\n}}\n",
                               fmt::arg("m", e.method), fmt::arg("p", e.params_type), fmt::arg("decl", decl_args),
                               fmt::arg("head", head));
            break;
        case query_kind::execrows:
            out += fmt::format("katana::task<katana::expected<std::uint64_t, katana::pg::error>> {m}({p} p{decl}) {{\n{head}"
                               "    co_return static_cast<std::uint64_t>(r->affected_rows());\n}}\n",
                               fmt::arg("m", e.method), fmt::arg("p", e.params_type), fmt::arg("decl", decl_args),
                               fmt::arg("head", head));
            break;
        case query_kind::batch: {
            // Every set's Bind/Execute/Sync goes out before the first answer is read (when_all
            // starts each execute up to its first suspension): one pipeline, in order.
            const bool rows = !e.row_type.empty();
            out += fmt::format(
                "katana::task<katana::expected<std::vector<{r}>, katana::pg::error>> {m}(std::span<const {p}> sets) {{\n"
                "    std::vector<katana::pg::params> args;\n"
                "    args.reserve(sets.size());\n"
                "    for (const auto& p : sets) args.push_back({type}::bind(p));\n"
                "    std::vector<katana::task<katana::expected<katana::pg::result, katana::pg::error>>> calls;\n"
                "    calls.reserve(args.size());\n"
                "    for (const auto& a : args) calls.push_back(db_->execute({type}::statements[0], a));\n"
                "    auto results = co_await katana::when_all(std::move(calls));\n"
                "    std::vector<{r}> out;\n"
                "    out.reserve(results.size());\n"
                "    for (auto& r : results) {{\n"
                "        if (!r) co_return katana::unexpected(std::move(r).error());\n"
                "{each}"
                "    }}\n"
                "    co_return out;\n}}\n",
                fmt::arg("r", rows ? e.row_type : std::string("std::uint64_t")), fmt::arg("m", e.method),
                fmt::arg("p", e.params_type), fmt::arg("type", e.type),
                fmt::arg("each",
                         rows ? fmt::format("        if (r->rows() == 0) {{\n"
                                            "            co_return katana::unexpected(katana::pg::make_error("
                                            "katana::pg::error_kind::not_found, \"{}: no row\"));\n"
                                            "        }}\n"
                                            "        auto row = {}::read_row(*r, 0);\n"
                                            "        if (!row) co_return katana::unexpected(std::move(row).error());\n"
                                            "        out.push_back(std::move(*row));\n",
                                            e.q->name, e.type)
                              : std::string("        out.push_back(static_cast<std::uint64_t>(r->affected_rows()));\n")));
            break;
        }
        case query_kind::copyfrom:
            break; // no repository method yet (README: the runtime has no binary COPY)
        }
    }
    return out;
}
} // namespace

std::string emit_header(const std::vector<query>& queries, const schema_info& schema, const std::string& cpp_namespace,
                        std::string_view marker, codegen::diagnostics& diags) {
    emitter em{queries, schema, diags, {}, false, false};
    names::scope top;
    codegen::printer body;

    for (const auto& e : schema.enums) {
        const std::string type = top.claim(names::pascal_case(e.name));
        em.enum_names.emplace(e.name, type);
        names::scope members;
        std::string enumerators;
        std::string labels;
        std::string pairs;
        for (const auto& label : e.labels) {
            const std::string m = members.claim(names::snake_case(label));
            enumerators += fmt::format("{},\n", m);
            labels += fmt::format("{}, ", cpp_string_literal(label));
            pairs += fmt::format("{{{}::{}::{}, {}}}, ", cpp_namespace, type, m, cpp_string_literal(label));
        }
        if (!labels.empty()) labels.resize(labels.size() - 2);
        if (!pairs.empty()) pairs.resize(pairs.size() - 2);
        const std::string labels_name = top.claim(names::snake_case(e.name) + "_labels");
        const std::string from_name = top.claim(names::snake_case(e.name) + "_from_pg");
        body.emit({{"type", type}, {"pg", e.name}, {"enumerators", enumerators}, {"count", std::to_string(e.labels.size())},
                   {"labels", labels}, {"labels_name", labels_name}, {"from", from_name}, {"ns", cpp_namespace},
                   {"pg_literal", cpp_string_literal(e.name)}, {"pairs", pairs}},
                  R"(
            // PostgreSQL enum $pg$ (labels in sort order).
            enum class $type$ : std::uint16_t {
                $enumerators$
            };
            inline constexpr std::array<std::string_view, $count$> $labels_name${$labels$};
            [[nodiscard]] constexpr std::string_view to_pg($type$ value) noexcept {
                return $labels_name$[static_cast<std::size_t>(value)];
            }
            [[nodiscard]] constexpr std::optional<$type$> $from$(std::string_view label) noexcept {
                for (std::size_t i = 0; i < $labels_name$.size(); ++i) {
                    if ($labels_name$[i] == label) return static_cast<$type$>(i);
                }
                return std::nullopt;
            }
            } // namespace $ns$
            // The runtime's codecs send and read $type$ as its label.
            template <>
            struct katana::pg::enum_traits<$ns$::$type$> {
                static constexpr std::string_view type_name = $pg_literal$;
                static constexpr std::array<std::pair<$ns$::$type$, std::string_view>, $count$> labels{{$pairs$}};
            };
            namespace $ns$ {

        )");
    }

    std::vector<repo_entry> entries;
    std::map<std::string, const query_info*> analyzed;
    for (const auto& qi : schema.queries) analyzed.emplace(qi.name, &qi);

    for (const auto& q : queries) {
        const auto found = analyzed.find(q.name);
        if (found == analyzed.end()) {
            diags.error_at(q.file, q.statement.first_line, q.statement.first_column,
                           fmt::format("query {} is missing from the analysis (stale lock file?)", q.name));
            continue;
        }
        const query_info& info = *found->second;
        const std::string base = names::pascal_case(q.name);
        const std::string query_type = top.claim(base);
        const source_pos at{q.statement.first_line, q.statement.first_column};

        // Parameters.
        names::scope pscope;
        std::string param_fields;
        std::string oids;
        std::string binds;
        std::vector<std::string> param_names;
        for (const auto& p : info.params) {
            auto t = em.type_of(q, p.type, p.nullable, fmt::format("parameter {} of query {}", p.name, q.name));
            if (!t) continue;
            const std::string field = pscope.claim(names::snake_case(p.name));
            param_fields += fmt::format("{} {}{{}};\n", *t, field);
            oids += fmt::format("{}, ", p.type.oid);
            // Enum oids differ per database: 0 lets the prepared statement's inferred type stand.
            binds += p.type.oid == 0 ? fmt::format("katana::pg::bind(args, p.{});\n", field)
                                     : fmt::format("katana::pg::bind(args, p.{}, {});\n", field, p.type.oid);
            param_names.push_back(field);
        }
        if (!oids.empty()) oids.resize(oids.size() - 2);
        const std::string params_type = top.claim(base + "Params");
        body.emit({{"name", params_type}, {"fields", param_fields}}, R"(
            struct $name$ {
                $fields$
            };
        )");

        // Row.
        std::string row_type;
        std::string reads;
        std::vector<std::pair<std::string, std::string>> columns; // (field, C++ type)
        if (!info.columns.empty()) {
            names::scope cscope;
            std::string fields;
            int index = 0;
            for (const auto& c : info.columns) {
                auto t = em.type_of(q, c.type, c.nullable, fmt::format("column {} of query {}", c.name, q.name));
                if (!t) continue;
                const std::string field = cscope.claim(names::snake_case(c.name));
                fields += fmt::format("{} {}{{}};\n", *t, field);
                reads += fmt::format("if (auto v = katana::pg::field<{}>(r, i, {})) {{\n"
                                     "    out.{} = std::move(*v);\n"
                                     "}} else {{\n"
                                     "    return katana::unexpected(std::move(v).error());\n"
                                     "}}\n",
                                     *t, index, field);
                columns.emplace_back(field, *t);
                ++index;
            }
            row_type = top.claim(base + "Row");
            body.emit({{"name", row_type}, {"fields", fields}}, R"(
                struct $name$ {
                    $fields$
                };
            )");
        }

        // Filters and sort orders: the whitelist, as enums.
        std::string filter_type;
        if (!q.filters.empty()) {
            filter_type = top.claim(base + "Filter");
            names::scope fscope;
            std::string items;
            for (std::size_t i = 0; i < q.filters.size(); ++i) {
                items += fmt::format("{} = 1U << {}, // {}\n", fscope.claim(names::snake_case(q.filters[i].name)), i,
                                     q.filters[i].fragment);
            }
            body.emit({{"name", filter_type}, {"items", items}}, R"(
                // Bits of a filter mask: each set bit adds AND (condition) at the filters placeholder.
                enum class $name$ : std::uint32_t {
                    $items$
                };
                [[nodiscard]] constexpr std::uint32_t operator|($name$ a, $name$ b) noexcept {
                    return static_cast<std::uint32_t>(a) | static_cast<std::uint32_t>(b);
                }
            )");
        }
        std::string sort_type;
        if (!q.sort_columns.empty()) {
            sort_type = top.claim(base + "Sort");
            names::scope sscope;
            std::string items = fmt::format("{},\n", sscope.claim("none"));
            for (const auto& c : q.sort_columns) {
                items += fmt::format("{},\n", sscope.claim(names::snake_case(c) + "_asc"));
                items += fmt::format("{},\n", sscope.claim(names::snake_case(c) + "_desc"));
            }
            body.emit({{"name", sort_type}, {"items", items}}, R"(
                enum class $name$ : std::uint8_t {
                    $items$
                };
            )");
        }

        // Prefetch declarations must name a query and one of this query's columns.
        std::string prefetch;
        for (const auto& p : q.prefetch) {
            const bool target = std::any_of(queries.begin(), queries.end(), [&](const query& o) { return o.name == p.query; });
            const bool key = std::any_of(info.columns.begin(), info.columns.end(),
                                         [&](const column_info& c) { return c.name == p.key; });
            if (!target) {
                diags.error_at(q.file, at.line, at.column, fmt::format("query {} prefetches unknown query {}", q.name, p.query));
            } else if (!key) {
                diags.error_at(q.file, at.line, at.column,
                               fmt::format("query {} prefetches {} by '{}', which is not one of its columns", q.name,
                                           p.query, p.key));
            }
            prefetch += fmt::format("{{{}, {}}}, ", cpp_string_literal(p.query), cpp_string_literal(p.key));
        }
        if (!prefetch.empty()) prefetch.resize(prefetch.size() - 2);

        std::string sql;
        std::string statement_names;
        std::string statements;
        const std::uint32_t variants = q.variant_count();
        for (std::uint32_t v = 0; v < variants; ++v) {
            sql += cpp_string_literal(q.variant_sql(v / q.sort_count(), v % q.sort_count())) + ",\n";
            statement_names += fmt::format("\"katana_{}_{}\",\n", names::snake_case(q.name), v);
            statements += fmt::format("katana::pg::statement{{statement_names[{}], sql[{}], param_oids}},\n", v, v);
        }
        std::string variant_fn;
        if (!filter_type.empty() || !sort_type.empty()) {
            variant_fn = fmt::format(
                "[[nodiscard]] static constexpr std::size_t variant(std::uint32_t filter_mask{}) noexcept {{\n"
                "    return static_cast<std::size_t>(filter_mask & {}U) * sort_count{};\n}}",
                sort_type.empty() ? "" : fmt::format(", {} sort = {}::none", sort_type, sort_type), q.all_filters(),
                sort_type.empty() ? "" : " + static_cast<std::size_t>(sort)");
        }
        body.emit({{"type", query_type},
                   {"name", cpp_string_literal(q.name)},
                   {"kind", cpp_string_literal(to_string(q.kind))},
                   {"where", fmt::format("{}:{}", q.file, at.line)},
                   {"params", params_type},
                   {"row", row_type.empty() ? std::string("void") : row_type},
                   {"nparams", std::to_string(info.params.size())},
                   {"oids", oids},
                   {"sort_count", std::to_string(q.sort_count())},
                   {"variants", std::to_string(variants)},
                   {"sql", sql},
                   {"statement_names", statement_names},
                   {"nprefetch", std::to_string(q.prefetch.size())},
                   {"prefetch", prefetch},
                   {"variant_fn", variant_fn},
                   {"statements", statements},
                   {"binds", binds},
                   {"read_row", row_type.empty() ? std::string()
                                                  : fmt::format("// Row i of a result of this query (columns by position).\n"
                                                                "[[nodiscard]] static katana::expected<row, katana::pg::error> "
                                                                "read_row(const katana::pg::result& r, int i) {{\n"
                                                                "    row out;\n{}    return out;\n}}",
                                                                indent(reads, 4))}},
                  R"(
            // $where$
            struct $type$ {
                static constexpr std::string_view name = $name$;
                static constexpr std::string_view kind = $kind$;
                using params = $params$;
                using row = $row$;
                // Parameter type OIDs for PQprepare (0: PostgreSQL infers it, e.g. enums).
                static constexpr std::array<std::uint32_t, $nparams$> param_oids{$oids$};
                // Variant v = filter_mask * sort_count + sort; variants[0] has no filter and no sort.
                static constexpr std::size_t sort_count = $sort_count$;
                static constexpr std::array<std::string_view, $variants$> sql{
                    $sql$
                };
                static constexpr std::array<std::string_view, $variants$> statement_names{
                    $statement_names$
                };
                // (query, column of this row passed as its key)
                static constexpr std::array<std::pair<std::string_view, std::string_view>, $nprefetch$> prefetch{{$prefetch$}};
                $variant_fn$
                // What the repository executes: every variant as a prepared statement (binary results).
                static constexpr std::array<katana::pg::statement, $variants$> statements{{
                    $statements$
                }};
                // Every parameter in placeholder order (filters' too, so every variant takes the same list).
                [[nodiscard]] static katana::pg::params bind([[maybe_unused]] const params& p) {
                    katana::pg::params args;
                    $binds$
                    return args;
                }
                $read_row$
            };

        )");
        entries.push_back(repo_entry{&q, &info, query_type, names::snake_case(q.name), params_type, row_type, filter_type,
                                     sort_type, param_names, columns});
    }

    body.emit({{"methods", repository_methods(entries, diags)}}, R"(
        // The repository: one coroutine per query, on a pool (`queries`) or inside a transaction
        // (`tx_queries`, from pool::transaction). Results are decoded into the row structs; a
        // `:one` query that finds nothing is error_kind::not_found.
        template <class Executor>
        class basic_queries {
        public:
            explicit basic_queries(Executor& db) noexcept : db_(&db) {}

            $methods$
        private:
            Executor* db_;
        };
        using queries = basic_queries<katana::pg::pool>;
        using tx_queries = basic_queries<katana::pg::transaction>;

    )");

    codegen::printer out;
    out.line(std::string(marker.substr(0, marker.find('\n'))));
    out.emit(R"(
        #pragma once
        #include <array>
    )");
    if (em.needs_chrono) out.line("#include <chrono>");
    out.emit(R"(
        #include <cstddef>
        #include <cstdint>
        #include <optional>
        #include <string>
        #include <string_view>
        #include <utility>
        #include <vector>
    )");
    out.emit(R"(
        #include <span>
        #include <unordered_map>
        #include <katana/coro/task.hpp>
        #include <katana/coro/when_all.hpp>
        #include <katana/pg/error.hpp>
        #include <katana/pg/pool.hpp>
        #include <katana/pg/statement.hpp>
        #include <katana/pg/transaction.hpp>
        #include <katana/pg/types.hpp>
        #include <katana/util/expected.hpp>
    )");
    out.blank_line();
    out.emit({{"ns", cpp_namespace}, {"body", body.str()}}, R"(
        namespace $ns$ {

        $body$
        } // namespace $ns$
    )");
    return out.take();
}

} // namespace katana::sqlgen
