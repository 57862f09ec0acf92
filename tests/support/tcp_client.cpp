#include "support/tcp_client.hpp"

#include <arpa/inet.h>
#include <array>
#include <cerrno>
#include <charconv>
#include <fcntl.h>
#include <fmt/core.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <system_error>
#include <unistd.h>

namespace katana::test {

namespace {

bool iequal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

int poll_ms(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return 0;
    return static_cast<int>(std::min<std::chrono::milliseconds::rep>(left.count() + 1, 60'000));
}

enum class parse_status { complete, need_more, malformed };

struct parse_outcome {
    parse_status status;
    std::size_t consumed = 0; // bytes of the buffer that belong to the response (when complete)
    std::string error;
};

parse_outcome need_more() { return {parse_status::need_more, 0, {}}; }
parse_outcome complete(std::size_t consumed) { return {parse_status::complete, consumed, {}}; }
parse_outcome malformed(std::string error) { return {parse_status::malformed, 0, std::move(error)}; }

// Parses header fields from `block` (lines separated by CRLF, no final empty line).
bool parse_fields(std::string_view block, std::vector<std::pair<std::string, std::string>>& out, std::string& error) {
    while (!block.empty()) {
        const std::size_t eol = block.find("\r\n");
        const std::string_view line = block.substr(0, eol);
        block = eol == std::string_view::npos ? std::string_view{} : block.substr(eol + 2);
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) {
            error = fmt::format("malformed header line '{}'", line);
            return false;
        }
        const std::string_view name = line.substr(0, colon);
        if (name.find_first_of(" \t") != std::string_view::npos) {
            error = fmt::format("whitespace in header name '{}'", name);
            return false;
        }
        out.emplace_back(std::string(name), std::string(trim(line.substr(colon + 1))));
    }
    return true;
}

parse_outcome parse_chunked(std::string_view buf, std::size_t pos, raw_response& r) {
    std::string body;
    for (;;) {
        const std::size_t eol = buf.find("\r\n", pos);
        if (eol == std::string_view::npos) return need_more();
        std::string_view size_line = buf.substr(pos, eol - pos);
        size_line = size_line.substr(0, size_line.find(';'));
        size_line = trim(size_line);
        std::size_t size = 0;
        const auto [end, ec] = std::from_chars(size_line.data(), size_line.data() + size_line.size(), size, 16);
        if (size_line.empty() || ec != std::errc{} || end != size_line.data() + size_line.size()) {
            return malformed(fmt::format("bad chunk size line '{}'", buf.substr(pos, eol - pos)));
        }
        pos = eol + 2;
        if (size == 0) break;
        if (buf.size() < pos + size + 2) return need_more();
        body.append(buf.substr(pos, size));
        if (buf.substr(pos + size, 2) != "\r\n") return malformed("chunk data not followed by CRLF");
        pos += size + 2;
    }
    // Trailer section: fields until an empty line.
    std::size_t trailer_end = 0;
    if (buf.substr(pos, 2) == "\r\n") {
        trailer_end = pos;
    } else {
        trailer_end = buf.find("\r\n\r\n", pos);
        if (trailer_end == std::string_view::npos) return need_more();
        std::string error;
        if (!parse_fields(buf.substr(pos, trailer_end - pos), r.trailers, error)) return malformed(error);
        trailer_end += 2;
    }
    r.body = std::move(body);
    return complete(trailer_end + 2);
}

parse_outcome parse_response(std::string_view buf, bool head_request, bool at_eof, raw_response& r) {
    const std::size_t head_end = buf.find("\r\n\r\n");
    if (head_end == std::string_view::npos) return need_more();
    r = raw_response{};
    const std::size_t status_eol = buf.find("\r\n");
    const std::string_view status_line = buf.substr(0, status_eol);
    // HTTP/1.x SSS reason
    if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1." || status_line[8] != ' ' ||
        (status_line.size() > 12 && status_line[12] != ' ') || status_line[7] < '0' || status_line[7] > '9') {
        return malformed(fmt::format("bad status line '{}'", status_line));
    }
    r.version_minor = status_line[7] - '0';
    const std::string_view code = status_line.substr(9, 3);
    const auto [end, ec] = std::from_chars(code.data(), code.data() + 3, r.status);
    if (ec != std::errc{} || end != code.data() + 3 || r.status < 100) {
        return malformed(fmt::format("bad status code in '{}'", status_line));
    }
    r.reason = status_line.size() > 13 ? std::string(status_line.substr(13)) : std::string();
    std::string error;
    if (status_eol < head_end && !parse_fields(buf.substr(status_eol + 2, head_end - status_eol - 2), r.headers, error)) {
        return malformed(error);
    }
    const std::size_t body_start = head_end + 4;

    if (head_request || r.status < 200 || r.status == 204 || r.status == 304) {
        return complete(body_start);
    }
    const std::string te = r.header("Transfer-Encoding");
    if (!te.empty()) {
        std::string_view last = te;
        if (const auto comma = last.rfind(','); comma != std::string_view::npos) last = last.substr(comma + 1);
        if (iequal(trim(last), "chunked")) {
            r.chunked = true;
            return parse_chunked(buf, body_start, r);
        }
    }
    if (r.has_header("Content-Length")) {
        std::optional<std::size_t> length;
        for (const auto& [name, value] : r.headers) {
            if (!iequal(name, "Content-Length")) continue;
            std::size_t v = 0;
            const auto [e, err] = std::from_chars(value.data(), value.data() + value.size(), v);
            if (value.empty() || err != std::errc{} || e != value.data() + value.size() || (length && *length != v)) {
                return malformed(fmt::format("bad Content-Length '{}'", value));
            }
            length = v;
        }
        if (buf.size() - body_start < *length) return need_more();
        r.body = std::string(buf.substr(body_start, *length));
        return complete(body_start + *length);
    }
    // Neither: the body runs to the end of the connection.
    if (!at_eof) return need_more();
    r.closed_delimited = true;
    r.body = std::string(buf.substr(body_start));
    return complete(buf.size());
}

} // namespace

std::string raw_response::header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
        if (iequal(n, name)) return v;
    }
    return {};
}

bool raw_response::has_header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
        if (iequal(n, name)) return true;
    }
    return false;
}

std::size_t raw_response::header_count(std::string_view name) const {
    std::size_t count = 0;
    for (const auto& [n, v] : headers) count += iequal(n, name) ? 1 : 0;
    return count;
}

katana::expected<tcp_client, std::string> tcp_client::connect(std::uint16_t port, std::chrono::milliseconds timeout) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return katana::unexpected("socket: " + std::generic_category().message(errno));
    tcp_client client(fd);
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) return client;
    if (errno != EINPROGRESS) {
        return katana::unexpected(fmt::format("connect 127.0.0.1:{}: {}", port, std::generic_category().message(errno)));
    }
    pollfd p{fd, POLLOUT, 0};
    const int r = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (r == 0) return katana::unexpected(fmt::format("connect 127.0.0.1:{}: timed out", port));
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (r < 0 || err != 0) {
        return katana::unexpected(fmt::format("connect 127.0.0.1:{}: {}", port, std::generic_category().message(r < 0 ? errno : err)));
    }
    return client;
}

tcp_client::tcp_client(tcp_client&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), buf_(std::move(other.buf_)), peer_closed_(other.peer_closed_),
      error_(std::move(other.error_)) {}

tcp_client& tcp_client::operator=(tcp_client&& other) noexcept {
    if (this != &other) {
        close();
        fd_ = std::exchange(other.fd_, -1);
        buf_ = std::move(other.buf_);
        peer_closed_ = other.peer_closed_;
        error_ = std::move(other.error_);
    }
    return *this;
}

tcp_client::~tcp_client() { close(); }

void tcp_client::close() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

void tcp_client::shutdown_write() noexcept {
    if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

bool tcp_client::fail(std::string message) {
    error_ = std::move(message);
    return false;
}

bool tcp_client::send_all(std::string_view data, std::chrono::milliseconds timeout) {
    const auto deadline = clock::now() + timeout;
    while (!data.empty()) {
        const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
        if (n > 0) {
            data.remove_prefix(static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) {
            pollfd p{fd_, POLLOUT, 0};
            if (::poll(&p, 1, poll_ms(deadline)) <= 0) return fail("send: timed out");
            continue;
        }
        return fail("send: " + std::generic_category().message(errno));
    }
    return true;
}

bool tcp_client::fill(clock::time_point deadline) {
    if (peer_closed_) return fail("connection closed by peer");
    std::array<char, 16384> chunk{};
    for (;;) {
        const ssize_t n = ::recv(fd_, chunk.data(), chunk.size(), 0);
        if (n > 0) {
            buf_.append(chunk.data(), static_cast<std::size_t>(n));
            return true;
        }
        if (n == 0 || (n < 0 && errno == ECONNRESET)) {
            peer_closed_ = true;
            return fail(n == 0 ? "connection closed by peer" : "connection reset by peer");
        }
        if (errno == EINTR) continue;
        if (errno != EAGAIN) return fail("recv: " + std::generic_category().message(errno));
        pollfd p{fd_, POLLIN, 0};
        const int r = ::poll(&p, 1, poll_ms(deadline));
        if (r == 0) return fail("timed out waiting for data");
        if (r < 0 && errno != EINTR) return fail("poll: " + std::generic_category().message(errno));
    }
}

bool tcp_client::read_some(std::chrono::milliseconds timeout) { return fill(clock::now() + timeout); }

std::optional<raw_response> tcp_client::read_response(std::chrono::milliseconds timeout, bool head_request) {
    const auto deadline = clock::now() + timeout;
    for (;;) {
        raw_response r;
        const parse_outcome out = parse_response(buf_, head_request, peer_closed_, r);
        if (out.status == parse_status::complete) {
            buf_.erase(0, out.consumed);
            error_.clear();
            return r;
        }
        if (out.status == parse_status::malformed) {
            fail("malformed response: " + out.error);
            return std::nullopt;
        }
        if (peer_closed_) {
            fail(buf_.empty() ? "connection closed before a response" : "connection closed mid-response");
            return std::nullopt;
        }
        if (!fill(deadline) && !peer_closed_) return std::nullopt;
    }
}

bool tcp_client::wait_closed(std::chrono::milliseconds timeout) {
    const auto deadline = clock::now() + timeout;
    while (!peer_closed_) {
        if (!fill(deadline) && !peer_closed_) return false;
    }
    return true;
}

std::string tcp_client::read_all_until_close(std::chrono::milliseconds timeout) {
    wait_closed(timeout);
    return std::exchange(buf_, {});
}

std::string make_get(std::string_view target, std::string_view extra_headers) {
    return fmt::format("GET {} HTTP/1.1\r\nHost: localhost\r\n{}\r\n", target, extra_headers);
}

} // namespace katana::test
