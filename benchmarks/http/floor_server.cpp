// floor_server: the cheapest HTTP/1.1 server the kernel allows, used as the "floor" contestant
// of benchmarks/http/bench_http.py. It does not parse HTTP: it counts request terminators
// ("\r\n\r\n") in whatever it reads and answers each one with the same canned bytes. Every other
// server's CPU time per request is reported as a ratio to this one, so whatever it skips is work
// a real server is charged for.
//
// Per readable connection it makes exactly one read() and at most one writev() (carrying the
// responses to every request that read completed); epoll is level-triggered so a read that fills
// the buffer is simply continued on the next epoll_wait, without an extra read() that would end
// in EAGAIN. One thread, no allocation after a connection's state slot exists.
//
// Usage: floor_server --port N [--mode plaintext|json] [--body-file PATH]
// --body-file answers with that file's bytes instead of the mode's body (the Content-Type stays the
// mode's): the floor of the POST scenarios, which answers without reading the request body.
// Only ever binds 127.0.0.1.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace {

// Same headers, in the same order, as KATANA's responses. The Date value is fixed: formatting a
// clock is not part of the least work a server must do, and KATANA caches its Date line per second.
std::string make_response(std::string_view content_type, std::string_view body) {
    std::string r;
    r += "HTTP/1.1 200 OK\r\n";
    r += "Date: Thu, 01 Jan 2026 00:00:00 GMT\r\n";
    r += "Server: katana\r\n";
    r += "Content-Type: ";
    r += content_type;
    r += "\r\nContent-Length: ";
    r += std::to_string(body.size());
    r += "\r\n\r\n";
    r += body;
    return r;
}

// State of one connection, indexed by its fd.
struct conn_state {
    // How many bytes of "\r\n\r\n" the previous read ended with (0..3), so a terminator split
    // across two reads is still counted once.
    std::uint8_t matched = 0;
    bool open = false;
    bool want_write = false;  // EPOLLOUT is registered: responses are owed and the socket was full
    // Bytes of responses still owed to the peer, and where in the canned response they start.
    std::uint64_t owed = 0;
    std::size_t phase = 0;
};

// Counts complete "\r\n\r\n" sequences in [p, p+n), continuing the partial match in `matched`.
std::uint64_t count_terminators(const char* p, std::size_t n, std::uint8_t& matched) {
    std::uint64_t count = 0;
    std::uint8_t m = matched;
    for (std::size_t i = 0; i < n; ++i) {
        const char c = p[i];
        // Expected byte at position m of "\r\n\r\n" is '\r' for even m and '\n' for odd m.
        const char want = (m & 1U) ? '\n' : '\r';
        if (c == want) {
            if (++m == 4) {
                ++count;
                m = 0;
            }
        } else {
            m = (c == '\r') ? 1 : 0;
        }
    }
    matched = m;
    return count;
}

class floor_server {
public:
    floor_server(std::string response) : response_(std::move(response)) {
        // A run of canned responses back to back, so one iovec covers many requests and a
        // pipelined batch of 16 needs a single writev with one or two iovecs.
        constexpr std::size_t copies = 64;
        run_.reserve(response_.size() * copies);
        for (std::size_t i = 0; i < copies; ++i) run_ += response_;
    }

    int run(int port) {
        listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (listen_fd_ < 0) return fail("socket");
        int one = 1;
        ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<std::uint16_t>(port));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) return fail("bind");
        if (::listen(listen_fd_, 4096) < 0) return fail("listen");
        socklen_t len = sizeof addr;
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);

        epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
        if (epfd_ < 0) return fail("epoll_create1");
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = listen_fd_;
        if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, listen_fd_, &ev) < 0) return fail("epoll_ctl");

        std::printf("floor_server listening on 127.0.0.1:%u\n", ntohs(addr.sin_port));
        std::fflush(stdout);

        std::vector<epoll_event> events(1024);
        for (;;) {
            const int n = ::epoll_wait(epfd_, events.data(), static_cast<int>(events.size()), -1);
            if (n < 0) {
                if (errno == EINTR) continue;
                return fail("epoll_wait");
            }
            for (int i = 0; i < n; ++i) {
                const int fd = events[i].data.fd;
                if (fd == listen_fd_) {
                    accept_all();
                } else if (events[i].events & EPOLLOUT) {
                    on_writable(fd);
                } else {
                    on_readable(fd);
                }
            }
        }
    }

private:
    static int fail(const char* what) {
        std::fprintf(stderr, "floor_server: %s: %s\n", what, std::strerror(errno));
        return 1;
    }

    void accept_all() {
        for (;;) {
            const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0) return;  // EAGAIN, or a transient error (EMFILE, ECONNABORTED): retry later
            // Responses are complete in one writev; Nagle would only delay them.
            int one = 1;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            const auto slot = static_cast<std::size_t>(fd);
            if (slot >= conns_.size()) conns_.resize(slot + 1024);
            conns_[slot] = conn_state{};
            conns_[slot].open = true;
            epoll_event ev{};
            ev.events = EPOLLIN | EPOLLRDHUP;
            ev.data.fd = fd;
            if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) < 0) close_conn(fd);
        }
    }

    void close_conn(int fd) {
        conns_[static_cast<std::size_t>(fd)].open = false;
        ::close(fd);  // also removes it from the epoll set
    }

    void on_readable(int fd) {
        conn_state& c = conns_[static_cast<std::size_t>(fd)];
        if (!c.open) return;
        const ssize_t n = ::read(fd, buf_, sizeof buf_);
        if (n <= 0) {
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
            close_conn(fd);
            return;
        }
        const std::uint64_t requests = count_terminators(buf_, static_cast<std::size_t>(n), c.matched);
        if (requests == 0) return;
        c.owed += requests * response_.size();
        flush(fd, c);
    }

    void on_writable(int fd) {
        conn_state& c = conns_[static_cast<std::size_t>(fd)];
        if (!c.open) return;
        flush(fd, c);
    }

    // Writes as much of what `c` owes as the socket takes, in one writev. While something stays
    // owed the connection waits for EPOLLOUT only, so a client that does not read cannot make
    // the server buffer unbounded responses.
    void flush(int fd, conn_state& c) {
        constexpr int max_iov = 64;
        iovec iov[max_iov];
        int count = 0;
        std::uint64_t left = c.owed;
        std::size_t offset = c.phase;
        while (left > 0 && count < max_iov) {
            const std::size_t chunk = static_cast<std::size_t>(
                std::min<std::uint64_t>(left, run_.size() - offset));
            iov[count].iov_base = const_cast<char*>(run_.data() + offset);
            iov[count].iov_len = chunk;
            ++count;
            left -= chunk;
            offset = 0;
        }
        const ssize_t w = ::writev(fd, iov, count);
        if (w < 0) {
            if (errno != EAGAIN && errno != EINTR) {
                close_conn(fd);
                return;
            }
        } else {
            c.owed -= static_cast<std::uint64_t>(w);
            c.phase = (c.phase + static_cast<std::size_t>(w)) % response_.size();
        }
        const bool need_out = c.owed > 0;
        if (need_out != c.want_write) {
            epoll_event ev{};
            ev.events = (need_out ? EPOLLOUT : EPOLLIN) | EPOLLRDHUP;
            ev.data.fd = fd;
            if (::epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev) < 0) {
                close_conn(fd);
                return;
            }
            c.want_write = need_out;
        }
    }

    std::string response_;
    std::string run_;  // 64 copies of response_; phase offsets index into the first copy
    int listen_fd_ = -1;
    int epfd_ = -1;
    std::vector<conn_state> conns_;
    char buf_[16384];
};

int usage() {
    std::fprintf(stderr, "usage: floor_server --port N [--mode plaintext|json] [--body-file PATH]\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    int port = -1;
    std::string_view mode = "plaintext";
    const char* body_file = nullptr;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--port" && i + 1 < argc) {
            char* end = nullptr;
            const long v = std::strtol(argv[++i], &end, 10);
            if (*end != '\0' || v < 0 || v > 65535) return usage();
            port = static_cast<int>(v);
        } else if (a == "--mode" && i + 1 < argc) {
            mode = argv[++i];
        } else if (a == "--body-file" && i + 1 < argc) {
            body_file = argv[++i];
        } else {
            return usage();
        }
    }
    if (port < 0) return usage();

    std::string body;
    if (body_file != nullptr) {
        std::ifstream in(body_file, std::ios::binary);
        if (!in) {
            std::fprintf(stderr, "floor_server: cannot read %s\n", body_file);
            return 1;
        }
        body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    std::string response;
    if (mode == "plaintext") {
        response = make_response("text/plain", body_file != nullptr ? std::string_view(body) : "Hello, World!");
    } else if (mode == "json") {
        response = make_response("application/json",
                                 body_file != nullptr ? std::string_view(body) : R"({"message":"Hello, World!"})");
    } else {
        return usage();
    }

    std::signal(SIGPIPE, SIG_IGN);
    floor_server server(std::move(response));
    return server.run(port);
}
