#pragma once
// The one seam between a reactor and the kernel's I/O interface. Both backends (epoll and
// io_uring) implement every method fully; nothing above this file knows which one runs.
//
// The model is completion-shaped because that is what io_uring gives; epoll emulates it cheaply:
// received bytes are delivered into space the stream provides, a send completes when every
// byte has been written, and a closed stream is handed back (on_detached) only once the backend
// holds no reference to it any more.
#include <sys/socket.h>
#include <sys/uio.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace katana::detail {

class io_stream {
public:
    virtual ~io_stream() = default;
    // Where the next received bytes go. An empty span pauses reading until resume_reading().
    virtual std::span<char> read_space() noexcept = 0;
    // `n` bytes were placed at the start of the span last returned by read_space().
    virtual void on_received(std::size_t n) noexcept = 0;
    // The peer closed its side (error == 0) or the socket failed (an errno value).
    virtual void on_read_end(int error) noexcept = 0;
    // A send() that returned `pending` has finished; error == 0 means every byte was written.
    virtual void on_send_done(int error) noexcept = 0;
    // After close_stream(): the backend will never touch this stream again.
    virtual void on_detached() noexcept = 0;
    // The socket had no more bytes for now (EAGAIN or a short read). Lets an idle stream give
    // back the buffer read_space() made it take.
    virtual void on_read_drained() noexcept {}

    // Backend bookkeeping; owners only set `fd` before add_stream().
    int fd = -1;
    std::uint32_t io_flags = 0;
    std::uint32_t io_pending = 0;
    iovec* send_iov = nullptr;
    std::size_t send_iovcnt = 0;
    msghdr send_msg{};
    io_stream* io_ready_next = nullptr;    // epoll: queued-read list
    io_stream* io_detached_next = nullptr; // closed, waiting for on_detached()
};

// Drops `n` written bytes from the front of a stream's pending send (and the entries they
// empty). Both backends finish partial writes with it.
inline void skip_sent(io_stream& s, std::size_t n) noexcept {
    while (s.send_iovcnt != 0 && n >= s.send_iov->iov_len) {
        n -= s.send_iov->iov_len;
        ++s.send_iov;
        --s.send_iovcnt;
    }
    if (s.send_iovcnt != 0 && n != 0) {
        s.send_iov->iov_base = static_cast<char*>(s.send_iov->iov_base) + n;
        s.send_iov->iov_len -= n;
    }
}

class io_listener {
public:
    virtual ~io_listener() = default;
    // A connected, non-blocking, close-on-exec socket now owned by the listener.
    virtual void on_accept(int fd) noexcept = 0;
    // accept failed with errno `error` (EMFILE and the like); the backend keeps accepting.
    virtual void on_accept_error(int error) noexcept = 0;
};

enum class send_status : std::uint8_t { done, pending, failed };

// Readiness watching for sockets owned by a foreign library (libpq): the library does its own
// reads and writes, we only tell it when the socket is ready. Level-triggered: while the
// interest holds and the condition is true, the callback keeps coming.
enum watch_event : std::uint32_t {
    watch_readable = 1u << 0,
    watch_writable = 1u << 1,
    watch_error = 1u << 2, // error or hang-up; reported with watch_readable so the owner reads it
};
using watch_callback = void (*)(void* context, std::uint32_t events) noexcept;
// Opaque, owned by the backend; freed by it some time after remove_watch().
struct io_watch;

class io_backend {
public:
    virtual ~io_backend() = default;
    [[nodiscard]] virtual std::string_view name() const noexcept = 0;

    // Accept on a bound, listening, non-blocking socket until remove_listener().
    virtual bool add_listener(int fd, io_listener& listener) noexcept = 0;
    // Stop accepting; the caller closes the socket afterwards.
    virtual void remove_listener(int fd) noexcept = 0;

    // Start receiving on stream.fd (connected, non-blocking).
    virtual bool add_stream(io_stream& stream) noexcept = 0;
    // Reading was paused by an empty read_space(); try again.
    virtual void resume_reading(io_stream& stream) noexcept = 0;
    // Write every byte of `iov`. The array and the bytes stay owned by the caller and valid until
    // the send completes; the backend may rewrite the entries. At most one send per stream is
    // outstanding. `done`/`failed` mean completed now, with no on_send_done() call.
    virtual send_status send(io_stream& stream, std::span<iovec> iov) noexcept = 0;
    // Close the socket and cancel pending operations; on_detached() follows (never from inside
    // this call).
    virtual void close_stream(io_stream& stream) noexcept = 0;

    // Call `callback(context)` whenever eventfd `fd` becomes readable; the backend drains it.
    virtual bool add_wakeup(int fd, void (*callback)(void*) noexcept, void* context) noexcept = 0;

    // Calls `callback(context, events)` while `fd` is ready for any of `interest` (watch_event
    // bits; 0 parks the watch). nullptr when the backend cannot register it.
    virtual io_watch* add_watch(int fd, std::uint32_t interest, watch_callback callback, void* context) noexcept = 0;
    // Changes the interest. May be called from inside the watch's own callback.
    virtual bool modify_watch(io_watch* watch, std::uint32_t interest) noexcept = 0;
    // The callback is never called again once this returns (also when called from inside it);
    // the caller may close the descriptor right after.
    virtual void remove_watch(io_watch* watch) noexcept = 0;

    // Waits up to `timeout` (nullopt: until something happens) and runs the callbacks.
    virtual void poll(std::optional<std::chrono::milliseconds> timeout) noexcept = 0;
};

std::unique_ptr<io_backend> make_epoll_backend(std::string& error);
// Returns nullptr and explains in `error` when io_uring cannot be used on this kernel.
std::unique_ptr<io_backend> make_io_uring_backend(std::string& error);

} // namespace katana::detail
