#include <katana/api/errors.hpp>
#include <katana/http/response.hpp>
#include <katana/pg/error.hpp>

#include <charconv>

namespace katana::pg {

std::string_view to_string(error_kind kind) noexcept {
    switch (kind) {
    case error_kind::unique_violation: return "unique_violation";
    case error_kind::foreign_key_violation: return "foreign_key_violation";
    case error_kind::check_violation: return "check_violation";
    case error_kind::not_null_violation: return "not_null_violation";
    case error_kind::serialization_failure: return "serialization_failure";
    case error_kind::deadlock: return "deadlock";
    case error_kind::connection_lost: return "connection_lost";
    case error_kind::timeout: return "timeout";
    case error_kind::unavailable: return "unavailable";
    case error_kind::not_found: return "not_found";
    case error_kind::decode: return "decode";
    case error_kind::other: return "other";
    }
    return "other";
}

error_kind classify_sqlstate(std::string_view s) noexcept {
    if (s == "23505") return error_kind::unique_violation;
    if (s == "23503") return error_kind::foreign_key_violation;
    if (s == "23514") return error_kind::check_violation;
    if (s == "23502") return error_kind::not_null_violation;
    if (s == "40001") return error_kind::serialization_failure;
    if (s == "40P01") return error_kind::deadlock;
    if (s == "57014") return error_kind::timeout;
    // Class 08 (connection exception) and the shutdown family of 57P (admin/crash shutdown,
    // cannot connect now): the session is gone either way.
    if (s.size() == 5 && s.substr(0, 2) == "08") return error_kind::connection_lost;
    if (s == "57P01" || s == "57P02" || s == "57P03") return error_kind::connection_lost;
    return error_kind::other;
}

error make_error(error_kind kind, std::string message) {
    error e;
    e.kind = kind;
    e.message = std::move(message);
    return e;
}

http::status_code http_status(const error& e) noexcept {
    switch (e.kind) {
    case error_kind::unique_violation:
    case error_kind::foreign_key_violation:
    case error_kind::check_violation:
    case error_kind::not_null_violation:
    case error_kind::serialization_failure:
    case error_kind::deadlock: return 409;
    case error_kind::connection_lost:
    case error_kind::unavailable: return 503;
    case error_kind::timeout: return 504;
    case error_kind::not_found: return 404;
    case error_kind::decode:
    case error_kind::other: return 500;
    }
    return 500;
}

void write_problem(http::response& res, const error& e, unsigned retry_after_seconds) {
    if (res.started()) return;
    const http::status_code code = http_status(e);
    std::string_view detail;
    switch (e.kind) {
    case error_kind::unique_violation: detail = "the resource already exists"; break;
    case error_kind::foreign_key_violation: detail = "a referenced resource does not exist"; break;
    case error_kind::check_violation:
    case error_kind::not_null_violation: detail = "the request violates a data constraint"; break;
    case error_kind::serialization_failure:
    case error_kind::deadlock: detail = "a concurrent update conflicted; retry the request"; break;
    case error_kind::connection_lost:
    case error_kind::unavailable: detail = "the database is unavailable"; break;
    case error_kind::timeout: detail = "the database did not answer in time"; break;
    case error_kind::not_found: detail = "not found"; break;
    case error_kind::decode:
    case error_kind::other: detail = "internal database error"; break;
    }
    if (code == 503) {
        char buf[16];
        const auto r = std::to_chars(buf, buf + sizeof buf, retry_after_seconds);
        res.header("Retry-After", std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
    }
    api::write_problem(res, code, detail);
}

} // namespace katana::pg
