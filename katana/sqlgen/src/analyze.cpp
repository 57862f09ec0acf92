// Analysis through PostgreSQL: prepare + describe, catalogs for names and nullability.
#include "lex.hpp"

#include <katana/sqlgen/analyze.hpp>

#include <fmt/format.h>
#include <libpq-fe.h>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cctype>
#include <chrono>
#include <map>
#include <memory>
#include <set>

namespace katana::sqlgen {

namespace {

struct conn_deleter {
    void operator()(PGconn* c) const noexcept { PQfinish(c); }
};
struct result_deleter {
    void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using conn_ptr = std::unique_ptr<PGconn, conn_deleter>;
using result_ptr = std::unique_ptr<PGresult, result_deleter>;

bool ok(const result_ptr& r) {
    const auto s = PQresultStatus(r.get());
    return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

std::string message_of(const PGresult* r) {
    const char* primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    std::string text = primary != nullptr ? primary : PQresultErrorMessage(r);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

// PG_DIAG_STATEMENT_POSITION counts characters from 1; the text is UTF-8. Byte offset, or npos.
std::size_t error_offset(const PGresult* r, std::string_view text) {
    const char* field = PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION);
    if (field == nullptr) return std::string_view::npos;
    long chars = std::strtol(field, nullptr, 10);
    if (chars <= 0) return std::string_view::npos;
    std::size_t i = 0;
    for (; i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0U) != 0x80U && --chars == 0) return i;
    }
    return text.size();
}

source_pos position_in_text(std::string_view text, std::size_t offset) {
    source_pos p{1, 1};
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++p.line;
            p.column = 1;
        } else {
            ++p.column;
        }
    }
    return p;
}

result_ptr exec(PGconn* c, const std::string& sql, std::initializer_list<std::string> params = {}) {
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p.c_str());
    return result_ptr(PQexecParams(c, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                                   nullptr, 0));
}

class type_resolver {
public:
    explicit type_resolver(PGconn* c) : conn_(c) {}

    // nullopt + message when the type has no C++ mapping.
    katana::expected<type_ref, std::string> resolve(Oid oid) {
        auto r = exec(conn_,
                      "SELECT t.typname, t.typtype, t.typcategory, t.typelem, t.typbasetype, "
                      "e.typname, e.typtype, e.typbasetype FROM pg_type t LEFT JOIN pg_type e ON e.oid = t.typelem "
                      "WHERE t.oid = $1::oid",
                      {std::to_string(oid)});
        if (!ok(r) || PQntuples(r.get()) != 1) return katana::unexpected(fmt::format("unknown type oid {}", oid));
        const std::string name = PQgetvalue(r.get(), 0, 0);
        const char typtype = PQgetvalue(r.get(), 0, 1)[0];
        const char category = PQgetvalue(r.get(), 0, 2)[0];
        const auto elem = static_cast<Oid>(std::strtoul(PQgetvalue(r.get(), 0, 3), nullptr, 10));
        const auto base = static_cast<Oid>(std::strtoul(PQgetvalue(r.get(), 0, 4), nullptr, 10));
        if (typtype == 'd') return resolve(base); // a domain is its base type in C++
        if (category == 'A' && elem != 0) {
            auto e = resolve(elem);
            if (!e) return e;
            if (e->array) return katana::unexpected(std::string("nested arrays are not supported"));
            e->array = true;
            e->oid = e->is_enum ? 0 : oid;
            return e;
        }
        if (typtype == 'e') {
            remember_enum(oid, name);
            return type_ref{name, false, true, 0};
        }
        return type_ref{name, false, false, oid};
    }

    [[nodiscard]] std::vector<enum_info> enums() const {
        std::vector<enum_info> out;
        for (const auto& [name, e] : enums_) out.push_back(e);
        return out;
    }

private:
    void remember_enum(Oid oid, const std::string& name) {
        if (enums_.count(name) != 0) return;
        auto r = exec(conn_, "SELECT enumlabel FROM pg_enum WHERE enumtypid = $1::oid ORDER BY enumsortorder",
                      {std::to_string(oid)});
        enum_info e{name, {}};
        if (ok(r)) {
            for (int i = 0; i < PQntuples(r.get()); ++i) e.labels.emplace_back(PQgetvalue(r.get(), i, 0));
        }
        enums_.emplace(name, std::move(e));
    }

    PGconn* conn_;
    std::map<std::string, enum_info> enums_;
};

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// Tables whose columns may be NULL because of an outer join: the table named right after
// LEFT [OUTER] JOIN; every table when the query has a RIGHT or FULL join (we do not parse which
// side a table is on there). Returns lower-cased names as written (maybe schema-qualified).
struct outer_join_scan {
    std::set<std::string> nullable_tables;
    bool everything_nullable = false;
};

outer_join_scan scan_outer_joins(std::string_view sql) {
    std::vector<std::string> words;
    for (std::size_t i = 0; i < sql.size();) {
        if (auto skip = detail::skip_quoted_or_comment(sql, i)) {
            if (sql[i] == '"') words.emplace_back(sql.substr(i + 1, *skip - i - 2 < sql.size() ? *skip - i - 2 : 0));
            i = *skip;
            continue;
        }
        if (detail::is_ident_start(sql[i])) {
            std::size_t e = i;
            while (e < sql.size() && (detail::is_ident_char(sql[e]) || sql[e] == '.')) ++e;
            words.push_back(lower(sql.substr(i, e - i)));
            i = e;
            continue;
        }
        ++i;
    }
    outer_join_scan out;
    for (std::size_t i = 0; i < words.size(); ++i) {
        if (words[i] == "right" || words[i] == "full") {
            if (i + 1 < words.size() && (words[i + 1] == "join" || words[i + 1] == "outer")) out.everything_nullable = true;
        }
        if (words[i] == "left") {
            std::size_t k = i + 1;
            if (k < words.size() && words[k] == "outer") ++k;
            if (k + 1 < words.size() && words[k] == "join") {
                std::size_t t = k + 1;
                if (words[t] == "lateral") out.everything_nullable = true;
                out.nullable_tables.insert(words[t]);
            }
        }
    }
    return out;
}

} // namespace

std::optional<schema_info> analyze(const std::string& db_url, const std::string& migrations_label,
                                   const std::vector<input_file>& migrations, const std::vector<query>& queries,
                                   codegen::diagnostics& diags) {
    conn_ptr admin(PQconnectdb(db_url.c_str()));
    if (PQstatus(admin.get()) != CONNECTION_OK) {
        diags.error_at("", 0, 0, fmt::format("cannot connect to PostgreSQL: {}", PQerrorMessage(admin.get())));
        return std::nullopt;
    }
    PQsetNoticeProcessor(admin.get(), [](void*, const char*) {}, nullptr);
    const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    const std::string scratch = fmt::format("katana_sqlgen_{}_{}", ::getpid(), static_cast<unsigned long long>(stamp) % 1000000007ULL);
    if (auto r = exec(admin.get(), fmt::format("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'", scratch)); !ok(r)) {
        diags.error_at("", 0, 0, fmt::format("cannot create a scratch database: {}", message_of(r.get())));
        return std::nullopt;
    }
    // Dropped however analysis ends.
    struct dropper {
        PGconn* admin;
        std::string name;
        ~dropper() { static_cast<void>(exec(admin, fmt::format("DROP DATABASE IF EXISTS {} WITH (FORCE)", name))); }
    } drop{admin.get(), scratch};

    // The same server, the scratch database: conninfo keywords override the URL's dbname.
    std::array<const char*, 3> keys{"dbname", "dbname", nullptr};
    std::array<const char*, 3> values{db_url.c_str(), scratch.c_str(), nullptr};
    conn_ptr c(PQconnectdbParams(keys.data(), values.data(), 1));
    if (PQstatus(c.get()) != CONNECTION_OK) {
        diags.error_at("", 0, 0, fmt::format("cannot connect to the scratch database: {}", PQerrorMessage(c.get())));
        return std::nullopt;
    }
    PQsetNoticeProcessor(c.get(), [](void*, const char*) {}, nullptr);

    for (const auto& m : migrations) {
        result_ptr r(PQexec(c.get(), m.contents.c_str()));
        if (!ok(r)) {
            const auto off = error_offset(r.get(), m.contents);
            const auto at = off == std::string_view::npos ? source_pos{0, 0} : position_in_text(m.contents, off);
            diags.error_at(migrations_label + m.name, at.line, at.column, message_of(r.get()));
            return std::nullopt;
        }
    }

    type_resolver types(c.get());
    // Every enum the migrations create is emitted, used by a query or not.
    if (auto r = exec(c.get(), "SELECT oid FROM pg_type WHERE typtype = 'e' ORDER BY typname"); ok(r)) {
        for (int i = 0; i < PQntuples(r.get()); ++i) {
            static_cast<void>(types.resolve(static_cast<Oid>(std::strtoul(PQgetvalue(r.get(), i, 0), nullptr, 10))));
        }
    }
    schema_info schema;
    for (const auto& q : queries) {
        const std::string sql = q.variant_sql(q.all_filters(), 0);
        const source_pos start{q.statement.first_line, q.statement.first_column};
        result_ptr prep(PQprepare(c.get(), "", sql.c_str(), 0, nullptr));
        if (!ok(prep)) {
            const auto off = error_offset(prep.get(), sql);
            const auto at = off == std::string_view::npos ? start : q.position_of(off);
            diags.error_at(q.file, at.line, at.column, message_of(prep.get()));
            continue;
        }
        result_ptr desc(PQdescribePrepared(c.get(), ""));
        if (!ok(desc)) {
            diags.error_at(q.file, start.line, start.column, message_of(desc.get()));
            continue;
        }
        query_info info;
        info.name = q.name;
        bool failed = false;
        std::vector<Oid> param_oids;
        for (int i = 0; i < PQnparams(desc.get()); ++i) {
            const Oid oid = PQparamtype(desc.get(), i);
            param_oids.push_back(oid);
            auto t = types.resolve(oid);
            const auto idx = static_cast<std::size_t>(i);
            const std::string name = idx < q.params.size() ? q.params[idx].name : fmt::format("p{}", i + 1);
            if (!t) {
                diags.error_at(q.file, start.line, start.column, fmt::format("parameter {}: {}", name, t.error()));
                failed = true;
                continue;
            }
            info.params.push_back({name, std::move(*t), idx < q.params.size() && q.params[idx].nullable});
        }
        const auto joins = scan_outer_joins(sql);
        std::set<Oid> nullable_tables;
        for (const auto& t : joins.nullable_tables) {
            auto r = exec(c.get(), "SELECT to_regclass($1)::oid", {t});
            if (ok(r) && PQntuples(r.get()) == 1 && PQgetisnull(r.get(), 0, 0) == 0) {
                nullable_tables.insert(static_cast<Oid>(std::strtoul(PQgetvalue(r.get(), 0, 0), nullptr, 10)));
            }
        }
        std::set<std::string> seen;
        for (int i = 0; i < PQnfields(desc.get()); ++i) {
            column_info col;
            col.name = PQfname(desc.get(), i);
            if (!seen.insert(col.name).second) {
                diags.error_at(q.file, start.line, start.column,
                               fmt::format("query {} returns two columns named '{}': give one an alias", q.name, col.name));
                failed = true;
            }
            auto t = types.resolve(PQftype(desc.get(), i));
            if (!t) {
                diags.error_at(q.file, start.line, start.column, fmt::format("column {}: {}", col.name, t.error()));
                failed = true;
                continue;
            }
            col.type = std::move(*t);
            const Oid table = PQftable(desc.get(), i);
            const int attnum = PQftablecol(desc.get(), i);
            col.nullable = true;
            if (std::find(q.notnull_columns.begin(), q.notnull_columns.end(), col.name) != q.notnull_columns.end()) {
                col.nullable = false;
            } else if (table != InvalidOid && attnum > 0 && !joins.everything_nullable && nullable_tables.count(table) == 0) {
                auto r = exec(c.get(), "SELECT attnotnull FROM pg_attribute WHERE attrelid = $1::oid AND attnum = $2::int2",
                              {std::to_string(table), std::to_string(attnum)});
                col.nullable = !(ok(r) && PQntuples(r.get()) == 1 && PQgetvalue(r.get(), 0, 0)[0] == 't');
            }
            info.columns.push_back(std::move(col));
        }
        for (const auto& n : q.notnull_columns) {
            if (!seen.contains(n)) {
                diags.error_at(q.file, start.line, start.column,
                               fmt::format("'-- notnull: {}' names no result column of query {}", n, q.name));
                failed = true;
            }
        }
        // Every other whitelisted variant must prepare too (same parameter types).
        for (std::uint32_t mask = 0; mask <= q.all_filters() && !failed; ++mask) {
            for (std::uint32_t sort = 0; sort < q.sort_count(); ++sort) {
                if (mask == q.all_filters() && sort == 0) continue;
                const std::string v = q.variant_sql(mask, sort);
                result_ptr r(PQprepare(c.get(), "", v.c_str(), static_cast<int>(param_oids.size()), param_oids.data()));
                if (!ok(r)) {
                    diags.error_at(q.file, start.line, start.column,
                                   fmt::format("query {} variant (filters {:#x}, sort {}): {}", q.name, mask, sort,
                                               message_of(r.get())));
                    failed = true;
                    break;
                }
            }
        }
        if (!failed) schema.queries.push_back(std::move(info));
    }
    schema.enums = types.enums();
    std::sort(schema.queries.begin(), schema.queries.end(),
              [](const query_info& a, const query_info& b) { return a.name < b.name; });
    if (diags.failed()) return std::nullopt;
    return schema;
}

} // namespace katana::sqlgen
