#pragma once
// Builds one HTTP/1.1 response straight into the connection's output buffer.
//
// Order of use: status() and header()/content_type() in any order, then exactly one of body(),
// body_ref(), finish(), problem() -- or begin_stream(), write()..., end_stream(). Header names
// and values are copied into request memory when set, so temporaries are fine. body_ref() does
// not copy: its bytes must stay valid until the response has been written (request memory or
// static storage). Nothing here allocates from the heap in arena mode.
#include <katana/http/output_buffer.hpp>
#include <katana/http/request.hpp>
#include <katana/http/status.hpp>

#include <coroutine>
#include <cstdint>
#include <memory_resource>
#include <string_view>

namespace katana::http {

struct response_options {
    bool head_request = false;     // HEAD: headers as for GET, no body bytes
    bool keep_alive = true;        // false: send "Connection: close", the connection closes after
    std::uint8_t version_minor = 1;
    std::string_view date_line;    // "Date: <IMF-fixdate>\r\n", cached per reactor; may be empty
};

// Lets a coroutine handler push a streamed response out before it finishes. Installed by the
// connection; `start` returns true when the waiter will be resumed after the write, false when
// there was nothing to wait for.
struct flush_hooks {
    void* context = nullptr;
    bool (*start)(void* context, std::coroutine_handle<> waiter) noexcept = nullptr;
};

class response {
public:
    response(output_buffer& out, std::pmr::memory_resource* memory, response_options options) noexcept
        : own_sink_(&out), sink_(&own_sink_), memory_(memory), options_(options) {}
    // Writes go to whichever buffer `*sink` names at the time of each write (the connection
    // swaps buffers between writes of a streamed response).
    response(output_buffer* const* sink, std::pmr::memory_resource* memory, response_options options) noexcept
        : sink_(sink), memory_(memory), options_(options) {}
    response(const response&) = delete;
    response& operator=(const response&) = delete;

    response& status(status_code code) noexcept {
        status_ = code;
        return *this;
    }
    response& header(std::string_view name, std::string_view value);
    response& content_type(std::string_view value) { return header("Content-Type", value); }

    void body(std::string_view bytes);     // copies the bytes
    void body_ref(std::string_view bytes); // references the bytes (see lifetime note above)
    void finish();                         // no body
    // RFC 9457 problem details: {"type":"about:blank","title":...,"status":...,"detail":...}
    void problem(status_code code, std::string_view detail = {});

    // Chunked streaming (HTTP/1.1). For an HTTP/1.0 client the chunks are sent unframed and the
    // connection closes at the end, as RFC 9112 requires without a length.
    void begin_stream();
    void write(std::string_view chunk);
    void end_stream();

    // co_await res.flush(): sends what a streaming coroutine handler has written so far and
    // resumes once it is on the wire (back-pressure). Immediate outside a connection.
    class flush_awaitable {
    public:
        explicit flush_awaitable(response& r) noexcept : r_(&r) {}
        [[nodiscard]] bool await_ready() const noexcept { return r_->flush_.start == nullptr; }
        bool await_suspend(std::coroutine_handle<> h) noexcept { return r_->flush_.start(r_->flush_.context, h); }
        void await_resume() const noexcept {}

    private:
        response* r_;
    };
    [[nodiscard]] flush_awaitable flush() noexcept { return flush_awaitable(*this); }
    void set_flush_hooks(flush_hooks hooks) noexcept { flush_ = hooks; }

    [[nodiscard]] bool finished() const noexcept { return state_ == state::finished; }
    [[nodiscard]] bool started() const noexcept { return state_ != state::building; }
    [[nodiscard]] status_code code() const noexcept { return status_; }
    [[nodiscard]] bool close_after() const noexcept { return !options_.keep_alive; }
    // The connection must close after this response (e.g. server draining, parse error).
    void set_close() noexcept { options_.keep_alive = false; }
    // The connection answered for the handler (deadline passed): ignore whatever it writes later.
    void abandon() noexcept { state_ = state::finished; }
    [[nodiscard]] std::pmr::memory_resource* memory() const noexcept { return memory_; }
    [[nodiscard]] const response_options& options() const noexcept { return options_; }

private:
    enum class state : std::uint8_t { building, streaming, finished };
    struct header_node {
        header_node* next;
        std::string_view name;
        std::string_view value;
    };
    // Writes status line + headers; `content_length` < 0 means chunked / none.
    void write_head(long long content_length, bool chunked);
    void finish_with(std::string_view bytes, bool copy);

    output_buffer& out() const noexcept { return **sink_; }

    output_buffer* own_sink_ = nullptr;
    output_buffer* const* sink_;
    std::pmr::memory_resource* memory_;
    flush_hooks flush_{};
    response_options options_;
    header_node* first_header_ = nullptr;
    header_node* last_header_ = nullptr;
    std::size_t header_bytes_ = 0;
    status_code status_ = 200;
    state state_ = state::building;
    bool has_content_type_ = false;
    bool stream_unframed_ = false;
};

// Length of `s` as a JSON string literal, quotes included.
[[nodiscard]] std::size_t json_string_length(std::string_view s) noexcept;
// Appends `s` as a JSON string literal (quotes included), escaping per RFC 8259.
void append_json_string(output_buffer& out, std::string_view s);

} // namespace katana::http
