#pragma once
// examples/hello as a child process for end-to-end tests: started on a free port (--port 0),
// its port read from the one ready line it prints, stopped (SIGKILL) when the object goes away.
// Tests derive from hello_test, which is parameterized over the backend ("epoll", "io_uring").
#include "support/process.hpp"
#include "support/tcp_client.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/resource.h>

#include <charconv>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#ifndef KATANA_HELLO_BIN
#error "KATANA_HELLO_BIN must name the examples/hello binary (tests/CMakeLists.txt DEPENDS hello)"
#endif

namespace katana::test {

struct hello_ready_line {
    std::uint16_t port = 0;
    unsigned reactors = 0;
    std::string backend;
};

// "hello listening on http://127.0.0.1:PORT (N reactors, BACKEND)", exactly; nullopt otherwise.
inline std::optional<hello_ready_line> parse_hello_ready_line(std::string_view line) {
    constexpr std::string_view prefix = "hello listening on http://127.0.0.1:";
    if (!line.starts_with(prefix)) return std::nullopt;
    line.remove_prefix(prefix.size());
    auto number = [&line](unsigned long max) -> std::optional<unsigned long> {
        unsigned long v = 0;
        const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), v);
        if (ec != std::errc{} || end == line.data() || v > max) return std::nullopt;
        line.remove_prefix(static_cast<std::size_t>(end - line.data()));
        return v;
    };
    auto literal = [&line](std::string_view text) {
        if (!line.starts_with(text)) return false;
        line.remove_prefix(text.size());
        return true;
    };
    hello_ready_line r;
    const auto port = number(65535);
    if (!port || *port == 0 || !literal(" (")) return std::nullopt;
    const auto reactors = number(1024);
    if (!reactors || !literal(" reactors, ")) return std::nullopt;
    if (!line.ends_with(")")) return std::nullopt;
    r.port = static_cast<std::uint16_t>(*port);
    r.reactors = static_cast<unsigned>(*reactors);
    r.backend = std::string(line.substr(0, line.size() - 1));
    return r;
}

// RLIMIT_NOFILE soft limit up to `wanted` (at most the hard limit). Children inherit it, so call
// it before starting hello when the test needs many sockets on both sides. Returns the new limit.
inline rlim_t raise_fd_limit(rlim_t wanted) {
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return 0;
    if (lim.rlim_cur < wanted) {
        lim.rlim_cur = lim.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, lim.rlim_max);
        ::setrlimit(RLIMIT_NOFILE, &lim);
        ::getrlimit(RLIMIT_NOFILE, &lim);
    }
    return lim.rlim_cur;
}

// Checks an RFC 9457 problem response: the status line, the media type, and a JSON body whose
// "status" member repeats the code.
inline ::testing::AssertionResult is_problem(const raw_response& r, int status) {
    if (r.status != status) {
        return ::testing::AssertionFailure() << "status " << r.status << ", expected " << status << "; body: " << r.body;
    }
    if (r.header("Content-Type") != "application/problem+json") {
        return ::testing::AssertionFailure() << "Content-Type '" << r.header("Content-Type")
                                             << "', expected application/problem+json";
    }
    const auto doc = nlohmann::json::parse(r.body, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) return ::testing::AssertionFailure() << "body is not a JSON object: " << r.body;
    if (!doc.contains("status") || doc["status"] != status) {
        return ::testing::AssertionFailure() << "problem body without \"status\":" << status << ": " << r.body;
    }
    if (!doc.contains("title") || !doc["title"].is_string()) {
        return ::testing::AssertionFailure() << "problem body without a title: " << r.body;
    }
    return ::testing::AssertionSuccess();
}

// True when `r` is the answer of GET /plaintext (or /json) as hello writes it.
inline ::testing::AssertionResult is_plaintext(const raw_response& r) {
    if (r.status != 200 || r.body != "Hello, World!" || r.header("Content-Type") != "text/plain" ||
        r.header("Content-Length") != "13") {
        return ::testing::AssertionFailure() << "not the /plaintext answer: status " << r.status << ", Content-Type '"
                                             << r.header("Content-Type") << "', body '" << r.body << "'";
    }
    return ::testing::AssertionSuccess();
}
inline ::testing::AssertionResult is_json_hello(const raw_response& r) {
    if (r.status != 200 || r.body != R"({"message":"Hello, World!"})" || r.header("Content-Type") != "application/json") {
        return ::testing::AssertionFailure() << "not the /json answer: status " << r.status << ", Content-Type '"
                                             << r.header("Content-Type") << "', body '" << r.body << "'";
    }
    return ::testing::AssertionSuccess();
}

// One running hello. Lifetime: the child is SIGKILLed (with its group) when this is destroyed,
// unless a test already stopped it.
class hello_instance {
public:
    hello_instance(child_process process, hello_ready_line ready, std::string line)
        : process_(std::move(process)), ready_(std::move(ready)), line_(std::move(line)) {}

    [[nodiscard]] std::uint16_t port() const noexcept { return ready_.port; }
    [[nodiscard]] const hello_ready_line& ready() const noexcept { return ready_; }
    [[nodiscard]] const std::string& ready_line() const noexcept { return line_; }
    [[nodiscard]] child_process& process() noexcept { return process_; }
    [[nodiscard]] std::string base_url() const { return "http://127.0.0.1:" + std::to_string(ready_.port); }
    // Everything hello wrote so far (stdout and stderr), for failure messages.
    [[nodiscard]] std::string output() { return process_.captured_output(); }

private:
    child_process process_;
    hello_ready_line ready_;
    std::string line_;
};

// Base of every fixture that runs hello; the parameter (or part of it) names the backend.
class hello_fixture : public ::testing::Test {
protected:
    [[nodiscard]] virtual std::string backend() const = 0;

    // Starts hello with `--port 0 --backend <param> <flags>`. On failure records a test failure
    // (or a skip when the kernel refuses io_uring and hello says so) and returns false; callers
    // `if (!start(...)) return;`.
    bool start(const std::vector<std::string>& flags = {}) {
        start_impl(flags);
        return hello_.has_value();
    }

    hello_instance& hello() { return *hello_; }
    [[nodiscard]] std::uint16_t port() const { return hello_->port(); }

    // A connection to hello; a failure to connect fails the test (and returns nullopt).
    std::optional<tcp_client> connect() {
        auto c = tcp_client::connect(hello_->port(), std::chrono::seconds(5));
        if (!c) {
            ADD_FAILURE() << c.error();
            return std::nullopt;
        }
        return std::move(*c);
    }

    // Sends `request` on a new connection and reads one response.
    std::optional<raw_response> exchange(std::string_view request, bool head = false) {
        auto c = connect();
        if (!c) return std::nullopt;
        if (!c->send_all(request)) {
            ADD_FAILURE() << "send: " << c->last_error();
            return std::nullopt;
        }
        auto r = c->read_response(std::chrono::seconds(5), head);
        if (!r) ADD_FAILURE() << "no response: " << c->last_error();
        return r;
    }

    void TearDown() override {
        // A server that crashed (ASan report, abort) during a test must not pass silently.
        if (hello_ && hello_->process().running() == false) {
            const auto code = hello_->process().exit_code();
            if (!stopped_on_purpose_ && code.has_value()) {
                ADD_FAILURE() << "hello exited on its own with code " << *code << "; output:\n" << hello_->output();
            }
        }
        hello_.reset();
    }

    // Tests that stop hello themselves say so, so that TearDown does not report the exit.
    void mark_stopped() { stopped_on_purpose_ = true; }

    std::optional<hello_instance> hello_;
    bool stopped_on_purpose_ = false;

private:
    void start_impl(const std::vector<std::string>& flags) {
        const std::string wanted = backend();
        std::vector<std::string> argv{KATANA_HELLO_BIN, "--host", "127.0.0.1", "--port", "0", "--backend", wanted};
        argv.insert(argv.end(), flags.begin(), flags.end());
        auto spawned = child_process::spawn(argv);
        ASSERT_TRUE(spawned.has_value()) << spawned.error();
        child_process proc = std::move(*spawned);
        auto line = proc.wait_for_output_line([](std::string_view l) { return l.starts_with("hello listening on "); },
                                              std::chrono::seconds(20));
        if (!line) {
            const auto code = proc.wait_for(std::chrono::seconds(2));
            const std::string out = proc.captured_output();
            if (wanted == "io_uring" && code.has_value() && *code != 0 &&
                out.find("io_uring backend unavailable") != std::string::npos) {
                GTEST_SKIP() << "this kernel refuses io_uring, and hello said so clearly (exit " << *code << "): " << out;
            }
            FAIL() << "hello printed no ready line (exit code "
                   << (code ? std::to_string(*code) : std::string("none, still running")) << "); output:\n" << out;
        }
        const auto ready = parse_hello_ready_line(*line);
        ASSERT_TRUE(ready.has_value()) << "malformed ready line: '" << *line << "'";
        // --backend is a demand, not a hint: a silent fallback would make every io_uring test
        // an epoll test.
        ASSERT_EQ(ready->backend, wanted) << "asked for --backend " << wanted << ", hello runs " << ready->backend
                                             << "; output:\n" << proc.captured_output();
        hello_.emplace(std::move(proc), *ready, *line);
    }
};

// Parameterized over the backend name alone.
class hello_test : public hello_fixture, public ::testing::WithParamInterface<std::string> {
protected:
    [[nodiscard]] std::string backend() const override { return GetParam(); }
};

inline std::string backend_name(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

} // namespace katana::test

#define KATANA_E2E_BACKENDS ::testing::Values(std::string("epoll"), std::string("io_uring"))
