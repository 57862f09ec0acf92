// The throwaway PostgreSQL of `katana gen sql` when no --db-url is given.
#include <katana/sqlgen/analyze.hpp>

#include <fmt/format.h>
#include <libpq-fe.h>

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <thread>

namespace katana::sqlgen {

namespace fs = std::filesystem;

namespace {

struct account {
    uid_t uid = 0;
    gid_t gid = 0;
};

// fork + exec with stdout/stderr into `log`, as `user` when not empty. Returns the child's pid.
katana::expected<pid_t, std::string> spawn(const std::vector<std::string>& argv, const fs::path& log,
                                           const std::optional<account>& as) {
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) return katana::unexpected(fmt::format("fork: {}", std::strerror(errno)));
    if (pid == 0) {
        // Child: only async-signal-safe calls until exec.
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd >= 0) {
            ::dup2(fd, STDOUT_FILENO);
            ::dup2(fd, STDERR_FILENO);
        }
        const int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
        ::setpgid(0, 0); // a Ctrl-C of the generator does not reach postgres twice
        if (as && (::setgid(as->gid) != 0 || ::setuid(as->uid) != 0)) ::_exit(126);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    return pid;
}

std::string read_log(const fs::path& log) {
    std::ifstream in(log, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.size() > 4000) text = "..." + text.substr(text.size() - 4000);
    return text;
}

fs::path find_bin_dir() {
    if (const char* env = std::getenv("KATANA_PG_BIN_DIR"); env != nullptr && *env != '\0') return env;
    for (const char* v : {"17", "16", "15", "14"}) {
        const fs::path dir = fs::path("/usr/lib/postgresql") / v / "bin";
        if (::access((dir / "initdb").c_str(), X_OK) == 0) return dir;
    }
    return "/usr/lib/postgresql/15/bin";
}

} // namespace

katana::expected<std::unique_ptr<scratch_server>, std::string> scratch_server::start(fs::path bin_dir) {
    std::unique_ptr<scratch_server> s(new scratch_server());
    s->bin_ = bin_dir.empty() ? find_bin_dir() : std::move(bin_dir);
    for (const char* tool : {"initdb", "postgres"}) {
        if (::access((s->bin_ / tool).c_str(), X_OK) != 0) {
            return katana::unexpected(fmt::format("no PostgreSQL server to analyze the queries: {} is missing (install "
                                                  "postgresql, set KATANA_PG_BIN_DIR, pass --db-url, or use the lock file)",
                                                  (s->bin_ / tool).string()));
        }
    }
    std::string pattern = (fs::temp_directory_path() / "katana-sqlgen-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) return katana::unexpected(fmt::format("mkdtemp: {}", std::strerror(errno)));
    s->root_ = pattern;
    std::optional<account> as;
    if (::geteuid() == 0) {
        // PostgreSQL refuses to run as root; its own account owns the throwaway cluster.
        const passwd* pw = ::getpwnam("postgres");
        if (pw == nullptr) return katana::unexpected(std::string("running as root needs a 'postgres' account"));
        as = account{pw->pw_uid, pw->pw_gid};
        if (::chown(s->root_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
            return katana::unexpected(fmt::format("chown {}: {}", s->root_.string(), std::strerror(errno)));
        }
        s->run_as_ = "postgres";
    }
    ::chmod(s->root_.c_str(), 0700);
    const fs::path log = s->root_ / "log.txt";
    {
        std::ofstream touch(log);
    }
    if (as) static_cast<void>(::chown(log.c_str(), as->uid, as->gid));

    auto initdb = spawn({(s->bin_ / "initdb").string(), "-D", (s->root_ / "data").string(), "-U", "postgres", "-A", "trust",
                         "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"},
                        log, as);
    if (!initdb) return katana::unexpected(initdb.error());
    int status = 0;
    while (::waitpid(*initdb, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        return katana::unexpected(fmt::format("initdb failed:\n{}", read_log(log)));
    }
    // Unix socket only: no port to collide with anything else on the machine.
    auto pg = spawn({(s->bin_ / "postgres").string(), "-D", (s->root_ / "data").string(), "-k", s->root_.string(), "-c",
                     "listen_addresses=", "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "logging_collector=off",
                     "-c", "dynamic_shared_memory_type=mmap", "-c", "shared_buffers=16MB", "-c", "max_connections=10"},
                    log, as);
    if (!pg) return katana::unexpected(pg.error());
    s->pid_ = *pg;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (;;) {
        if (::waitpid(s->pid_, &status, WNOHANG) == s->pid_) {
            s->pid_ = -1;
            return katana::unexpected(fmt::format("postgres exited during start-up:\n{}", read_log(log)));
        }
        if (PQping(s->conninfo().c_str()) == PQPING_OK) return s;
        if (std::chrono::steady_clock::now() > deadline) {
            return katana::unexpected(fmt::format("postgres did not start within 30 s:\n{}", read_log(log)));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

scratch_server::~scratch_server() {
    if (pid_ > 0) {
        ::kill(pid_, SIGINT); // fast shutdown
        int status = 0;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (::waitpid(pid_, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, &status, 0);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
    if (!root_.empty()) {
        std::error_code ec;
        fs::remove_all(root_, ec);
    }
}

std::string scratch_server::conninfo(std::string_view dbname) const {
    return fmt::format("host={} user=postgres dbname={} connect_timeout=10", root_.string(), dbname);
}

} // namespace katana::sqlgen
