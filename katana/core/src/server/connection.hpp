#pragma once
// One HTTP/1.1 connection on one reactor. Private to katana_core.
//
// Memory: an idle keep-alive connection holds no buffers; when bytes arrive it takes an input
// block, a header block and an output block from the reactor's block pool and gives them back
// once it is idle again. Request-scoped allocations come from `memory_`, released in one step
// once every response before it has been written and no handler is running.
//
// Order: requests are answered strictly in order. While a coroutine handler runs, later
// pipelined requests wait in the input buffer (reading pauses when it is full).
//
// Output is double-buffered: `out_` collects responses and is what a send writes; it is never
// touched while that send is in flight (its iovecs point into it). A coroutine handler writes its
// response into `spare_`, which is swapped in once `out_` has been written.
#include <katana/coro/task.hpp>
#include <katana/http/output_buffer.hpp>
#include <katana/http/parser.hpp>
#include <katana/http/request.hpp>
#include <katana/http/response.hpp>
#include <katana/memory/request_memory.hpp>
#include <katana/reactor/timer_wheel.hpp>
#include <katana/server/handler.hpp>

#include "reactor/io_backend.hpp"

#include <sys/uio.h>

#include <array>
#include <chrono>
#include <coroutine>
#include <cstdint>
#include <exception>

namespace katana::detail {

class http_worker;

class connection final : public io_stream {
public:
    explicit connection(http_worker& worker);
    ~connection() override;
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    void open(int fd) noexcept;
    // Graceful stop: finish what was read, then close. Idle connections close now.
    void begin_drain() noexcept;
    // Shutdown deadline passed: close whatever state we are in.
    void force_close() noexcept;

    // io_stream
    std::span<char> read_space() noexcept override;
    void on_received(std::size_t n) noexcept override;
    void on_read_end(int error) noexcept override;
    void on_send_done(int error) noexcept override;
    void on_detached() noexcept override;
    void on_read_drained() noexcept override;

    // Intrusive list of a worker's live connections.
    connection* prev = nullptr;
    connection* next = nullptr;

private:
    enum class phase : std::uint8_t {
        idle,        // between requests, nothing buffered
        reading,     // bytes of a request are buffered, head incomplete
        body,        // head complete, body incomplete
        handling,    // a coroutine handler is running
        closing,     // answer written or being written, then close
        lingering,   // FIN sent after an error answer; discarding input until EOF or timeout
        closed,      // close_stream() called, waiting for on_detached()
    };
    struct deadline_timer : timer_node {
        connection* owner = nullptr;
    };

    void process() noexcept;
    // Runs the dispatcher for the request just parsed; returns false when it went async.
    bool dispatch() noexcept;
    http::response_options response_options_for_current() const noexcept;
    void finish_request() noexcept;
    std::size_t host_field_count() const noexcept;
    static void handler_done_thunk(void* self, std::exception_ptr error) noexcept;
    static bool stream_flush_thunk(void* self, std::coroutine_handle<> waiter) noexcept;
    bool start_stream_flush(std::coroutine_handle<> waiter) noexcept;
    void resume_flush_waiter() noexcept;
    void on_handler_done(std::exception_ptr error) noexcept;
    void answer_error(http::status_code status, std::string_view detail) noexcept;
    void flush() noexcept;
    void after_output_written() noexcept;
    void maybe_idle() noexcept;
    void close_now() noexcept;
    void close_or_linger() noexcept;
    void maybe_recycle() noexcept;
    bool input_locked() const noexcept;
    bool make_room() noexcept;
    void release_buffers() noexcept;
    void set_deadline(std::chrono::milliseconds from_now) noexcept;
    static void on_timer(timer_node& node) noexcept;
    void on_deadline() noexcept;
    bool builtin_endpoint(request_context& ctx) noexcept;

    http_worker& worker_;
    phase phase_ = phase::closed;

    // Input: [0, request_start_) answered; [request_start_, input_size_) unanswered bytes.
    char* input_ = nullptr;
    std::size_t input_capacity_ = 0;
    std::size_t input_size_ = 0;
    std::size_t request_start_ = 0;
    bool input_from_pool_ = false;
    http::header* headers_ = nullptr; // one pool block, reused for every request
    std::size_t header_capacity_ = 0;
    bool headers_from_pool_ = false;

    http::request_parser parser_;
    http::request request_{};
    request_memory memory_;
    http::output_buffer buffers_[2];
    http::output_buffer* out_ = &buffers_[0];
    http::output_buffer* spare_ = &buffers_[1];
    std::array<iovec, http::output_buffer::max_segments> iov_{};

    // The running request; in request memory, trivially destructible.
    http::response* response_ = nullptr;
    request_context* context_ = nullptr;

    deadline_timer timer_;
    std::chrono::steady_clock::time_point deadline_{};
    bool send_in_flight_ = false;
    bool read_paused_ = false;      // read_space() returned nothing: resume_reading() later
    bool peer_closed_ = false;      // read side ended
    bool close_after_ = false;      // close once the output is written
    bool draining_ = false;
    bool continue_sent_ = false;    // "100 Continue" sent for the current request
    bool handler_running_ = false;  // a coroutine handler has not finished yet
    bool async_ready_ = false;      // its response sits in spare_, waiting for out_ to drain
    bool timed_out_ = false;        // the deadline answered for a handler that still runs
    bool linger_ = false;           // an error answer: unread request bytes may follow
    bool in_dispatch_ = false;      // guards against re-entry from a synchronous completion
    bool detached_ = true;          // the backend no longer references us
    bool flush_requested_ = false;  // a streaming handler waits for out_ to drain first
    bool flush_in_flight_ = false;  // the send in flight carries a streaming handler's chunks
    std::coroutine_handle<> flush_waiter_;
};

} // namespace katana::detail
