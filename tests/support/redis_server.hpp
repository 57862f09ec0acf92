#pragma once
// A throwaway Redis 7 server for one test: 127.0.0.1 at a free port, no persistence, its own temp
// dir. Gone (process and files) when the object is destroyed.
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <chrono>
#include <cstdint>
#include <katana/util/expected.hpp>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace katana::test {

struct redis_options {
    std::vector<std::string> extra_args; // appended to the command line, e.g. {"--maxmemory", "10mb"}
    std::chrono::milliseconds start_timeout = std::chrono::seconds(30);
};

// RESP2 array-of-bulk-strings encoding of a command, as every client sends it.
[[nodiscard]] std::string resp_encode(std::initializer_list<std::string_view> args);
[[nodiscard]] std::string resp_encode(const std::vector<std::string>& args);

// Length of the first complete RESP (2 or 3) reply in `buf`: 0 when more bytes are needed,
// nullopt when the bytes are not RESP.
[[nodiscard]] std::optional<std::size_t> resp_reply_size(std::string_view buf);

class redis_server {
public:
    // $KATANA_REDIS_SERVER, else /usr/bin/redis-server.
    [[nodiscard]] static std::filesystem::path binary();

    // Fails with a message naming scripts/install-deps.sh when redis-server is missing.
    [[nodiscard]] static katana::expected<redis_server, std::string> start(const redis_options& options = {});

    redis_server(redis_server&&) noexcept = default;
    redis_server& operator=(redis_server&&) = delete; // would silently kill the running server
    redis_server(const redis_server&) = delete;
    redis_server& operator=(const redis_server&) = delete;
    ~redis_server(); // SIGTERM (SIGKILL to the group if that hangs), then removes the directory

    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    [[nodiscard]] std::filesystem::path dir() const { return dir_.path(); }
    [[nodiscard]] std::filesystem::path log_file() const { return dir_.path() / "redis.log"; }
    [[nodiscard]] bool running();
    [[nodiscard]] pid_t pid() const noexcept { return process_ ? process_->pid() : -1; }

    // stop() keeps the port and directory for start_again() (outage injection). With no
    // persistence the data does not survive: a restarted server is empty.
    katana::expected<void, std::string> stop(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    katana::expected<void, std::string> start_again();
    katana::expected<void, std::string> restart();
    void kill_hard(); // SIGKILL

    // Sends one command on a fresh connection and returns the raw reply bytes, e.g. "+OK\r\n" or
    // "$3\r\nbar\r\n". A Redis error reply ("-ERR ...") is a successful call; the error side is
    // for transport failures and timeouts.
    [[nodiscard]] katana::expected<std::string, std::string>
    command(std::initializer_list<std::string_view> args,
            std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;
    [[nodiscard]] katana::expected<std::string, std::string>
    command(const std::vector<std::string>& args, std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;

    [[nodiscard]] std::string log() const;

private:
    redis_server(temp_dir dir, redis_options options) : dir_(std::move(dir)), options_(std::move(options)) {}
    katana::expected<void, std::string> launch();
    [[nodiscard]] katana::expected<std::string, std::string> send_raw(const std::string& request,
                                                                   std::chrono::milliseconds timeout) const;

    temp_dir dir_;
    std::uint16_t port_ = 0;
    redis_options options_;
    std::optional<child_process> process_;
};

} // namespace katana::test
