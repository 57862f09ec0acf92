// idle_conns: opens N keep-alive connections to a server on 127.0.0.1, sends one request on each,
// reads its full response, then holds every connection open and idle. bench_http.py uses it to
// measure how much resident memory a server spends per idle connection.
//
// Usage: idle_conns --port N --conns N [--path /plaintext] [--hold SECONDS]
// Prints "holding N connections" once all responses are in, then holds until stdin reaches EOF
// or receives a line, or SECONDS pass (default 120), whichever comes first; then closes all and
// exits 0. Exits 1 (with what failed) if any connection or response fails. Every socket has a
// 10 s receive/send timeout, so a silent server cannot hang it.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

int usage() {
    std::fprintf(stderr, "usage: idle_conns --port N --conns N [--path /plaintext] [--hold SECONDS]\n");
    return 2;
}

bool parse_long(const char* s, long lo, long hi, long& out) {
    char* end = nullptr;
    errno = 0;
    const long v = std::strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) return false;
    out = v;
    return true;
}

int connect_one(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    timeval tv{};
    tv.tv_sec = 10;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

bool send_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t w = ::write(fd, data.data(), data.size());
        if (w < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        data.remove_prefix(static_cast<std::size_t>(w));
    }
    return true;
}

// Case-insensitive search for a header name at the start of a line inside the header block.
long content_length(std::string_view head) {
    std::size_t pos = 0;
    while ((pos = head.find("\r\n", pos)) != std::string_view::npos) {
        pos += 2;
        constexpr std::string_view name = "content-length:";
        if (head.size() - pos < name.size()) break;
        bool match = true;
        for (std::size_t i = 0; i < name.size() && match; ++i) {
            char c = head[pos + i];
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
            match = c == name[i];
        }
        if (match) return std::strtol(head.data() + pos + name.size(), nullptr, 10);
    }
    return 0;
}

// Reads one full response (headers, then Content-Length bytes of body). Returns an empty string
// on success or a description of what went wrong.
std::string read_response(int fd) {
    std::string got;
    char buf[4096];
    std::size_t need = std::string::npos;
    while (need == std::string::npos || got.size() < need) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return std::string("read: ") + std::strerror(errno);
        if (n == 0) return "server closed the connection before the response was complete";
        got.append(buf, static_cast<std::size_t>(n));
        if (need == std::string::npos) {
            const std::size_t end = got.find("\r\n\r\n");
            if (end != std::string::npos) {
                const std::string_view head(got.data(), end + 2);
                if (head.substr(0, 12) != "HTTP/1.1 200") {
                    return "status is not 200: " + std::string(head.substr(0, 40));
                }
                need = end + 4 + static_cast<std::size_t>(content_length(head));
            }
        }
    }
    return {};
}

}  // namespace

int main(int argc, char** argv) {
    long port = -1;
    long conns = -1;
    long hold = 120;
    std::string path = "/plaintext";
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (i + 1 >= argc) return usage();
        if (a == "--port") {
            if (!parse_long(argv[++i], 1, 65535, port)) return usage();
        } else if (a == "--conns") {
            if (!parse_long(argv[++i], 1, 1000000, conns)) return usage();
        } else if (a == "--hold") {
            if (!parse_long(argv[++i], 0, 3600, hold)) return usage();
        } else if (a == "--path") {
            path = argv[++i];
        } else {
            return usage();
        }
    }
    if (port < 0 || conns < 0) return usage();

    // One fd per connection plus a few: take the whole hard limit.
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &rl);
    }

    const std::string request =
        "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\n\r\n";
    std::vector<int> fds;
    fds.reserve(static_cast<std::size_t>(conns));

    // Batches keep several requests in flight (the server answers them in one go) without ever
    // having more unanswered connections than the server's listen backlog holds.
    constexpr std::size_t batch = 128;
    int status = 0;
    while (fds.size() < static_cast<std::size_t>(conns) && status == 0) {
        const std::size_t first = fds.size();
        const std::size_t last = std::min(first + batch, static_cast<std::size_t>(conns));
        for (std::size_t i = first; i < last; ++i) {
            const int fd = connect_one(static_cast<int>(port));
            if (fd < 0 || !send_all(fd, request)) {
                std::fprintf(stderr, "idle_conns: connection %zu: %s\n", i + 1, std::strerror(errno));
                if (fd >= 0) ::close(fd);
                status = 1;
                break;
            }
            fds.push_back(fd);
        }
        for (std::size_t i = first; i < fds.size(); ++i) {
            const std::string err = read_response(fds[i]);
            if (!err.empty()) {
                std::fprintf(stderr, "idle_conns: connection %zu: %s\n", i + 1, err.c_str());
                status = 1;
                break;
            }
        }
    }

    if (status == 0) {
        std::printf("holding %zu connections\n", fds.size());
        std::fflush(stdout);
        pollfd p{};
        p.fd = STDIN_FILENO;
        p.events = POLLIN;
        // Any input, EOF or a closed pipe on stdin ends the hold; so does the timeout.
        while (::poll(&p, 1, static_cast<int>(hold * 1000)) < 0 && errno == EINTR) {
        }
    }
    for (const int fd : fds) ::close(fd);
    return status;
}
