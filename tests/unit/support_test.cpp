// Tests for the shared test harness itself (tests/support): temp dirs, ports, child processes,
// the raw HTTP client and the RESP framing used by the Redis helper. Everything else trusts these,
// so each helper's promises (cleanup, no leaked processes, exact parsing) are checked here.
#include "support/paths.hpp"
#include "support/ports.hpp"
#include "support/process.hpp"
#include "support/redis_server.hpp"
#include "support/tcp_client.hpp"
#include "support/temp_dir.hpp"
#include "support/user.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <fstream>
#include <netinet/in.h>
#include <poll.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace std::chrono_literals;
namespace kt = katana::test;

namespace {

std::string read_whole(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Waits (bounded) for a condition that another process brings about.
template <class F>
bool eventually(F&& f, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (f()) return true;
        std::this_thread::sleep_for(5ms);
    }
    return f();
}

// A one-connection TCP server that writes scripted bytes, for exercising tcp_client.
class canned_server {
public:
    struct script {
        std::vector<std::string> chunks;            // written in order
        std::chrono::milliseconds gap{0};           // pause between chunks
        bool read_request_first = true;             // wait for "\r\n\r\n" before answering
        bool close_after = true;                    // close once written; else wait for the client
    };

    explicit canned_server(script s) : script_(std::move(s)) {
        listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 4) != 0 ||
            ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
            ADD_FAILURE() << "canned_server: cannot listen";
            return;
        }
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~canned_server() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
        if (listen_fd_ >= 0) ::close(listen_fd_);
    }
    canned_server(const canned_server&) = delete;
    canned_server& operator=(const canned_server&) = delete;

    [[nodiscard]] std::uint16_t port() const { return port_; }
    [[nodiscard]] std::string received() const {
        std::lock_guard lock(mu_);
        return received_;
    }

private:
    bool wait_readable(int fd) {
        while (!stop_) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 20) > 0) return true;
        }
        return false;
    }
    void serve() {
        if (!wait_readable(listen_fd_)) return;
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) return;
        char buf[4096];
        if (script_.read_request_first) {
            while (received().find("\r\n\r\n") == std::string::npos && wait_readable(fd)) {
                const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
                if (n <= 0) break;
                std::lock_guard lock(mu_);
                received_.append(buf, static_cast<std::size_t>(n));
            }
        }
        for (const auto& chunk : script_.chunks) {
            if (::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL) < 0) break;
            if (script_.gap.count() > 0) std::this_thread::sleep_for(script_.gap);
        }
        if (!script_.close_after) {
            while (wait_readable(fd)) {
                const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
                if (n <= 0) break;
                std::lock_guard lock(mu_);
                received_.append(buf, static_cast<std::size_t>(n));
            }
        }
        ::close(fd);
    }

    script script_;
    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
    mutable std::mutex mu_;
    std::string received_;
};

std::vector<std::string> bytewise(std::string_view s) {
    std::vector<std::string> out;
    for (char c : s) out.emplace_back(1, c);
    return out;
}

} // namespace

// ---- temp_dir ---------------------------------------------------------------------------------

TEST(SupportTempDir, CreatesPrivateDirectoryAndRemovesTreeOnDestruction) {
    std::filesystem::path where;
    {
        kt::temp_dir dir("katana-unit");
        where = dir.path();
        ASSERT_TRUE(std::filesystem::is_directory(where));
        EXPECT_EQ(where.filename().string().rfind("katana-unit-", 0), 0u) << where;
        struct stat st {};
        ASSERT_EQ(::stat(where.c_str(), &st), 0);
        EXPECT_EQ(st.st_mode & 0777, 0700u);
        std::filesystem::create_directories(where / "a" / "b");
        std::ofstream(where / "a" / "b" / "file.txt") << "data";
        ASSERT_TRUE(std::filesystem::exists(where / "a" / "b" / "file.txt"));
    }
    EXPECT_FALSE(std::filesystem::exists(where));
}

TEST(SupportTempDir, TwoDirectoriesDiffer) {
    kt::temp_dir a;
    kt::temp_dir b;
    EXPECT_NE(a.path(), b.path());
}

TEST(SupportTempDir, MoveTransfersOwnership) {
    kt::temp_dir a("katana-move");
    const auto where = a.path();
    std::filesystem::path moved_to;
    {
        kt::temp_dir b(std::move(a));
        EXPECT_TRUE(a.path().empty()); // NOLINT(bugprone-use-after-move): documented moved-from state
        EXPECT_EQ(b.path(), where);
        moved_to = b.path();
        EXPECT_TRUE(std::filesystem::is_directory(moved_to));
    }
    EXPECT_FALSE(std::filesystem::exists(where));

    kt::temp_dir c("katana-assign");
    kt::temp_dir d("katana-assign");
    const auto c_path = c.path();
    const auto d_path = d.path();
    d = std::move(c);
    EXPECT_FALSE(std::filesystem::exists(d_path)); // the directory d owned before is gone
    EXPECT_EQ(d.path(), c_path);
    EXPECT_TRUE(std::filesystem::is_directory(c_path));
}

TEST(SupportTempDir, ChownHandsDirectoryToUser) {
    if (::geteuid() != 0) GTEST_SKIP() << "chown to another user needs root";
    auto ids = kt::lookup_user("postgres");
    if (!ids) GTEST_SKIP() << ids.error() << " (scripts/install-deps.sh creates it with postgresql-15)";
    kt::temp_dir dir("katana-chown");
    ASSERT_TRUE(dir.chown_to("postgres").has_value());
    struct stat st {};
    ASSERT_EQ(::stat(dir.path().c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, ids->uid);
    EXPECT_EQ(st.st_gid, ids->gid);
    EXPECT_FALSE(dir.chown_to("no-such-user-katana").has_value());
}

TEST(SupportTempDir, SweepRemovesOnlyDirectoriesOfDeadOwners) {
    // A "test binary" that dies without running destructors leaves its marked directory behind.
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t dead = ::fork();
    if (dead == 0) {
        kt::temp_dir left("katana-sweep");
        left.mark_owner();
        const std::string p = left.path().string();
        [[maybe_unused]] auto w = ::write(fds[1], p.data(), p.size());
        ::_exit(0);
    }
    ::close(fds[1]);
    char buf[4096];
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    ::close(fds[0]);
    ::waitpid(dead, nullptr, 0);
    ASSERT_GT(n, 0);
    const std::filesystem::path abandoned(std::string(buf, static_cast<std::size_t>(n)));
    ASSERT_TRUE(std::filesystem::is_directory(abandoned));

    kt::temp_dir mine("katana-sweep");
    mine.mark_owner();
    kt::temp_dir unmarked("katana-sweep");
    std::vector<std::filesystem::path> released;
    kt::temp_dir::sweep_abandoned("katana-sweep", [&](const std::filesystem::path& p) { released.push_back(p); });
    EXPECT_FALSE(std::filesystem::exists(abandoned));
    EXPECT_EQ(released, std::vector<std::filesystem::path>{abandoned});
    EXPECT_TRUE(std::filesystem::is_directory(mine.path()));
    EXPECT_TRUE(std::filesystem::is_directory(unmarked.path()));
}

// ---- ports and paths --------------------------------------------------------------------------

TEST(SupportPorts, FreePortCanBeBoundRightAway) {
    const std::uint16_t port = kt::free_tcp_port();
    ASSERT_NE(port, 0);
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << std::strerror(errno);
    ::close(fd);
}

TEST(SupportPaths, CorpusDirHonoursEnvironment) {
    const char* saved = std::getenv("KATANA_CORPUS_DIR");
    const std::string saved_value = saved != nullptr ? saved : "";
    kt::temp_dir dir("katana-corpus");
    ::setenv("KATANA_CORPUS_DIR", dir.path().c_str(), 1);
    const auto found = kt::corpus_dir();
    ::setenv("KATANA_CORPUS_DIR", (dir.path() / "missing").c_str(), 1);
    const auto missing = kt::corpus_dir();
    if (saved != nullptr) {
        ::setenv("KATANA_CORPUS_DIR", saved_value.c_str(), 1);
    } else {
        ::unsetenv("KATANA_CORPUS_DIR");
    }
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(*found, dir.path());
    EXPECT_FALSE(missing.has_value());
    EXPECT_TRUE(std::filesystem::exists(kt::source_dir() / "CMakeLists.txt"));
    EXPECT_TRUE(std::filesystem::exists(kt::binary_dir() / "CMakeCache.txt"));
}

// ---- child_process ----------------------------------------------------------------------------

TEST(SupportProcess, CapturesOutputAndExitCode) {
    auto child = kt::child_process::spawn({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"});
    ASSERT_TRUE(child.has_value()) << child.error();
    EXPECT_GT(child->pid(), 0);
    EXPECT_EQ(child->wait_for(10s), 3);
    EXPECT_FALSE(child->running());
    EXPECT_EQ(child->exit_code(), 3);
    const auto out = child->captured_output();
    EXPECT_NE(out.find("out\n"), std::string::npos) << out;
    EXPECT_NE(out.find("err\n"), std::string::npos) << out;
}

TEST(SupportProcess, MissingProgramIsASpawnError) {
    auto child = kt::child_process::spawn({"katana-no-such-program-xyz"});
    ASSERT_FALSE(child.has_value());
    EXPECT_NE(child.error().find("katana-no-such-program-xyz"), std::string::npos) << child.error();

    kt::temp_dir dir;
    const auto not_executable = dir.path() / "script.sh";
    std::ofstream(not_executable) << "#!/bin/sh\necho hi\n";
    auto denied = kt::child_process::spawn({not_executable.string()});
    ASSERT_FALSE(denied.has_value());
    EXPECT_NE(denied.error().find("execve"), std::string::npos) << denied.error();
    EXPECT_NE(denied.error().find("ermission"), std::string::npos) << denied.error();
}

TEST(SupportProcess, EnvironmentAndWorkingDirectory) {
    kt::temp_dir dir("katana-cwd");
    kt::spawn_options opts;
    opts.env = {{"KATANA_HARNESS_VALUE", "forty two"}, {"HOME", "/nonexistent-home"}};
    opts.cwd = dir.path();
    auto r = kt::run_process({"/bin/sh", "-c", "echo \"$KATANA_HARNESS_VALUE|$HOME|$(pwd -P)\""}, opts);
    ASSERT_TRUE(r.has_value()) << r.error();
    EXPECT_EQ(r->exit_code, 0);
    const auto real_dir = std::filesystem::canonical(dir.path()).string();
    EXPECT_EQ(r->output, "forty two|/nonexistent-home|" + real_dir + "\n");

    kt::spawn_options clean;
    clean.inherit_env = false;
    clean.env = {{"ONLY", "1"}};
    auto env = kt::run_process({"/usr/bin/env"}, clean);
    ASSERT_TRUE(env.has_value()) << env.error();
    EXPECT_EQ(env->output, "ONLY=1\n");
}

TEST(SupportProcess, SeparateStderrFileAndFileMode) {
    kt::temp_dir dir;
    kt::spawn_options opts;
    opts.stderr_file = dir.path() / "err.txt";
    auto r = kt::run_process({"/bin/sh", "-c", "echo to-out; echo to-err >&2"}, opts);
    ASSERT_TRUE(r.has_value()) << r.error();
    EXPECT_EQ(r->output, "to-out\n");
    EXPECT_EQ(read_whole(dir.path() / "err.txt"), "to-err\n");

    std::ofstream(dir.path() / "log.txt") << "previous run\n";
    kt::spawn_options file_opts;
    file_opts.output = kt::output_mode::file;
    file_opts.output_file = dir.path() / "log.txt";
    auto child = kt::child_process::spawn({"/bin/sh", "-c", "echo first; sleep 0.1; echo ready now; exec sleep 30"},
                                          file_opts);
    ASSERT_TRUE(child.has_value()) << child.error();
    auto line = child->wait_for_output_line([](std::string_view l) { return l.starts_with("ready"); }, 10s);
    ASSERT_TRUE(line.has_value()) << child->captured_output();
    EXPECT_EQ(*line, "ready now");
    EXPECT_EQ(child->captured_output(), "first\nready now\n"); // this run only
    EXPECT_EQ(read_whole(dir.path() / "log.txt"), "previous run\nfirst\nready now\n");
    EXPECT_EQ(child->terminate_and_wait(5s), 128 + SIGTERM);
}

TEST(SupportProcess, WaitForOutputLineWalksForwardAndTimesOut) {
    auto child = kt::child_process::spawn(
        {"/bin/sh", "-c", "echo one; echo two; sleep 0.2; printf 'listening on port 4242\\r\\n'; exec sleep 30"});
    ASSERT_TRUE(child.has_value()) << child.error();
    auto two = child->wait_for_output_line([](std::string_view l) { return l == "two"; }, 10s);
    ASSERT_TRUE(two.has_value());
    EXPECT_EQ(*two, "two");
    auto port = child->wait_for_output_line([](std::string_view l) { return l.find("port") != std::string_view::npos; }, 10s);
    ASSERT_TRUE(port.has_value());
    EXPECT_EQ(*port, "listening on port 4242"); // CR stripped
    // "one" was already walked past: not found again, and the call honours its timeout.
    const auto start = std::chrono::steady_clock::now();
    auto again = child->wait_for_output_line([](std::string_view l) { return l == "one"; }, 300ms);
    const auto waited = std::chrono::steady_clock::now() - start;
    EXPECT_FALSE(again.has_value());
    EXPECT_GE(waited, 290ms);
    EXPECT_LT(waited, 5s);
}

TEST(SupportProcess, WaitForOutputLineStopsAtEndOfOutput) {
    auto child = kt::child_process::spawn({"/bin/sh", "-c", "echo a; printf 'tail without newline'"});
    ASSERT_TRUE(child.has_value()) << child.error();
    auto tail = child->wait_for_output_line([](std::string_view l) { return l.starts_with("tail"); }, 10s);
    ASSERT_TRUE(tail.has_value());
    EXPECT_EQ(*tail, "tail without newline");
    const auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(child->wait_for_output_line([](std::string_view) { return true; }, 30s).has_value());
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s); // returned at EOF, not at the timeout
}

TEST(SupportProcess, LargeOutputNeverBlocksTheChild) {
    // Far more than a pipe buffer (64 KiB): only a concurrent reader lets the child finish.
    auto child = kt::child_process::spawn({"/bin/sh", "-c", "head -c 3000000 /dev/zero | tr '\\000' x; echo; echo done"});
    ASSERT_TRUE(child.has_value()) << child.error();
    EXPECT_EQ(child->wait_for(30s), 0);
    const auto out = child->captured_output();
    EXPECT_EQ(out.size(), 3000000u + 1 + 5);
    EXPECT_TRUE(out.ends_with("\ndone\n"));
}

TEST(SupportProcess, TerminateUsesSigtermThenKillsTheGroup) {
    auto polite = kt::child_process::spawn({"sleep", "30"});
    ASSERT_TRUE(polite.has_value()) << polite.error();
    EXPECT_TRUE(polite->running());
    EXPECT_EQ(polite->terminate_and_wait(5s), 128 + SIGTERM);

    // Ignores SIGTERM and has children of its own: the grace period expires, then the whole group
    // gets SIGKILL.
    auto stubborn = kt::child_process::spawn(
        {"/bin/sh", "-c", "trap '' TERM; sleep 30 & sleep 30 & echo started; wait"});
    ASSERT_TRUE(stubborn.has_value()) << stubborn.error();
    const pid_t pgid = stubborn->pid();
    ASSERT_TRUE(stubborn->wait_for_output_line([](std::string_view l) { return l == "started"; }, 10s));
    EXPECT_GE(kt::live_processes_in_group(pgid).size(), 3u);
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(stubborn->terminate_and_wait(300ms), 128 + SIGKILL);
    EXPECT_GE(std::chrono::steady_clock::now() - start, 290ms);
    EXPECT_TRUE(eventually([&] { return kt::live_processes_in_group(pgid).empty(); }));
}

TEST(SupportProcess, SendSignalReachesOnlyTheChild) {
    auto child = kt::child_process::spawn({"/bin/sh", "-c", "trap 'echo got-usr1' USR1; echo armed; while :; do sleep 0.05; done"});
    ASSERT_TRUE(child.has_value()) << child.error();
    ASSERT_TRUE(child->wait_for_output_line([](std::string_view l) { return l == "armed"; }, 10s));
    child->send_signal(SIGUSR1);
    EXPECT_TRUE(child->wait_for_output_line([](std::string_view l) { return l == "got-usr1"; }, 10s));
    EXPECT_TRUE(child->running());
    EXPECT_EQ(child->kill_and_wait(), 128 + SIGKILL);
}

TEST(SupportProcess, ExitOfLeaderTakesStragglersAlong) {
    // The shell exits at once, leaving a background sleep in its group: the harness kills it.
    auto child = kt::child_process::spawn({"/bin/sh", "-c", "sleep 30 & echo $!"});
    ASSERT_TRUE(child.has_value()) << child.error();
    auto line = child->wait_for_output_line([](std::string_view) { return true; }, 10s);
    ASSERT_TRUE(line.has_value());
    const pid_t straggler = std::stoi(*line);
    EXPECT_EQ(child->wait_for(10s), 0);
    EXPECT_TRUE(eventually([&] { return !kt::process_alive(straggler); }));
}

TEST(SupportProcess, DestructorKillsAndReapsEverything) {
    pid_t pid = -1;
    {
        auto child = kt::child_process::spawn({"/bin/sh", "-c", "sleep 30 & sleep 30 & echo up; wait"});
        ASSERT_TRUE(child.has_value()) << child.error();
        pid = child->pid();
        ASSERT_TRUE(child->wait_for_output_line([](std::string_view l) { return l == "up"; }, 10s));
        EXPECT_EQ(kt::live_processes_in_group(pid).size(), 3u);
    }
    // Reaped (no zombie: the pid is gone entirely) and no group member left.
    EXPECT_FALSE(std::filesystem::exists("/proc/" + std::to_string(pid)));
    EXPECT_TRUE(eventually([&] { return kt::live_processes_in_group(pid).empty(); }));
}

TEST(SupportProcess, MoveKeepsOwnership) {
    auto spawned = kt::child_process::spawn({"sleep", "30"});
    ASSERT_TRUE(spawned.has_value()) << spawned.error();
    kt::child_process a = std::move(*spawned);
    const pid_t pid = a.pid();
    kt::child_process b = std::move(a);
    EXPECT_EQ(b.pid(), pid);
    EXPECT_EQ(a.pid(), -1); // NOLINT(bugprone-use-after-move): documented moved-from state
    EXPECT_TRUE(b.running());
    auto other = kt::child_process::spawn({"sleep", "30"});
    ASSERT_TRUE(other.has_value());
    const pid_t other_pid = other->pid();
    *other = std::move(b); // the process `other` owned is killed and reaped
    EXPECT_FALSE(std::filesystem::exists("/proc/" + std::to_string(other_pid)));
    EXPECT_EQ(other->pid(), pid);
    EXPECT_TRUE(other->running());
}

TEST(SupportProcess, DescriptorsWithoutCloexecDoNotLeak) {
    // A listening socket opened without SOCK_CLOEXEC would keep its port busy inside the child.
    const int leaky = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(leaky, 0);
    auto r = kt::run_process({"/bin/sh", "-c", "for f in /proc/$$/fd/*; do readlink $f; done"});
    ::close(leaky);
    ASSERT_TRUE(r.has_value()) << r.error();
    EXPECT_EQ(r->output.find("socket:"), std::string::npos) << r->output;
    EXPECT_NE(r->output.find("pipe:"), std::string::npos) << r->output; // stdout is our pipe
}

TEST(SupportProcess, IgnoredSigpipeIsNotInherited) {
    struct sigaction old {};
    struct sigaction ign {};
    ign.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ign, &old);
    auto r = kt::run_process({"/bin/sh", "-c", "grep SigIgn /proc/self/status"});
    ::sigaction(SIGPIPE, &old, nullptr);
    ASSERT_TRUE(r.has_value()) << r.error();
    // SigIgn is a hex mask; SIGPIPE (13) is bit 12, i.e. 0x1000.
    const auto hex = r->output.substr(r->output.find(':') + 1);
    const unsigned long mask = std::stoul(hex, nullptr, 16);
    EXPECT_EQ(mask & (1UL << (SIGPIPE - 1)), 0UL) << r->output;
}

TEST(SupportProcess, RunsAsAnotherUser) {
    if (::geteuid() != 0) GTEST_SKIP() << "switching users needs root";
    auto ids = kt::lookup_user("postgres");
    if (!ids) GTEST_SKIP() << ids.error();
    kt::spawn_options opts;
    opts.user = "postgres";
    opts.cwd = "/";
    auto r = kt::run_process({"/bin/sh", "-c", "id -u; id -g"}, opts);
    ASSERT_TRUE(r.has_value()) << r.error();
    EXPECT_EQ(r->output, std::to_string(ids->uid) + "\n" + std::to_string(ids->gid) + "\n");
}

TEST(SupportProcess, RunProcessTimesOutAndKills) {
    const auto start = std::chrono::steady_clock::now();
    auto r = kt::run_process({"/bin/sh", "-c", "echo partial; exec sleep 30"}, {}, 300ms);
    ASSERT_FALSE(r.has_value());
    EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
    EXPECT_NE(r.error().find("timed out"), std::string::npos) << r.error();
    EXPECT_NE(r.error().find("partial"), std::string::npos) << r.error();
}

// The test binary dying must not leave children behind. Each case forks a stand-in "test binary"
// (single-threaded here, so spawning after fork is safe) that spawns a sleeper, reports its pid
// and then dies the way the case describes.
namespace {

pid_t orphan_after(bool kill_with_parent, int how_parent_dies) {
    int fds[2];
    if (::pipe(fds) != 0) return -1;
    const pid_t stand_in = ::fork();
    if (stand_in == 0) {
        ::close(fds[0]);
        kt::spawn_options opts;
        opts.output = kt::output_mode::discard;
        opts.kill_with_parent = kill_with_parent;
        auto child = kt::child_process::spawn({"sleep", "30"}, opts);
        const pid_t pid = child ? child->pid() : -1;
        [[maybe_unused]] auto w = ::write(fds[1], &pid, sizeof pid);
        if (how_parent_dies == 0) ::_exit(0); // no destructors run
        ::raise(how_parent_dies);
        ::_exit(99);
    }
    ::close(fds[1]);
    pid_t grandchild = -1;
    [[maybe_unused]] auto r = ::read(fds[0], &grandchild, sizeof grandchild);
    ::close(fds[0]);
    int status = 0;
    ::waitpid(stand_in, &status, 0);
    return grandchild;
}

} // namespace

TEST(SupportProcess, ChildDiesWithItsParent) {
    const pid_t orphan = orphan_after(/*kill_with_parent=*/true, 0);
    ASSERT_GT(orphan, 0);
    EXPECT_TRUE(eventually([&] { return !kt::process_alive(orphan); })) << "orphan " << orphan << " survived";
}

TEST(SupportProcess, ChildrenAreKilledWhenTheTestBinaryGetsSigterm) {
    // PDEATHSIG off: only the SIGTERM handler can have killed the orphan.
    const pid_t orphan = orphan_after(/*kill_with_parent=*/false, SIGTERM);
    ASSERT_GT(orphan, 0);
    const bool gone = eventually([&] { return !kt::process_alive(orphan); });
    if (!gone) ::kill(orphan, SIGKILL);
    EXPECT_TRUE(gone) << "orphan " << orphan << " survived SIGTERM of its parent";
}

// ---- tcp_client -------------------------------------------------------------------------------

TEST(SupportTcpClient, ConnectToClosedPortFails) {
    const auto port = kt::free_tcp_port();
    ASSERT_NE(port, 0);
    auto c = kt::tcp_client::connect(port, 1s);
    ASSERT_FALSE(c.has_value());
    EXPECT_NE(c.error().find("refused"), std::string::npos) << c.error();
}

TEST(SupportTcpClient, ContentLengthResponseAndRequestBytes) {
    canned_server server({{"HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\ncontent-length: 5\r\nX-A: 1\r\nX-A:  2 \r\n\r\nhello"}});
    auto c = kt::tcp_client::connect(server.port());
    ASSERT_TRUE(c.has_value()) << c.error();
    const std::string request = kt::make_get("/x?y=1", "X-Test: yes\r\n");
    EXPECT_EQ(request, "GET /x?y=1 HTTP/1.1\r\nHost: localhost\r\nX-Test: yes\r\n\r\n");
    ASSERT_TRUE(c->send_all(request));
    auto r = c->read_response(5s);
    ASSERT_TRUE(r.has_value()) << c->last_error();
    EXPECT_EQ(r->status, 201);
    EXPECT_EQ(r->reason, "Created");
    EXPECT_EQ(r->version_minor, 1);
    EXPECT_EQ(r->body, "hello");
    EXPECT_EQ(r->header("CONTENT-TYPE"), "text/plain");
    EXPECT_EQ(r->header("Content-Length"), "5");
    EXPECT_EQ(r->header("x-a"), "1");
    EXPECT_EQ(r->header_count("X-A"), 2u);
    EXPECT_EQ(r->headers[3].second, "2"); // OWS trimmed
    EXPECT_FALSE(r->chunked);
    EXPECT_TRUE(c->wait_closed(5s));
    EXPECT_EQ(server.received(), request);
}

TEST(SupportTcpClient, ChunkedWithExtensionsAndTrailers) {
    canned_server server({{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "5;name=value\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Checksum: abc\r\n\r\n"
                           "HTTP/1.1 204 No Content\r\n\r\n"}});
    auto c = kt::tcp_client::connect(server.port());
    ASSERT_TRUE(c.has_value()) << c.error();
    ASSERT_TRUE(c->send_all(kt::make_get("/")));
    auto r = c->read_response();
    ASSERT_TRUE(r.has_value()) << c->last_error();
    EXPECT_TRUE(r->chunked);
    EXPECT_EQ(r->body, "hello world");
    ASSERT_EQ(r->trailers.size(), 1u);
    EXPECT_EQ(r->trailers[0].first, "X-Checksum");
    EXPECT_EQ(r->trailers[0].second, "abc");
    auto second = c->read_response();
    ASSERT_TRUE(second.has_value()) << c->last_error();
    EXPECT_EQ(second->status, 204);
    EXPECT_TRUE(second->body.empty());
}

TEST(SupportTcpClient, PipelinedResponsesDeliveredByteByByte) {
    const std::string two = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none"
                            "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\n";
    canned_server server({bytewise(two), 0ms, true, false});
    auto c = kt::tcp_client::connect(server.port());
    ASSERT_TRUE(c.has_value()) << c.error();
    ASSERT_TRUE(c->send_all(kt::make_get("/1") + kt::make_get("/2")));
    auto first = c->read_response();
    ASSERT_TRUE(first.has_value()) << c->last_error();
    EXPECT_EQ(first->status, 200);
    EXPECT_EQ(first->body, "one");
    auto second = c->read_response();
    ASSERT_TRUE(second.has_value()) << c->last_error();
    EXPECT_EQ(second->status, 404);
    EXPECT_EQ(second->reason, "Not Found");
    EXPECT_EQ(second->body, "two");
    EXPECT_TRUE(c->buffered().empty());
    EXPECT_FALSE(c->wait_closed(100ms)); // server keeps the connection open
}

TEST(SupportTcpClient, HeadAndInformationalResponsesHaveNoBody) {
    canned_server server({{"HTTP/1.1 100 Continue\r\n\r\n"
                           "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
                           "HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n"
                           "HTTP/1.0 200 OK\r\n\r\nuntil close"}});
    auto c = kt::tcp_client::connect(server.port());
    ASSERT_TRUE(c.has_value()) << c.error();
    ASSERT_TRUE(c->send_all("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto cont = c->read_response();
    ASSERT_TRUE(cont.has_value()) << c->last_error();
    EXPECT_EQ(cont->status, 100);
    auto head = c->read_response(5s, /*head_request=*/true);
    ASSERT_TRUE(head.has_value()) << c->last_error();
    EXPECT_EQ(head->status, 200);
    EXPECT_EQ(head->header("Content-Length"), "5");
    EXPECT_TRUE(head->body.empty());
    auto not_modified = c->read_response();
    ASSERT_TRUE(not_modified.has_value()) << c->last_error();
    EXPECT_EQ(not_modified->status, 304);
    EXPECT_TRUE(not_modified->body.empty());
    auto to_close = c->read_response();
    ASSERT_TRUE(to_close.has_value()) << c->last_error();
    EXPECT_EQ(to_close->version_minor, 0);
    EXPECT_TRUE(to_close->closed_delimited);
    EXPECT_EQ(to_close->body, "until close");
}

TEST(SupportTcpClient, MalformedAndTruncatedResponsesAreReported) {
    {
        canned_server server({{"HTTP/2 200 OK\r\n\r\n"}});
        auto c = kt::tcp_client::connect(server.port());
        ASSERT_TRUE(c.has_value());
        ASSERT_TRUE(c->send_all(kt::make_get("/")));
        EXPECT_FALSE(c->read_response().has_value());
        EXPECT_NE(c->last_error().find("status line"), std::string::npos) << c->last_error();
    }
    {
        canned_server server({{"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"}});
        auto c = kt::tcp_client::connect(server.port());
        ASSERT_TRUE(c.has_value());
        ASSERT_TRUE(c->send_all(kt::make_get("/")));
        EXPECT_FALSE(c->read_response().has_value());
        EXPECT_NE(c->last_error().find("mid-response"), std::string::npos) << c->last_error();
    }
    {
        canned_server server({{"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"}});
        auto c = kt::tcp_client::connect(server.port());
        ASSERT_TRUE(c.has_value());
        ASSERT_TRUE(c->send_all(kt::make_get("/")));
        EXPECT_FALSE(c->read_response().has_value());
        EXPECT_NE(c->last_error().find("Content-Length"), std::string::npos) << c->last_error();
    }
    {
        canned_server server({{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}});
        auto c = kt::tcp_client::connect(server.port());
        ASSERT_TRUE(c.has_value());
        ASSERT_TRUE(c->send_all(kt::make_get("/")));
        EXPECT_FALSE(c->read_response().has_value());
        EXPECT_NE(c->last_error().find("chunk size"), std::string::npos) << c->last_error();
    }
}

TEST(SupportTcpClient, ReadTimesOutWhenServerIsSilent) {
    canned_server server({{}, 0ms, true, false});
    auto c = kt::tcp_client::connect(server.port());
    ASSERT_TRUE(c.has_value());
    ASSERT_TRUE(c->send_all(kt::make_get("/")));
    const auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(c->read_response(200ms).has_value());
    const auto waited = std::chrono::steady_clock::now() - start;
    EXPECT_GE(waited, 190ms);
    EXPECT_LT(waited, 3s);
    EXPECT_NE(c->last_error().find("timed out"), std::string::npos) << c->last_error();
    EXPECT_FALSE(c->wait_closed(50ms));
    // Half-close: the server sees EOF, finishes and closes its side.
    c->shutdown_write();
    EXPECT_TRUE(c->wait_closed(5s));
}

TEST(SupportTcpClient, ReadAllUntilClose) {
    canned_server server({{"HTTP/1.1 400 Bad Request\r\n", "Connection: close\r\n\r\n", "tail"}, 20ms, true, true});
    auto c = kt::tcp_client::connect(server.port());
    ASSERT_TRUE(c.has_value());
    ASSERT_TRUE(c->send_all("garbage\r\n\r\n"));
    EXPECT_EQ(c->read_all_until_close(5s), "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\ntail");
    EXPECT_TRUE(c->peer_closed());
}

// ---- RESP framing -----------------------------------------------------------------------------

TEST(SupportResp, EncodesCommands) {
    EXPECT_EQ(kt::resp_encode({"SET", "key", ""}), "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$0\r\n\r\n");
    EXPECT_EQ(kt::resp_encode(std::vector<std::string>{"GET", "a\r\nb"}), "*2\r\n$3\r\nGET\r\n$4\r\na\r\nb\r\n");
}

TEST(SupportResp, FindsReplyBoundaries) {
    EXPECT_EQ(kt::resp_reply_size("+OK\r\nextra"), 5u);
    EXPECT_EQ(kt::resp_reply_size("-ERR wrong\r\n"), 12u);
    EXPECT_EQ(kt::resp_reply_size(":42\r\n"), 5u);
    EXPECT_EQ(kt::resp_reply_size("$3\r\nbar\r\n+next\r\n"), 9u);
    EXPECT_EQ(kt::resp_reply_size("$-1\r\n"), 5u);
    EXPECT_EQ(kt::resp_reply_size("$5\r\na\r\nbc\r\n"), 11u); // CRLF inside a bulk string
    EXPECT_EQ(kt::resp_reply_size("*2\r\n$1\r\na\r\n*1\r\n:5\r\n"), 19u);
    EXPECT_EQ(kt::resp_reply_size("%1\r\n+k\r\n+v\r\n"), 12u);
    // Incomplete at every cut of a nested reply.
    const std::string full = "*2\r\n$1\r\na\r\n*1\r\n:5\r\n";
    for (std::size_t cut = 0; cut < full.size(); ++cut) {
        EXPECT_EQ(kt::resp_reply_size(full.substr(0, cut)), 0u) << cut;
    }
    EXPECT_FALSE(kt::resp_reply_size("?what\r\n").has_value());
    EXPECT_FALSE(kt::resp_reply_size("$x\r\n").has_value());
    EXPECT_FALSE(kt::resp_reply_size("$3\r\nbarXY").has_value());
}
