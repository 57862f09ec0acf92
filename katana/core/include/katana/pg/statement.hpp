#pragma once
// What a query is (statement), what it is called with (params) and what comes back (result).
//
// Lifetimes:
//  - statement: name and SQL are views; they must outlive every connection that prepared them
//    (generated code passes string literals). The name identifies the prepared statement on each
//    connection, so two different SQL texts must never share a name.
//  - params: values added with text()/binary() are views; they must stay valid until the
//    execute() they are passed to has completed (a coroutine argument or local does). Values
//    added by number are copied into the params object.
//  - result: owns the server's result (PQclear on destruction); views returned by value()/text()
//    point into it.
#include <katana/pg/error.hpp>
#include <katana/util/expected.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct pg_result; // libpq's PGresult

namespace katana::pg {

using oid = std::uint32_t;

// Type OIDs the runtime itself uses (the full table lives in types.hpp).
namespace oids {
inline constexpr oid unknown = 0;
inline constexpr oid boolean = 16;
inline constexpr oid int8 = 20;
inline constexpr oid int2 = 21;
inline constexpr oid int4 = 23;
inline constexpr oid text = 25;
inline constexpr oid float8 = 701;
} // namespace oids

enum class format : int { text = 0, binary = 1 };

struct statement {
    std::string_view name; // prepared-statement name, unique per SQL text
    std::string_view sql;
    std::span<const oid> param_types = {}; // empty: PostgreSQL infers them
    format result_format = format::binary;
};

class params {
public:
    params() = default;
    params(const params&) = delete; // copies would keep views into the original's scratch
    params& operator=(const params&) = delete;
    params(params&&) noexcept = default;
    params& operator=(params&&) noexcept = default;

    params& null(oid type = oids::unknown);
    // `v` is referenced, not copied (see file comment).
    params& text(std::string_view v, oid type = oids::unknown);
    params& binary(std::span<const std::byte> v, oid type);
    // Copied, sent in binary.
    params& int2(std::int16_t v);
    params& int4(std::int32_t v);
    params& int8(std::int64_t v);
    params& float8(double v);
    params& boolean(bool v);
    // Appends binary bytes produced by an encoder into the params' own storage (the hook the
    // type codecs use): `encode(std::string& out)` appends the value's wire bytes.
    template <class Encoder>
    params& encoded(oid type, Encoder&& encode) {
        const std::size_t start = scratch_.size();
        encode(scratch_);
        push_scratch(start, scratch_.size() - start, format::binary, type);
        return *this;
    }

    [[nodiscard]] int size() const noexcept { return static_cast<int>(entries_.size()); }
    [[nodiscard]] bool empty() const noexcept { return entries_.empty(); }

    // Arrays in libpq's calling convention, valid until the next change to this object.
    struct wire {
        std::vector<const char*> values;
        std::vector<int> lengths;
        std::vector<int> formats;
        std::vector<oid> types;
    };
    void to_wire(wire& out) const;

private:
    struct entry {
        const char* external; // nullptr: bytes live in scratch_ at `offset`, or NULL if length < 0
        std::size_t offset;
        int length; // -1: SQL NULL
        format fmt;
        oid type;
    };
    void push_scratch(std::size_t offset, std::size_t length, format fmt, oid type);
    void append_be(std::uint64_t v, std::size_t bytes, oid type);

    std::vector<entry> entries_;
    std::string scratch_;
};

class result {
public:
    result() noexcept = default;
    explicit result(pg_result* r) noexcept : r_(r) {}
    result(result&& o) noexcept : r_(std::exchange(o.r_, nullptr)) {}
    result& operator=(result&& o) noexcept {
        if (this != &o) {
            reset();
            r_ = std::exchange(o.r_, nullptr);
        }
        return *this;
    }
    result(const result&) = delete;
    result& operator=(const result&) = delete;
    ~result() { reset(); }

    [[nodiscard]] int rows() const noexcept;
    [[nodiscard]] int columns() const noexcept;
    [[nodiscard]] bool is_null(int row, int column) const noexcept;
    [[nodiscard]] std::span<const std::byte> value(int row, int column) const noexcept;
    [[nodiscard]] std::string_view text(int row, int column) const noexcept; // raw bytes as chars
    [[nodiscard]] oid column_type(int column) const noexcept;
    [[nodiscard]] std::string_view column_name(int column) const noexcept;
    [[nodiscard]] bool is_binary(int column) const noexcept;
    // Rows touched by INSERT/UPDATE/DELETE/...; 0 when the command reports none.
    [[nodiscard]] std::int64_t affected_rows() const noexcept;
    // The command tag without the row count, e.g. "SELECT", "INSERT", "COMMIT", "ROLLBACK".
    [[nodiscard]] std::string_view command_tag() const noexcept;
    // int2/int4/int8 in either format; `decode` error for NULL or any other type.
    [[nodiscard]] katana::expected<std::int64_t, error> get_int(int row, int column) const;

    [[nodiscard]] pg_result* native() const noexcept { return r_; }
    [[nodiscard]] explicit operator bool() const noexcept { return r_ != nullptr; }

private:
    void reset() noexcept;
    pg_result* r_ = nullptr;
};

} // namespace katana::pg
