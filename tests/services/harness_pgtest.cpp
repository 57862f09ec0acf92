// Proves the throwaway PostgreSQL helper (tests/support/pg_server): a real server starts, keeps
// data across restarts on the same port, isolates parallel instances, and leaves no process or
// file behind. A missing PostgreSQL install is a failure naming scripts/install-deps.sh, never a skip.
#include "support/pg_server.hpp"
#include "support/process.hpp"
#include "support/tcp_client.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <sys/shm.h>
#include <functional>
#include <optional>
#include <thread>

using namespace std::chrono_literals;
namespace kt = katana::test;

namespace {

bool eventually(const std::function<bool()>& f, std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (f()) return true;
        std::this_thread::sleep_for(10ms);
    }
    return f();
}

bool accepts_connections(std::uint16_t port) { return kt::tcp_client::connect(port, 1s).has_value(); }

} // namespace

TEST(HarnessPg, StartsAndRunsSql) {
    auto pg = kt::pg_server::start();
    ASSERT_TRUE(pg.has_value()) << pg.error();
    EXPECT_NE(pg->port(), 0);
    EXPECT_EQ(pg->conninfo(), "host=127.0.0.1 port=" + std::to_string(pg->port()) + " user=postgres dbname=postgres");
    EXPECT_TRUE(accepts_connections(pg->port()));

    auto version = pg->psql("SHOW server_version_num;");
    ASSERT_TRUE(version.has_value()) << version.error();
    EXPECT_EQ(version->substr(0, 2), "15") << *version;

    auto created = pg->psql("CREATE TABLE items(id int PRIMARY KEY, name text NOT NULL);\n"
                            "INSERT INTO items VALUES (1, 'one'), (2, 'two|pipe');");
    ASSERT_TRUE(created.has_value()) << created.error();
    auto rows = pg->psql("SELECT id, name FROM items ORDER BY id;");
    ASSERT_TRUE(rows.has_value()) << rows.error();
    EXPECT_EQ(*rows, "1|one\n2|two|pipe\n");

    // Settings the harness promises: loopback only, no fsync, socket inside the temp dir.
    auto settings = pg->psql("SELECT current_setting('listen_addresses'), current_setting('fsync'), "
                             "current_setting('unix_socket_directories');");
    ASSERT_TRUE(settings.has_value()) << settings.error();
    EXPECT_EQ(*settings, "127.0.0.1|off|" + pg->socket_dir().string() + "\n");
}

TEST(HarnessPg, SqlErrorsComeBackAsErrors) {
    auto pg = kt::pg_server::start();
    ASSERT_TRUE(pg.has_value()) << pg.error();
    auto bad = pg->psql("SELECT 1;\nSELECT * FROM no_such_table;\nSELECT 2;");
    ASSERT_FALSE(bad.has_value());
    EXPECT_NE(bad.error().find("no_such_table"), std::string::npos) << bad.error();
    EXPECT_NE(bad.error().find("does not exist"), std::string::npos) << bad.error();
}

TEST(HarnessPg, RestartKeepsDataAndPort) {
    auto pg = kt::pg_server::start();
    ASSERT_TRUE(pg.has_value()) << pg.error();
    ASSERT_TRUE(pg->psql("CREATE TABLE kept(v text); INSERT INTO kept VALUES ('survives');").has_value());
    const auto port = pg->port();
    const auto first_pid = pg->pid();

    auto restarted = pg->restart();
    ASSERT_TRUE(restarted.has_value()) << restarted.error();
    EXPECT_EQ(pg->port(), port);
    EXPECT_NE(pg->pid(), first_pid);
    EXPECT_FALSE(kt::process_alive(first_pid));
    auto rows = pg->psql("SELECT v FROM kept;");
    ASSERT_TRUE(rows.has_value()) << rows.error();
    EXPECT_EQ(*rows, "survives\n");

    // An outage as later tests inject it: stopped means refused, then back on the same port.
    ASSERT_TRUE(pg->stop().has_value());
    EXPECT_FALSE(pg->running());
    EXPECT_FALSE(accepts_connections(port));
    ASSERT_TRUE(pg->start_again().has_value()) << pg->log();
    EXPECT_EQ(pg->port(), port);
    auto again = pg->psql("SELECT count(*) FROM kept;");
    ASSERT_TRUE(again.has_value()) << again.error();
    EXPECT_EQ(*again, "1\n");
}

TEST(HarnessPg, CrashAndRecovery) {
    auto pg = kt::pg_server::start();
    ASSERT_TRUE(pg.has_value()) << pg.error();
    ASSERT_TRUE(pg->psql("CREATE TABLE c(v int); INSERT INTO c SELECT generate_series(1, 1000);").has_value());
    const pid_t postmaster = pg->pid();
    const auto helpers = kt::live_process_tree(postmaster); // checkpointer, walwriter, ...
    EXPECT_GE(helpers.size(), 3u);
    pg->kill_hard();
    EXPECT_FALSE(kt::process_alive(postmaster));
    for (pid_t p : helpers) EXPECT_FALSE(kt::process_alive(p)) << p;
    EXPECT_FALSE(accepts_connections(pg->port()));
    ASSERT_TRUE(pg->start_again().has_value()) << pg->log();
    auto rows = pg->psql("SELECT count(*), sum(v) FROM c;");
    ASSERT_TRUE(rows.has_value()) << rows.error();
    EXPECT_EQ(*rows, "1000|500500\n");
    EXPECT_NE(pg->log().find("not properly shut down"), std::string::npos) << pg->log(); // crash recovery ran
}

TEST(HarnessPg, CrashedServerLeavesNoSharedMemory) {
    int shmid = -1;
    {
        auto pg = kt::pg_server::start();
        ASSERT_TRUE(pg.has_value()) << pg.error();
        // postmaster.pid line 7: "<key> <shmid>" of the SysV segment this postmaster created.
        std::ifstream pidfile(pg->data_dir() / "postmaster.pid");
        std::string line;
        for (int i = 0; i < 7; ++i) ASSERT_TRUE(std::getline(pidfile, line));
        std::istringstream fields(line);
        long key = 0;
        ASSERT_TRUE(fields >> key >> shmid) << line;
        shmid_ds info{};
        ASSERT_EQ(::shmctl(shmid, IPC_STAT, &info), 0);
        pg->kill_hard(); // no clean shutdown: the segment outlives the server ...
        ASSERT_EQ(::shmctl(shmid, IPC_STAT, &info), 0);
    }
    shmid_ds info{};
    EXPECT_NE(::shmctl(shmid, IPC_STAT, &info), 0); // ... until the harness cleans up
}

TEST(HarnessPg, TwoServersAreIndependent) {
    auto a = kt::pg_server::start();
    ASSERT_TRUE(a.has_value()) << a.error();
    auto b = kt::pg_server::start();
    ASSERT_TRUE(b.has_value()) << b.error();
    EXPECT_NE(a->port(), b->port());
    EXPECT_NE(a->root_dir(), b->root_dir());
    ASSERT_TRUE(a->psql("CREATE TABLE only_in_a(x int);").has_value());
    EXPECT_TRUE(a->psql("SELECT * FROM only_in_a;").has_value());
    EXPECT_FALSE(b->psql("SELECT * FROM only_in_a;").has_value());
}

TEST(HarnessPg, DestructionLeavesNothingBehind) {
    auto started = kt::pg_server::start();
    ASSERT_TRUE(started.has_value()) << started.error();
    std::optional<kt::pg_server> pg(std::move(*started));
    const auto root = pg->root_dir();
    const pid_t postmaster = pg->pid();
    const auto port = pg->port();
    ASSERT_TRUE(std::filesystem::exists(pg->data_dir() / "PG_VERSION"));

    // Hold a session open in a query: fast shutdown must cut it instead of waiting.
    auto session = kt::child_process::spawn({(kt::pg_server::bin_dir() / "psql").string(), "-X", "-h", "127.0.0.1", "-p",
                                             std::to_string(port), "-U", "postgres", "-c", "SELECT pg_sleep(60);"});
    ASSERT_TRUE(session.has_value()) << session.error();
    ASSERT_TRUE(eventually([&] {
        auto n = pg->psql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%';");
        return n && *n == "1\n";
    }));
    // Backends setsid(), so they are found by ancestry, not by process group.
    const auto tree = kt::live_process_tree(postmaster);
    EXPECT_GE(tree.size(), 4u);

    const auto start = std::chrono::steady_clock::now();
    pg.reset();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);
    EXPECT_FALSE(std::filesystem::exists(root)) << root;
    EXPECT_FALSE(std::filesystem::exists("/proc/" + std::to_string(postmaster))); // reaped, no zombie
    for (pid_t p : tree) EXPECT_FALSE(kt::process_alive(p)) << p;
    EXPECT_FALSE(accepts_connections(port));
    EXPECT_NE(session->wait_for(10s), 0); // the client saw its server go away
}

TEST(HarnessPg, WorksWithoutTheInitdbTemplate) {
    ::setenv("KATANA_PG_NO_TEMPLATE", "1", 1);
    auto pg = kt::pg_server::start();
    ::unsetenv("KATANA_PG_NO_TEMPLATE");
    ASSERT_TRUE(pg.has_value()) << pg.error();
    auto one = pg->psql("SELECT 40 + 2;");
    ASSERT_TRUE(one.has_value()) << one.error();
    EXPECT_EQ(*one, "42\n");
}

TEST(HarnessPg, MissingInstallationNamesTheInstallScript) {
    ::setenv("KATANA_PG_BIN_DIR", "/nonexistent/postgresql/bin", 1);
    auto pg = kt::pg_server::start();
    ::unsetenv("KATANA_PG_BIN_DIR");
    ASSERT_FALSE(pg.has_value());
    EXPECT_NE(pg.error().find("scripts/install-deps.sh"), std::string::npos) << pg.error();
    EXPECT_NE(pg.error().find("/nonexistent/postgresql/bin"), std::string::npos) << pg.error();
}
