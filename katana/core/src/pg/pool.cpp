#include <katana/pg/pool.hpp>

#include <algorithm>
#include <utility>

namespace katana::pg {
namespace detail {

void pool_expire(pool& p, query_op& op) noexcept { p.expire(op); }

} // namespace detail

namespace {

void append(detail::query_op*& head, detail::query_op*& tail, detail::query_op& op) noexcept {
    op.next = nullptr;
    op.prev = tail;
    if (tail != nullptr) {
        tail->next = &op;
    } else {
        head = &op;
    }
    tail = &op;
}

void unlink(detail::query_op*& head, detail::query_op*& tail, detail::query_op& op) noexcept {
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

} // namespace

pool::pool(reactor& loop, pool_options options) : loop_(&loop), options_(std::move(options)) {
    if (options_.size == 0) options_.size = 1;
    if (options_.max_pipeline == 0) options_.max_pipeline = 1;
    connection_options co;
    co.conninfo = options_.conninfo;
    co.connect_timeout = options_.connect_timeout;
    co.statement_timeout = options_.statement_timeout;
    co.auto_connect = false;
    slots_.reserve(options_.size);
    for (std::size_t i = 0; i < options_.size; ++i) {
        auto s = std::make_unique<slot>();
        s->conn = std::make_unique<connection>(loop, co, static_cast<connection_listener*>(this));
        s->retry.self = s.get();
        s->retry.owner = this;
        s->retry.callback = &pool::on_retry;
        slots_.push_back(std::move(s));
    }
    if (options_.eager) connect_all();
}

pool::~pool() {
    for (auto& s : slots_) {
        if (s->retry.scheduled()) loop_->timers().cancel(s->retry);
    }
}

void pool::connect_all() noexcept {
    for (auto& s : slots_) {
        const auto st = s->conn->state();
        if ((st == connection_state::idle || st == connection_state::broken) && !s->retry.scheduled()) {
            s->conn->start_connect();
        }
    }
}

void pool::ensure_connecting() noexcept {
    // Lazy pools connect on first use; afterwards reconnects run on their own timers.
    bool any_started = false;
    for (auto& s : slots_) {
        if (s->conn->state() != connection_state::idle || s->retry.scheduled()) any_started = true;
    }
    if (!any_started) connect_all();
}

bool pool::ready() const noexcept { return ready_count() != 0; }

std::size_t pool::ready_count() const noexcept {
    std::size_t n = 0;
    for (const auto& s : slots_) n += s->conn->ready() ? 1 : 0;
    return n;
}

statement_counters pool::counters(std::string_view statement_name) const {
    auto it = by_statement_.find(statement_name);
    return it != by_statement_.end() ? it->second : statement_counters{};
}

pool::slot* pool::slot_of(connection& c) noexcept {
    for (auto& s : slots_) {
        if (s->conn.get() == &c) return s.get();
    }
    return nullptr;
}

connection* pool::pick() noexcept {
    connection* best = nullptr;
    for (auto& s : slots_) {
        connection& c = *s->conn;
        if (!c.ready() || c.reserved || c.in_flight() >= options_.max_pipeline) continue;
        if (best == nullptr || c.in_flight() < best->in_flight()) best = &c;
    }
    return best;
}

pool::slot* pool::pick_reservable() noexcept {
    slot* best = nullptr;
    for (auto& s : slots_) {
        connection& c = *s->conn;
        if (!c.ready() || c.reserved) continue;
        if (best == nullptr || c.in_flight() < best->conn->in_flight()) best = s.get();
    }
    return best;
}

bool pool::place(detail::query_op& op) noexcept {
    if (op.exclusive) {
        slot* s = pick_reservable();
        if (s == nullptr) return false;
        s->conn->reserved = true;
        if (s->conn->in_flight() == 0) {
            op.granted = s->conn.get();
            detail::complete(op, result{});
        } else {
            s->drain_waiter = &op; // on_idle() hands it over once the pipeline is empty
            op.owner = this;       // so that its deadline finds it here
        }
        return true;
    }
    connection* c = pick();
    if (c == nullptr) return false;
    c->submit(op);
    return true;
}

bool pool::submit(detail::query_op& op) noexcept {
    op.loop = loop_;
    ensure_connecting();
    if (wait_head_ == nullptr && place(op)) return !op.outcome.has_value();
    if (down_ && !ready()) {
        detail::complete(op, katana::unexpected(make_error(
                                 error_kind::unavailable, last_error_.empty() ? "database unavailable" : last_error_)));
        return false;
    }
    if (waiting_ >= options_.max_waiting) {
        detail::complete(op, katana::unexpected(make_error(error_kind::unavailable, "too many queries waiting")));
        return false;
    }
    op.owner = this;
    append(wait_head_, wait_tail_, op);
    ++waiting_;
    ++stats_.waiting;
    ++stats_.waits;
    // The caller's own deadline (armed after this returns) replaces this bound when given.
    detail::arm_deadline(op, options_.acquire_timeout);
    return true;
}

void pool::note_wait(detail::query_op& op) noexcept {
    const auto waited = loop_->now() - op.started;
    stats_.wait_time += std::chrono::duration_cast<std::chrono::nanoseconds>(waited);
    if (options_.observer != nullptr) options_.observer->on_wait(waited);
}

void pool::dispatch_waiters() noexcept {
    while (wait_head_ != nullptr) {
        detail::query_op& op = *wait_head_;
        if (op.exclusive ? pick_reservable() == nullptr : pick() == nullptr) return;
        unlink(wait_head_, wait_tail_, op);
        --waiting_;
        --stats_.waiting;
        op.owner = nullptr;
        if (!op.user_deadline && op.deadline.scheduled()) loop_->timers().cancel(op.deadline);
        note_wait(op);
        place(op);
    }
}

void pool::fail_waiters(const error& e) noexcept {
    detail::query_op* list = std::exchange(wait_head_, nullptr);
    wait_tail_ = nullptr;
    stats_.waiting -= waiting_;
    waiting_ = 0;
    while (list != nullptr) {
        detail::query_op& op = *list;
        list = op.next;
        op.next = op.prev = nullptr;
        op.owner = nullptr;
        detail::complete(op, katana::unexpected(e));
    }
}

void pool::expire(detail::query_op& op) noexcept {
    if (op.outcome) return;
    for (auto& s : slots_) {
        if (s->drain_waiter == &op) {
            s->drain_waiter = nullptr;
            s->conn->reserved = false;
            op.owner = nullptr;
            detail::complete(op, katana::unexpected(make_error(error_kind::timeout, "no connection within the deadline")));
            dispatch_waiters();
            return;
        }
    }
    if (op.owner == this) {
        unlink(wait_head_, wait_tail_, op);
        --waiting_;
        --stats_.waiting;
        op.owner = nullptr;
        if (op.user_deadline) {
            detail::complete(op, katana::unexpected(make_error(error_kind::timeout, "query deadline exceeded")));
        } else {
            detail::complete(op, katana::unexpected(make_error(error_kind::unavailable, "no connection within acquire_timeout")));
        }
        return;
    }
    if (op.conn != nullptr) op.conn->expire(op);
}

void pool::schedule_retry(slot& s, std::chrono::milliseconds delay) noexcept {
    loop_->timers().schedule(s.retry, loop_->now() + delay);
}

void pool::on_retry(timer_node& n) noexcept {
    auto& t = static_cast<slot::retry_timer&>(n);
    t.self->conn->start_connect();
}

void pool::on_connected(connection& c) noexcept {
    ++stats_.connects;
    if (options_.observer != nullptr) options_.observer->on_connect(true);
    down_ = false;
    if (slot* s = slot_of(c)) s->delay = std::chrono::milliseconds(0);
    reap_abandoned();
    dispatch_waiters();
}

void pool::on_connect_failed(connection& c, const error& e) noexcept {
    ++stats_.connect_failures;
    if (options_.observer != nullptr) options_.observer->on_connect(false);
    last_error_ = e.message;
    if (slot* s = slot_of(c)) {
        s->delay = s->delay.count() == 0 ? options_.backoff_initial : std::min(options_.backoff_max, s->delay * 2);
        schedule_retry(*s, s->delay);
    }
    if (!ready()) {
        // Fail fast while the database is away; the retry timers keep trying.
        down_ = true;
        fail_waiters(make_error(error_kind::unavailable, last_error_));
    }
}

void pool::on_lost(connection& c) noexcept {
    ++stats_.connections_lost;
    last_error_ = c.last_error();
    if (c.abandoned_pid != 0) {
        abandoned_pids_.push_back(std::exchange(c.abandoned_pid, 0));
        if (ready()) reap_abandoned();
    }
    if (slot* s = slot_of(c)) {
        if (s->drain_waiter != nullptr) {
            detail::query_op& op = *std::exchange(s->drain_waiter, nullptr);
            c.reserved = false;
            op.owner = nullptr;
            detail::complete(op, katana::unexpected(make_error(error_kind::connection_lost, last_error_)));
        }
        // Replace it at once; backoff only starts when connecting fails.
        if (!s->retry.scheduled()) schedule_retry(*s, s->delay);
    }
}

void pool::on_idle(connection& c) noexcept {
    slot* s = slot_of(c);
    if (s != nullptr && s->drain_waiter != nullptr && c.in_flight() == 0) {
        detail::query_op& op = *std::exchange(s->drain_waiter, nullptr);
        op.owner = nullptr;
        op.granted = &c;
        detail::complete(op, result{});
        return;
    }
    dispatch_waiters();
}

void pool::reap_abandoned() noexcept {
    // Sessions we dropped under a running query keep it running server-side; end them through
    // a live connection (no blocking PQcancel). Best effort: failures are ignored.
    while (!abandoned_pids_.empty()) {
        const int pid = abandoned_pids_.back();
        abandoned_pids_.pop_back();
        start_detached(terminate_backend(pid), nullptr, nullptr);
    }
}

task<void> pool::terminate_backend(int pid) {
    static constexpr statement kill{"katana_terminate_backend", "SELECT pg_terminate_backend($1::int4)", {}, format::text};
    params args;
    args.int4(pid);
    (void)co_await execute(kill, args);
}

void pool::record(const statement& stmt, reactor::clock::time_point started, const katana::expected<result, error>& r) {
    ++stats_.queries;
    auto it = by_statement_.find(stmt.name);
    if (it == by_statement_.end()) it = by_statement_.emplace(std::string(stmt.name), statement_counters{}).first;
    ++it->second.queries;
    if (!r) {
        ++stats_.errors;
        ++it->second.errors;
    }
    if (options_.observer != nullptr) {
        options_.observer->on_query(stmt.name, loop_->now() - started, r ? nullptr : &r.error());
    }
}

task<katana::expected<result, error>> pool::execute(const statement& stmt, const params& args,
                                                    std::chrono::milliseconds deadline) {
    detail::query_op op;
    op.stmt = &stmt;
    op.args = &args;
    op.loop = loop_;
    ++stats_.in_flight;
    auto submit = [this](detail::query_op& o) noexcept { return this->submit(o); };
    co_await detail::op_awaiter<decltype(submit)>{op, submit, deadline};
    --stats_.in_flight;
    record(stmt, op.started, *op.outcome);
    co_return std::move(*op.outcome);
}

task<katana::expected<result, error>> pool::execute(const statement& stmt) {
    static const params none;
    return execute(stmt, none);
}

task<katana::expected<connection*, error>> pool::reserve(std::chrono::milliseconds timeout) {
    detail::query_op op;
    op.exclusive = true;
    op.loop = loop_;
    auto submit = [this](detail::query_op& o) noexcept { return this->submit(o); };
    co_await detail::op_awaiter<decltype(submit)>{op, submit, timeout};
    if (!op.outcome->has_value()) co_return katana::unexpected(std::move(*op.outcome).error());
    co_return op.granted;
}

void pool::release(connection& c) noexcept {
    c.reserved = false;
    dispatch_waiters();
}

task<katana::expected<void, error>> pool::begin(pg::transaction& tx, isolation level) {
    static constexpr statement rc{"katana_tx_begin_rc", "BEGIN ISOLATION LEVEL READ COMMITTED", {}, format::text};
    static constexpr statement rr{"katana_tx_begin_rr", "BEGIN ISOLATION LEVEL REPEATABLE READ", {}, format::text};
    static constexpr statement sr{"katana_tx_begin_sr", "BEGIN ISOLATION LEVEL SERIALIZABLE", {}, format::text};
    const statement& s = level == isolation::serializable ? sr : level == isolation::repeatable_read ? rr : rc;
    auto r = co_await tx.execute(s);
    if (!r) co_return katana::unexpected(std::move(r).error());
    co_return katana::expected<void, error>{};
}

task<katana::expected<void, error>> pool::end(pg::transaction& tx, bool commit) {
    static constexpr statement commit_stmt{"katana_tx_commit", "COMMIT", {}, format::text};
    static constexpr statement rollback_stmt{"katana_tx_rollback", "ROLLBACK", {}, format::text};
    auto r = co_await tx.execute(commit ? commit_stmt : rollback_stmt);
    if (!r) {
        // A session whose COMMIT/ROLLBACK failed is in an unknown state: replace it.
        if (tx.alive()) tx.conn().drop(error_kind::connection_lost, "transaction end failed");
        co_return katana::unexpected(std::move(r).error());
    }
    // COMMIT of a transaction that failed inside answers "ROLLBACK": it did not commit.
    if (commit && r->command_tag() == "ROLLBACK") {
        co_return katana::unexpected(make_error(error_kind::other, "the transaction was rolled back by the server"));
    }
    co_return katana::expected<void, error>{};
}

task<katana::expected<result, error>> transaction::execute(const statement& stmt, const params& args,
                                                           std::chrono::milliseconds deadline) {
    if (!alive()) {
        co_return katana::unexpected(make_error(error_kind::connection_lost, "the transaction's session is gone"));
    }
    co_return co_await conn_->execute(stmt, args, deadline);
}

task<katana::expected<result, error>> transaction::execute(const statement& stmt) {
    static const params none;
    return execute(stmt, none);
}

} // namespace katana::pg
