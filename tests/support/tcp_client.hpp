#pragma once
// A deliberately dumb HTTP/1.x client over a blocking-style loopback socket: tests use it to send
// exactly the bytes they mean (malformed requests, pipelining, half-closes) and to see exactly
// what the server answered.
#include <chrono>
#include <cstdint>
#include <katana/util/expected.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace katana::test {

struct raw_response {
    int version_minor = 1; // HTTP/1.<minor>
    int status = 0;
    std::string reason;
    std::vector<std::pair<std::string, std::string>> headers;  // in order, values trimmed
    std::vector<std::pair<std::string, std::string>> trailers; // chunked trailer fields
    std::string body;                                          // de-chunked
    bool chunked = false;
    bool closed_delimited = false; // body ended by the peer closing (no length, not chunked)

    // First header with this name, case-insensitive; empty when absent.
    [[nodiscard]] std::string header(std::string_view name) const;
    [[nodiscard]] bool has_header(std::string_view name) const;
    [[nodiscard]] std::size_t header_count(std::string_view name) const;
};

// Owns one TCP connection to 127.0.0.1. Move-only. Every read takes an explicit timeout so a
// misbehaving server fails the test instead of hanging it.
class tcp_client {
public:
    [[nodiscard]] static katana::expected<tcp_client, std::string>
    connect(std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(5));

    tcp_client(tcp_client&& other) noexcept;
    tcp_client& operator=(tcp_client&& other) noexcept;
    tcp_client(const tcp_client&) = delete;
    tcp_client& operator=(const tcp_client&) = delete;
    ~tcp_client();

    // Writes everything (or fails: peer reset, or no progress within `timeout`).
    bool send_all(std::string_view data, std::chrono::milliseconds timeout = std::chrono::seconds(5));

    // Parses one response: status line, headers, body framed by Content-Length, chunked encoding,
    // or the connection closing. 1xx, 204, 304 and answers to HEAD (`head_request`) have no body.
    // Bytes after the response stay buffered for the next call (pipelined responses). nullopt on
    // timeout, malformed input or a close before the response was complete; last_error() says which.
    std::optional<raw_response> read_response(std::chrono::milliseconds timeout = std::chrono::seconds(5),
                                              bool head_request = false);

    // True once the peer has closed (read returned 0 or ECONNRESET) within `timeout`. Data that
    // arrives meanwhile is kept in the buffer (see buffered()).
    bool wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(5));

    // Buffered bytes plus everything read until the peer closes or `timeout` elapses.
    std::string read_all_until_close(std::chrono::milliseconds timeout = std::chrono::seconds(5));

    // Appends at least one byte to the buffer; false on close, error or timeout.
    bool read_some(std::chrono::milliseconds timeout);

    void shutdown_write() noexcept;
    void close() noexcept;

    [[nodiscard]] int fd() const noexcept { return fd_; }
    [[nodiscard]] bool peer_closed() const noexcept { return peer_closed_; }
    [[nodiscard]] const std::string& buffered() const noexcept { return buf_; }
    [[nodiscard]] const std::string& last_error() const noexcept { return error_; }

private:
    explicit tcp_client(int fd) noexcept : fd_(fd) {}
    using clock = std::chrono::steady_clock;
    bool fill(clock::time_point deadline); // reads more into buf_; false on close/error/timeout
    bool fail(std::string message);

    int fd_ = -1;
    std::string buf_;
    bool peer_closed_ = false;
    std::string error_;
};

// "GET <target> HTTP/1.1\r\nHost: localhost\r\n<extra_headers>\r\n" — extra_headers is raw text,
// each line already ending in \r\n.
[[nodiscard]] std::string make_get(std::string_view target, std::string_view extra_headers = {});

} // namespace katana::test
