#include "support/process.hpp"

#include "support/user.hpp"

#include <array>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fmt/core.h>
#include <fstream>
#include <sstream>
#include <grp.h>
#include <mutex>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <system_error>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace katana::test {

namespace {

// ---- emergency cleanup when the test binary is killed by a catchable signal -----------------

// Process groups of live children. Fixed-size and lock-free because the signal handler reads it.
constexpr std::size_t max_tracked = 256;
std::array<std::atomic<pid_t>, max_tracked> tracked_groups{};

void track_group(pid_t pgid) noexcept {
    for (auto& slot : tracked_groups) {
        pid_t expected = 0;
        if (slot.compare_exchange_strong(expected, pgid)) return;
    }
    // Table full: the child still has PDEATHSIG and its destructor; only the signal path misses it.
}

void untrack_group(pid_t pgid) noexcept {
    for (auto& slot : tracked_groups) {
        pid_t expected = pgid;
        if (slot.compare_exchange_strong(expected, 0)) return;
    }
}

extern "C" void kill_children_and_reraise(int sig) {
    for (auto& slot : tracked_groups) {
        const pid_t pgid = slot.load();
        if (pgid > 0) {
            ::kill(-pgid, SIGKILL);
            ::kill(pgid, SIGKILL);
        }
    }
    ::signal(sig, SIG_DFL);
    ::raise(sig);
}

void install_emergency_handlers() {
    static std::once_flag once;
    std::call_once(once, [] {
        for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGABRT}) {
            struct sigaction current {};
            if (::sigaction(sig, nullptr, &current) != 0) continue;
            // Leave handlers someone else installed (a server under test in-process, gtest flags).
            if ((current.sa_flags & SA_SIGINFO) != 0 || current.sa_handler != SIG_DFL) continue;
            struct sigaction action {};
            action.sa_handler = &kill_children_and_reraise;
            sigemptyset(&action.sa_mask);
            action.sa_flags = SA_RESETHAND;
            ::sigaction(sig, &action, nullptr);
        }
    });
}

// ---- /proc ------------------------------------------------------------------------------------

struct proc_stat {
    char state = 0;
    long ppid = 0;
    long pgrp = 0;
};

// Fields 3-5 of /proc/<pid>/stat; the command name (field 2) may contain spaces and parentheses,
// so parsing starts after the last ')'.
std::optional<proc_stat> read_proc_stat(const std::string& pid_text) {
    std::ifstream in("/proc/" + pid_text + "/stat");
    std::string line;
    if (!std::getline(in, line)) return std::nullopt;
    const auto close = line.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream rest(line.substr(close + 1));
    proc_stat st;
    if (!(rest >> st.state >> st.ppid >> st.pgrp)) return std::nullopt;
    return st;
}

template <class F>
void for_each_process(F&& f) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
        const std::string name = entry.path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
        if (auto st = read_proc_stat(name)) f(static_cast<pid_t>(std::stol(name)), *st);
    }
}

// Every live descendant of `root`, including those that left its process group: PostgreSQL
// backends call setsid(), so killing the postmaster's group alone would orphan them.
std::vector<pid_t> live_descendants(pid_t root) {
    std::vector<std::pair<pid_t, pid_t>> parent_of; // (pid, ppid)
    for_each_process([&](pid_t pid, const proc_stat& st) {
        if (st.state != 'Z') parent_of.emplace_back(pid, static_cast<pid_t>(st.ppid));
    });
    std::vector<pid_t> found;
    std::vector<pid_t> frontier{root};
    while (!frontier.empty()) {
        const pid_t parent = frontier.back();
        frontier.pop_back();
        for (const auto& [pid, ppid] : parent_of) {
            if (ppid == parent) {
                found.push_back(pid);
                frontier.push_back(pid);
            }
        }
    }
    return found;
}

// ---- small fd helpers --------------------------------------------------------------------------

struct unique_fd {
    int fd = -1;
    unique_fd() = default;
    explicit unique_fd(int f) noexcept : fd(f) {}
    unique_fd(unique_fd&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
    unique_fd& operator=(unique_fd&& o) noexcept {
        if (this != &o) {
            reset();
            fd = std::exchange(o.fd, -1);
        }
        return *this;
    }
    unique_fd(const unique_fd&) = delete;
    unique_fd& operator=(const unique_fd&) = delete;
    ~unique_fd() { reset(); }
    void reset() noexcept {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
    int release() noexcept { return std::exchange(fd, -1); }
};

std::string errno_text(int err) { return std::generic_category().message(err); }

int exit_code_from_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

std::string lookup_in_path(const std::string& name, const std::string& path_var) {
    if (name.find('/') != std::string::npos) return name;
    std::size_t start = 0;
    while (start <= path_var.size()) {
        std::size_t end = path_var.find(':', start);
        if (end == std::string::npos) end = path_var.size();
        std::string dir = path_var.substr(start, end - start);
        if (dir.empty()) dir = ".";
        std::string candidate = dir + "/" + name;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
        start = end + 1;
    }
    return {};
}

// What the child reports through the exec-error pipe before _exit.
struct child_failure {
    int stage;
    int err;
};
constexpr std::array<const char*, 8> stage_names{"dup2",   "chdir",  "setgroups", "setgid",
                                                 "setuid", "prctl",  "execve",    "parent gone"};

} // namespace

// ---- state ------------------------------------------------------------------------------------

struct child_process::state {
    pid_t pid = -1;
    std::optional<int> exit;
    output_mode mode = output_mode::pipe;
    std::filesystem::path output_file;

    // Captured output; in pipe mode written by the reader thread, in file mode refreshed on demand.
    std::mutex mu;
    std::condition_variable cv;
    std::string output;
    bool eof = false;
    std::size_t line_cursor = 0; // start of the first line wait_for_output_line has not examined
    std::uintmax_t file_offset = 0;

    unique_fd pipe_read;
    unique_fd stop_event;
    std::thread reader;

    void read_loop() {
        std::array<char, 65536> buf{};
        bool stopping = false;
        for (;;) {
            std::array<pollfd, 2> fds{pollfd{pipe_read.fd, POLLIN, 0}, pollfd{stop_event.fd, POLLIN, 0}};
            if (!stopping) {
                const int r = ::poll(fds.data(), fds.size(), -1);
                if (r < 0 && errno == EINTR) continue;
                if (r < 0) break;
                stopping = (fds[1].revents & POLLIN) != 0;
                if (!stopping && fds[0].revents == 0) continue;
            }
            const ssize_t n = ::read(pipe_read.fd, buf.data(), buf.size());
            if (n > 0) {
                std::lock_guard lock(mu);
                output.append(buf.data(), static_cast<std::size_t>(n));
                cv.notify_all();
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && errno == EAGAIN && !stopping) continue;
            break; // EOF, error, or drained after a stop request
        }
        std::lock_guard lock(mu);
        eof = true;
        cv.notify_all();
    }

    // File mode: append whatever the file gained since the last look. Caller holds `mu`.
    void refresh_from_file() {
        unique_fd fd(::open(output_file.c_str(), O_RDONLY | O_CLOEXEC));
        if (fd.fd < 0) return;
        std::array<char, 65536> buf{};
        for (;;) {
            const ssize_t n = ::pread(fd.fd, buf.data(), buf.size(), static_cast<off_t>(file_offset));
            if (n <= 0) break;
            output.append(buf.data(), static_cast<std::size_t>(n));
            file_offset += static_cast<std::uintmax_t>(n);
        }
    }

    // Non-blocking exit check. Kills the rest of the group while the zombie leader still pins
    // the group id (so the id cannot have been reused), then reaps.
    bool check_exited() noexcept {
        if (exit) return true;
        if (pid <= 0) return true;
        siginfo_t info{};
        int r = 0;
        do {
            r = ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT);
        } while (r < 0 && errno == EINTR);
        if (r < 0) { // ECHILD: reaped behind our back (SIGCHLD ignored); nothing left to pin
            exit = -1;
            untrack_group(pid);
            return true;
        }
        if (info.si_pid == 0) return false;
        ::kill(-pid, SIGKILL);
        int status = 0;
        pid_t w = 0;
        do {
            w = ::waitpid(pid, &status, 0);
        } while (w < 0 && errno == EINTR);
        exit = w == pid ? exit_code_from_status(status) : -1;
        untrack_group(pid);
        return true;
    }

    // SIGKILL to the child, its group and every descendant that escaped the group, then reap the
    // child and wait (bounded) until the escaped ones are gone too: a restarted server must not
    // find the previous one's processes still holding its shared memory or port.
    void kill_tree_and_reap() noexcept {
        if (pid <= 0 || exit) return;
        std::vector<pid_t> tree;
        try {
            tree = live_descendants(pid);
        } catch (...) { // reading /proc failed (allocation): the group kill below still covers most
        }
        ::kill(pid, SIGKILL);
        ::kill(-pid, SIGKILL);
        for (pid_t p : tree) ::kill(p, SIGKILL);
        while (!check_exited()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        try {
            for (pid_t p : tree) {
                while (process_alive(p) && std::chrono::steady_clock::now() < deadline) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(1));
                }
            }
        } catch (...) { // same: they were sent SIGKILL, we just cannot watch them go
        }
    }

    void stop_reader() noexcept {
        if (!reader.joinable()) return;
        const std::uint64_t one = 1;
        [[maybe_unused]] auto ignored = ::write(stop_event.fd, &one, sizeof one);
        reader.join();
    }
};

child_process::child_process(std::unique_ptr<state> s) noexcept : s_(std::move(s)) {}
child_process::child_process(child_process&& other) noexcept = default;
child_process& child_process::operator=(child_process&& other) noexcept {
    if (this != &other) {
        release();
        s_ = std::move(other.s_);
    }
    return *this;
}
child_process::~child_process() { release(); }

void child_process::release() noexcept {
    if (!s_) return;
    s_->kill_tree_and_reap();
    s_->stop_reader();
    s_.reset();
}

pid_t child_process::pid() const noexcept { return s_ ? s_->pid : -1; }

bool child_process::running() { return s_ && !s_->check_exited(); }

std::optional<int> child_process::exit_code() const noexcept { return s_ ? s_->exit : std::nullopt; }

std::optional<int> child_process::wait_for(std::chrono::milliseconds timeout) {
    if (!s_) return std::nullopt;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto pause = std::chrono::microseconds(200);
    while (!s_->check_exited()) {
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) return std::nullopt;
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(pause, deadline - now));
        pause = std::min(pause * 2, std::chrono::microseconds(10000));
    }
    return s_->exit;
}

void child_process::send_signal(int sig) noexcept {
    if (s_ && s_->pid > 0 && !s_->exit) ::kill(s_->pid, sig);
}

void child_process::signal_group(int sig) noexcept {
    if (s_ && s_->pid > 0 && !s_->exit) ::kill(-s_->pid, sig);
}

int child_process::terminate_and_wait(std::chrono::milliseconds grace) {
    if (!s_) return -1;
    send_signal(SIGTERM);
    if (auto code = wait_for(grace)) return *code;
    return kill_and_wait();
}

int child_process::kill_and_wait() {
    if (!s_) return -1;
    s_->kill_tree_and_reap();
    return s_->exit.value_or(-1);
}

std::optional<std::string> child_process::wait_for_output_line(const std::function<bool(std::string_view)>& pred,
                                                               std::chrono::milliseconds timeout) {
    if (!s_ || (s_->mode != output_mode::pipe && s_->mode != output_mode::file)) return std::nullopt;
    state& st = *s_;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(st.mu);
    for (;;) {
        bool ended = st.eof;
        if (st.mode == output_mode::file) {
            // The file has no EOF signal: the output has ended once the child is gone and the
            // file has been read after that.
            lock.unlock();
            ended = !running();
            lock.lock();
            st.refresh_from_file();
        }
        while (true) {
            const std::size_t nl = st.output.find('\n', st.line_cursor);
            if (nl == std::string::npos) break;
            std::string_view line(st.output.data() + st.line_cursor, nl - st.line_cursor);
            st.line_cursor = nl + 1;
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            if (pred(line)) return std::string(line);
        }
        if (ended) {
            if (st.line_cursor < st.output.size()) { // last line without a terminator
                std::string_view line(st.output.data() + st.line_cursor, st.output.size() - st.line_cursor);
                st.line_cursor = st.output.size();
                if (pred(line)) return std::string(line);
            }
            return std::nullopt;
        }
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) return std::nullopt;
        if (st.mode == output_mode::pipe) {
            st.cv.wait_until(lock, deadline);
        } else {
            lock.unlock();
            std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(std::chrono::milliseconds(10),
                                                                                     deadline - now));
            lock.lock();
        }
    }
}

std::string child_process::captured_output() {
    if (!s_) return {};
    state& st = *s_;
    if (st.mode == output_mode::file) {
        std::lock_guard lock(st.mu);
        st.refresh_from_file();
        return st.output;
    }
    const bool exited = !running();
    std::unique_lock lock(st.mu);
    if (exited && st.mode == output_mode::pipe) {
        st.cv.wait_for(lock, std::chrono::seconds(1), [&] { return st.eof; });
    }
    return st.output;
}

// ---- spawn ------------------------------------------------------------------------------------

katana::expected<child_process, std::string> child_process::spawn(const std::vector<std::string>& argv,
                                                                const spawn_options& options) {
    if (argv.empty()) return katana::unexpected(std::string("spawn: empty argv"));

    // Everything the child needs is prepared here: between fork and exec only async-signal-safe
    // calls are allowed (other threads may hold the malloc lock at fork time).
    std::vector<std::string> env_strings;
    std::string path_var = "/usr/local/bin:/usr/bin:/bin";
    if (const char* p = std::getenv("PATH")) path_var = p;
    if (options.inherit_env) {
        for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
            std::string_view entry(*e);
            const std::string_view key = entry.substr(0, entry.find('='));
            bool overridden = false;
            for (const auto& [k, v] : options.env) overridden = overridden || k == key;
            if (!overridden) env_strings.emplace_back(entry);
        }
    }
    for (const auto& [k, v] : options.env) {
        env_strings.push_back(k + "=" + v);
        if (k == "PATH") path_var = v;
    }
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);

    std::vector<std::string> args(argv);
    std::vector<char*> argp;
    for (auto& s : args) argp.push_back(s.data());
    argp.push_back(nullptr);

    const std::string program = lookup_in_path(argv[0], path_var);
    if (program.empty()) return katana::unexpected(fmt::format("spawn: {} not found in PATH", argv[0]));

    std::optional<user_ids> as_user;
    if (!options.user.empty()) {
        auto ids = lookup_user(options.user);
        if (!ids) return katana::unexpected("spawn: " + ids.error());
        if (::geteuid() != 0 && ::geteuid() != ids->uid) {
            return katana::unexpected(fmt::format("spawn: must be root to run {} as {}", argv[0], options.user));
        }
        as_user = std::move(*ids);
    }
    const std::string cwd = options.cwd.string();

    unique_fd dev_null(::open("/dev/null", O_RDWR | O_CLOEXEC));
    if (dev_null.fd < 0) return katana::unexpected("open /dev/null: " + errno_text(errno));

    unique_fd out_read;
    unique_fd out_write;
    std::uintmax_t initial_file_offset = 0;
    switch (options.output) {
    case output_mode::pipe: {
        std::array<int, 2> p{};
        if (::pipe2(p.data(), O_CLOEXEC) != 0) return katana::unexpected("pipe2: " + errno_text(errno));
        out_read = unique_fd(p[0]);
        out_write = unique_fd(p[1]);
        ::fcntl(out_read.fd, F_SETFL, ::fcntl(out_read.fd, F_GETFL) | O_NONBLOCK);
        break;
    }
    case output_mode::file:
        if (options.output_file.empty()) return katana::unexpected(std::string("spawn: output_mode::file without output_file"));
        out_write = unique_fd(::open(options.output_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
        if (out_write.fd < 0) return katana::unexpected("open " + options.output_file.string() + ": " + errno_text(errno));
        // Start reading where this child starts writing: a log shared across restarts keeps the
        // previous run's lines out of this child's captured output.
        if (struct stat sb {}; ::fstat(out_write.fd, &sb) == 0) initial_file_offset = static_cast<std::uintmax_t>(sb.st_size);
        break;
    case output_mode::inherit: break;
    case output_mode::discard: break;
    }
    unique_fd err_write;
    if (options.stderr_file) {
        err_write = unique_fd(::open(options.stderr_file->c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
        if (err_write.fd < 0) return katana::unexpected("open " + options.stderr_file->string() + ": " + errno_text(errno));
    }
    const int stdout_fd = options.output == output_mode::discard ? dev_null.fd : out_write.fd; // -1: inherit
    const int stderr_fd = err_write.fd >= 0 ? err_write.fd : stdout_fd;

    std::array<int, 2> status_pipe{};
    if (::pipe2(status_pipe.data(), O_CLOEXEC) != 0) return katana::unexpected("pipe2: " + errno_text(errno));
    unique_fd status_read(status_pipe[0]);
    unique_fd status_write(status_pipe[1]);

    install_emergency_handlers();
    const pid_t parent = ::getpid();
    const bool pdeath = options.kill_with_parent;

    const pid_t pid = ::fork();
    if (pid < 0) return katana::unexpected("fork: " + errno_text(errno));
    if (pid == 0) {
        // Child: async-signal-safe calls only.
        auto fail = [&](int stage) {
            const child_failure f{stage, errno};
            [[maybe_unused]] auto ignored = ::write(status_write.fd, &f, sizeof f);
            ::_exit(127);
        };
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        // exec keeps ignored dispositions; servers under test ignore SIGPIPE and must not pass that on.
        for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM}) {
            struct sigaction dfl {};
            dfl.sa_handler = SIG_DFL;
            ::sigaction(sig, &dfl, nullptr);
        }
        ::setpgid(0, 0);
        if (::dup2(dev_null.fd, STDIN_FILENO) < 0) fail(0);
        if (stdout_fd >= 0 && ::dup2(stdout_fd, STDOUT_FILENO) < 0) fail(0);
        if (stderr_fd >= 0 && ::dup2(stderr_fd, STDERR_FILENO) < 0) fail(0);
        // Descriptors the test opened without O_CLOEXEC (a listening socket!) must not leak into
        // a server that then keeps a port busy.
        if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
            for (int fd = 3; fd < 4096; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
        }
        if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) fail(1);
        if (as_user) {
            if (::setgroups(as_user->groups.size(), as_user->groups.data()) != 0) fail(2);
            if (::setgid(as_user->gid) != 0) fail(3);
            if (::setuid(as_user->uid) != 0) fail(4);
        }
        // After setuid: a credential change clears the parent-death signal.
        if (pdeath) {
            if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail(5);
            if (::getppid() != parent) {
                errno = ESRCH;
                fail(7);
            }
        }
        ::execve(program.c_str(), argp.data(), envp.data());
        fail(6);
    }

    // Parent. Also set the group here so that killing -pid works even before the child ran.
    ::setpgid(pid, pid);
    track_group(pid);
    status_write.reset();
    out_write.reset();
    err_write.reset();

    auto st = std::make_unique<state>();
    st->pid = pid;
    st->mode = options.output;
    st->output_file = options.output_file;

    child_failure failure{};
    ssize_t n = 0;
    do {
        n = ::read(status_read.fd, &failure, sizeof failure);
    } while (n < 0 && errno == EINTR);
    if (n == static_cast<ssize_t>(sizeof failure)) {
        child_process dead(std::move(st));
        dead.wait_for(std::chrono::seconds(5));
        const auto stage = static_cast<std::size_t>(failure.stage);
        return katana::unexpected(fmt::format("spawn {}: {} failed: {}", program,
                                           stage < stage_names.size() ? stage_names[stage] : "?",
                                           errno_text(failure.err)));
    }

    if (options.output == output_mode::pipe) {
        st->pipe_read = std::move(out_read);
        st->stop_event = unique_fd(::eventfd(0, EFD_CLOEXEC));
        if (st->stop_event.fd < 0) {
            child_process doomed(std::move(st));
            return katana::unexpected("eventfd: " + errno_text(errno));
        }
        state* raw = st.get();
        st->reader = std::thread([raw] { raw->read_loop(); });
    } else if (options.output == output_mode::file) {
        st->file_offset = initial_file_offset;
    }
    return child_process(std::move(st));
}

katana::expected<run_result, std::string> run_process(const std::vector<std::string>& argv, spawn_options options,
                                                   std::chrono::milliseconds timeout) {
    options.output = output_mode::pipe;
    auto child = child_process::spawn(argv, options);
    if (!child) return katana::unexpected(child.error());
    const auto code = child->wait_for(timeout);
    if (!code) {
        child->kill_and_wait();
        return katana::unexpected(fmt::format("{} timed out after {} ms; output so far:\n{}", argv[0], timeout.count(),
                                           child->captured_output()));
    }
    return run_result{*code, child->captured_output()};
}

std::vector<pid_t> live_processes_in_group(pid_t pgid) {
    std::vector<pid_t> found;
    for_each_process([&](pid_t pid, const proc_stat& st) {
        if (st.pgrp == pgid && st.state != 'Z') found.push_back(pid);
    });
    return found;
}

std::vector<pid_t> live_process_tree(pid_t root) { return live_descendants(root); }

bool process_alive(pid_t pid) {
    auto st = read_proc_stat(std::to_string(pid));
    return st && st->state != 'Z';
}

katana::expected<void, std::string> stop_server_child(std::optional<child_process>& child, int sig,
                                                       std::chrono::milliseconds timeout, std::string_view what) {
    if (!child) return {};
    katana::expected<void, std::string> result;
    child->send_signal(sig);
    if (!child->wait_for(timeout)) {
        child->kill_and_wait();
        result = katana::unexpected(fmt::format("{} did not stop within {} ms; killed", what, timeout.count()));
    }
    child.reset();
    return result;
}

} // namespace katana::test
