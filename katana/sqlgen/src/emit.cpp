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
        std::string cases;
        for (const auto& label : e.labels) {
            const std::string m = members.claim(names::snake_case(label));
            enumerators += fmt::format("{},\n", m);
            labels += fmt::format("{}, ", cpp_string_literal(label));
        }
        if (!labels.empty()) labels.resize(labels.size() - 2);
        const std::string labels_name = top.claim(names::snake_case(e.name) + "_labels");
        const std::string from_name = top.claim(names::snake_case(e.name) + "_from_pg");
        body.emit({{"type", type}, {"pg", e.name}, {"enumerators", enumerators}, {"count", std::to_string(e.labels.size())},
                   {"labels", labels}, {"labels_name", labels_name}, {"from", from_name}},
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

        )");
    }

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
        for (const auto& p : info.params) {
            auto t = em.type_of(q, p.type, p.nullable, fmt::format("parameter {} of query {}", p.name, q.name));
            if (!t) continue;
            param_fields += fmt::format("{} {}{{}};\n", *t, pscope.claim(names::snake_case(p.name)));
            oids += fmt::format("{}, ", p.type.oid);
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
        if (!info.columns.empty()) {
            names::scope cscope;
            std::string fields;
            for (const auto& c : info.columns) {
                auto t = em.type_of(q, c.type, c.nullable, fmt::format("column {} of query {}", c.name, q.name));
                if (!t) continue;
                fields += fmt::format("{} {}{{}};\n", *t, cscope.claim(names::snake_case(c.name)));
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
        const std::uint32_t variants = q.variant_count();
        for (std::uint32_t v = 0; v < variants; ++v) {
            sql += cpp_string_literal(q.variant_sql(v / q.sort_count(), v % q.sort_count())) + ",\n";
            statement_names += fmt::format("\"katana_{}_{}\",\n", names::snake_case(q.name), v);
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
                   {"variant_fn", variant_fn}},
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
            };

        )");
    }

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
    if (em.needs_pg) out.line("#include <katana/pg/types.hpp>");
    out.blank_line();
    out.emit({{"ns", cpp_namespace}, {"body", body.str()}}, R"(
        namespace $ns$ {

        $body$
        } // namespace $ns$
    )");
    return out.take();
}

} // namespace katana::sqlgen
