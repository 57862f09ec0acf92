#include "support/redis_server.hpp"

#include "support/ports.hpp"
#include "support/tcp_client.hpp"

#include <charconv>
#include <csignal>
#include <cstdlib>
#include <fmt/core.h>
#include <fstream>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace katana::test {

namespace {

// Parses one reply starting at `pos`; returns the position after it, 0 when incomplete, nullopt
// when malformed. Aggregates recurse; nesting in test replies is shallow.
std::optional<std::size_t> resp_parse(std::string_view buf, std::size_t pos, int depth) {
    if (depth > 32) return std::nullopt;
    if (pos >= buf.size()) return 0;
    const std::size_t eol = buf.find("\r\n", pos);
    if (eol == std::string_view::npos) return 0;
    const char type = buf[pos];
    const std::string_view payload = buf.substr(pos + 1, eol - pos - 1);
    const std::size_t after_line = eol + 2;
    auto parse_len = [&](long long& out) {
        const auto [end, ec] = std::from_chars(payload.data(), payload.data() + payload.size(), out);
        return !payload.empty() && ec == std::errc{} && end == payload.data() + payload.size();
    };
    switch (type) {
    case '+': case '-': case ':': case '_': case ',': case '#': case '(':
        return after_line;
    case '$': case '=': case '!': { // bulk string, verbatim string, bulk error
        long long len = 0;
        if (!parse_len(len) || len < -1) return std::nullopt;
        if (len == -1) return after_line;
        const auto need = after_line + static_cast<std::size_t>(len) + 2;
        if (buf.size() < need) return 0;
        if (buf.substr(need - 2, 2) != "\r\n") return std::nullopt;
        return need;
    }
    case '*': case '~': case '>': case '%': case '|': { // array, set, push, map, attribute
        long long count = 0;
        if (!parse_len(count) || count < -1) return std::nullopt;
        if (count == -1) return after_line;
        if (type == '%' || type == '|') count *= 2;
        std::size_t p = after_line;
        for (long long i = 0; i < count; ++i) {
            const auto next = resp_parse(buf, p, depth + 1);
            if (!next || *next == 0) return next;
            p = *next;
        }
        return p;
    }
    default:
        return std::nullopt;
    }
}

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

template <class Range>
std::string encode_range(const Range& args) {
    std::string out = fmt::format("*{}\r\n", args.size());
    for (const auto& a : args) out += fmt::format("${}\r\n{}\r\n", std::string_view(a).size(), std::string_view(a));
    return out;
}

} // namespace

std::string resp_encode(std::initializer_list<std::string_view> args) { return encode_range(args); }
std::string resp_encode(const std::vector<std::string>& args) { return encode_range(args); }

std::optional<std::size_t> resp_reply_size(std::string_view buf) { return resp_parse(buf, 0, 0); }

std::filesystem::path redis_server::binary() {
    if (const char* env = std::getenv("KATANA_REDIS_SERVER"); env != nullptr && *env != '\0') return env;
    return "/usr/bin/redis-server";
}

katana::expected<redis_server, std::string> redis_server::start(const redis_options& options) {
    if (::access(binary().c_str(), X_OK) != 0) {
        return katana::unexpected(fmt::format(
            "Redis is not installed: {} is missing; install it with scripts/install-deps.sh (package redis-server)",
            binary().string()));
    }
    temp_dir::sweep_abandoned("katana-redis");
    redis_server server(temp_dir("katana-redis"), options);
    server.dir_.mark_owner();
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

katana::expected<void, std::string> redis_server::launch() {
    std::vector<std::string> argv{binary().string(), "--port",      std::to_string(port_), "--bind", "127.0.0.1",
                                  "--save",          "",            "--appendonly",        "no",     "--dir",
                                  dir_.path().string(), "--daemonize", "no", "--protected-mode", "no", "--logfile", ""};
    argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
    spawn_options opts;
    opts.cwd = dir_.path();
    opts.output = output_mode::file;
    opts.output_file = log_file();
    auto child = child_process::spawn(argv, opts);
    if (!child) return katana::unexpected("redis-server: " + child.error());
    process_.emplace(std::move(*child));

    const auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
    const std::string ping = resp_encode({"PING"});
    auto pause = std::chrono::milliseconds(5);
    std::string last;
    for (;;) {
        if (!process_->running()) {
            const int code = *process_->exit_code();
            process_.reset();
            return katana::unexpected(fmt::format("redis-server exited with {} during start-up; log:\n{}", code, log()));
        }
        auto reply = send_raw(ping, std::chrono::seconds(2));
        if (reply && *reply == "+PONG\r\n") return {};
        last = reply ? *reply : reply.error();
        if (std::chrono::steady_clock::now() >= deadline) {
            process_->kill_and_wait();
            process_.reset();
            return katana::unexpected(fmt::format("redis-server did not answer PING on port {} within {} ms (last: {}); log:\n{}",
                                               port_, options_.start_timeout.count(), last, log()));
        }
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::milliseconds(100));
    }
}

redis_server::~redis_server() {
    if (dir_.path().empty()) return; // moved from
    static_cast<void>(stop());
}

bool redis_server::running() { return process_ && process_->running(); }

katana::expected<void, std::string> redis_server::stop(std::chrono::milliseconds timeout) {
    return stop_server_child(process_, SIGTERM, timeout, "redis-server");
}

katana::expected<void, std::string> redis_server::start_again() {
    if (running()) return katana::unexpected(std::string("redis-server is already running"));
    process_.reset();
    return launch();
}

katana::expected<void, std::string> redis_server::restart() {
    if (auto r = stop(); !r) return r;
    return start_again();
}

void redis_server::kill_hard() {
    if (!process_) return;
    process_->kill_and_wait();
    process_.reset();
}

katana::expected<std::string, std::string> redis_server::send_raw(const std::string& request,
                                                               std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto client = tcp_client::connect(port_, timeout);
    if (!client) return katana::unexpected(client.error());
    if (!client->send_all(request, timeout)) return katana::unexpected("send: " + client->last_error());
    for (;;) {
        const auto size = resp_reply_size(client->buffered());
        if (!size) return katana::unexpected("malformed RESP reply: " + client->buffered());
        if (*size > 0) return client->buffered().substr(0, *size);
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || !client->read_some(left)) {
            return katana::unexpected(fmt::format("no complete reply ({}); got '{}'", client->last_error(), client->buffered()));
        }
    }
}

katana::expected<std::string, std::string> redis_server::command(std::initializer_list<std::string_view> args,
                                                              std::chrono::milliseconds timeout) const {
    return send_raw(resp_encode(args), timeout);
}

katana::expected<std::string, std::string> redis_server::command(const std::vector<std::string>& args,
                                                              std::chrono::milliseconds timeout) const {
    return send_raw(resp_encode(args), timeout);
}

std::string redis_server::log() const { return read_file(log_file()); }

} // namespace katana::test
