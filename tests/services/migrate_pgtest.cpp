// `katana db migrate` against a real throwaway PostgreSQL: the binary is run as a user would run it.
#include "support/pg_server.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#ifndef KATANA_KATANA_BIN
#error "the katana binary path comes from tests/CMakeLists.txt (DEPENDS katana)"
#endif

using namespace std::chrono_literals;
namespace kt = katana::test;
namespace fs = std::filesystem;

namespace {

struct run_result {
    int code = -1;
    std::string output;
};

run_result katana_cli(const std::vector<std::string>& args, const std::string& db_url = {}) {
    std::vector<std::string> argv{KATANA_KATANA_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    kt::spawn_options options;
    options.env.emplace_back("DATABASE_URL", db_url); // never the caller's own database
    auto child = kt::child_process::spawn(argv, options);
    if (!child) return {-1, child.error()};
    const auto code = child->wait_for(120s);
    return {code.value_or(-2), child->captured_output()};
}

void write(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
}

class MigratePg : public ::testing::Test {
protected:
    void SetUp() override {
        auto server = kt::pg_server::start();
        ASSERT_TRUE(server.has_value()) << server.error();
        pg_.emplace(std::move(*server));
        dir_ = tmp_.path() / "migrations";
        fs::create_directories(dir_);
    }
    std::string url() const { return pg_->conninfo(); }
    run_result migrate(const std::string& command, std::vector<std::string> extra = {}) {
        std::vector<std::string> args{"db", "migrate", command, "--dir", dir_.string(), "--db-url", url()};
        args.insert(args.end(), extra.begin(), extra.end());
        return katana_cli(args);
    }
    std::string sql(const std::string& query) {
        auto out = pg_->psql(query);
        EXPECT_TRUE(out.has_value()) << (out ? "" : out.error());
        return out ? *out : std::string{};
    }

    kt::temp_dir tmp_{"katana-migrate"};
    fs::path dir_;
    std::optional<kt::pg_server> pg_;
};

TEST_F(MigratePg, UpAppliesInOrderOnceAndStatusReportsIt) {
    write(dir_ / "0001_create_products.sql", "CREATE TABLE products(id bigint PRIMARY KEY, name text NOT NULL);\n");
    write(dir_ / "0002_add_price.sql", "ALTER TABLE products ADD COLUMN price numeric(12,2);\n"
                                       "INSERT INTO products VALUES (1, 'pen', 1.50);\n");
    const auto up = migrate("up");
    ASSERT_EQ(up.code, 0) << up.output;
    EXPECT_NE(up.output.find("applied 0001_create_products"), std::string::npos) << up.output;
    EXPECT_NE(up.output.find("2 migration(s) applied; now at version 2"), std::string::npos) << up.output;
    EXPECT_EQ(sql("SELECT name, price FROM products"), "pen|1.50\n");
    EXPECT_EQ(sql("SELECT version, name, length(checksum) FROM katana_schema_migrations ORDER BY version"),
              "1|create_products|64\n2|add_price|64\n");

    const auto again = migrate("up");
    ASSERT_EQ(again.code, 0) << again.output;
    EXPECT_NE(again.output.find("up to date (version 2)"), std::string::npos) << again.output;

    write(dir_ / "0003_add_stock.sql", "ALTER TABLE products ADD COLUMN stock int NOT NULL DEFAULT 0;\n");
    const auto status = migrate("status");
    ASSERT_EQ(status.code, 0) << status.output;
    EXPECT_NE(status.output.find("0001_create_products  applied "), std::string::npos) << status.output;
    EXPECT_NE(status.output.find("0003_add_stock        pending"), std::string::npos) << status.output;
}

TEST_F(MigratePg, FailingMigrationRollsBackAndPointsAtTheLine) {
    write(dir_ / "0001_ok.sql", "CREATE TABLE a(id int);\n");
    write(dir_ / "0002_broken.sql", "CREATE TABLE b(id int);\n"
                                    "INSERT INTO b VALUES (1);\n"
                                    "SELECT * FROM\n  missing_table;\n");
    const auto up = migrate("up");
    EXPECT_EQ(up.code, 1) << up.output;
    // PostgreSQL's own message, at the file position it reports (line 4, column 3).
    EXPECT_NE(up.output.find("0002_broken.sql:4:3: error: relation \"missing_table\" does not exist (SQLSTATE 42P01)"),
              std::string::npos)
        << up.output;
    EXPECT_NE(up.output.find("0002_broken not applied; 1 migration(s) applied before it"), std::string::npos) << up.output;
    // 0001 stays, nothing of 0002 does.
    EXPECT_EQ(sql("SELECT to_regclass('a') IS NOT NULL, to_regclass('b') IS NOT NULL"), "t|f\n");
    EXPECT_EQ(sql("SELECT string_agg(version::text, ',') FROM katana_schema_migrations"), "1\n");
}

TEST_F(MigratePg, EditedAppliedMigrationIsAnErrorAndNothingRuns) {
    write(dir_ / "0001_t.sql", "CREATE TABLE t(id int);\n");
    ASSERT_EQ(migrate("up").code, 0);
    write(dir_ / "0001_t.sql", "CREATE TABLE t(id bigint);\n");
    write(dir_ / "0002_u.sql", "CREATE TABLE u(id int);\n");
    const auto up = migrate("up");
    EXPECT_EQ(up.code, 1) << up.output;
    EXPECT_NE(up.output.find("0001_t.sql: error: the file changed after it was applied"), std::string::npos) << up.output;
    EXPECT_NE(up.output.find("nothing applied"), std::string::npos) << up.output;
    EXPECT_EQ(sql("SELECT to_regclass('u') IS NULL"), "t\n");
    const auto status = migrate("status");
    EXPECT_EQ(status.code, 1) << status.output;
    EXPECT_NE(status.output.find("MODIFIED after it was applied"), std::string::npos) << status.output;
}

TEST_F(MigratePg, MissingFileAndOutOfOrderPendingAreErrors) {
    write(dir_ / "0002_b.sql", "CREATE TABLE b(id int);\n");
    ASSERT_EQ(migrate("up").code, 0);
    write(dir_ / "0001_a.sql", "CREATE TABLE a(id int);\n");
    auto up = migrate("up");
    EXPECT_EQ(up.code, 1) << up.output;
    EXPECT_NE(up.output.find("0001_a.sql: error: pending, but the newer migration 2 is applied already"), std::string::npos)
        << up.output;
    fs::remove(dir_ / "0001_a.sql");
    fs::remove(dir_ / "0002_b.sql");
    up = migrate("up");
    EXPECT_EQ(up.code, 1) << up.output;
    EXPECT_NE(up.output.find("migration 0002_b was applied on"), std::string::npos) << up.output;
    EXPECT_NE(up.output.find("but its file is missing"), std::string::npos) << up.output;
}

TEST_F(MigratePg, NoTransactionMarkerAllowsCreateIndexConcurrently) {
    write(dir_ / "0001_t.sql", "CREATE TABLE t(id int, note text);\n");
    write(dir_ / "0002_index.sql", "-- katana: no-transaction\n"
                                   "CREATE INDEX CONCURRENTLY t_id ON t(id);\n"
                                   "-- a ';' inside quotes and comments is not a statement end\n"
                                   "INSERT INTO t VALUES (1, 'a;b'), (2, $x$c;d$x$); /* ; */\n");
    const auto up = migrate("up");
    ASSERT_EQ(up.code, 0) << up.output;
    EXPECT_EQ(sql("SELECT indexname FROM pg_indexes WHERE tablename = 't'"), "t_id\n");
    EXPECT_EQ(sql("SELECT string_agg(note, ',' ORDER BY id) FROM t"), "a;b,c;d\n");
    // Without the marker PostgreSQL refuses, and says why.
    write(dir_ / "0003_index2.sql", "CREATE INDEX CONCURRENTLY t_note ON t(note);\n");
    const auto refused = migrate("up");
    EXPECT_EQ(refused.code, 1) << refused.output;
    EXPECT_NE(refused.output.find("cannot run inside a transaction block"), std::string::npos) << refused.output;
}

TEST_F(MigratePg, DownRevertsWithTheDownFileOnly) {
    write(dir_ / "0001_a.sql", "CREATE TABLE a(id int);\n");
    write(dir_ / "0002_b.sql", "CREATE TABLE b(id int);\n");
    write(dir_ / "0002_b.down.sql", "DROP TABLE b;\n");
    ASSERT_EQ(migrate("up").code, 0);
    const auto down = migrate("down");
    ASSERT_EQ(down.code, 0) << down.output;
    EXPECT_NE(down.output.find("reverted 0002_b"), std::string::npos) << down.output;
    EXPECT_EQ(sql("SELECT to_regclass('a') IS NOT NULL, to_regclass('b') IS NULL"), "t|t\n");
    EXPECT_EQ(sql("SELECT string_agg(version::text, ',') FROM katana_schema_migrations"), "1\n");
    const auto no_down = migrate("down");
    EXPECT_EQ(no_down.code, 1) << no_down.output;
    EXPECT_NE(no_down.output.find("cannot revert 0001_a: there is no 0001_a.down.sql"), std::string::npos) << no_down.output;
    EXPECT_EQ(sql("SELECT to_regclass('a') IS NOT NULL"), "t\n");
}

TEST_F(MigratePg, TwoConcurrentMigratorsApplyEachMigrationOnce) {
    // Each migration appends to a log table and sleeps, so both processes overlap for a while.
    write(dir_ / "0001_log.sql", "CREATE TABLE applied_log(version int);\nINSERT INTO applied_log VALUES (1);\nSELECT pg_sleep(1);\n");
    write(dir_ / "0002_more.sql", "INSERT INTO applied_log VALUES (2);\nSELECT pg_sleep(0.5);\n");
    write(dir_ / "0003_more.sql", "INSERT INTO applied_log VALUES (3);\n");
    std::vector<kt::child_process> children;
    for (int i = 0; i < 2; ++i) {
        auto child = kt::child_process::spawn(
            {KATANA_KATANA_BIN, "db", "migrate", "up", "--dir", dir_.string(), "--db-url", url()});
        ASSERT_TRUE(child.has_value()) << child.error();
        children.push_back(std::move(*child));
    }
    std::string outputs;
    for (auto& child : children) {
        const auto code = child.wait_for(60s);
        outputs += child.captured_output();
        EXPECT_EQ(code, 0) << outputs;
    }
    EXPECT_EQ(sql("SELECT string_agg(version::text, ',' ORDER BY version) FROM applied_log"), "1,2,3\n") << outputs;
    EXPECT_EQ(sql("SELECT count(*) FROM katana_schema_migrations"), "3\n");
    // One of them did the work; the other waited for the lock and found nothing left to do.
    EXPECT_NE(outputs.find("3 migration(s) applied"), std::string::npos) << outputs;
    EXPECT_NE(outputs.find("up to date (version 3)"), std::string::npos) << outputs;
}

TEST_F(MigratePg, DatabaseDownIsAPromptClearError) {
    write(dir_ / "0001_a.sql", "CREATE TABLE a(id int);\n");
    ASSERT_TRUE(pg_->stop().has_value());
    const auto t0 = std::chrono::steady_clock::now();
    const auto up = migrate("up");
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 30s);
    EXPECT_EQ(up.code, 1) << up.output;
    EXPECT_NE(up.output.find("cannot connect to the database:"), std::string::npos) << up.output;
}

} // namespace

// No database needed for these.
TEST(MigrateCli, CreateNumbersAfterTheNewestAndValidatesNames) {
    kt::temp_dir tmp("katana-migrate-create");
    const fs::path dir = tmp.path() / "db" / "migrations";
    auto first = katana_cli({"db", "migrate", "create", "init", "--dir", dir.string()});
    ASSERT_EQ(first.code, 0) << first.output;
    EXPECT_TRUE(fs::exists(dir / "0001_init.sql"));
    write(dir / "0007_later.sql", "SELECT 1;\n");
    auto next = katana_cli({"db", "migrate", "create", "add_tags", "--down", "--dir", dir.string()});
    ASSERT_EQ(next.code, 0) << next.output;
    EXPECT_TRUE(fs::exists(dir / "0008_add_tags.sql"));
    EXPECT_TRUE(fs::exists(dir / "0008_add_tags.down.sql"));
    auto bad = katana_cli({"db", "migrate", "create", "drop table", "--dir", dir.string()});
    EXPECT_EQ(bad.code, 1) << bad.output;
    EXPECT_NE(bad.output.find("invalid name 'drop table'"), std::string::npos) << bad.output;
}

TEST(MigrateCli, BadDirectoryContentsAreDiagnosedBeforeConnecting) {
    kt::temp_dir tmp("katana-migrate-scan");
    const fs::path dir = tmp.path();
    auto missing = katana_cli({"db", "migrate", "up", "--dir", (dir / "nope").string(), "--db-url", "host=127.0.0.1 port=1"});
    EXPECT_EQ(missing.code, 1);
    EXPECT_NE(missing.output.find("no such migrations directory"), std::string::npos) << missing.output;
    write(dir / "1_a.sql", "SELECT 1;\n");
    write(dir / "01_b.sql", "SELECT 1;\n");
    auto dup = katana_cli({"db", "migrate", "up", "--dir", dir.string(), "--db-url", "host=127.0.0.1 port=1"});
    EXPECT_EQ(dup.code, 1);
    EXPECT_NE(dup.output.find("version 1 is also used by"), std::string::npos) << dup.output;
    fs::remove(dir / "01_b.sql");
    write(dir / "create-things.sql", "SELECT 1;\n");
    auto badname = katana_cli({"db", "migrate", "status", "--dir", dir.string(), "--db-url", "host=127.0.0.1 port=1"});
    EXPECT_EQ(badname.code, 1);
    EXPECT_NE(badname.output.find("create-things.sql: error: a migration is named NNNN_name.sql"), std::string::npos)
        << badname.output;
    fs::remove(dir / "create-things.sql");
    auto no_url = katana_cli({"db", "migrate", "up", "--dir", dir.string()});
    EXPECT_EQ(no_url.code, 1);
    EXPECT_NE(no_url.output.find("no database: pass --db-url URL or set DATABASE_URL"), std::string::npos) << no_url.output;
}
