#pragma once
// PostgreSQL errors as values: a typed category (from SQLSTATE or from what happened to the
// connection), the SQLSTATE itself and the server's message. Handlers turn them into HTTP
// answers with the helpers below (409 / 503 + Retry-After / 504 problem+json).
#include <katana/http/status.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace katana::http {
class response;
}

namespace katana::pg {

enum class error_kind : std::uint8_t {
    unique_violation,      // 23505
    foreign_key_violation, // 23503
    check_violation,       // 23514
    not_null_violation,    // 23502
    serialization_failure, // 40001
    deadlock,              // 40P01
    connection_lost,       // class 08, or the socket closed under a query
    timeout,               // 57014 (statement_timeout or our cancel), or a per-call deadline
    unavailable,           // no connection could be made (database down, pool closing)
    not_found,             // a `:one` query found no row (generated code)
    decode,                // a value could not be decoded into the requested C++ type
    other,
};

[[nodiscard]] std::string_view to_string(error_kind kind) noexcept;

struct error {
    error_kind kind = error_kind::other;
    std::string sqlstate; // five characters when the server sent one, else empty
    std::string message;  // primary message (server's, or ours for client-side failures)
    std::string detail;   // server's DETAIL, when any
    std::string constraint; // violated constraint name, when any

    // True for failures worth retrying as a whole transaction (40001, 40P01).
    [[nodiscard]] bool retryable() const noexcept {
        return kind == error_kind::serialization_failure || kind == error_kind::deadlock;
    }
};

// Category of a SQLSTATE; unknown codes map to `other`.
[[nodiscard]] error_kind classify_sqlstate(std::string_view sqlstate) noexcept;

[[nodiscard]] error make_error(error_kind kind, std::string message);

// HTTP mapping: 409 for unique/foreign-key/check/not-null/serialization/deadlock, 503 for
// connection_lost/unavailable, 504 for timeout, 404 for not_found, 500 otherwise.
[[nodiscard]] http::status_code http_status(const error& e) noexcept;

// Answers `res` with application/problem+json for `e` (api::write_problem style). 503 answers
// carry "Retry-After: <retry_after_seconds>". The detail never contains SQL text or server
// internals for 5xx answers (only the category), so nothing leaks to clients.
void write_problem(http::response& res, const error& e, unsigned retry_after_seconds = 1);

} // namespace katana::pg
