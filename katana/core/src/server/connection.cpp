#include "server/connection.hpp"

#include "server/http_worker.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <utility>

namespace katana::detail {
namespace {

char* acquire_pool_block(void* pool, std::size_t& capacity) {
    auto* p = static_cast<block_pool*>(pool);
    capacity = p->block_size();
    return static_cast<char*>(p->acquire());
}
void release_pool_block(void* pool, char* block, std::size_t) noexcept { static_cast<block_pool*>(pool)->release(block); }

constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";

} // namespace

connection::connection(http_worker& worker)
    : worker_(worker),
      parser_(worker.options().limits),
      memory_(worker.options().memory, worker.owner().blocks(),
              worker.options().pmr_upstream != nullptr ? worker.options().pmr_upstream
                                                       : std::pmr::get_default_resource()) {
    timer_.owner = this;
    timer_.callback = &connection::on_timer;
    const http::output_buffer::storage_hooks hooks{&worker.owner().blocks(), &acquire_pool_block, &release_pool_block};
    buffers_[0].set_storage(hooks);
    buffers_[1].set_storage(hooks);
}

connection::~connection() {
    worker_.owner().timers().cancel(timer_);
    release_buffers();
    memory_.release_all();
}

void connection::open(int socket_fd) noexcept {
    fd = socket_fd;
    phase_ = phase::idle;
    detached_ = false;
    send_in_flight_ = read_paused_ = peer_closed_ = close_after_ = false;
    continue_sent_ = handler_running_ = async_ready_ = timed_out_ = in_dispatch_ = linger_ = false;
    flush_requested_ = flush_in_flight_ = false;
    flush_waiter_ = {};
    draining_ = worker_.draining();
    input_size_ = request_start_ = 0;
    parser_.reset();
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    // A new connection must send its first request head within the header timeout.
    set_deadline(worker_.options().header_timeout);
    if (!worker_.owner().io().add_stream(*this)) {
        close_now();
    }
}

// ---------------------------------------------------------------------------------------------
// Buffers

bool connection::input_locked() const noexcept {
    // Request views (and body_ref segments of answered requests) point into the input buffer
    // while a handler runs or output is pending: it must not move.
    return handler_running_ || send_in_flight_ || !out_->empty() || !spare_->empty();
}

bool connection::make_room() noexcept {
    block_pool& pool = worker_.owner().blocks();
    if (input_ == nullptr) {
        try {
            input_ = static_cast<char*>(pool.acquire());
        } catch (const std::bad_alloc&) {
            return false;
        }
        input_capacity_ = pool.block_size();
        input_from_pool_ = true;
        return true;
    }
    if (input_locked()) return false;
    if (request_start_ > 0) { // drop answered bytes
        std::memmove(input_, input_ + request_start_, input_size_ - request_start_);
        input_size_ -= request_start_;
        request_start_ = 0;
        if (input_size_ < input_capacity_) return true;
    }
    const auto& limits = worker_.options().limits;
    // A request never legitimately needs more: head + body + chunk framing of a sane client.
    const std::size_t max_input = limits.max_header_bytes + 2 * limits.max_body_bytes + 64 * 1024;
    if (input_capacity_ >= max_input) return false;
    const std::size_t bigger = std::min(max_input, input_capacity_ * 2);
    char* grown = static_cast<char*>(::operator new(bigger, std::nothrow));
    if (grown == nullptr) return false;
    std::memcpy(grown, input_, input_size_);
    if (input_from_pool_) {
        pool.release(input_);
    } else {
        ::operator delete(input_);
    }
    input_ = grown;
    input_capacity_ = bigger;
    input_from_pool_ = false;
    return true;
}

void connection::release_buffers() noexcept {
    if (input_ != nullptr) {
        if (input_from_pool_) {
            worker_.owner().blocks().release(input_);
        } else {
            ::operator delete(input_);
        }
        input_ = nullptr;
        input_capacity_ = input_size_ = request_start_ = 0;
    }
    if (headers_ != nullptr) {
        if (headers_from_pool_) {
            worker_.owner().blocks().release(headers_);
        } else {
            ::operator delete(headers_);
        }
        headers_ = nullptr;
        header_capacity_ = 0;
    }
    buffers_[0].release();
    buffers_[1].release();
}

std::span<char> connection::read_space() noexcept {
    if (phase_ == phase::lingering) { // whatever arrives now is discarded
        if (input_ == nullptr && !make_room()) return {};
        input_size_ = request_start_ = 0;
        return {input_, input_capacity_};
    }
    if (phase_ == phase::closing || phase_ == phase::closed || close_after_ || timed_out_) {
        read_paused_ = true;
        return {};
    }
    if (input_ == nullptr || input_size_ == input_capacity_) {
        if (!make_room()) {
            read_paused_ = true;
            return {};
        }
    }
    return {input_ + input_size_, input_capacity_ - input_size_};
}

// ---------------------------------------------------------------------------------------------
// Reading and dispatching

void connection::on_received(std::size_t n) noexcept {
    if (phase_ == phase::lingering) return; // discarded
    input_size_ += n;
    if (phase_ == phase::body) set_deadline(worker_.options().body_timeout); // progress
    process();
}

void connection::on_read_drained() noexcept {
    // An idle keep-alive connection holds no buffers between requests.
    if (phase_ == phase::idle && request_start_ == input_size_ && !input_locked() && !handler_running_) {
        release_buffers();
        memory_.release_all();
    }
}

void connection::on_read_end(int error) noexcept {
    if (error != 0 || phase_ == phase::lingering) { // reset or failure: nothing more can be written either
        close_now();
        return;
    }
    // Half-close: the complete requests already read are still answered (process() ran for
    // every byte received), then after_output_written() closes.
    peer_closed_ = true;
    if (!send_in_flight_ && !handler_running_) after_output_written();
}

void connection::process() noexcept {
    while (!send_in_flight_ && !handler_running_ && !close_after_ && phase_ != phase::closing &&
           phase_ != phase::lingering && phase_ != phase::closed && request_start_ < input_size_) {
        if (headers_ == nullptr) {
            block_pool& pool = worker_.owner().blocks();
            const std::size_t needed = 2 * worker_.options().limits.max_header_count; // headers + trailers
            if (needed * sizeof(http::header) <= pool.block_size()) {
                headers_ = static_cast<http::header*>(pool.acquire());
                header_capacity_ = pool.block_size() / sizeof(http::header);
                headers_from_pool_ = true;
            } else {
                headers_ = static_cast<http::header*>(::operator new(needed * sizeof(http::header)));
                header_capacity_ = needed;
                headers_from_pool_ = false;
            }
        }
        if (phase_ == phase::idle) {
            phase_ = phase::reading;
            set_deadline(worker_.options().header_timeout);
        }
        const auto state = parser_.parse({input_ + request_start_, input_size_ - request_start_}, request_,
                                         {headers_, header_capacity_});
        if (state == http::parse_state::incomplete) {
            if (parser_.headers_complete() && phase_ == phase::reading) {
                phase_ = phase::body;
                set_deadline(worker_.options().body_timeout);
                if (request_.expect_continue && !continue_sent_) {
                    out_->append(continue_line);
                    continue_sent_ = true;
                }
            }
            break;
        }
        if (state == http::parse_state::error) {
            answer_error(parser_.error().status, parser_.error().detail);
            break;
        }
        if (request_.version_minor == 1 && host_field_count() != 1) {
            // RFC 9112 §3.2: a server MUST answer 400 when Host is missing or repeated.
            answer_error(400, "an HTTP/1.1 request needs exactly one Host header");
            break;
        }
        if (!dispatch()) break; // a coroutine handler is running
        finish_request();
    }
    flush();
}

http::response_options connection::response_options_for_current() const noexcept {
    http::response_options o;
    o.head_request = request_.method == http::method::head;
    o.version_minor = request_.version_minor;
    o.date_line = worker_.owner().date_line();
    const bool more_buffered = request_start_ + parser_.consumed() < input_size_;
    // While draining, the last request we have read gets "Connection: close"; pipelined ones
    // already read are still answered first.
    o.keep_alive = request_.keep_alive && !(draining_ && !more_buffered) &&
                   request_.method != http::method::connect; // see finish_request()
    return o;
}

bool connection::dispatch() noexcept {
    std::pmr::memory_resource* mem = memory_.resource();
    try {
        response_ = ::new (mem->allocate(sizeof(http::response), alignof(http::response)))
            http::response(*out_, mem, response_options_for_current());
        context_ = ::new (mem->allocate(sizeof(request_context), alignof(request_context)))
            request_context(request_, *response_, mem, &worker_.owner());
    } catch (const std::bad_alloc&) {
        answer_error(503, "out of memory");
        return false;
    }
    if (worker_.options().health_endpoints && builtin_endpoint(*context_)) return true;

    // Frames of coroutine handlers come from request memory; the scope covers their start.
    frame_resource_scope scope(mem);
    task<void> handler;
    try {
        handler = worker_.handler().dispatch(*context_);
    } catch (...) {
        if (!response_->started()) {
            response_->problem(500, "the handler threw an exception");
        } else {
            close_after_ = true; // a half-written response cannot be repaired
        }
        return true;
    }
    if (!handler) {
        if (!response_->finished()) {
            if (response_->started()) {
                response_->end_stream();
            } else {
                response_->problem(500, "the handler returned without a response");
            }
        }
        return true;
    }
    // Coroutine. Tasks are lazy, so nothing has been written yet: aim its response at spare_,
    // which is written only after everything before it in out_.
    ::new (response_) http::response(&spare_, mem, response_options_for_current());
    response_->set_flush_hooks({this, &connection::stream_flush_thunk});
    handler_running_ = true;
    in_dispatch_ = true;
    phase_ = phase::handling;
    start_detached(std::move(handler), &connection::handler_done_thunk, this);
    in_dispatch_ = false;
    if (!handler_running_) {
        // Finished without suspending: out_ is not in flight inside process(), so append.
        try {
            out_->append_from(*spare_);
        } catch (...) {
            close_after_ = true;
        }
        spare_->clear();
        return true;
    }
    set_deadline(worker_.options().request_timeout);
    return false;
}

std::size_t connection::host_field_count() const noexcept {
    std::size_t n = 0;
    for (const auto& h : request_.headers) n += http::iequals(h.name, "Host") ? 1 : 0;
    return n;
}

void connection::finish_request() noexcept {
    worker_.count_request(memory_.bytes_allocated());
    // After CONNECT the bytes that follow are not HTTP (and we are no proxy): never read them
    // as a next request.
    if (response_->close_after() || request_.method == http::method::connect) close_after_ = true;
    request_start_ += parser_.consumed();
    parser_.reset();
    continue_sent_ = false;
    response_ = nullptr;
    context_ = nullptr;
    if (close_after_) {
        phase_ = phase::closing;
    } else if (request_start_ == input_size_) {
        phase_ = phase::idle;
    } else {
        phase_ = phase::reading;
        set_deadline(worker_.options().header_timeout);
    }
}

void connection::handler_done_thunk(void* self, std::exception_ptr error) noexcept {
    static_cast<connection*>(self)->on_handler_done(std::move(error));
}

void connection::on_handler_done(std::exception_ptr error) noexcept {
    handler_running_ = false;
    if (phase_ == phase::closed) { // the socket is gone; only memory was waiting for us
        maybe_recycle();
        return;
    }
    if (timed_out_) { // already answered with 503; close once that is written
        if (!send_in_flight_) after_output_written();
        return;
    }
    if (!response_->finished()) {
        if (error && !response_->started()) {
            response_->problem(500, "the handler threw an exception");
        } else if (response_->started()) {
            if (error) close_after_ = true;
            response_->end_stream();
        } else {
            response_->problem(500, "the handler returned without a response");
        }
    }
    if (in_dispatch_) return; // dispatch() takes it from here
    if (send_in_flight_) {    // earlier responses go first; on_send_done() swaps us in
        async_ready_ = true;
        return;
    }
    std::swap(out_, spare_); // out_ is empty: process() flushed it before we suspended
    finish_request();
    process();
}

// ---------------------------------------------------------------------------------------------
// Writing

void connection::answer_error(http::status_code status, std::string_view detail) noexcept {
    // Parse errors leave the stream position unknown: answer, then close (lingering, since the
    // rest of what the client sent is unread).
    close_after_ = true;
    linger_ = true;
    if (phase_ == phase::handling || timed_out_) return;
    try {
        std::pmr::memory_resource* mem = memory_.resource();
        http::response_options o;
        o.keep_alive = false;
        o.date_line = worker_.owner().date_line();
        http::response res(*out_, mem, o);
        res.problem(status, detail);
    } catch (...) {
        // Out of memory: closing without an answer is all that is left.
    }
    phase_ = phase::closing;
}

void connection::flush() noexcept {
    if (send_in_flight_ || phase_ == phase::closed) return;
    if (out_->empty()) {
        after_output_written();
        return;
    }
    const std::size_t n = out_->gather(iov_);
    const send_status st = worker_.owner().io().send(*this, {iov_.data(), n});
    if (st == send_status::pending) {
        send_in_flight_ = true;
        set_deadline(worker_.options().send_timeout);
        return;
    }
    out_->clear();
    if (st == send_status::failed) {
        close_now();
        return;
    }
    after_output_written();
}

void connection::on_send_done(int error) noexcept {
    send_in_flight_ = false;
    out_->clear();
    if (error != 0) {
        close_now(); // also resumes a streaming handler waiting for this send
        return;
    }
    if (flush_in_flight_) { // a streaming handler's chunks are out: let it continue
        flush_in_flight_ = false;
        resume_flush_waiter();
        return;
    }
    if (flush_requested_) { // earlier responses are out; now the handler's chunks
        flush_requested_ = false;
        std::swap(out_, spare_);
        flush_in_flight_ = true;
        flush();
        if (!send_in_flight_) {
            flush_in_flight_ = false;
            resume_flush_waiter();
        }
        return;
    }
    if (async_ready_) { // a coroutine's response (or the deadline's 503) waited for this send
        async_ready_ = false;
        std::swap(out_, spare_);
        if (!timed_out_) finish_request();
    }
    process(); // answers pipelined requests already read, flushes, then after_output_written()
}

// Called whenever out_ has been written and nothing is in flight: decide what comes next.
void connection::after_output_written() noexcept {
    if (phase_ == phase::closed || send_in_flight_ || !out_->empty()) return;
    if (timed_out_) {
        close_now(); // the coroutine may still run; maybe_recycle() waits for it
        return;
    }
    if (handler_running_) return;
    if (phase_ == phase::lingering) return;
    if (close_after_ || phase_ == phase::closing) {
        close_or_linger();
        return;
    }
    memory_.reset(); // every response of this batch is on the wire
    if (peer_closed_) {
        close_now(); // all complete requests are answered; a partial one can never finish
        return;
    }
    if (read_paused_) {
        read_paused_ = false;
        worker_.owner().io().resume_reading(*this);
    }
    maybe_idle();
}

void connection::maybe_idle() noexcept {
    if (phase_ != phase::idle || request_start_ != input_size_) return;
    if (draining_) {
        close_now();
        return;
    }
    // Between requests a connection holds no blocks: they go back to the reactor's pool, where
    // the next busy connection takes them (free-list operations, no allocation).
    release_buffers();
    memory_.release_all();
    set_deadline(worker_.options().keepalive_timeout);
}

// ---------------------------------------------------------------------------------------------
// Closing

void connection::close_now() noexcept {
    if (phase_ == phase::closed) return;
    phase_ = phase::closed;
    worker_.owner().timers().cancel(timer_);
    worker_.owner().io().close_stream(*this); // on_detached() follows
    // A streaming handler waiting for a write must still run to its end (its memory is ours).
    flush_requested_ = flush_in_flight_ = false;
    resume_flush_waiter();
}

void connection::close_or_linger() noexcept {
    if (peer_closed_ || (!linger_ && request_start_ >= input_size_)) {
        close_now();
        return;
    }
    ::shutdown(fd, SHUT_WR); // the answer is complete: FIN follows it
    phase_ = phase::lingering;
    buffers_[0].release();
    buffers_[1].release();
    set_deadline(worker_.options().linger_timeout);
    if (read_paused_) {
        read_paused_ = false;
        worker_.owner().io().resume_reading(*this);
    }
}

bool connection::stream_flush_thunk(void* self, std::coroutine_handle<> waiter) noexcept {
    return static_cast<connection*>(self)->start_stream_flush(waiter);
}

bool connection::start_stream_flush(std::coroutine_handle<> waiter) noexcept {
    if (phase_ == phase::closed || timed_out_ || spare_->empty()) return false;
    flush_waiter_ = waiter;
    if (send_in_flight_) { // earlier output first; on_send_done() continues
        flush_requested_ = true;
        return true;
    }
    std::swap(out_, spare_);
    flush_in_flight_ = true;
    flush();
    if (send_in_flight_) return true;
    flush_in_flight_ = false; // written at once (or the connection failed): no need to wait
    flush_waiter_ = {};
    return false;
}

void connection::resume_flush_waiter() noexcept {
    if (auto h = std::exchange(flush_waiter_, {})) {
        frame_resource_scope scope(memory_.resource());
        h.resume();
    }
}

void connection::on_detached() noexcept {
    detached_ = true;
    maybe_recycle();
}

void connection::maybe_recycle() noexcept {
    // A running coroutine still points at our request memory and response: wait for it.
    if (!detached_ || handler_running_) return;
    release_buffers();
    memory_.release_all();
    response_ = nullptr;
    context_ = nullptr;
    worker_.connection_recycled(*this);
}

void connection::begin_drain() noexcept {
    draining_ = true;
    if (phase_ == phase::lingering) {
        close_now();
        return;
    }
    // A handler still running answers the last request we will read: tell the client.
    if (handler_running_ && !timed_out_ && response_ != nullptr && !response_->started() &&
        request_start_ + parser_.consumed() >= input_size_) {
        response_->set_close();
    }
    if (phase_ == phase::idle && request_start_ == input_size_ && !send_in_flight_ && out_->empty() &&
        !handler_running_) {
        // A request the client sent before the drain may still sit in the kernel's buffer (not
        // yet delivered to us): read and answer it; the grace timer bounds the wait.
        int pending = 0;
        if (::ioctl(fd, FIONREAD, &pending) == 0 && pending > 0) return;
        close_now();
    }
}

void connection::force_close() noexcept { close_now(); }

// ---------------------------------------------------------------------------------------------
// Timeouts: one timer per connection; moving the deadline later is a store, and the timer
// re-arms itself when it fires early. Only an earlier deadline touches the wheel.

void connection::set_deadline(std::chrono::milliseconds from_now) noexcept {
    const auto when = worker_.owner().now() + from_now;
    const bool later = when >= deadline_;
    deadline_ = when;
    if (timer_.scheduled() && later) return;
    worker_.owner().timers().schedule(timer_, when);
}

void connection::on_timer(timer_node& node) noexcept { static_cast<deadline_timer&>(node).owner->on_deadline(); }

void connection::on_deadline() noexcept {
    if (phase_ == phase::closed) return;
    const auto now = worker_.owner().now();
    if (now < deadline_) {
        worker_.owner().timers().schedule(timer_, deadline_);
        return;
    }
    if (send_in_flight_) { // the client stopped reading
        close_now();
        return;
    }
    switch (phase_) {
    case phase::idle:
        close_now(); // keep-alive idle timeout: close silently
        return;
    case phase::reading:
    case phase::body:
        answer_error(408, phase_ == phase::reading ? "request head not received in time"
                                                  : "request body not received in time");
        flush();
        return;
    case phase::handling: {
        if (response_->started()) { // part of its answer is out: only closing is honest now
            timed_out_ = true;
            response_->abandon();
            close_now();
            return;
        }
        // Answer for the handler; it keeps running (its memory stays alive) until it finishes.
        timed_out_ = true;
        close_after_ = true;
        response_->abandon();
        spare_->clear();
        try {
            http::response_options o;
            o.keep_alive = false;
            o.date_line = worker_.owner().date_line();
            http::response res(*spare_, memory_.resource(), o);
            res.problem(503, "request deadline exceeded");
        } catch (...) {
            close_now();
            return;
        }
        phase_ = phase::closing;
        if (send_in_flight_) {
            async_ready_ = true;
        } else {
            std::swap(out_, spare_);
            flush();
        }
        return;
    }
    case phase::closing:
    case phase::lingering:
    case phase::closed:
        close_now();
        return;
    }
}

// ---------------------------------------------------------------------------------------------

bool connection::builtin_endpoint(request_context& ctx) noexcept {
    const auto m = ctx.request.method;
    if (m != http::method::get && m != http::method::head) return false;
    if (ctx.request.path == "/healthz") {
        ctx.response.content_type("application/json").body(R"({"status":"ok"})");
        return true;
    }
    if (ctx.request.path == "/readyz") {
        if (worker_.draining()) {
            ctx.response.status(503).content_type("application/json").body(R"({"status":"draining"})");
        } else {
            ctx.response.content_type("application/json").body(R"({"status":"ready"})");
        }
        return true;
    }
    return false;
}

} // namespace katana::detail
