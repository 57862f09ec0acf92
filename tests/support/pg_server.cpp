#include "support/pg_server.hpp"

#include "support/paths.hpp"
#include "support/ports.hpp"
#include "support/user.hpp"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <fmt/core.h>
#include <fstream>
#include <sstream>
#include <sys/shm.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace katana::test {

namespace {

constexpr std::string_view install_hint = "install them with scripts/install-deps.sh (package postgresql-15)";

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A postmaster that died without a clean shutdown leaves its SysV segment behind; its key and id
// are on line 7 of postmaster.pid. Remove it, but only if the key still matches (ids are reused).
void remove_stale_shared_memory(const std::filesystem::path& data_dir) {
    std::ifstream in(data_dir / "postmaster.pid");
    std::string line;
    for (int i = 0; i < 7 && std::getline(in, line); ++i) {
    }
    if (!in) return;
    std::istringstream fields(line);
    long key = 0;
    int id = -1;
    if (!(fields >> key >> id) || id < 0) return;
    shmid_ds info{};
    if (::shmctl(id, IPC_STAT, &info) == 0 && info.shm_perm.__key == static_cast<key_t>(key) && info.shm_nattch == 0) {
        ::shmctl(id, IPC_RMID, nullptr);
    }
}

std::atomic<unsigned> psql_counter{0};

// initdb costs a second or more per cluster and every pg test is its own process (ctest runs each
// TEST separately), so the first initdb's output is kept in the build dir and later clusters are
// copies of it. Keyed by the postgres binary (an upgrade invalidates it) and the owning uid.
// KATANA_PG_NO_TEMPLATE=1 turns it off.
std::optional<std::filesystem::path> template_dir(const std::filesystem::path& postgres_binary, uid_t owner) {
    if (const char* off = std::getenv("KATANA_PG_NO_TEMPLATE"); off != nullptr && *off != '\0' && *off != '0') {
        return std::nullopt;
    }
    std::error_code ec;
    const std::filesystem::path base = binary_dir();
    if (!std::filesystem::is_directory(base, ec)) return std::nullopt;
    struct stat st {};
    if (::stat(postgres_binary.c_str(), &st) != 0) return std::nullopt;
    // "v1": bump when the initdb arguments below change.
    return base / "pg-template" /
           fmt::format("v1-{}-{}-{}", static_cast<long long>(st.st_size), static_cast<long long>(st.st_mtim.tv_sec), owner);
}

std::atomic<unsigned> staging_counter{0};

} // namespace

std::filesystem::path pg_server::bin_dir() {
    if (const char* env = std::getenv("KATANA_PG_BIN_DIR"); env != nullptr && *env != '\0') return env;
    return "/usr/lib/postgresql/15/bin";
}

katana::expected<pg_server, std::string> pg_server::start(const pg_options& options) {
    const auto bin = bin_dir();
    for (const char* tool : {"initdb", "postgres", "pg_isready", "psql"}) {
        if (::access((bin / tool).c_str(), X_OK) != 0) {
            return katana::unexpected(fmt::format("PostgreSQL 15 is not installed: {} is missing; {}", (bin / tool).string(),
                                               install_hint));
        }
    }
    temp_dir::sweep_abandoned("katana-pg", [](const std::filesystem::path& dir) {
        remove_stale_shared_memory(dir / "data");
    });
    pg_server server(temp_dir("katana-pg"), 0, options);
    server.dir_.mark_owner();
    if (::geteuid() == 0) {
        server.run_as_ = "postgres";
        if (auto r = server.dir_.chown_to(server.run_as_); !r) return katana::unexpected(r.error() + "; " + std::string(install_hint));
    }
    std::error_code ec;
    std::filesystem::create_directory(server.socket_dir(), ec);
    if (ec) return katana::unexpected("mkdir " + server.socket_dir().string() + ": " + ec.message());
    if (!server.run_as_.empty()) {
        if (auto r = chown_to_user(server.socket_dir(), server.run_as_); !r) return katana::unexpected(r.error());
    }

    if (auto made = make_data_dir(server); !made) return katana::unexpected(made.error());

    // The free port may be taken between free_tcp_port() and the bind: try a few.
    std::string last_error;
    for (int attempt = 0; attempt < 4; ++attempt) {
        server.port_ = free_tcp_port();
        if (server.port_ == 0) return katana::unexpected(std::string("free_tcp_port failed"));
        auto launched = server.launch();
        if (launched) return server;
        last_error = launched.error();
        if (last_error.find("Address already in use") == std::string::npos) break;
    }
    return katana::unexpected(last_error);
}

katana::expected<void, std::string> pg_server::make_data_dir(pg_server& server) {
    const auto bin = bin_dir();
    const uid_t owner = server.run_as_.empty() ? ::geteuid() : lookup_user(server.run_as_).value().uid;
    const auto cache = template_dir(bin / "postgres", owner);
    std::error_code ec;
    // `cp -a` keeps modes and ownership (the postgres account's), which PostgreSQL insists on.
    if (cache && std::filesystem::exists(*cache / "data" / "PG_VERSION", ec)) {
        auto copied = run_process({"cp", "-a", (*cache / "data").string(), server.data_dir().string()}, {},
                                  std::chrono::seconds(120));
        if (copied && copied->exit_code == 0) return {};
        std::filesystem::remove_all(server.data_dir(), ec); // fall back to initdb
    }

    spawn_options opts;
    opts.user = server.run_as_;
    opts.cwd = server.root_dir();
    opts.env = {{"LC_ALL", "C"}, {"LANG", "C"}};
    auto initdb = run_process({(bin / "initdb").string(), "-D", server.data_dir().string(), "-U", "postgres", "-A",
                               "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"},
                              opts, std::chrono::seconds(120));
    if (!initdb) return katana::unexpected("initdb: " + initdb.error());
    if (initdb->exit_code != 0) {
        return katana::unexpected(fmt::format("initdb exited with {}:\n{}", initdb->exit_code, initdb->output));
    }

    if (cache) {
        // Publish atomically: copy into a private staging dir, then rename() it into place. A
        // concurrent test process that lost the race just drops its copy.
        const auto staging = cache->parent_path() /
                             fmt::format(".staging-{}-{}", ::getpid(), staging_counter.fetch_add(1));
        std::filesystem::create_directories(staging, ec);
        auto copied = ec ? katana::expected<run_result, std::string>(katana::unexpected(ec.message()))
                         : run_process({"cp", "-a", server.data_dir().string(), (staging / "data").string()}, {},
                                       std::chrono::seconds(120));
        if (!copied || copied->exit_code != 0 || ::rename(staging.c_str(), cache->c_str()) != 0) {
            std::filesystem::remove_all(staging, ec);
        }
    }
    return {};
}

katana::expected<void, std::string> pg_server::launch() {
    spawn_options opts;
    opts.user = run_as_;
    opts.cwd = root_dir();
    opts.env = {{"LC_ALL", "C"}, {"LANG", "C"}};
    opts.output = output_mode::file;
    opts.output_file = log_file();
    const auto port_text = std::to_string(port_);
    auto child = child_process::spawn(
        {(bin_dir() / "postgres").string(), "-D", data_dir().string(), "-p", port_text, "-k", socket_dir().string(),
         "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c",
         "full_page_writes=off", "-c", "shared_buffers=" + options_.shared_buffers, "-c",
         "max_connections=" + std::to_string(options_.max_connections), "-c", "huge_pages=off", "-c",
         // Dynamic shared memory inside the data dir: nothing is left in /dev/shm after a crash.
         "dynamic_shared_memory_type=mmap", "-c", "logging_collector=off"},
        opts);
    if (!child) return katana::unexpected("postgres: " + child.error());
    postmaster_.emplace(std::move(*child));
    return wait_ready();
}

katana::expected<void, std::string> pg_server::wait_ready() {
    const auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
    const auto port_text = std::to_string(port_);
    auto pause = std::chrono::milliseconds(10);
    for (;;) {
        if (!postmaster_->running()) {
            const int code = *postmaster_->exit_code();
            postmaster_.reset();
            return katana::unexpected(fmt::format("postgres exited with {} during start-up; log:\n{}", code, log()));
        }
        auto ready = run_process({(bin_dir() / "pg_isready").string(), "-q", "-h", "127.0.0.1", "-p", port_text, "-U",
                                  "postgres", "-d", "postgres", "-t", "2"},
                                 {}, std::chrono::seconds(10));
        if (ready && ready->exit_code == 0) return {};
        if (std::chrono::steady_clock::now() >= deadline) {
            postmaster_->kill_and_wait();
            postmaster_.reset();
            return katana::unexpected(fmt::format("postgres did not accept connections on port {} within {} ms; log:\n{}",
                                               port_, options_.start_timeout.count(), log()));
        }
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::milliseconds(100));
    }
}

pg_server::~pg_server() {
    if (dir_.path().empty()) return; // moved from
    if (postmaster_ && postmaster_->pid() > 0) static_cast<void>(stop());
    remove_stale_shared_memory(data_dir());
}

bool pg_server::running() { return postmaster_ && postmaster_->running(); }

std::string pg_server::conninfo(std::string_view dbname) const {
    return fmt::format("host=127.0.0.1 port={} user=postgres dbname={}", port_, dbname);
}

katana::expected<void, std::string> pg_server::stop(std::chrono::milliseconds timeout) {
    return stop_server_child(postmaster_, SIGINT /* fast shutdown */, timeout, "postgres");
}

katana::expected<void, std::string> pg_server::start_again() {
    if (running()) return katana::unexpected(std::string("postgres is already running"));
    postmaster_.reset();
    return launch();
}

katana::expected<void, std::string> pg_server::restart() {
    if (auto r = stop(); !r) return r;
    return start_again();
}

void pg_server::kill_hard() {
    if (!postmaster_) return;
    postmaster_->kill_and_wait();
    postmaster_.reset();
}

katana::expected<std::string, std::string> pg_server::psql(std::string_view sql, std::string_view dbname) const {
    // A file (not -c) so that several statements run as a script with per-statement output.
    const auto n = psql_counter.fetch_add(1);
    const auto script = root_dir() / fmt::format("psql-{}-{}.sql", ::getpid(), n);
    const auto errors = root_dir() / fmt::format("psql-{}-{}.err", ::getpid(), n);
    {
        std::ofstream out(script, std::ios::binary);
        out << sql << '\n';
        if (!out) return katana::unexpected("cannot write " + script.string());
    }
    spawn_options opts;
    opts.stderr_file = errors;
    opts.env = {{"LC_ALL", "C"}, {"PGCONNECT_TIMEOUT", "5"}};
    auto r = run_process({(bin_dir() / "psql").string(), "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-h",
                          "127.0.0.1", "-p", std::to_string(port_), "-U", "postgres", "-d", std::string(dbname), "-f",
                          script.string()},
                         opts, std::chrono::seconds(60));
    const std::string err_text = read_file(errors);
    std::error_code ec;
    std::filesystem::remove(script, ec);
    std::filesystem::remove(errors, ec);
    if (!r) return katana::unexpected("psql: " + r.error());
    if (r->exit_code != 0) return katana::unexpected(fmt::format("psql exited with {}: {}", r->exit_code, err_text));
    return std::move(r->output);
}

std::string pg_server::log() const { return read_file(log_file()); }

} // namespace katana::test
