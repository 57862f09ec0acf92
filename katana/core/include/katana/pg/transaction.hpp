#pragma once
// A transaction's handle: every query runs on the one connection the pool reserved for it, and
// only while that connection is still the session BEGIN ran on (a reconnect in between fails the
// query with connection_lost instead of running it outside the transaction).
#include <katana/coro/task.hpp>
#include <katana/pg/connection.hpp>
#include <katana/pg/error.hpp>
#include <katana/pg/statement.hpp>
#include <katana/util/expected.hpp>

#include <chrono>
#include <cstdint>

namespace katana::pg {

enum class isolation : std::uint8_t { read_committed, repeatable_read, serializable };

class transaction {
public:
    transaction(connection& c, std::uint64_t generation) noexcept : conn_(&c), generation_(generation) {}
    transaction(const transaction&) = delete;
    transaction& operator=(const transaction&) = delete;

    task<katana::expected<result, error>> execute(const statement& stmt, const params& args,
                                                  std::chrono::milliseconds deadline = std::chrono::milliseconds(0));
    task<katana::expected<result, error>> execute(const statement& stmt);

    [[nodiscard]] connection& conn() const noexcept { return *conn_; }
    // False once the session the transaction started on is gone.
    [[nodiscard]] bool alive() const noexcept { return conn_->ready() && conn_->generation == generation_; }
    // How many times the whole transaction has been retried so far (0 on the first run).
    unsigned attempt = 0;

private:
    connection* conn_;
    std::uint64_t generation_;
};

struct transaction_options {
    // Runs the function again (from BEGIN) after serialization_failure or deadlock, up to this
    // many extra times.
    unsigned max_retries = 0;
    // Bounds waiting for a connection to reserve (0: the pool's acquire_timeout).
    std::chrono::milliseconds acquire_timeout{0};
};

} // namespace katana::pg
