#include "lex.hpp"

#include <katana/sqlgen/query.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <functional>
#include <optional>

namespace katana::sqlgen {

std::string_view to_string(query_kind k) noexcept {
    switch (k) {
    case query_kind::one: return "one";
    case query_kind::many: return "many";
    case query_kind::exec: return "exec";
    case query_kind::execrows: return "execrows";
    case query_kind::copyfrom: return "copyfrom";
    case query_kind::batch: return "batch";
    }
    return "many";
}

namespace {

bool ident_start(char c) noexcept {
    return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}
bool ident_char(char c) noexcept {
    return ident_start(c) || std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '$';
}

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
    return s;
}

// If sql[i] starts something that can hide a ';' or a parameter (string, quoted identifier,
// dollar quote, comment), returns the offset just after it (the end of text when unterminated:
// PostgreSQL reports that better than we could). Otherwise nullopt.
std::optional<std::size_t> skip_opaque(std::string_view sql, std::size_t i) {
    const char c = sql[i];
    const auto at = [&](std::size_t k) { return k < sql.size() ? sql[k] : '\0'; };
    if (c == '\'' || c == '"') {
        // E'..' strings allow backslash escapes; '' / "" double the quote everywhere.
        const bool backslashes = c == '\'' && i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') &&
                                 (i < 2 || !ident_char(sql[i - 2]));
        for (std::size_t k = i + 1; k < sql.size(); ++k) {
            if (backslashes && sql[k] == '\\') {
                ++k;
                continue;
            }
            if (sql[k] == c) {
                if (at(k + 1) == c) {
                    ++k;
                    continue;
                }
                return k + 1;
            }
        }
        return sql.size();
    }
    if (c == '-' && at(i + 1) == '-') {
        const auto nl = sql.find('\n', i);
        return nl == std::string_view::npos ? sql.size() : nl + 1;
    }
    if (c == '/' && at(i + 1) == '*') {
        // Block comments nest in PostgreSQL.
        std::size_t depth = 0;
        for (std::size_t k = i; k < sql.size(); ++k) {
            if (sql[k] == '/' && at(k + 1) == '*') {
                ++depth;
                ++k;
            } else if (sql[k] == '*' && at(k + 1) == '/') {
                ++k;
                if (--depth == 0) return k + 1;
            }
        }
        return sql.size();
    }
    if (c == '$' && (i == 0 || !ident_char(sql[i - 1]))) {
        // $tag$ ... $tag$ (tag may be empty); "$1" is a parameter, not a quote.
        std::size_t k = i + 1;
        if (k < sql.size() && ident_start(sql[k])) {
            while (k < sql.size() && ident_char(sql[k]) && sql[k] != '$') ++k;
        }
        if (at(k) != '$') return std::nullopt;
        const std::string_view tag = sql.substr(i, k + 1 - i);
        const auto end = sql.find(tag, k + 1);
        return end == std::string_view::npos ? sql.size() : end + tag.size();
    }
    return std::nullopt;
}

} // namespace

namespace detail {
std::optional<std::size_t> skip_quoted_or_comment(std::string_view sql, std::size_t i) { return skip_opaque(sql, i); }
bool is_ident_start(char c) noexcept { return ident_start(c); }
bool is_ident_char(char c) noexcept { return ident_char(c); }
} // namespace detail

std::vector<raw_statement> split_statements(std::string_view sql) {
    std::vector<raw_statement> out;
    std::uint32_t line = 1;
    std::uint32_t column = 1;
    std::size_t pos = 0;
    const auto advance_to = [&](std::size_t target) {
        for (; pos < target; ++pos) {
            if (sql[pos] == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
        }
    };
    while (pos < sql.size()) {
        raw_statement st;
        // Leading blank space and `--` lines: the annotations.
        for (;;) {
            while (pos < sql.size() && std::isspace(static_cast<unsigned char>(sql[pos])) != 0) advance_to(pos + 1);
            if (pos + 1 < sql.size() && sql[pos] == '-' && sql[pos + 1] == '-') {
                const auto nl = sql.find('\n', pos);
                const auto end = nl == std::string_view::npos ? sql.size() : nl;
                st.comments.push_back({std::string(sql.substr(pos + 2, end - pos - 2)), line});
                advance_to(end);
                continue;
            }
            break;
        }
        if (pos >= sql.size()) break;
        st.first_line = line;
        st.first_column = column;
        const std::size_t start = pos;
        std::size_t k = pos;
        while (k < sql.size() && sql[k] != ';') {
            if (auto skip = skip_opaque(sql, k)) {
                k = *skip;
            } else {
                ++k;
            }
        }
        st.text = std::string(trim(sql.substr(start, k - start)));
        advance_to(std::min(k + 1, sql.size()));
        if (!st.text.empty()) out.push_back(std::move(st));
    }
    return out;
}

source_pos position_in_file(const raw_statement& st, std::size_t offset) {
    source_pos p{st.first_line, st.first_column};
    offset = std::min(offset, st.text.size());
    for (std::size_t i = 0; i < offset; ++i) {
        if (st.text[i] == '\n') {
            ++p.line;
            p.column = 1;
        } else {
            ++p.column;
        }
    }
    return p;
}

namespace {

struct parse_context {
    std::string_view file;
    codegen::diagnostics& diags;
    bool failed = false;

    void error(source_pos at, std::string message) {
        diags.error_at(std::string(file), at.line, at.column, std::move(message));
        failed = true;
    }
};

enum class param_style : std::uint8_t { none, named, positional };

// Maps an offset in the text being cut (statement or filter fragment) to the file.
using position_fn = std::function<source_pos(std::size_t)>;

// Cuts `text` into segments; parameters are added to `q.params` (a repeated name is the same
// parameter). `allow_placeholders`: the statement, not a filter fragment.
void cut_segments(std::string_view text, query& q, param_style& style, std::vector<segment>& out,
                  bool allow_placeholders, parse_context& ctx, const position_fn& pos_of) {
    std::size_t literal_start = 0;
    const auto flush = [&](std::size_t end) {
        if (end > literal_start) {
            out.push_back({segment::kind::text, std::string(text.substr(literal_start, end - literal_start)), 0,
                           literal_start});
        }
    };
    std::size_t i = 0;
    while (i < text.size()) {
        const char c = text[i];
        if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
            const std::size_t end = *skip_opaque(text, i);
            const std::string_view body = trim(text.substr(i + 2, end >= i + 4 ? end - i - 4 : 0));
            if (allow_placeholders && (body == "filters" || body == "sort")) {
                flush(i);
                out.push_back({body == "sort" ? segment::kind::sort : segment::kind::filters, {}, 0, i});
                literal_start = end;
            }
            i = end;
            continue;
        }
        if (auto skip = skip_opaque(text, i)) {
            i = *skip;
            continue;
        }
        const bool boundary = i == 0 || !ident_char(text[i - 1]);
        if (c == '@' && boundary && i + 1 < text.size() && ident_start(text[i + 1])) {
            std::size_t e = i + 1;
            while (e < text.size() && ident_char(text[e]) && text[e] != '$') ++e;
            std::string name(text.substr(i + 1, e - i - 1));
            if (style == param_style::positional) {
                ctx.error(pos_of(i), "a query uses either @name or $n parameters, not both");
            }
            style = param_style::named;
            flush(i);
            auto found = std::find_if(q.params.begin(), q.params.end(), [&](const param& p) { return p.name == name; });
            if (found == q.params.end()) {
                q.params.push_back({name, static_cast<std::uint32_t>(q.params.size() + 1), false});
                found = q.params.end() - 1;
            }
            out.push_back({segment::kind::param, {}, static_cast<std::uint32_t>(found - q.params.begin()), i});
            literal_start = e;
            i = e;
            continue;
        }
        if (c == '$' && boundary && i + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[i + 1])) != 0) {
            std::size_t e = i + 1;
            while (e < text.size() && std::isdigit(static_cast<unsigned char>(text[e])) != 0) ++e;
            unsigned n = 0;
            const auto [ptr, ec] = std::from_chars(text.data() + i + 1, text.data() + e, n);
            static_cast<void>(ptr);
            if (ec != std::errc{} || n == 0 || n > 1000) {
                ctx.error(pos_of(i), fmt::format("bad parameter number {}", text.substr(i, e - i)));
            } else {
                if (style == param_style::named) {
                    ctx.error(pos_of(i), "a query uses either @name or $n parameters, not both");
                }
                style = param_style::positional;
                while (q.params.size() < n) {
                    q.params.push_back({fmt::format("p{}", q.params.size() + 1),
                                        static_cast<std::uint32_t>(q.params.size() + 1), false});
                }
                flush(i);
                out.push_back({segment::kind::param, {}, n - 1, i});
                literal_start = e;
            }
            i = e;
            continue;
        }
        ++i;
    }
    flush(text.size());
}

std::vector<std::string> split_list(std::string_view list) {
    std::vector<std::string> out;
    while (!list.empty()) {
        const auto comma = list.find(',');
        const auto item = trim(list.substr(0, comma));
        if (!item.empty()) out.emplace_back(item);
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return out;
}

bool plain_identifier(std::string_view s) {
    if (s.empty() || !ident_start(s.front())) return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return ident_char(c) && c != '$'; });
}

} // namespace

std::vector<query> parse_query_file(std::string_view file_name, std::string_view sql, codegen::diagnostics& diags) {
    std::vector<query> out;
    parse_context ctx{file_name, diags};
    for (auto& st : split_statements(sql)) {
        ctx.failed = false;
        query q;
        q.file = std::string(file_name);
        q.statement = std::move(st);
        bool named = false;
        bool named_any = false; // a '-- name:' line, valid or not (reported once)
        std::vector<std::pair<std::string, std::uint32_t>> nullable;
        for (const auto& comment : q.statement.comments) {
            const std::string_view text = trim(comment.text);
            const auto colon = text.find(':');
            if (colon == std::string_view::npos) continue;
            const std::string_view key = trim(text.substr(0, colon));
            const std::string_view value = trim(text.substr(colon + 1));
            // Column of the value: "--" + leading space in the raw comment.
            const auto value_col = static_cast<std::uint32_t>(3 + comment.text.find(value.empty() ? text : value));
            const source_pos at{comment.line, value_col};
            if (key == "name") {
                named_any = true;
                const auto space = value.find_first_of(" \t");
                const std::string_view name = value.substr(0, space);
                const std::string_view kind = space == std::string_view::npos ? "" : trim(value.substr(space));
                if (!plain_identifier(name)) {
                    ctx.error(at, fmt::format("query name '{}' is not an identifier", name));
                    continue;
                }
                static constexpr std::array<std::pair<std::string_view, query_kind>, 6> kinds{{
                    {":one", query_kind::one}, {":many", query_kind::many}, {":exec", query_kind::exec},
                    {":execrows", query_kind::execrows}, {":copyfrom", query_kind::copyfrom}, {":batch", query_kind::batch}}};
                const auto k = std::find_if(kinds.begin(), kinds.end(), [&](const auto& e) { return e.first == kind; });
                if (k == kinds.end()) {
                    ctx.error(at, fmt::format("query {} needs a kind: :one, :many, :exec, :execrows, :copyfrom or :batch "
                                              "(got '{}')", name, kind));
                    continue;
                }
                if (named) ctx.error(at, "a statement has exactly one '-- name:' annotation");
                named = true;
                q.name = std::string(name);
                q.kind = k->second;
            } else if (key == "nullable") {
                for (auto& n : split_list(value)) nullable.emplace_back(std::move(n), comment.line);
            } else if (key == "notnull") {
                for (auto& n : split_list(value)) q.notnull_columns.push_back(std::move(n));
            } else if (key == "sort") {
                for (auto& n : split_list(value)) {
                    if (!plain_identifier(n)) {
                        ctx.error(at, fmt::format("sort column '{}' must be a plain column name", n));
                    } else {
                        q.sort_columns.push_back(std::move(n));
                    }
                }
            } else if (key == "filter") {
                const auto eq = value.find('=');
                const std::string_view name = trim(value.substr(0, eq));
                if (eq == std::string_view::npos || !plain_identifier(name) || trim(value.substr(eq + 1)).empty()) {
                    ctx.error(at, "a filter is declared as '-- filter: <name> = <SQL condition>'");
                    continue;
                }
                filter_decl f;
                f.name = std::string(name);
                const std::string_view frag = trim(value.substr(eq + 1));
                f.fragment = std::string(frag);
                f.at = {comment.line, static_cast<std::uint32_t>(3 + comment.text.find(frag))};
                q.filters.push_back(std::move(f));
            } else if (key == "prefetch") {
                const auto open = value.find('(');
                const auto close = value.rfind(')');
                if (open == std::string_view::npos || close == std::string_view::npos || close < open ||
                    !plain_identifier(trim(value.substr(0, open))) ||
                    !plain_identifier(trim(value.substr(open + 1, close - open - 1)))) {
                    ctx.error(at, "a prefetch is declared as '-- prefetch: <query>(<column>)'");
                    continue;
                }
                q.prefetch.push_back({std::string(trim(value.substr(0, open))),
                                      std::string(trim(value.substr(open + 1, close - open - 1)))});
            }
        }
        const source_pos start{q.statement.first_line, q.statement.first_column};
        if (!named) {
            if (named_any) continue;
            ctx.error(start, "statement has no '-- name: <Name> :<kind>' annotation");
            continue;
        }
        if (q.filters.size() > max_filters) {
            ctx.error(start, fmt::format("query {} declares {} filters; at most {} are allowed (each combination is a "
                                         "prepared statement)", q.name, q.filters.size(), max_filters));
        }
        param_style style = param_style::none;
        cut_segments(q.statement.text, q, style, q.segments, true, ctx,
                     [&](std::size_t off) { return position_in_file(q.statement, off); });
        const auto has = [&](segment::kind k) {
            return std::any_of(q.segments.begin(), q.segments.end(), [&](const segment& s) { return s.what == k; });
        };
        if (!q.filters.empty() && !has(segment::kind::filters)) {
            ctx.error(start, fmt::format("query {} declares filters but has no /* filters */ placeholder", q.name));
        }
        if (!q.sort_columns.empty() && !has(segment::kind::sort)) {
            ctx.error(start, fmt::format("query {} declares sort columns but has no /* sort */ placeholder", q.name));
        }
        for (auto& f : q.filters) {
            const source_pos at = f.at;
            cut_segments(f.fragment, q, style, f.segments, false, ctx,
                         [&](std::size_t off) { return source_pos{at.line, at.column + static_cast<std::uint32_t>(off)}; });
        }
        for (const auto& [name, line] : nullable) {
            auto p = std::find_if(q.params.begin(), q.params.end(), [&](const param& e) { return e.name == name; });
            if (p == q.params.end()) {
                ctx.error({line, 1}, fmt::format("'-- nullable: {}' names no parameter of query {}", name, q.name));
            } else {
                p->nullable = true;
            }
        }
        const bool duplicate = std::any_of(out.begin(), out.end(), [&](const query& e) { return e.name == q.name; });
        if (duplicate) ctx.error(start, fmt::format("query {} is defined twice in this file", q.name));
        if (!ctx.failed) out.push_back(std::move(q));
    }
    return out;
}

namespace {

struct sql_builder {
    std::string sql;
    struct mark {
        std::size_t sql_offset;
        source_pos at;
        bool advances; // positions inside follow the text (true) or stay put (generated text)
    };
    std::vector<mark> marks;
};

void append_segments(sql_builder& b, const query& q, const std::vector<segment>& segs, std::uint32_t filter_mask,
                     std::uint32_t sort_index, const position_fn& pos_of) {
    for (const auto& s : segs) {
        switch (s.what) {
        case segment::kind::text:
            b.marks.push_back({b.sql.size(), pos_of(s.source_offset), true});
            b.sql += s.text;
            break;
        case segment::kind::param:
            b.marks.push_back({b.sql.size(), pos_of(s.source_offset), false});
            b.sql += fmt::format("${}", q.params[s.param_index].number);
            break;
        case segment::kind::filters:
            for (std::size_t f = 0; f < q.filters.size(); ++f) {
                if ((filter_mask & (1U << f)) == 0) continue;
                b.marks.push_back({b.sql.size(), pos_of(s.source_offset), false});
                b.sql += " AND (";
                const source_pos at = q.filters[f].at;
                append_segments(b, q, q.filters[f].segments, 0, 0, [at](std::size_t off) {
                    return source_pos{at.line, at.column + static_cast<std::uint32_t>(off)};
                });
                b.marks.push_back({b.sql.size(), pos_of(s.source_offset), false});
                b.sql += ")";
            }
            break;
        case segment::kind::sort:
            if (sort_index > 0 && sort_index <= 2 * q.sort_columns.size()) {
                b.marks.push_back({b.sql.size(), pos_of(s.source_offset), false});
                b.sql += fmt::format("ORDER BY {} {}", q.sort_columns[(sort_index - 1) / 2],
                                     sort_index % 2 == 1 ? "ASC" : "DESC");
            }
            break;
        }
    }
}

sql_builder build(const query& q, std::uint32_t filter_mask, std::uint32_t sort_index) {
    sql_builder b;
    append_segments(b, q, q.segments, filter_mask, sort_index,
                    [&](std::size_t off) { return position_in_file(q.statement, off); });
    return b;
}

} // namespace

std::string query::variant_sql(std::uint32_t filter_mask, std::uint32_t sort_index) const {
    return build(*this, filter_mask, sort_index).sql;
}

std::uint32_t query::variant_count() const noexcept { return (1U << filters.size()) * sort_count(); }

source_pos query::position_of(std::size_t sql_offset) const {
    const auto b = build(*this, all_filters(), 0);
    const sql_builder::mark* best = nullptr;
    for (const auto& m : b.marks) {
        if (m.sql_offset <= sql_offset) best = &m;
    }
    if (best == nullptr) return {statement.first_line, statement.first_column};
    source_pos p = best->at;
    if (!best->advances) return p;
    // Walk the text from the mark: it is a verbatim slice of the statement or a fragment.
    for (std::size_t i = best->sql_offset; i < sql_offset && i < b.sql.size(); ++i) {
        if (b.sql[i] == '\n') {
            ++p.line;
            p.column = 1;
        } else {
            ++p.column;
        }
    }
    return p;
}

} // namespace katana::sqlgen
