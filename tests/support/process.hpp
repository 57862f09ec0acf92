#pragma once
// Child processes for tests: servers under test, PostgreSQL, Redis, command-line tools.
//
// Every child is the leader of its own process group, and "kill the child" means "kill everything
// it started": its group plus every descendant found in /proc (PostgreSQL backends setsid()). Nothing outlives the test binary: the
// destructor kills and reaps the group; a SIGTERM/SIGINT/SIGHUP/SIGABRT of the test binary kills
// every live group before the default action runs; and by default each child also gets
// PR_SET_PDEATHSIG(SIGKILL), which covers the test binary being SIGKILLed.
#include <chrono>
#include <cstddef>
#include <katana/util/expected.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace katana::test {

enum class output_mode {
    pipe,    // stdout+stderr captured through a pipe drained by a background thread (never blocks the child)
    file,    // stdout+stderr appended to spawn_options::output_file (survives restarts, readable after)
    inherit, // the test binary's own stdout/stderr
    discard, // /dev/null
};

struct spawn_options {
    // Added to the inherited environment; an entry replaces an inherited variable of the same name.
    std::vector<std::pair<std::string, std::string>> env;
    bool inherit_env = true;
    std::filesystem::path cwd; // empty: the test binary's working directory
    // Non-empty: setgroups/setgid/setuid to this account before exec (the test binary must be root
    // or already be that user). Used for PostgreSQL, which refuses to run as root.
    std::string user;
    output_mode output = output_mode::pipe;
    std::filesystem::path output_file;                // for output_mode::file; created if missing
    std::optional<std::filesystem::path> stderr_file; // set: stderr goes here instead of with stdout
    // PR_SET_PDEATHSIG(SIGKILL). Linux delivers it when the *thread* that spawned the child exits,
    // so turn it off when spawning from a short-lived thread.
    bool kill_with_parent = true;
};

// Owns one child process (and its process group). Move-only; not thread-safe: use one object from
// one thread at a time (the pipe reader thread is internal and synchronised).
class child_process {
public:
    // argv[0] is a path or a name looked up in PATH. Fails (with the reason) when the program is
    // missing or cannot be executed: exec errors are reported here, not as an exit code.
    [[nodiscard]] static katana::expected<child_process, std::string> spawn(const std::vector<std::string>& argv,
                                                                         const spawn_options& options = {});

    child_process(child_process&& other) noexcept;
    child_process& operator=(child_process&& other) noexcept;
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;
    // If still running: SIGKILL to the child, its group and all its descendants (even those that
    // called setsid, like PostgreSQL backends), then reap; joins the reader thread.
    ~child_process();

    [[nodiscard]] pid_t pid() const noexcept;

    // False once the child has exited; reaps it (see wait_for) as a side effect.
    [[nodiscard]] bool running();

    // Exit code, or 128+signal when killed by a signal, or -1 when someone else reaped the child.
    // When the child exits, whatever is left of its process group is SIGKILLed before reaping, so
    // a child never leaves orphans behind. nullopt when still running after `timeout`.
    std::optional<int> wait_for(std::chrono::milliseconds timeout);
    [[nodiscard]] std::optional<int> exit_code() const noexcept;

    void send_signal(int sig) noexcept;  // to the child only (no-op once it has exited)
    void signal_group(int sig) noexcept; // to its whole process group

    // SIGTERM to the child; after `grace` kill_and_wait(). Returns the exit code as wait_for.
    int terminate_and_wait(std::chrono::milliseconds grace = std::chrono::seconds(5));
    int kill_and_wait(); // SIGKILL right away, to everything the destructor would kill

    // Examines captured output line by line (without the line terminator) and returns the first
    // line for which `pred` is true. Lines examined by an earlier call are not looked at again, so
    // successive calls walk forward through the output. Waits for more output up to `timeout`;
    // nullopt on timeout or when the output ended (child and its group closed it) without a match.
    // Only for output_mode::pipe and output_mode::file.
    std::optional<std::string> wait_for_output_line(const std::function<bool(std::string_view)>& pred,
                                                    std::chrono::milliseconds timeout);

    // Everything captured so far (pipe or file mode). Once the child has exited this waits up to a
    // second for the pipe to be drained, so the result is complete for short-lived commands.
    [[nodiscard]] std::string captured_output();

private:
    struct state;
    explicit child_process(std::unique_ptr<state> s) noexcept;
    void release() noexcept;
    std::unique_ptr<state> s_;
};

struct run_result {
    int exit_code = -1;
    std::string output; // stdout+stderr (or stdout only when options.stderr_file is set)
};

// Runs a command to completion with output captured (options.output is forced to pipe). Fails when
// it cannot be started or takes longer than `timeout` (it is then killed; the error holds the
// output so far).
[[nodiscard]] katana::expected<run_result, std::string> run_process(const std::vector<std::string>& argv,
                                                                 spawn_options options = {},
                                                                 std::chrono::milliseconds timeout = std::chrono::seconds(60));

// Live descendants of `root` (children, grandchildren, ...), found by parent pid in /proc;
// includes those that moved to their own session or group.
// Stops a long-running server child: `sig`, then up to `timeout` for it to exit, then SIGKILL
// (reported as an error naming `what`). Leaves `child` empty. No-op when it is already empty.
katana::expected<void, std::string> stop_server_child(std::optional<child_process>& child, int sig,
                                                       std::chrono::milliseconds timeout, std::string_view what);

[[nodiscard]] std::vector<pid_t> live_process_tree(pid_t root);

// Processes in process group `pgid` that are alive (zombies excluded), read from /proc. Tests use
// it to prove that nothing was left behind.
[[nodiscard]] std::vector<pid_t> live_processes_in_group(pid_t pgid);

// True when `pid` exists and is not a zombie.
[[nodiscard]] bool process_alive(pid_t pid);

} // namespace katana::test
