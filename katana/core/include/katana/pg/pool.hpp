#pragma once
// A per-reactor pool of non-blocking PostgreSQL connections.
//
//   pg::pool db(reactor, {.conninfo = "host=127.0.0.1 port=5432 dbname=app", .size = 2});
//   auto r = co_await db.execute(get_product, pg::params{}.int8(id)); // in a handler
//
// Queries pipeline onto the least-loaded ready connection (up to max_pipeline in flight per
// connection); beyond that they wait in a bounded queue. The database being down is reported,
// not waited for: with no ready connection and the last connect attempt failed, execute() fails
// at once with error_kind::unavailable and ready() is false (for /readyz), while the pool keeps
// reconnecting with exponential backoff. A connection lost mid-query fails the queries it
// carried with connection_lost and is replaced.
//
// Threading: one pool per reactor, used only on that reactor's thread. Lifetime: destroy the
// pool only when no coroutine awaits it.
#include <katana/coro/task.hpp>
#include <katana/pg/connection.hpp>
#include <katana/pg/error.hpp>
#include <katana/pg/statement.hpp>
#include <katana/pg/transaction.hpp>
#include <katana/reactor/reactor.hpp>
#include <katana/util/expected.hpp>

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

namespace katana::pg {

// Metrics hooks (prometheus wiring is done elsewhere). Called on the pool's reactor thread.
struct pool_observer {
    virtual ~pool_observer() = default;
    // Every finished execute(): statement name, time from call to answer, error or null.
    virtual void on_query(std::string_view /*statement*/, std::chrono::nanoseconds /*elapsed*/,
                          const error* /*failure*/) noexcept {}
    // A query or transaction had to wait for a connection for `waited`.
    virtual void on_wait(std::chrono::nanoseconds /*waited*/) noexcept {}
    virtual void on_connect(bool /*ok*/) noexcept {}
};

struct pool_options {
    std::string conninfo;
    std::size_t size = 2;
    bool eager = false; // connect every connection in the constructor instead of on first use
    // Queries in flight on one connection before others wait (pipelining depth).
    std::size_t max_pipeline = 32;
    // Bound on queries waiting for a connection; beyond it execute() fails with unavailable.
    std::size_t max_waiting = 4096;
    std::chrono::milliseconds acquire_timeout{5000};
    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::milliseconds statement_timeout{0}; // 0: the server's setting
    std::chrono::milliseconds backoff_initial{50};
    std::chrono::milliseconds backoff_max{5000};
    pool_observer* observer = nullptr;
};

struct statement_counters {
    std::uint64_t queries = 0;
    std::uint64_t errors = 0;
};

struct pool_stats {
    std::uint64_t queries = 0;
    std::uint64_t errors = 0;
    std::uint64_t in_flight = 0; // execute() calls not yet answered (this reactor)
    std::uint64_t waiting = 0;   // of which waiting for a connection
    std::uint64_t waits = 0;     // calls that had to wait at all
    std::chrono::nanoseconds wait_time{0};
    std::uint64_t connects = 0;
    std::uint64_t connect_failures = 0;
    std::uint64_t connections_lost = 0;
};

class pool final : private connection_listener {
public:
    pool(reactor& loop, pool_options options);
    ~pool() override;
    pool(const pool&) = delete;
    pool& operator=(const pool&) = delete;

    // Starts connecting every connection that is not connected (eager start, or after start-up).
    void connect_all() noexcept;
    // At least one connection is ready (for /readyz).
    [[nodiscard]] bool ready() const noexcept;
    [[nodiscard]] std::size_t ready_count() const noexcept;
    [[nodiscard]] const std::string& last_error() const noexcept { return last_error_; }

    task<katana::expected<result, error>> execute(const statement& stmt, const params& args,
                                                  std::chrono::milliseconds deadline = std::chrono::milliseconds(0));
    task<katana::expected<result, error>> execute(const statement& stmt);

    // Runs `fn(tx)` inside BEGIN ISOLATION LEVEL ... / COMMIT on a connection reserved for it.
    // fn returns task<katana::expected<T, error>>. Rolls back when fn returns an error or
    // throws (the exception is rethrown after the rollback); retries from BEGIN on
    // serialization_failure / deadlock up to options.max_retries times.
    template <class F>
    auto transaction(isolation level, F fn, transaction_options options = {})
        -> std::invoke_result_t<F&, pg::transaction&>;

    [[nodiscard]] const pool_stats& stats() const noexcept { return stats_; }
    [[nodiscard]] statement_counters counters(std::string_view statement_name) const;
    [[nodiscard]] std::size_t size() const noexcept { return slots_.size(); }
    [[nodiscard]] connection& connection_at(std::size_t i) noexcept { return *slots_[i]->conn; }
    [[nodiscard]] reactor& loop() const noexcept { return *loop_; }

    // Internal (op plumbing).
    bool submit(detail::query_op& op) noexcept;
    void expire(detail::query_op& op) noexcept;

private:
    struct slot {
        std::unique_ptr<connection> conn;
        struct retry_timer : timer_node {
            slot* self = nullptr;
            pool* owner = nullptr;
        } retry;
        std::chrono::milliseconds delay{0};
        detail::query_op* drain_waiter = nullptr; // exclusive request waiting for in_flight == 0
    };

    void on_connected(connection& c) noexcept override;
    void on_connect_failed(connection& c, const error& e) noexcept override;
    void on_lost(connection& c) noexcept override;
    void on_idle(connection& c) noexcept override;

    slot* slot_of(connection& c) noexcept;
    connection* pick() noexcept;
    slot* pick_reservable() noexcept;
    bool place(detail::query_op& op) noexcept; // to a connection now; false: no capacity
    void dispatch_waiters() noexcept;
    void fail_waiters(const error& e) noexcept;
    void schedule_retry(slot& s, std::chrono::milliseconds delay) noexcept;
    static void on_retry(timer_node& n) noexcept;
    void ensure_connecting() noexcept;
    void note_wait(detail::query_op& op) noexcept;
    void reap_abandoned() noexcept;
    task<void> terminate_backend(int pid);
    void record(const statement& stmt, reactor::clock::time_point started, const katana::expected<result, error>& r);

    task<katana::expected<connection*, error>> reserve(std::chrono::milliseconds timeout);
    void release(connection& c) noexcept;
    static task<katana::expected<void, error>> begin(pg::transaction& tx, isolation level);
    static task<katana::expected<void, error>> end(pg::transaction& tx, bool commit);

    reactor* loop_;
    pool_options options_;
    std::vector<std::unique_ptr<slot>> slots_;
    detail::query_op* wait_head_ = nullptr;
    detail::query_op* wait_tail_ = nullptr;
    std::size_t waiting_ = 0;
    bool down_ = false; // the last connect attempt failed and nothing is ready
    std::string last_error_;
    std::vector<int> abandoned_pids_;
    pool_stats stats_;
    struct string_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    std::unordered_map<std::string, statement_counters, string_hash, std::equal_to<>> by_statement_;
};

template <class F>
auto pool::transaction(isolation level, F fn, transaction_options options)
    -> std::invoke_result_t<F&, pg::transaction&> {
    using result_task = std::invoke_result_t<F&, pg::transaction&>;
    using outcome = typename result_task::value_type; // katana::expected<T, error>
    for (unsigned attempt = 0;; ++attempt) {
        auto reserved = co_await reserve(options.acquire_timeout);
        if (!reserved) co_return outcome(katana::unexpected(std::move(reserved).error()));
        connection& c = **reserved;
        pg::transaction tx(c, c.generation);
        tx.attempt = attempt;
        if (auto b = co_await begin(tx, level); !b) {
            release(c);
            if (b.error().retryable() && attempt < options.max_retries) continue;
            co_return outcome(katana::unexpected(std::move(b).error()));
        }
        std::exception_ptr thrown;
        std::optional<outcome> body;
        try {
            body.emplace(co_await fn(tx));
        } catch (...) {
            thrown = std::current_exception();
        }
        if (thrown || !body->has_value()) {
            // Rollback errors are secondary to what failed the body; the session is dropped
            // by the connection itself when it cannot roll back.
            (void)co_await end(tx, false);
            release(c);
            if (thrown) std::rethrow_exception(thrown);
            if (body->error().retryable() && attempt < options.max_retries) continue;
            co_return std::move(*body);
        }
        auto committed = co_await end(tx, true);
        release(c);
        if (!committed) {
            if (committed.error().retryable() && attempt < options.max_retries) continue;
            co_return outcome(katana::unexpected(std::move(committed).error()));
        }
        co_return std::move(*body);
    }
}

} // namespace katana::pg
