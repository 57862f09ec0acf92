#include <katana/sqlgen/analyze.hpp>
#include <katana/sqlgen/generate.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <iterator>

namespace katana::sqlgen {

namespace fs = std::filesystem;

namespace {

std::optional<std::string> slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return std::nullopt;
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return std::nullopt;
    return data;
}

// "dir/" as diagnostics print it: relative paths stay relative.
std::string dir_label(const fs::path& dir) {
    std::string s = dir.generic_string();
    if (!s.empty() && s.back() != '/') s += '/';
    return s;
}

} // namespace

katana::expected<std::vector<input_file>, std::string> read_sql_dir(const fs::path& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return katana::unexpected(fmt::format("{}: not a directory", dir.string()));
    std::vector<input_file> out;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (!it->is_regular_file(ec) || it->path().extension() != ".sql") continue;
        auto data = slurp(it->path());
        if (!data) return katana::unexpected(fmt::format("{}: cannot read", it->path().string()));
        out.push_back({it->path().filename().string(), std::move(*data)});
    }
    if (ec) return katana::unexpected(fmt::format("{}: {}", dir.string(), ec.message()));
    std::sort(out.begin(), out.end(), [](const input_file& a, const input_file& b) { return a.name < b.name; });
    return out;
}

fs::path default_lock_file(const sql_options& options) {
    if (!options.lock_file.empty()) return options.lock_file;
    fs::path parent = options.queries_dir.lexically_normal().parent_path();
    if (options.queries_dir.lexically_normal().filename().empty()) parent = parent.parent_path();
    return parent / "katana.sql.lock.json";
}

katana::expected<bool, std::string> lock_is_fresh(const sql_options& options) {
    auto migrations = read_sql_dir(options.migrations_dir);
    if (!migrations) return katana::unexpected(migrations.error());
    auto queries = read_sql_dir(options.queries_dir);
    if (!queries) return katana::unexpected(queries.error());
    const auto text = slurp(default_lock_file(options));
    if (!text) return false;
    auto lock = read_lock(*text);
    if (!lock) return katana::unexpected(fmt::format("{}: {}", default_lock_file(options).string(), lock.error()));
    return lock->input_hash == input_hash(*migrations, *queries);
}

std::optional<sql_result> generate_sql(const sql_options& options, codegen::diagnostics& diags) {
    if (!codegen::valid_cpp_namespace(options.cpp_namespace)) {
        diags.error_at("", 0, 0, fmt::format("--namespace '{}' is not a C++ namespace", options.cpp_namespace));
        return std::nullopt;
    }
    auto migrations = read_sql_dir(options.migrations_dir);
    auto query_files = read_sql_dir(options.queries_dir);
    if (!migrations || !query_files) {
        diags.error_at("", 0, 0, !migrations ? migrations.error() : query_files.error());
        return std::nullopt;
    }
    sql_result result;
    const std::string mig_label = dir_label(options.migrations_dir);
    const std::string query_label = dir_label(options.queries_dir);
    for (const auto& f : *migrations) result.inputs.push_back(mig_label + f.name);
    for (const auto& f : *query_files) result.inputs.push_back(query_label + f.name);

    std::vector<query> queries;
    for (const auto& f : *query_files) {
        auto parsed = parse_query_file(query_label + f.name, f.contents, diags);
        for (auto& q : parsed) {
            const auto dup = std::find_if(queries.begin(), queries.end(), [&](const query& o) { return o.name == q.name; });
            if (dup != queries.end()) {
                diags.error_at(q.file, q.statement.first_line, q.statement.first_column,
                               fmt::format("query {} is also defined in {}:{}", q.name, dup->file, dup->statement.first_line));
                continue;
            }
            queries.push_back(std::move(q));
        }
    }
    if (diags.failed()) return std::nullopt;

    const std::string hash = input_hash(*migrations, *query_files);
    const fs::path lock_path = default_lock_file(options);
    const auto lock_text = slurp(lock_path);
    std::optional<schema_info> schema;

    const auto use_lock = [&]() -> bool {
        if (!lock_text) {
            diags.error_at(lock_path.generic_string(), 0, 0, "no lock file: run `katana gen sql` with a PostgreSQL server "
                                                             "(--db-url, or PostgreSQL installed locally) to create it");
            return false;
        }
        auto lock = read_lock(*lock_text);
        if (!lock) {
            diags.error_at(lock_path.generic_string(), 0, 0, lock.error());
            return false;
        }
        if (lock->input_hash != hash) {
            diags.error_at(lock_path.generic_string(), 0, 0,
                           "the lock file is stale (migrations or queries changed): run `katana gen sql` with a "
                           "PostgreSQL server to refresh it");
            return false;
        }
        schema = std::move(*lock);
        return true;
    };

    if (options.source == analysis_source::lock_only) {
        if (!use_lock()) return std::nullopt;
    } else {
        std::unique_ptr<scratch_server> server;
        std::string url = options.db_url;
        if (url.empty()) {
            auto started = scratch_server::start();
            if (!started) {
                // Without a server a fresh lock file is as good as an analysis.
                const bool fresh = lock_text && read_lock(*lock_text).value_or(schema_info{}).input_hash == hash;
                if (options.source == analysis_source::automatic && fresh) {
                    static_cast<void>(use_lock());
                } else {
                    diags.error_at("", 0, 0, started.error());
                    return std::nullopt;
                }
            } else {
                server = std::move(*started);
                url = server->conninfo();
            }
        }
        if (!schema) {
            schema = analyze(url, mig_label, *migrations, queries, diags);
            if (!schema) return std::nullopt;
            schema->input_hash = hash;
            result.analyzed = true;
        }
    }
    result.lock_text = write_lock(*schema);
    result.lock_changed = !lock_text || *lock_text != result.lock_text;

    std::string marker = fmt::format("// Generated by katana gen sql from {}. Do not edit.\n", query_label);
    std::string header = emit_header(queries, *schema, options.cpp_namespace, marker, diags);
    if (diags.failed()) return std::nullopt;
    result.files.push_back({options.header_name, std::move(header)});
    result.schema = std::move(*schema);
    return result;
}

} // namespace katana::sqlgen
