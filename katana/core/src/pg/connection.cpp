#include <katana/pg/connection.hpp>

#include "reactor/io_backend.hpp"

#include <libpq-fe.h>

#include <fmt/format.h>

#include <utility>

namespace katana::pg {
namespace detail {

void complete(query_op& op) noexcept {
    if (op.deadline.scheduled()) op.loop->timers().cancel(op.deadline);
    if (!op.waiter) return; // completed inside await_suspend: it returns without suspending
    const std::coroutine_handle<> h = std::exchange(op.waiter, {});
    frame_resource_scope scope(op.frames); // child frames keep coming from request memory
    h.resume();
}

void complete(query_op& op, katana::expected<result, error> outcome) noexcept {
    op.outcome.emplace(std::move(outcome));
    complete(op);
}

void on_op_deadline(timer_node& n) noexcept {
    query_op& op = *static_cast<query_op::deadline_node&>(n).op;
    if (op.outcome) return;
    if (op.owner != nullptr) {
        pool_expire(*op.owner, op);
    } else if (op.conn != nullptr) {
        op.conn->expire(op);
    }
}

void arm_deadline(query_op& op, std::chrono::milliseconds after) noexcept {
    op.deadline.op = &op;
    op.deadline.callback = &on_op_deadline;
    op.loop->timers().schedule(op.deadline, op.loop->now() + after);
}

} // namespace detail

namespace {

error server_error(const PGresult* r) {
    error e;
    const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    const char* primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    const char* detail = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);
    const char* constraint = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
    if (state != nullptr) e.sqlstate = state;
    e.kind = classify_sqlstate(e.sqlstate);
    if (primary != nullptr) {
        e.message = primary;
    } else if (const char* m = PQresultErrorMessage(r); m != nullptr) {
        e.message = m;
    }
    if (detail != nullptr) e.detail = detail;
    if (constraint != nullptr) e.constraint = constraint;
    return e;
}

std::string conn_message(const PGconn* c, std::string_view fallback) {
    const char* m = c != nullptr ? PQerrorMessage(c) : nullptr;
    std::string s = (m != nullptr && *m != '\0') ? std::string(m) : std::string(fallback);
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

// Stages of one query's results: Parse (when prepared here), Bind/Execute, Sync.
constexpr std::uint8_t stage_prepare = 0;
constexpr std::uint8_t stage_execute = 1;
constexpr std::uint8_t stage_sync = 2;

} // namespace

connection::connection(reactor& loop, connection_options options, connection_listener* listener)
    : loop_(&loop), options_(std::move(options)), listener_(listener) {
    connect_timer_.owner = this;
    connect_timer_.callback = &connection::on_connect_timer;
}

connection::~connection() {
    close_socket();
}

const params& connection::no_params() noexcept {
    static const params empty;
    return empty;
}

int connection::backend_pid() const noexcept { return conn_ != nullptr ? PQbackendPID(conn_) : 0; }

bool connection::is_prepared(std::string_view name) const { return prepared_.find(name) != prepared_.end(); }

void connection::append(detail::query_op*& head, detail::query_op*& tail, detail::query_op& op) noexcept {
    op.next = nullptr;
    op.prev = tail;
    if (tail != nullptr) {
        tail->next = &op;
    } else {
        head = &op;
    }
    tail = &op;
}

void connection::unlink(detail::query_op*& head, detail::query_op*& tail, detail::query_op& op) noexcept {
    if (op.prev != nullptr) {
        op.prev->next = op.next;
    } else {
        head = op.next;
    }
    if (op.next != nullptr) {
        op.next->prev = op.prev;
    } else {
        tail = op.prev;
    }
    op.next = op.prev = nullptr;
}

void connection::start_connect() noexcept {
    if (state_ == connection_state::connecting || state_ == connection_state::ready) return;
    close_socket();
    // The conninfo is expanded from "dbname"; later keywords override what it says.
    std::string timeout_option;
    const char* keys[3] = {"dbname", nullptr, nullptr};
    const char* values[3] = {options_.conninfo.c_str(), nullptr, nullptr};
    if (options_.statement_timeout.count() > 0) {
        timeout_option = fmt::format("-c statement_timeout={}", options_.statement_timeout.count());
        keys[1] = "options";
        values[1] = timeout_option.c_str();
    }
    conn_ = PQconnectStartParams(keys, values, 1);
    if (conn_ == nullptr || PQstatus(conn_) == CONNECTION_BAD) {
        connect_failed(conn_message(conn_, "cannot start connecting"));
        return;
    }
    PQsetnonblocking(conn_, 1);
    state_ = connection_state::connecting;
    loop_->timers().schedule(connect_timer_, loop_->now() + options_.connect_timeout);
    // libpq: behave as if PQconnectPoll had last answered "writing".
    fd_ = PQsocket(conn_);
    if (fd_ < 0) {
        continue_connect();
        return;
    }
    set_interest(katana::detail::watch_writable);
}

void connection::set_interest(std::uint32_t interest) noexcept {
    if (fd_ < 0) return;
    auto& io = loop_->io();
    if (watch_ == nullptr) {
        watch_ = io.add_watch(fd_, interest, &connection::on_watch, this);
        interest_ = interest;
        if (watch_ == nullptr) {
            if (state_ == connection_state::connecting) {
                connect_failed("cannot watch the socket");
            } else {
                drop(error_kind::connection_lost, "cannot watch the socket");
            }
        }
        return;
    }
    if (interest == interest_) return;
    interest_ = interest;
    io.modify_watch(watch_, interest);
}

void connection::continue_connect() noexcept {
    const PostgresPollingStatusType st = PQconnectPoll(conn_);
    const int fd = PQsocket(conn_);
    if (fd != fd_) {
        // libpq moved on to another address (or reconnected for SSL negotiation): new socket.
        if (watch_ != nullptr) loop_->io().remove_watch(watch_);
        watch_ = nullptr;
        fd_ = fd;
    }
    switch (st) {
    case PGRES_POLLING_READING: set_interest(katana::detail::watch_readable); return;
    case PGRES_POLLING_WRITING: set_interest(katana::detail::watch_writable); return;
    case PGRES_POLLING_OK: became_ready(); return;
    case PGRES_POLLING_FAILED:
    case PGRES_POLLING_ACTIVE: break;
    }
    connect_failed(conn_message(conn_, "connection failed"));
}

void connection::on_connect_timer(timer_node& n) noexcept {
    auto* self = static_cast<owned_timer&>(n).owner;
    if (self->state_ == connection_state::connecting) self->connect_failed("timed out connecting");
}

void connection::became_ready() noexcept {
    loop_->timers().cancel(connect_timer_);
    if (PQenterPipelineMode(conn_) != 1) {
        connect_failed(conn_message(conn_, "cannot enter pipeline mode"));
        return;
    }
    state_ = connection_state::ready;
    ++generation;
    last_error_.clear();
    set_interest(katana::detail::watch_readable);
    if (state_ != connection_state::ready) return;
    // Queries that waited for the connection go out in the order they came.
    while (waiting_head_ != nullptr && state_ == connection_state::ready) {
        detail::query_op& op = *waiting_head_;
        unlink(waiting_head_, waiting_tail_, op);
        send(op);
    }
    if (listener_ != nullptr && state_ == connection_state::ready) listener_->on_connected(*this);
}

void connection::connect_failed(std::string why) noexcept {
    loop_->timers().cancel(connect_timer_);
    close_socket();
    state_ = connection_state::broken;
    last_error_ = std::move(why);
    detail::query_op* waiting = std::exchange(waiting_head_, nullptr);
    waiting_tail_ = nullptr;
    error e = make_error(error_kind::unavailable, last_error_);
    if (listener_ != nullptr) listener_->on_connect_failed(*this, e);
    fail_all(e, waiting);
}

void connection::close_socket() noexcept {
    if (connect_timer_.scheduled()) loop_->timers().cancel(connect_timer_);
    if (watch_ != nullptr) loop_->io().remove_watch(watch_);
    watch_ = nullptr;
    if (conn_ != nullptr) PQfinish(conn_);
    conn_ = nullptr;
    fd_ = -1;
    interest_ = 0;
    prepared_.clear();
}

void connection::fail_all(const error& e, detail::query_op* list) noexcept {
    while (list != nullptr) {
        detail::query_op& op = *list;
        list = op.next;
        op.next = op.prev = nullptr;
        op.conn = nullptr;
        if (op.timed_out) {
            detail::complete(op, katana::unexpected(make_error(error_kind::timeout, "query deadline exceeded")));
        } else {
            detail::complete(op, katana::unexpected(e));
        }
    }
}

void connection::drop(error_kind kind, std::string_view why) noexcept {
    const bool was_up = state_ == connection_state::ready || state_ == connection_state::connecting;
    close_socket();
    state_ = connection_state::broken;
    last_error_ = std::string(why);
    detail::query_op* sent = std::exchange(head_, nullptr);
    tail_ = nullptr;
    detail::query_op* waiting = std::exchange(waiting_head_, nullptr);
    waiting_tail_ = nullptr;
    in_flight_ = 0;
    const error e = make_error(kind, last_error_);
    // The owner learns first, so that coroutines resumed below see a consistent pool.
    if (was_up && listener_ != nullptr) listener_->on_lost(*this);
    fail_all(e, sent);
    fail_all(e, waiting);
}

bool connection::submit(detail::query_op& op) noexcept {
    op.conn = this;
    op.loop = loop_;
    switch (state_) {
    case connection_state::ready: return send(op);
    case connection_state::connecting: append(waiting_head_, waiting_tail_, op); return true;
    case connection_state::idle:
    case connection_state::broken:
        if (!options_.auto_connect) {
            op.conn = nullptr;
            detail::complete(op, katana::unexpected(make_error(
                                     error_kind::connection_lost,
                                     last_error_.empty() ? std::string("connection is not open") : last_error_)));
            return false;
        }
        append(waiting_head_, waiting_tail_, op);
        start_connect();
        return op.outcome.has_value() ? false : true;
    }
    return false;
}

bool connection::send(detail::query_op& op) noexcept {
    const statement& s = *op.stmt;
    const params& args = op.args != nullptr ? *op.args : no_params();
    args.to_wire(wire_);
    name_buf_.assign(s.name);
    op.prepare_sent = false;
    op.stage = stage_execute;
    if (prepared_.find(s.name) == prepared_.end()) {
        sql_buf_.assign(s.sql);
        const int ntypes = static_cast<int>(s.param_types.size());
        if (PQsendPrepare(conn_, name_buf_.c_str(), sql_buf_.c_str(), ntypes, ntypes != 0 ? s.param_types.data() : nullptr) != 1) {
            op.conn = nullptr;
            detail::complete(op, katana::unexpected(make_error(error_kind::other, conn_message(conn_, "cannot send Parse"))));
            return false;
        }
        // Marked before the answer: later queries in the same pipeline must not Parse again.
        // A failed Parse unmarks it (read_results).
        prepared_.emplace(s.name);
        op.prepare_sent = true;
        op.stage = stage_prepare;
    }
    const bool ok = PQsendQueryPrepared(conn_, name_buf_.c_str(), args.size(), wire_.values.data(), wire_.lengths.data(),
                                        wire_.formats.data(), static_cast<int>(s.result_format)) == 1 &&
                    PQpipelineSync(conn_) == 1;
    if (!ok) {
        // The Parse (if any) is already queued; the session state is no longer what we track.
        append(head_, tail_, op);
        ++in_flight_;
        drop(error_kind::connection_lost, conn_message(conn_, "cannot send the query"));
        return false;
    }
    append(head_, tail_, op);
    ++in_flight_;
    flush();
    return true;
}

void connection::flush() noexcept {
    const int r = PQflush(conn_);
    if (r < 0) {
        drop(error_kind::connection_lost, conn_message(conn_, "cannot write to the server"));
        return;
    }
    set_interest(katana::detail::watch_readable | (r == 1 ? katana::detail::watch_writable : 0u));
}

void connection::on_watch(void* self_ptr, std::uint32_t events) noexcept {
    auto* self = static_cast<connection*>(self_ptr);
    if (self->state_ == connection_state::connecting) {
        self->continue_connect();
        return;
    }
    if (self->state_ != connection_state::ready) return;
    if ((events & katana::detail::watch_writable) != 0) {
        self->flush();
        if (self->state_ != connection_state::ready) return;
    }
    if ((events & katana::detail::watch_readable) != 0) {
        if (PQconsumeInput(self->conn_) != 1) {
            self->drop(error_kind::connection_lost, conn_message(self->conn_, "connection lost"));
            return;
        }
        self->read_results();
        if (self->state_ == connection_state::ready && PQstatus(self->conn_) == CONNECTION_BAD) {
            self->drop(error_kind::connection_lost, conn_message(self->conn_, "connection lost"));
        }
    }
}

void connection::read_results() noexcept {
    while (head_ != nullptr && state_ == connection_state::ready && PQisBusy(conn_) == 0) {
        detail::query_op& op = *head_;
        PGresult* r = PQgetResult(conn_);
        if (r == nullptr) {
            // End of one command's results. None is expected before the Sync's own result;
            // stop rather than spin if libpq says so anyway.
            if (op.stage == stage_sync) break;
            ++op.stage;
            continue;
        }
        switch (PQresultStatus(r)) {
        case PGRES_PIPELINE_SYNC:
            PQclear(r);
            finish_head();
            continue;
        case PGRES_TUPLES_OK:
        case PGRES_COMMAND_OK:
        case PGRES_EMPTY_QUERY:
            if (op.stage == stage_execute && !op.outcome) {
                op.outcome.emplace(result(r));
            } else {
                PQclear(r);
            }
            continue;
        case PGRES_FATAL_ERROR:
            if (!op.outcome || op.outcome->has_value()) op.outcome.emplace(katana::unexpected(server_error(r)));
            if (op.stage == stage_prepare) prepared_.erase(std::string(op.stmt->name));
            PQclear(r);
            if (op.outcome->error().kind == error_kind::connection_lost) {
                // The server is shutting this session down (57P01 ...): the socket follows.
                drop(error_kind::connection_lost, op.outcome->error().message);
                return;
            }
            continue;
        case PGRES_PIPELINE_ABORTED:
            if (!op.outcome) op.outcome.emplace(katana::unexpected(make_error(error_kind::other, "pipeline aborted")));
            PQclear(r);
            continue;
        default:
            // COPY and other modes are not driven through this path.
            if (!op.outcome || op.outcome->has_value()) {
                op.outcome.emplace(katana::unexpected(make_error(error_kind::other, "unsupported result status")));
            }
            PQclear(r);
            continue;
        }
    }
}

void connection::finish_head() noexcept {
    detail::query_op& op = *head_;
    unlink(head_, tail_, op);
    --in_flight_;
    op.conn = nullptr;
    if (!op.outcome) op.outcome.emplace(katana::unexpected(make_error(error_kind::other, "no result")));
    detail::complete(op);
    if (listener_ != nullptr && state_ == connection_state::ready) listener_->on_idle(*this);
}

void connection::expire(detail::query_op& op) noexcept {
    if (op.outcome) return;
    for (detail::query_op* w = waiting_head_; w != nullptr; w = w->next) {
        if (w == &op) {
            unlink(waiting_head_, waiting_tail_, op);
            op.conn = nullptr;
            detail::complete(op, katana::unexpected(make_error(error_kind::timeout, "query deadline exceeded")));
            return;
        }
    }
    // On the wire: libpq 15 has no non-blocking cancel, so the session goes (see header).
    op.timed_out = true;
    abandoned_pid = backend_pid();
    drop(error_kind::connection_lost, "a query on this connection exceeded its deadline; connection dropped");
}

task<katana::expected<result, error>> connection::execute(const statement& stmt, const params& args,
                                                          std::chrono::milliseconds deadline) {
    detail::query_op op;
    op.stmt = &stmt;
    op.args = &args;
    op.loop = loop_;
    auto submit = [this](detail::query_op& o) noexcept { return this->submit(o); };
    co_await detail::op_awaiter<decltype(submit)>{op, submit, deadline};
    co_return std::move(*op.outcome);
}

task<katana::expected<void, error>> connection::connect() {
    if (state_ == connection_state::ready) co_return katana::expected<void, error>{};
    static constexpr statement ping{"katana_ping", "SELECT 1", {}, format::binary};
    auto r = co_await execute(ping);
    if (!r) co_return katana::unexpected(std::move(r).error());
    co_return katana::expected<void, error>{};
}

} // namespace katana::pg
