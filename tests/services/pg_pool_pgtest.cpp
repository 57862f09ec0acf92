// The non-blocking PostgreSQL runtime (katana/pg) against a real throwaway PostgreSQL 15: queries
// through a reactor on both I/O backends, pipelining, prepare-once, transactions, outages,
// killed backends, statement timeout and per-call deadlines.
#include "support/pg_server.hpp"

#include <katana/pg/pool.hpp>
#include <katana/reactor/reactor.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

using namespace std::chrono_literals;
namespace kt = katana::test;
namespace pg = katana::pg;

namespace {

// Drives `t` on `r` until it finishes (or `limit` passes: then the test fails, and the task is
// leaked rather than destroyed while suspended).
template <class T>
std::optional<T> run(katana::reactor& r, katana::task<T> t, std::chrono::milliseconds limit = 30s) {
    struct state {
        std::optional<T> out;
        bool done = false;
    } st;
    auto wrap = [](katana::task<T> inner, state* s) -> katana::task<void> {
        s->out.emplace(co_await std::move(inner));
        s->done = true;
    };
    katana::start_detached(wrap(std::move(t), &st), nullptr, nullptr);
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!st.done && std::chrono::steady_clock::now() < deadline) r.run_once(10ms);
    EXPECT_TRUE(st.done) << "task did not finish within " << limit.count() << " ms";
    return std::move(st.out);
}

void spin(katana::reactor& r, std::chrono::milliseconds d) {
    const auto end = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < end) r.run_once(5ms);
}

template <class F>
bool spin_until(katana::reactor& r, F cond, std::chrono::milliseconds limit = 10s) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!cond() && std::chrono::steady_clock::now() < end) r.run_once(5ms);
    return cond();
}

constexpr pg::statement add_one{"t_add_one", "SELECT $1::int4 + 1", {}, pg::format::binary};
constexpr pg::statement echo_pid{"t_echo_pid", "SELECT $1::int8, pg_backend_pid()", {}, pg::format::binary};
constexpr pg::statement echo_text{"t_echo_text", "SELECT upper($1::text)", {}, pg::format::text};
constexpr pg::statement count_prepared{
    "t_count_prepared", "SELECT count(*)::int8 FROM pg_prepared_statements WHERE name = $1", {}, pg::format::binary};
constexpr pg::statement sleep_ms{"t_sleep", "SELECT pg_sleep($1::int4 / 1000.0), 1::int4", {}, pg::format::binary};

std::string app_conninfo(const kt::pg_server& srv) { return srv.conninfo() + " application_name=katana_pgtest"; }

class PgPool : public ::testing::TestWithParam<katana::backend_kind> {
protected:
    void SetUp() override {
        try {
            loop_.emplace(0, GetParam());
        } catch (const std::exception& e) {
            GTEST_SKIP() << "backend unavailable: " << e.what();
        }
        auto s = kt::pg_server::start();
        ASSERT_TRUE(s.has_value()) << s.error();
        server_.emplace(std::move(*s));
    }
    pg::pool_options options(std::size_t size = 1) {
        pg::pool_options o;
        o.conninfo = app_conninfo(*server_);
        o.size = size;
        return o;
    }
    int client_sessions() {
        auto out = server_->psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'katana_pgtest';");
        EXPECT_TRUE(out.has_value()) << out.error();
        return out ? std::stoi(*out) : -1;
    }

    std::optional<katana::reactor> loop_;
    std::optional<kt::pg_server> server_;
};

TEST_P(PgPool, QueriesThroughTheReactor) {
    pg::pool db(*loop_, options());
    auto r = run(*loop_, db.execute(add_one, pg::params{}.int4(41)));
    ASSERT_TRUE(r && r->has_value()) << (r ? (*r).error().message : "no result");
    EXPECT_EQ((*r)->rows(), 1);
    auto v = (*r)->get_int(0, 0);
    ASSERT_TRUE(v.has_value()) << v.error().message;
    EXPECT_EQ(*v, 42);

    std::string input = "mixed Case";
    auto t = run(*loop_, db.execute(echo_text, pg::params{}.text(input)));
    ASSERT_TRUE(t && t->has_value());
    EXPECT_EQ((*t)->text(0, 0), "MIXED CASE");
    EXPECT_TRUE(db.ready());
    EXPECT_EQ(db.counters("t_add_one").queries, 1u);
    EXPECT_EQ(db.stats().queries, 2u);
    EXPECT_EQ(db.stats().errors, 0u);
}

TEST_P(PgPool, SixteenConcurrentSelectsShareOnePipelineInOrder) {
    auto o = options(1);
    o.max_pipeline = 16;
    pg::pool db(*loop_, o);
    ASSERT_TRUE(run(*loop_, db.execute(add_one, pg::params{}.int4(0))).has_value()); // connected

    struct shared {
        std::vector<std::int64_t> completion_order;
        std::vector<std::int64_t> pids;
        std::size_t max_in_flight = 0;
        int finished = 0;
        bool all_ok = true;
    } st;
    auto one = [](pg::pool& p, std::int64_t i, shared* s) -> katana::task<void> {
        pg::params args;
        args.int8(i);
        auto r = co_await p.execute(echo_pid, args);
        if (r.has_value() && (*r).get_int(0, 0).value_or(-1) == i) {
            s->completion_order.push_back(i);
            s->pids.push_back((*r).get_int(0, 1).value_or(-1));
        } else {
            s->all_ok = false;
        }
        ++s->finished;
    };
    for (std::int64_t i = 0; i < 16; ++i) {
        katana::start_detached(one(db, i, &st), nullptr, nullptr);
        st.max_in_flight = std::max(st.max_in_flight, db.connection_at(0).in_flight());
    }
    ASSERT_TRUE(spin_until(*loop_, [&] { return st.finished == 16; }));
    EXPECT_TRUE(st.all_ok);
    EXPECT_EQ(st.max_in_flight, 16u) << "all 16 were on the wire at once";
    ASSERT_EQ(st.completion_order.size(), 16u);
    for (std::int64_t i = 0; i < 16; ++i) EXPECT_EQ(st.completion_order[static_cast<std::size_t>(i)], i);
    for (auto pid : st.pids) EXPECT_EQ(pid, st.pids.front()) << "one connection";
}

TEST_P(PgPool, StatementsArePreparedOncePerConnection) {
    pg::pool db(*loop_, options(1));
    for (int i = 0; i < 5; ++i) {
        auto r = run(*loop_, db.execute(add_one, pg::params{}.int4(i)));
        ASSERT_TRUE(r && r->has_value());
    }
    std::string name(add_one.name);
    auto c = run(*loop_, db.execute(count_prepared, pg::params{}.text(name)));
    ASSERT_TRUE(c && c->has_value()) << (c ? (*c).error().message : "");
    EXPECT_EQ((*c)->get_int(0, 0).value_or(-1), 1);
    EXPECT_TRUE(db.connection_at(0).is_prepared("t_add_one"));
    // A statement that fails to prepare is not remembered as prepared, and the error is typed.
    static constexpr pg::statement bad{"t_bad", "SELECT * FROM no_such_table", {}, pg::format::binary};
    auto b = run(*loop_, db.execute(bad));
    ASSERT_TRUE(b && !b->has_value());
    EXPECT_EQ((*b).error().sqlstate, "42P01");
    EXPECT_FALSE(db.connection_at(0).is_prepared("t_bad"));
    EXPECT_EQ(db.counters("t_bad").errors, 1u);
    // The connection is still fine afterwards.
    auto again = run(*loop_, db.execute(add_one, pg::params{}.int4(1)));
    ASSERT_TRUE(again && again->has_value());
}

TEST_P(PgPool, ConstraintErrorsAreTyped) {
    ASSERT_TRUE(server_->psql("CREATE TABLE u(k int PRIMARY KEY, v int CHECK (v >= 0));").has_value());
    pg::pool db(*loop_, options(1));
    static constexpr pg::statement ins{"t_ins_u", "INSERT INTO u VALUES ($1::int4, $2::int4)", {}, pg::format::binary};
    auto first = run(*loop_, db.execute(ins, pg::params{}.int4(1).int4(1)));
    ASSERT_TRUE(first && first->has_value());
    EXPECT_EQ((*first)->affected_rows(), 1);
    auto dup = run(*loop_, db.execute(ins, pg::params{}.int4(1).int4(1)));
    ASSERT_TRUE(dup && !dup->has_value());
    EXPECT_EQ((*dup).error().kind, pg::error_kind::unique_violation);
    EXPECT_EQ(pg::http_status((*dup).error()), 409);
    EXPECT_EQ((*dup).error().constraint, "u_pkey");
    auto neg = run(*loop_, db.execute(ins, pg::params{}.int4(2).int4(-1)));
    ASSERT_TRUE(neg && !neg->has_value());
    EXPECT_EQ((*neg).error().kind, pg::error_kind::check_violation);
}

constexpr pg::statement tx_insert{"t_tx_ins", "INSERT INTO tx_t VALUES ($1::int4)", {}, pg::format::binary};
constexpr pg::statement tx_count{"t_tx_count", "SELECT count(*)::int8 FROM tx_t", {}, pg::format::binary};

TEST_P(PgPool, TransactionsCommitAndRollBack) {
    ASSERT_TRUE(server_->psql("CREATE TABLE tx_t(k int PRIMARY KEY);").has_value());
    pg::pool db(*loop_, options(2));
    using out_t = katana::expected<int, pg::error>;
    // Commit.
    auto ok = run(*loop_, db.transaction(pg::isolation::read_committed, [](pg::transaction& tx) -> katana::task<out_t> {
        auto a = co_await tx.execute(tx_insert, pg::params{}.int4(1));
        if (!a) co_return katana::unexpected(a.error());
        auto b = co_await tx.execute(tx_insert, pg::params{}.int4(2));
        if (!b) co_return katana::unexpected(b.error());
        co_return 7;
    }));
    ASSERT_TRUE(ok && ok->has_value()) << (ok ? (*ok).error().message : "");
    EXPECT_EQ(**ok, 7);
    // Error returned: rolled back.
    auto failed = run(*loop_, db.transaction(pg::isolation::read_committed, [](pg::transaction& tx) -> katana::task<out_t> {
        auto a = co_await tx.execute(tx_insert, pg::params{}.int4(3));
        if (!a) co_return katana::unexpected(a.error());
        auto dup = co_await tx.execute(tx_insert, pg::params{}.int4(1)); // unique violation
        if (!dup) co_return katana::unexpected(dup.error());
        co_return 0;
    }));
    ASSERT_TRUE(failed && !failed->has_value());
    EXPECT_EQ((*failed).error().kind, pg::error_kind::unique_violation);
    // Exception thrown: rolled back, then rethrown.
    bool caught = false;
    auto thrower = [](pg::pool& p, bool* flag) -> katana::task<void> {
        try {
            (void)co_await p.transaction(pg::isolation::read_committed, [](pg::transaction& tx) -> katana::task<out_t> {
                (void)co_await tx.execute(tx_insert, pg::params{}.int4(4));
                throw std::runtime_error("boom");
            });
        } catch (const std::runtime_error&) {
            *flag = true;
        }
    };
    ASSERT_TRUE(run(*loop_, [](katana::task<void> t) -> katana::task<int> {
                    co_await std::move(t);
                    co_return 0;
                }(thrower(db, &caught))).has_value());
    EXPECT_TRUE(caught);
    auto n = run(*loop_, db.execute(tx_count));
    ASSERT_TRUE(n && n->has_value());
    EXPECT_EQ((*n)->get_int(0, 0).value_or(-1), 2) << "only the committed rows";
    auto rows = server_->psql("SELECT string_agg(k::text, ',' ORDER BY k) FROM tx_t;");
    ASSERT_TRUE(rows.has_value());
    EXPECT_EQ(*rows, "1,2\n");
    for (std::size_t i = 0; i < db.size(); ++i) EXPECT_FALSE(db.connection_at(i).reserved);
}

TEST_P(PgPool, SerializationFailuresAreRetried) {
    ASSERT_TRUE(server_->psql("CREATE TABLE acc(k int PRIMARY KEY, v int); INSERT INTO acc VALUES (1, 0);").has_value());
    pg::pool db(*loop_, options(2));
    static constexpr pg::statement read_v{"t_read_v", "SELECT v::int8 FROM acc WHERE k = 1", {}, pg::format::binary};
    static constexpr pg::statement bump{"t_bump", "UPDATE acc SET v = v + 1 WHERE k = 1", {}, pg::format::binary};
    struct shared {
        int done = 0;
        int ok = 0;
        unsigned retries = 0;
    } st;
    auto worker = [](pg::pool& p, shared* s) -> katana::task<void> {
        using out_t = katana::expected<int, pg::error>;
        auto r = co_await p.transaction(
            pg::isolation::serializable,
            [s](pg::transaction& tx) -> katana::task<out_t> {
                s->retries += tx.attempt != 0 ? 1 : 0;
                auto a = co_await tx.execute(read_v);
                if (!a) co_return katana::unexpected(a.error());
                co_await katana::sleep_for(50ms); // both have their snapshot before either writes
                auto b = co_await tx.execute(bump);
                if (!b) co_return katana::unexpected(b.error());
                co_return 1;
            },
            pg::transaction_options{.max_retries = 3});
        if (r.has_value()) ++s->ok;
        ++s->done;
    };
    katana::start_detached(worker(db, &st), nullptr, nullptr);
    katana::start_detached(worker(db, &st), nullptr, nullptr);
    ASSERT_TRUE(spin_until(*loop_, [&] { return st.done == 2; }, 20s));
    EXPECT_EQ(st.ok, 2);
    EXPECT_GE(st.retries, 1u) << "the conflict forced a retry";
    auto v = server_->psql("SELECT v FROM acc WHERE k = 1;");
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(*v, "2\n");
}

TEST_P(PgPool, DatabaseDownAtStartFailsFastThenRecovers) {
    ASSERT_TRUE(server_->stop().has_value());
    auto o = options(2);
    o.eager = true;
    o.backoff_initial = 20ms;
    o.backoff_max = 200ms;
    pg::pool db(*loop_, o);
    spin(*loop_, 200ms);
    EXPECT_FALSE(db.ready());
    const auto t0 = std::chrono::steady_clock::now();
    auto r = run(*loop_, db.execute(add_one, pg::params{}.int4(1)));
    const auto took = std::chrono::steady_clock::now() - t0;
    ASSERT_TRUE(r && !r->has_value());
    EXPECT_EQ((*r).error().kind, pg::error_kind::unavailable);
    EXPECT_EQ(pg::http_status((*r).error()), 503);
    EXPECT_LT(took, 500ms) << "fails fast, does not wait for the database";
    EXPECT_GT(db.stats().connect_failures, 0u);

    ASSERT_TRUE(server_->start_again().has_value());
    ASSERT_TRUE(spin_until(*loop_, [&] { return db.ready_count() == 2; }, 15s)) << db.last_error();
    auto ok = run(*loop_, db.execute(add_one, pg::params{}.int4(1)));
    ASSERT_TRUE(ok && ok->has_value());
    EXPECT_EQ((*ok)->get_int(0, 0).value_or(-1), 2);
}

TEST_P(PgPool, TerminatedBackendFailsItsQueryAndIsReplaced) {
    pg::pool db(*loop_, options(2));
    db.connect_all();
    ASSERT_TRUE(spin_until(*loop_, [&] { return db.ready_count() == 2; }));
    struct shared {
        int done = 0;
        int lost = 0;
        int ok = 0;
    } st;
    auto q = [](pg::pool& p, int ms, shared* s) -> katana::task<void> {
        pg::params args;
        args.int4(ms);
        auto r = co_await p.execute(sleep_ms, args);
        if (r.has_value()) {
            ++s->ok;
        } else if (r.error().kind == pg::error_kind::connection_lost) {
            ++s->lost;
        }
        ++s->done;
    };
    // Load on both connections, one of which carries a long query that gets its backend killed.
    for (int i = 0; i < 8; ++i) katana::start_detached(q(db, i == 0 ? 3000 : 200, &st), nullptr, nullptr);
    spin(*loop_, 300ms);
    auto killed = server_->psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                "WHERE application_name = 'katana_pgtest' AND query LIKE '%pg_sleep%' "
                                "AND state = 'active' AND now() - query_start > interval '250 ms';");
    ASSERT_TRUE(killed.has_value()) << killed.error();
    EXPECT_EQ(*killed, "1\n");
    ASSERT_TRUE(spin_until(*loop_, [&] { return st.done == 8; }, 15s));
    EXPECT_GE(st.lost, 1) << "the killed query failed cleanly";
    EXPECT_EQ(st.lost + st.ok, 8);
    ASSERT_TRUE(spin_until(*loop_, [&] { return db.ready_count() == 2; }, 10s)) << "replaced";
    auto after = run(*loop_, db.execute(add_one, pg::params{}.int4(5)));
    ASSERT_TRUE(after && after->has_value());
    EXPECT_EQ(db.stats().connections_lost, 1u);
    // No leaked sessions: exactly the pool's two.
    spin(*loop_, 100ms);
    EXPECT_EQ(client_sessions(), 2);
}

TEST_P(PgPool, StatementTimeoutIsTyped) {
    auto o = options(1);
    o.statement_timeout = 100ms;
    pg::pool db(*loop_, o);
    auto r = run(*loop_, db.execute(sleep_ms, pg::params{}.int4(3000)));
    ASSERT_TRUE(r && !r->has_value());
    EXPECT_EQ((*r).error().kind, pg::error_kind::timeout);
    EXPECT_EQ((*r).error().sqlstate, "57014");
    EXPECT_EQ(pg::http_status((*r).error()), 504);
    auto ok = run(*loop_, db.execute(add_one, pg::params{}.int4(1)));
    ASSERT_TRUE(ok && ok->has_value()) << "the connection survives a statement timeout";
}

TEST_P(PgPool, PerCallDeadline) {
    pg::pool db(*loop_, options(1));
    ASSERT_TRUE(run(*loop_, db.execute(add_one, pg::params{}.int4(1))).has_value());
    const auto t0 = std::chrono::steady_clock::now();
    auto r = run(*loop_, db.execute(sleep_ms, pg::params{}.int4(5000), 150ms));
    const auto took = std::chrono::steady_clock::now() - t0;
    ASSERT_TRUE(r && !r->has_value());
    EXPECT_EQ((*r).error().kind, pg::error_kind::timeout);
    EXPECT_LT(took, 2s);
    EXPECT_GE(took, 140ms);
    ASSERT_TRUE(spin_until(*loop_, [&] { return db.ready(); }, 10s));
    auto ok = run(*loop_, db.execute(add_one, pg::params{}.int4(1)));
    ASSERT_TRUE(ok && ok->has_value()) << "a fresh connection took over";
    spin(*loop_, 200ms);
    EXPECT_EQ(client_sessions(), 1) << "the dropped session is gone from the server";
}

INSTANTIATE_TEST_SUITE_P(Backends, PgPool, ::testing::Values(katana::backend_kind::epoll, katana::backend_kind::io_uring),
                         [](const ::testing::TestParamInfo<katana::backend_kind>& p) {
                             return std::string(katana::to_string(p.param));
                         });

} // namespace
