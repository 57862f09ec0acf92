#pragma once
// One non-blocking libpq connection driven by a reactor.
//
// libpq runs in non-blocking pipeline mode; its socket is watched by the reactor's backend
// (PQsocket is re-registered after every reconnect: the descriptor changes). Every query is sent
// as [Parse once per connection] + Bind/Execute + Sync, so concurrent queries from one reactor
// share the connection's pipeline and their results come back in order to the coroutines
// awaiting them. No thread ever blocks on the database: connecting (PQconnectStart/Poll),
// writing (PQflush) and reading (PQconsumeInput/PQisBusy/PQgetResult) all happen on readiness.
//
// Connecting resolves host names with libpq's (blocking) resolver: give host=<IP address> or
// hostaddr= in the conninfo to keep the reactor from ever waiting on DNS.
//
// Threading: a connection belongs to the reactor it was created with and is used only from
// that reactor's thread. Lifetime: destroy it only when no coroutine awaits it (the destructor
// fails nothing and resumes nothing; it just closes the socket).
#include <katana/coro/task.hpp>
#include <katana/pg/error.hpp>
#include <katana/pg/statement.hpp>
#include <katana/reactor/reactor.hpp>
#include <katana/util/expected.hpp>

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <functional>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

struct pg_conn; // libpq's PGconn

namespace katana::detail {
struct io_watch;
}

namespace katana::pg {

class connection;
class pool;

struct connection_options {
    std::string conninfo; // keyword/value string or postgresql:// URI
    // Bounds connecting (libpq's connect_timeout is not applied in non-blocking mode).
    std::chrono::milliseconds connect_timeout{5000};
    // Sent as `-c statement_timeout=...` at connect time; 0 keeps the server's setting.
    std::chrono::milliseconds statement_timeout{0};
    // A query submitted while idle or broken starts a connect (standalone use). The pool turns
    // this off: it reconnects on its own schedule, and a transaction must never silently
    // continue on a new session.
    bool auto_connect = true;
};

enum class connection_state : std::uint8_t { idle, connecting, ready, broken };

namespace detail {

// One query in flight (or waiting for a connection). Lives in the frame of the coroutine that
// awaits it; linked into a connection's pipeline or a pool's wait list while pending.
struct query_op {
    query_op* next = nullptr;
    query_op* prev = nullptr;
    const statement* stmt = nullptr;
    const params* args = nullptr;
    std::coroutine_handle<> waiter;
    std::pmr::memory_resource* frames = nullptr;
    std::optional<katana::expected<result, error>> outcome;
    connection* conn = nullptr;
    pool* owner = nullptr; // set while waiting in the pool's queue
    std::uint8_t stage = 0;
    bool prepare_sent = false;
    bool exclusive = false;     // a transaction's connection request (pool only)
    bool timed_out = false;     // its deadline fired while it was on the wire
    bool user_deadline = false; // the deadline timer is the caller's, not the pool's wait bound
    connection* granted = nullptr; // exclusive request: the connection handed over
    reactor::clock::time_point started{};
    struct deadline_node : timer_node {
        query_op* op = nullptr;
    } deadline;
    reactor* loop = nullptr;
};

// Stores the outcome and resumes the waiter (if it already suspended). `op` may be gone after.
void complete(query_op& op, katana::expected<result, error> outcome) noexcept;
void complete(query_op& op) noexcept; // outcome already stored

// co_await'ed by execute(): submits through `submit(op)` and suspends unless that completed the
// op at once; arms the caller's deadline.
template <class Submit>
struct op_awaiter {
    query_op& op;
    Submit submit;
    std::chrono::milliseconds deadline;

    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> h) noexcept;
    void await_resume() const noexcept {}
};
void on_op_deadline(timer_node& n) noexcept;
void pool_expire(pool& p, query_op& op) noexcept; // pool.cpp
void arm_deadline(query_op& op, std::chrono::milliseconds after) noexcept;

template <class Submit>
bool op_awaiter<Submit>::await_suspend(std::coroutine_handle<> h) noexcept {
    op.started = op.loop->now();
    op.user_deadline = deadline.count() > 0;
    if (!submit(op) || op.outcome) return false;
    op.waiter = h;
    op.frames = current_frame_resource();
    if (op.user_deadline) arm_deadline(op, deadline);
    return true;
}

} // namespace detail

// Connection-level events for whoever owns the connection (the pool).
struct connection_listener {
    virtual ~connection_listener() = default;
    virtual void on_connected(connection& c) noexcept = 0;
    virtual void on_connect_failed(connection& c, const error& e) noexcept = 0;
    virtual void on_lost(connection& c) noexcept = 0;   // after its queries were failed
    virtual void on_idle(connection& c) noexcept = 0;   // a query finished; capacity freed
};

class connection {
public:
    connection(reactor& loop, connection_options options, connection_listener* listener = nullptr);
    ~connection();
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    // Starts connecting (no-op unless idle or broken). Completion is reported to the listener,
    // and queries submitted meanwhile wait for it.
    void start_connect() noexcept;
    // Awaits the connection being ready (connecting first if needed).
    task<katana::expected<void, error>> connect();

    // Runs `stmt` with `args` on this connection's pipeline. `deadline` > 0 bounds the wait:
    // on expiry the query fails with error_kind::timeout and the connection is dropped (the
    // only non-blocking way libpq 15 has to stop a running query; its other in-flight queries
    // fail with connection_lost). 0: wait until the server answers (statement_timeout applies).
    task<katana::expected<result, error>> execute(const statement& stmt, const params& args,
                                                  std::chrono::milliseconds deadline = std::chrono::milliseconds(0));
    task<katana::expected<result, error>> execute(const statement& stmt) { return execute(stmt, no_params()); }

    [[nodiscard]] connection_state state() const noexcept { return state_; }
    [[nodiscard]] bool ready() const noexcept { return state_ == connection_state::ready; }
    [[nodiscard]] std::size_t in_flight() const noexcept { return in_flight_; }
    [[nodiscard]] int backend_pid() const noexcept;
    [[nodiscard]] bool is_prepared(std::string_view name) const;
    [[nodiscard]] const std::string& last_error() const noexcept { return last_error_; }
    [[nodiscard]] reactor& loop() const noexcept { return *loop_; }

    // Drops the session now: queries in flight fail with `kind`; state becomes broken.
    void drop(error_kind kind, std::string_view why) noexcept;

    // Enqueues an op (internal: used by the pool and execute()). False when it completed at once.
    bool submit(detail::query_op& op) noexcept;
    // The op's deadline fired while it was queued here or on the wire.
    void expire(detail::query_op& op) noexcept;

    // Backend pid of the last session dropped because a query outran its deadline (0: none);
    // the server keeps running that query until it notices, so the pool terminates it.
    int abandoned_pid = 0;

    // Pool bookkeeping (a transaction holds the connection exclusively).
    bool reserved = false;
    std::uint64_t generation = 0; // bumped per successful connect

private:
    static const params& no_params() noexcept;
    static void on_watch(void* self, std::uint32_t events) noexcept;
    static void on_connect_timer(timer_node& n) noexcept;
    void continue_connect() noexcept;
    void connect_failed(std::string why) noexcept;
    void became_ready() noexcept;
    bool send(detail::query_op& op) noexcept;
    void flush() noexcept;
    void set_interest(std::uint32_t interest) noexcept;
    void read_results() noexcept;
    void finish_head() noexcept;
    void close_socket() noexcept;
    static void fail_all(const error& e, detail::query_op* list) noexcept;
    static void append(detail::query_op*& head, detail::query_op*& tail, detail::query_op& op) noexcept;
    static void unlink(detail::query_op*& head, detail::query_op*& tail, detail::query_op& op) noexcept;

    reactor* loop_;
    connection_options options_;
    connection_listener* listener_;
    pg_conn* conn_ = nullptr;
    katana::detail::io_watch* watch_ = nullptr;
    int fd_ = -1;
    std::uint32_t interest_ = 0;
    connection_state state_ = connection_state::idle;
    // Sent, awaiting results (in order) and queued before the connection was ready.
    detail::query_op* head_ = nullptr;
    detail::query_op* tail_ = nullptr;
    detail::query_op* waiting_head_ = nullptr;
    detail::query_op* waiting_tail_ = nullptr;
    std::size_t in_flight_ = 0;
    struct string_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    std::unordered_set<std::string, string_hash, std::equal_to<>> prepared_;
    std::string last_error_;
    struct owned_timer : timer_node {
        connection* owner = nullptr;
    } connect_timer_;
    params::wire wire_; // scratch for libpq's parameter arrays, reused per send
    std::string name_buf_; // NUL-terminated copy of a statement name for libpq
    std::string sql_buf_;
};

} // namespace katana::pg
