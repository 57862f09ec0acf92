#pragma once
// A throwaway PostgreSQL 15 cluster for one test (or one suite): initdb into a temp dir, listen on
// 127.0.0.1 at a free port, trust auth, durability off. Gone (processes and files) when the
// object is destroyed.
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <chrono>
#include <cstdint>
#include <katana/util/expected.hpp>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace katana::test {

struct pg_options {
    int max_connections = 64;
    std::string shared_buffers = "4MB"; // small, but leaves room for every connection to pin a few buffers
    std::chrono::milliseconds start_timeout = std::chrono::seconds(60);
};

class pg_server {
public:
    // Directory with initdb/postgres/pg_isready/psql: $KATANA_PG_BIN_DIR, else
    // /usr/lib/postgresql/15/bin.
    [[nodiscard]] static std::filesystem::path bin_dir();

    // Fails with a message naming scripts/install-deps.sh when the binaries are missing, and with
    // the server log when initdb or start-up fails. The cluster is a copy of a template kept in
    // <build dir>/pg-template (made by the first initdb; KATANA_PG_NO_TEMPLATE=1 disables it). Runs the server as the `postgres` account
    // when the test binary is root (PostgreSQL refuses root).
    [[nodiscard]] static katana::expected<pg_server, std::string> start(const pg_options& options = {});

    pg_server(pg_server&&) noexcept = default;
    pg_server& operator=(pg_server&&) = delete; // would silently kill the running server
    pg_server(const pg_server&) = delete;
    pg_server& operator=(const pg_server&) = delete;
    ~pg_server(); // fast shutdown (SIGKILL to the group if that hangs), then removes the directory

    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    // "host=127.0.0.1 port=N user=postgres dbname=postgres"
    [[nodiscard]] std::string conninfo(std::string_view dbname = "postgres") const;
    [[nodiscard]] std::filesystem::path data_dir() const { return dir_.path() / "data"; }
    [[nodiscard]] std::filesystem::path socket_dir() const { return dir_.path() / "sock"; }
    [[nodiscard]] std::filesystem::path log_file() const { return dir_.path() / "postgres.log"; }
    [[nodiscard]] std::filesystem::path root_dir() const { return dir_.path(); }
    [[nodiscard]] bool running();
    [[nodiscard]] pid_t pid() const noexcept { return postmaster_ ? postmaster_->pid() : -1; }

    // Fast shutdown (SIGINT: open sessions are cut, no waiting for clients). The data directory
    // stays, so start_again() brings the same cluster back on the same port: that is how tests
    // inject a database outage.
    katana::expected<void, std::string> stop(std::chrono::milliseconds timeout = std::chrono::seconds(30));
    katana::expected<void, std::string> start_again();
    katana::expected<void, std::string> restart(); // stop() + start_again()
    // SIGKILL to the whole server (a crash); start_again() then runs crash recovery.
    void kill_hard();

    // Durability: fsync and full_page_writes are off (nothing survives a machine crash), but every
    // commit is written before it is acknowledged, so data survives kill_hard().
    // Runs SQL through psql (unaligned, tuples only, ON_ERROR_STOP) and returns its stdout, e.g.
    // "1|one\n2|two\n". The error holds psql's stderr and exit code.
    [[nodiscard]] katana::expected<std::string, std::string> psql(std::string_view sql,
                                                               std::string_view dbname = "postgres") const;

    // The log of this run (postgres' stdout/stderr), for failure messages.
    [[nodiscard]] std::string log() const;

private:
    pg_server(temp_dir dir, std::uint16_t port, pg_options options)
        : dir_(std::move(dir)), port_(port), options_(std::move(options)) {}
    // initdb, or a copy of the cached result of an identical earlier initdb (see pg_server.cpp).
    static katana::expected<void, std::string> make_data_dir(pg_server& server);
    katana::expected<void, std::string> launch();
    katana::expected<void, std::string> wait_ready();

    temp_dir dir_;
    std::uint16_t port_ = 0;
    pg_options options_;
    std::string run_as_; // "postgres" when root, else empty (run as ourselves)
    std::optional<child_process> postmaster_;
};

} // namespace katana::test
