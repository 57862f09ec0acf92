// Pipelined vs unpipelined point selects on ONE katana::pg connection, with hand-written
// blocking libpq (prepared statement, binary results) as the floor for one connection.
//
//   pg_pool_benchmark [queries] [conninfo]
// Without a conninfo (or $KATANA_BENCH_PG) it starts a throwaway PostgreSQL 15 (tests/support).
// Each figure is the median of 5 runs of `queries` point selects on a 10,000-row table.
#include "support/pg_server.hpp"

#include <katana/pg/pool.hpp>
#include <katana/reactor/reactor.hpp>

#include <libpq-fe.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

namespace pg = katana::pg;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr pg::statement point_select{"bench_point", "SELECT id, name FROM bench_items WHERE id = $1::int4", {},
                                     pg::format::binary};
constexpr int table_rows = 10000;

struct shared {
    int remaining = 0;
    int finished_workers = 0;
    int errors = 0;
};

katana::task<void> worker(pg::pool& db, int count, int seed, shared* s) {
    for (int i = 0; i < count; ++i) {
        pg::params args;
        args.int4(1 + (seed * 7919 + i * 104729) % table_rows);
        auto r = co_await db.execute(point_select, args);
        if (!r || r->rows() != 1) ++s->errors;
    }
    ++s->finished_workers;
}

// Queries per second with `concurrency` coroutines sharing one connection.
double run_pool(katana::reactor& loop, pg::pool& db, int queries, int concurrency) {
    shared s;
    const auto t0 = clock_type::now();
    for (int w = 0; w < concurrency; ++w) {
        katana::start_detached(worker(db, queries / concurrency, w, &s), nullptr, nullptr);
    }
    while (s.finished_workers < concurrency) loop.run_once(std::chrono::milliseconds(10));
    const double secs = std::chrono::duration<double>(clock_type::now() - t0).count();
    if (s.errors != 0) fmt::print(stderr, "  {} errors\n", s.errors);
    return (queries / concurrency * concurrency) / secs;
}

double run_blocking(PGconn* c, int queries) {
    const auto t0 = clock_type::now();
    for (int i = 0; i < queries; ++i) {
        const std::uint32_t id = 1 + static_cast<std::uint32_t>((i * 104729) % table_rows);
        const std::uint32_t be = __builtin_bswap32(id);
        const char* values[1] = {reinterpret_cast<const char*>(&be)};
        const int lengths[1] = {4};
        const int formats[1] = {1};
        PGresult* r = PQexecPrepared(c, "bench_point", 1, values, lengths, formats, 1);
        if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) fmt::print(stderr, "blocking query failed\n");
        PQclear(r);
    }
    return queries / std::chrono::duration<double>(clock_type::now() - t0).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
    const int queries = argc > 1 ? std::atoi(argv[1]) : 20000;
    std::string conninfo = argc > 2 ? argv[2] : (std::getenv("KATANA_BENCH_PG") ? std::getenv("KATANA_BENCH_PG") : "");
    std::optional<katana::test::pg_server> server;
    if (conninfo.empty()) {
        auto s = katana::test::pg_server::start();
        if (!s) {
            fmt::print(stderr, "cannot start PostgreSQL: {}\n", s.error());
            return 1;
        }
        server.emplace(std::move(*s));
        conninfo = server->conninfo();
    }
    PGconn* setup = PQconnectdb(conninfo.c_str());
    if (PQstatus(setup) != CONNECTION_OK) {
        fmt::print(stderr, "connect: {}\n", PQerrorMessage(setup));
        return 1;
    }
    PQclear(PQexec(setup, "DROP TABLE IF EXISTS bench_items"));
    PQclear(PQexec(setup, "CREATE TABLE bench_items(id int PRIMARY KEY, name text NOT NULL)"));
    PQclear(PQexec(setup, fmt::format("INSERT INTO bench_items SELECT g, 'item ' || g FROM generate_series(1, {}) g",
                                      table_rows)
                              .c_str()));
    PQclear(PQexec(setup, "ANALYZE bench_items"));
    PQclear(PQprepare(setup, "bench_point", std::string(point_select.sql).c_str(), 0, nullptr));

    for (const auto kind : {katana::backend_kind::epoll, katana::backend_kind::io_uring}) {
        std::optional<katana::reactor> loop;
        try {
            loop.emplace(0, kind);
        } catch (const std::exception& e) {
            fmt::print("{}: unavailable ({})\n", katana::to_string(kind), e.what());
            continue;
        }
        pg::pool_options o;
        o.conninfo = conninfo;
        o.size = 1;
        o.max_pipeline = 64;
        pg::pool db(*loop, o);
        run_pool(*loop, db, 2000, 1); // connect, prepare, warm up
        std::vector<double> seq, pip16;
        for (int rep = 0; rep < 5; ++rep) {
            seq.push_back(run_pool(*loop, db, queries, 1));
            pip16.push_back(run_pool(*loop, db, queries, 16));
        }
        const double a = median(seq);
        const double b = median(pip16);
        fmt::print("{:9} one connection, unpipelined (1 in flight):   {:>9.0f} q/s\n", katana::to_string(kind), a);
        fmt::print("{:9} one connection, 16 concurrent (pipelined):    {:>9.0f} q/s   ({:.2f}x)\n",
                   katana::to_string(kind), b, b / a);
    }
    std::vector<double> blocking;
    run_blocking(setup, 2000);
    for (int rep = 0; rep < 5; ++rep) blocking.push_back(run_blocking(setup, queries));
    fmt::print("blocking libpq PQexecPrepared, binary, 1 connection:     {:>9.0f} q/s\n", median(blocking));
    PQfinish(setup);
    return 0;
}
