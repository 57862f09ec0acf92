#include "migrate.hpp"

#include "exit_codes.hpp"
#include "sql_script.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <regex>
#include <sstream>

namespace katana::cli {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view migrations_table = "katana_schema_migrations";

// ---- files ----------------------------------------------------------------------------------------

katana::expected<std::string, std::string> read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return katana::unexpected(fmt::format("{}: error: cannot read the file", path.string()));
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return std::move(buffer).str();
}

std::string display_name(std::int64_t version, std::string_view name) { return fmt::format("{:04}_{}", version, name); }

// ---- libpq ----------------------------------------------------------------------------------------

struct conn_deleter {
    void operator()(PGconn* c) const noexcept { PQfinish(c); }
};
struct result_deleter {
    void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using connection = std::unique_ptr<PGconn, conn_deleter>;
using result = std::unique_ptr<PGresult, result_deleter>;

// Notices (e.g. "relation already exists, skipping") are only worth showing while a user's
// migration runs; the bookkeeping statements' ones are noise.
struct notice_state {
    bool show = false;
};
void on_notice(void* arg, const PGresult* res) {
    if (!static_cast<notice_state*>(arg)->show) return;
    std::cerr << "  " << PQresultErrorMessage(res);
}

struct database {
    connection conn;
    notice_state notices;
};

katana::expected<std::unique_ptr<database>, std::string> connect(const std::string& url_arg) {
    std::string url = url_arg;
    if (url.empty()) {
        if (const char* env = std::getenv("DATABASE_URL"); env != nullptr) url = env;
    }
    if (url.empty()) return katana::unexpected(std::string("no database: pass --db-url URL or set DATABASE_URL"));
    // Keywords listed before dbname are defaults that the URL may override.
    const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
    const char* values[] = {"10", "katana db migrate", url.c_str(), nullptr};
    auto db = std::make_unique<database>();
    db->conn.reset(PQconnectdbParams(keys, values, 1));
    if (!db->conn) return katana::unexpected(std::string("cannot connect to the database: out of memory"));
    if (PQstatus(db->conn.get()) != CONNECTION_OK) {
        std::string message = PQerrorMessage(db->conn.get());
        while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
        return katana::unexpected(fmt::format("cannot connect to the database: {}", message));
    }
    PQsetNoticeReceiver(db->conn.get(), &on_notice, &db->notices);
    return db;
}

struct pg_failure {
    std::string message;          // primary message, with SQLSTATE, detail and hint lines
    std::size_t position = 0;     // 1-based character position in the statement, 0 when unknown
};

pg_failure failure_of(PGconn* conn, const PGresult* res) {
    pg_failure f;
    if (res == nullptr) {
        f.message = PQerrorMessage(conn);
        while (!f.message.empty() && f.message.back() == '\n') f.message.pop_back();
        return f;
    }
    const auto field = [&](int code) -> std::string_view {
        const char* v = PQresultErrorField(res, code);
        return v == nullptr ? std::string_view{} : std::string_view(v);
    };
    f.message = std::string(field(PG_DIAG_MESSAGE_PRIMARY));
    if (f.message.empty()) {
        f.message = PQresultErrorMessage(res);
        while (!f.message.empty() && f.message.back() == '\n') f.message.pop_back();
    }
    if (const auto state = field(PG_DIAG_SQLSTATE); !state.empty()) f.message += fmt::format(" (SQLSTATE {})", state);
    if (const auto detail = field(PG_DIAG_MESSAGE_DETAIL); !detail.empty()) f.message += fmt::format("\n  detail: {}", detail);
    if (const auto hint = field(PG_DIAG_MESSAGE_HINT); !hint.empty()) f.message += fmt::format("\n  hint: {}", hint);
    if (const auto pos = field(PG_DIAG_STATEMENT_POSITION); !pos.empty()) {
        std::from_chars(pos.data(), pos.data() + pos.size(), f.position);
    }
    return f;
}

bool succeeded(const PGresult* res) {
    if (res == nullptr) return false;
    const auto status = PQresultStatus(res);
    return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY;
}

katana::expected<result, pg_failure> exec(database& db, const std::string& sql) {
    result res(PQexec(db.conn.get(), sql.c_str()));
    if (!succeeded(res.get())) return katana::unexpected(failure_of(db.conn.get(), res.get()));
    return res;
}

// Text parameters, except those flagged binary (raw bytes such as a file's contents for bytea).
katana::expected<result, pg_failure> exec_params(database& db, const std::string& sql, const std::vector<std::string_view>& params,
                                                 const std::vector<int>& binary = {}) {
    std::vector<std::string> owned(params.begin(), params.end()); // text params must be NUL-terminated
    std::vector<const char*> values;
    std::vector<int> lengths;
    std::vector<int> formats;
    for (std::size_t i = 0; i < owned.size(); ++i) {
        values.push_back(owned[i].c_str());
        lengths.push_back(static_cast<int>(owned[i].size()));
        formats.push_back(i < binary.size() ? binary[i] : 0);
    }
    result res(PQexecParams(db.conn.get(), sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), lengths.data(),
                            formats.data(), 0));
    if (!succeeded(res.get())) return katana::unexpected(failure_of(db.conn.get(), res.get()));
    return res;
}

std::string bookkeeping_error(const pg_failure& f) { return fmt::format("database error: {}", f.message); }

// ---- the migrations table ---------------------------------------------------------------------------

struct applied_row {
    std::int64_t version = 0;
    std::string name;
    std::string checksum;
    std::string applied_at;
};

katana::expected<bool, std::string> table_exists(database& db) {
    auto res = exec_params(db, "SELECT to_regclass($1) IS NOT NULL", {migrations_table});
    if (!res) return katana::unexpected(bookkeeping_error(res.error()));
    return std::string_view(PQgetvalue(res->get(), 0, 0)) == "t";
}

katana::expected<void, std::string> ensure_table(database& db) {
    auto res = exec(db, fmt::format("CREATE TABLE IF NOT EXISTS {} ("
                                    "version bigint PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, "
                                    "applied_at timestamptz NOT NULL DEFAULT now(), execution_ms bigint NOT NULL)",
                                    migrations_table));
    if (!res) return katana::unexpected(bookkeeping_error(res.error()));
    return {};
}

katana::expected<std::vector<applied_row>, std::string> load_applied(database& db) {
    auto exists = table_exists(db);
    if (!exists) return katana::unexpected(exists.error());
    std::vector<applied_row> rows;
    if (!*exists) return rows;
    auto res = exec(db, fmt::format("SELECT version, name, checksum, to_char(applied_at AT TIME ZONE 'UTC', "
                                    "'YYYY-MM-DD HH24:MI:SS') FROM {} ORDER BY version",
                                    migrations_table));
    if (!res) return katana::unexpected(bookkeeping_error(res.error()));
    for (int r = 0; r < PQntuples(res->get()); ++r) {
        applied_row row;
        const std::string_view v = PQgetvalue(res->get(), r, 0);
        std::from_chars(v.data(), v.data() + v.size(), row.version);
        row.name = PQgetvalue(res->get(), r, 1);
        row.checksum = PQgetvalue(res->get(), r, 2);
        row.applied_at = PQgetvalue(res->get(), r, 3);
        rows.push_back(std::move(row));
    }
    return rows;
}

// SHA-256 of the file's bytes, computed by the server (PostgreSQL >= 11 has sha256()).
katana::expected<std::string, std::string> checksum_of(database& db, std::string_view bytes) {
    auto res = exec_params(db, "SELECT encode(sha256($1::bytea), 'hex')", {bytes}, {1});
    if (!res) return katana::unexpected(bookkeeping_error(res.error()));
    return std::string(PQgetvalue(res->get(), 0, 0));
}

class migration_lock {
public:
    static katana::expected<migration_lock, std::string> take(database& db) {
        auto tried = exec(db, fmt::format("SELECT pg_try_advisory_lock({})", migration_lock_key));
        if (!tried) return katana::unexpected(bookkeeping_error(tried.error()));
        if (std::string_view(PQgetvalue(tried->get(), 0, 0)) != "t") {
            std::cout << "waiting for another migrator to finish (advisory lock " << migration_lock_key << ")\n" << std::flush;
            auto waited = exec(db, fmt::format("SELECT pg_advisory_lock({})", migration_lock_key));
            if (!waited) return katana::unexpected(bookkeeping_error(waited.error()));
        }
        return migration_lock(db);
    }
    migration_lock(migration_lock&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
    migration_lock& operator=(migration_lock&&) = delete;
    ~migration_lock() {
        // The session lock also ends with the connection; unlocking early lets a waiter go on.
        if (db_ != nullptr) (void)exec(*db_, fmt::format("SELECT pg_advisory_unlock({})", migration_lock_key));
    }

private:
    explicit migration_lock(database& db) : db_(&db) {}
    database* db_;
};

// ---- plan: files against the table ------------------------------------------------------------------

struct file_state {
    const migration_file* file = nullptr;
    std::string sql;
    std::string checksum;
    const applied_row* applied = nullptr;
};

struct plan {
    std::vector<file_state> files;
    std::vector<const applied_row*> missing_files; // applied, but the file is gone
    std::vector<std::string> problems;             // reasons `up` refuses to run
};

katana::expected<plan, std::string> make_plan(database& db, const std::vector<migration_file>& files,
                                              const std::vector<applied_row>& applied) {
    plan p;
    std::map<std::int64_t, const applied_row*> by_version;
    for (const auto& row : applied) by_version.emplace(row.version, &row);
    const std::int64_t newest_applied = applied.empty() ? 0 : applied.back().version;
    for (const auto& f : files) {
        file_state st;
        st.file = &f;
        auto sql = read_file(f.up);
        if (!sql) return katana::unexpected(sql.error());
        st.sql = std::move(*sql);
        auto sum = checksum_of(db, st.sql);
        if (!sum) return katana::unexpected(sum.error());
        st.checksum = std::move(*sum);
        if (auto it = by_version.find(f.version); it != by_version.end()) {
            st.applied = it->second;
            by_version.erase(it);
            if (st.applied->checksum != st.checksum) {
                p.problems.push_back(fmt::format("{}: error: the file changed after it was applied on {} UTC (checksum {}, "
                                                 "applied {}); add a new migration instead of editing an applied one",
                                                 f.up.string(), st.applied->applied_at, st.checksum.substr(0, 12),
                                                 st.applied->checksum.substr(0, 12)));
            }
        } else if (f.version < newest_applied) {
            p.problems.push_back(fmt::format("{}: error: pending, but the newer migration {} is applied already; "
                                             "renumber it after {}",
                                             f.up.string(), newest_applied, newest_applied));
        }
        p.files.push_back(std::move(st));
    }
    for (const auto& [version, row] : by_version) {
        p.missing_files.push_back(row);
        p.problems.push_back(fmt::format("error: migration {} was applied on {} UTC but its file is missing",
                                         display_name(version, row->name), row->applied_at));
    }
    return p;
}

// ---- running a script ---------------------------------------------------------------------------------

std::string located(const fs::path& path, std::string_view script, std::size_t byte_offset, const std::string& message) {
    const auto pos = position_at(script, byte_offset);
    return fmt::format("{}:{}:{}: error: {}", path.string(), pos.line, pos.column, message);
}

// The bookkeeping statement that follows a script, given how long the script took.
using record_params_fn = std::function<std::vector<std::string_view>(std::int64_t elapsed_ms)>;

// Runs `script` and then `record_sql`, atomically unless the script opts out of the transaction.
katana::expected<void, std::string> run_script(database& db, const fs::path& path, const std::string& script,
                                               const std::string& record_sql, const record_params_fn& record_params) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto elapsed_ms = [&] {
        return static_cast<std::int64_t>(
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count());
    };
    db.notices.show = true;
    const auto fail_at = [&](std::size_t statement_offset, std::string_view statement, const pg_failure& f) {
        const std::size_t offset = f.position == 0 ? statement_offset
                                                   : statement_offset + byte_offset_of_character(statement, f.position);
        return located(path, script, offset, f.message);
    };
    if (wants_no_transaction(script)) {
        // One statement at a time: PostgreSQL runs a multi-statement string as one transaction block.
        for (const auto& stmt : split_sql_statements(script)) {
            if (auto r = exec(db, std::string(stmt.text)); !r) {
                db.notices.show = false;
                return katana::unexpected(fail_at(stmt.offset, stmt.text, r.error()) +
                                          "\n  note: this migration runs without a transaction; the statements before "
                                          "this one stay applied");
            }
        }
        db.notices.show = false;
        if (auto r = exec_params(db, record_sql, record_params(elapsed_ms())); !r) {
            return katana::unexpected(bookkeeping_error(r.error()));
        }
        return {};
    }
    if (auto r = exec(db, "BEGIN"); !r) return katana::unexpected(bookkeeping_error(r.error()));
    auto body = exec(db, script);
    db.notices.show = false;
    if (!body) {
        (void)exec(db, "ROLLBACK");
        return katana::unexpected(fail_at(0, script, body.error()));
    }
    if (PQtransactionStatus(db.conn.get()) != PQTRANS_INTRANS) {
        (void)exec(db, "ROLLBACK");
        return katana::unexpected(fmt::format("{}: error: the migration ended the transaction itself (COMMIT or ROLLBACK); "
                                              "remove it, or start the file with `-- katana: no-transaction`",
                                              path.string()));
    }
    if (auto r = exec_params(db, record_sql, record_params(elapsed_ms())); !r) {
        (void)exec(db, "ROLLBACK");
        return katana::unexpected(bookkeeping_error(r.error()));
    }
    if (auto r = exec(db, "COMMIT"); !r) return katana::unexpected(located(path, script, 0, r.error().message));
    return {};
}

// ---- commands ---------------------------------------------------------------------------------------

struct session {
    std::unique_ptr<database> db;
    std::vector<migration_file> files;
};

katana::expected<session, std::string> open_session(const db_migrate_args& args) {
    auto files = scan_migrations(args.dir);
    if (!files) return katana::unexpected(files.error());
    auto db = connect(args.db_url);
    if (!db) return katana::unexpected(db.error());
    return session{std::move(*db), std::move(*files)};
}

int fail(const std::string& message) {
    std::cerr << "katana db migrate: " << message << '\n';
    return exit_failed;
}

int run_up(const db_migrate_args& args) {
    auto s = open_session(args);
    if (!s) return fail(s.error());
    database& db = *s->db;
    auto lock = migration_lock::take(db);
    if (!lock) return fail(lock.error());
    if (auto t = ensure_table(db); !t) return fail(t.error());
    auto applied = load_applied(db);
    if (!applied) return fail(applied.error());
    auto p = make_plan(db, s->files, *applied);
    if (!p) return fail(p.error());
    if (!p->problems.empty()) {
        for (const auto& problem : p->problems) std::cerr << problem << '\n';
        std::cerr << "katana db migrate: nothing applied\n";
        return exit_failed;
    }
    const std::string record = fmt::format("INSERT INTO {} (version, name, checksum, execution_ms) VALUES ($1, $2, $3, $4)",
                                           migrations_table);
    std::size_t count = 0;
    std::int64_t version = applied->empty() ? 0 : applied->back().version;
    for (const auto& st : p->files) {
        if (st.applied != nullptr) continue;
        const std::string version_text = std::to_string(st.file->version);
        std::string elapsed_text;
        const auto t0 = std::chrono::steady_clock::now();
        auto ran = run_script(db, st.file->up, st.sql, record, [&](std::int64_t ms) {
            elapsed_text = std::to_string(ms);
            return std::vector<std::string_view>{version_text, st.file->name, st.checksum, elapsed_text};
        });
        if (!ran) {
            std::cerr << ran.error() << '\n';
            std::cerr << fmt::format("katana db migrate: {} not applied; {} migration(s) applied before it\n",
                                     display_name(st.file->version, st.file->name), count);
            return exit_failed;
        }
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
        std::cout << fmt::format("applied {} ({} ms)\n", display_name(st.file->version, st.file->name), ms);
        ++count;
        version = st.file->version;
    }
    if (count == 0) std::cout << fmt::format("up to date (version {})\n", version);
    else std::cout << fmt::format("{} migration(s) applied; now at version {}\n", count, version);
    return exit_ok;
}

int run_status(const db_migrate_args& args) {
    auto s = open_session(args);
    if (!s) return fail(s.error());
    auto applied = load_applied(*s->db);
    if (!applied) return fail(applied.error());
    auto p = make_plan(*s->db, s->files, *applied);
    if (!p) return fail(p.error());
    std::size_t width = 0;
    for (const auto& st : p->files) width = std::max(width, display_name(st.file->version, st.file->name).size());
    for (const auto* row : p->missing_files) width = std::max(width, display_name(row->version, row->name).size());
    std::vector<std::pair<std::int64_t, std::string>> lines;
    for (const auto& st : p->files) {
        std::string state;
        if (st.applied == nullptr) state = "pending";
        else if (st.applied->checksum != st.checksum) state = fmt::format("MODIFIED after it was applied on {} UTC", st.applied->applied_at);
        else state = fmt::format("applied {} UTC", st.applied->applied_at);
        lines.emplace_back(st.file->version, fmt::format("{:<{}}  {}", display_name(st.file->version, st.file->name), width, state));
    }
    for (const auto* row : p->missing_files) {
        lines.emplace_back(row->version, fmt::format("{:<{}}  FILE MISSING (applied {} UTC)", display_name(row->version, row->name),
                                                     width, row->applied_at));
    }
    std::sort(lines.begin(), lines.end());
    for (const auto& [version, line] : lines) std::cout << line << '\n';
    if (lines.empty()) std::cout << "no migrations in " << args.dir.string() << '\n';
    for (const auto& problem : p->problems) std::cerr << problem << '\n';
    return p->problems.empty() ? exit_ok : exit_failed;
}

int run_down(const db_migrate_args& args) {
    auto s = open_session(args);
    if (!s) return fail(s.error());
    database& db = *s->db;
    auto lock = migration_lock::take(db);
    if (!lock) return fail(lock.error());
    auto applied = load_applied(db);
    if (!applied) return fail(applied.error());
    if (applied->empty()) {
        std::cout << "nothing to revert: no migration is applied\n";
        return exit_ok;
    }
    const std::string record = fmt::format("DELETE FROM {} WHERE version = $1", migrations_table);
    unsigned reverted = 0;
    for (auto it = applied->rbegin(); it != applied->rend() && reverted < args.steps; ++it) {
        const auto file = std::find_if(s->files.begin(), s->files.end(), [&](const migration_file& f) { return f.version == it->version; });
        const std::string label = display_name(it->version, it->name);
        if (file == s->files.end() || !file->down) {
            return fail(fmt::format("cannot revert {}: there is no {}.down.sql in {}", label, label, args.dir.string()));
        }
        auto sql = read_file(*file->down);
        if (!sql) return fail(sql.error());
        const std::string version_text = std::to_string(it->version);
        const auto params = [&](std::int64_t) { return std::vector<std::string_view>{version_text}; };
        if (auto ran = run_script(db, *file->down, *sql, record, params); !ran) {
            std::cerr << ran.error() << '\n';
            return fail(fmt::format("{} not reverted", label));
        }
        std::cout << "reverted " << label << '\n';
        ++reverted;
    }
    return exit_ok;
}

int run_create(const db_migrate_args& args) {
    static const std::regex valid_name("[A-Za-z0-9_]+");
    if (!std::regex_match(args.name, valid_name)) {
        return fail(fmt::format("invalid name '{}': use letters, digits and '_' only", args.name));
    }
    std::error_code ec;
    fs::create_directories(args.dir, ec);
    if (ec) return fail(fmt::format("cannot create {}: {}", args.dir.string(), ec.message()));
    auto files = scan_migrations(args.dir);
    if (!files) return fail(files.error());
    const std::int64_t version = files->empty() ? 1 : files->back().version + 1;
    const std::string stem = display_name(version, args.name);
    const auto write_new = [&](const fs::path& path, std::string_view text) -> bool {
        if (fs::exists(path)) return false;
        std::ofstream out(path, std::ios::binary);
        out << text;
        return static_cast<bool>(out);
    };
    const fs::path up = args.dir / (stem + ".sql");
    if (!write_new(up, fmt::format("-- {}: applied by `katana db migrate up`, in one transaction.\n"
                                   "-- Start the file with `-- katana: no-transaction` for statements such as\n"
                                   "-- CREATE INDEX CONCURRENTLY.\n\n",
                                   stem))) {
        return fail(fmt::format("cannot write {}", up.string()));
    }
    std::cout << "created " << up.string() << '\n';
    if (args.with_down) {
        const fs::path down = args.dir / (stem + ".down.sql");
        if (!write_new(down, fmt::format("-- Reverts {} (`katana db migrate down`).\n\n", stem))) {
            return fail(fmt::format("cannot write {}", down.string()));
        }
        std::cout << "created " << down.string() << '\n';
    }
    return exit_ok;
}

} // namespace

katana::expected<std::vector<migration_file>, std::string> scan_migrations(const fs::path& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return katana::unexpected(fmt::format("{}: error: no such migrations directory", dir.string()));
    static const std::regex file_name(R"(([0-9]{1,18})_([A-Za-z0-9_]+?)(\.down)?\.sql)");
    std::map<std::int64_t, migration_file> by_version;
    std::vector<std::pair<std::int64_t, fs::path>> downs;
    std::vector<fs::path> entries;
    for (const auto& entry : fs::directory_iterator(dir, ec)) entries.push_back(entry.path());
    if (ec) return katana::unexpected(fmt::format("{}: error: {}", dir.string(), ec.message()));
    std::sort(entries.begin(), entries.end());
    for (const auto& path : entries) {
        if (path.extension() != ".sql") continue;
        const std::string base = path.filename().string();
        std::smatch m;
        if (!std::regex_match(base, m, file_name)) {
            return katana::unexpected(fmt::format("{}: error: a migration is named NNNN_name.sql (or NNNN_name.down.sql), "
                                                  "with a number, '_' and letters, digits or '_'",
                                                  path.string()));
        }
        std::int64_t version = 0;
        const std::string digits = m[1].str();
        std::from_chars(digits.data(), digits.data() + digits.size(), version);
        if (m[3].matched) {
            downs.emplace_back(version, path);
            continue;
        }
        migration_file f{version, m[2].str(), path, std::nullopt};
        if (auto [it, inserted] = by_version.emplace(version, f); !inserted) {
            return katana::unexpected(fmt::format("{}: error: version {} is also used by {}", path.string(), version,
                                                  it->second.up.filename().string()));
        }
    }
    for (const auto& [version, path] : downs) {
        auto it = by_version.find(version);
        if (it == by_version.end()) {
            return katana::unexpected(fmt::format("{}: error: a down migration without its up migration", path.string()));
        }
        if (it->second.down) {
            return katana::unexpected(fmt::format("{}: error: version {} already has the down migration {}", path.string(), version,
                                                  it->second.down->filename().string()));
        }
        it->second.down = path;
    }
    std::vector<migration_file> out;
    for (auto& [version, f] : by_version) out.push_back(std::move(f));
    return out;
}

bool wants_no_transaction(std::string_view sql) noexcept {
    std::size_t i = 0;
    while (i < sql.size() && (sql[i] == ' ' || sql[i] == '\t' || sql[i] == '\n' || sql[i] == '\r')) ++i;
    const std::size_t eol = sql.find('\n', i);
    std::string_view line = sql.substr(i, eol == std::string_view::npos ? std::string_view::npos : eol - i);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    if (!line.starts_with("--")) return false;
    line.remove_prefix(2);
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    return line == "katana: no-transaction";
}

void add_db_migrate_command(CLI::App& db, db_migrate_args& args) {
    CLI::App* migrate = db.add_subcommand("migrate", "Apply, inspect, revert or create schema migrations (migrations/NNNN_name.sql)");
    migrate->require_subcommand(1);
    const auto common = [&](CLI::App* cmd) {
        cmd->add_option("--dir", args.dir, "Migrations directory")->capture_default_str();
        cmd->add_option("--db-url", args.db_url, "PostgreSQL URL or conninfo (default: $DATABASE_URL)");
    };
    CLI::App* up = migrate->add_subcommand("up", "Apply every pending migration, each in its own transaction");
    common(up);
    CLI::App* status = migrate->add_subcommand("status", "List migrations: applied, pending, modified, missing (exit 1 on a problem)");
    common(status);
    CLI::App* down = migrate->add_subcommand("down", "Revert the newest applied migration(s) with NNNN_name.down.sql");
    common(down);
    down->add_option("-n,--steps", args.steps, "How many migrations to revert")->capture_default_str()->check(CLI::PositiveNumber);
    CLI::App* create = migrate->add_subcommand("create", "Write the next NNNN_NAME.sql");
    create->add_option("--dir", args.dir, "Migrations directory")->capture_default_str();
    create->add_option("NAME", args.name, "Migration name (letters, digits, '_')")->required();
    create->add_flag("--down", args.with_down, "Also write NNNN_NAME.down.sql");
    for (CLI::App* cmd : {up, status, down, create}) {
        cmd->callback([&args, cmd] { args.command = cmd->get_name(); });
    }
}

int run_db_migrate(const db_migrate_args& args) {
    if (args.command == "up") return run_up(args);
    if (args.command == "status") return run_status(args);
    if (args.command == "down") return run_down(args);
    if (args.command == "create") return run_create(args);
    std::cerr << "katana db migrate: unknown command '" << args.command << "'\n";
    return exit_usage;
}

} // namespace katana::cli
