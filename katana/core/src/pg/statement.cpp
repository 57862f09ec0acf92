#include <katana/pg/statement.hpp>

#include <libpq-fe.h>

#include <bit>
#include <charconv>
#include <cstdlib>
#include <cstring>

namespace katana::pg {

params& params::null(oid type) {
    entries_.push_back(entry{nullptr, 0, -1, format::binary, type});
    return *this;
}

params& params::text(std::string_view v, oid type) {
    entries_.push_back(entry{v.data(), 0, static_cast<int>(v.size()), format::text, type});
    return *this;
}

params& params::binary(std::span<const std::byte> v, oid type) {
    entries_.push_back(entry{reinterpret_cast<const char*>(v.data()), 0, static_cast<int>(v.size()), format::binary, type});
    return *this;
}

void params::push_scratch(std::size_t offset, std::size_t length, format fmt, oid type) {
    entries_.push_back(entry{nullptr, offset, static_cast<int>(length), fmt, type});
}

void params::append_be(std::uint64_t v, std::size_t bytes, oid type) {
    const std::size_t start = scratch_.size();
    for (std::size_t i = bytes; i-- > 0;) scratch_.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
    push_scratch(start, bytes, format::binary, type);
}

params& params::int2(std::int16_t v) {
    append_be(static_cast<std::uint16_t>(v), 2, oids::int2);
    return *this;
}
params& params::int4(std::int32_t v) {
    append_be(static_cast<std::uint32_t>(v), 4, oids::int4);
    return *this;
}
params& params::int8(std::int64_t v) {
    append_be(static_cast<std::uint64_t>(v), 8, oids::int8);
    return *this;
}
params& params::float8(double v) {
    append_be(std::bit_cast<std::uint64_t>(v), 8, oids::float8);
    return *this;
}
params& params::boolean(bool v) {
    append_be(v ? 1 : 0, 1, oids::boolean);
    return *this;
}

void params::to_wire(wire& out) const {
    const std::size_t n = entries_.size();
    out.values.resize(n);
    out.lengths.resize(n);
    out.formats.resize(n);
    out.types.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const entry& e = entries_[i];
        if (e.length < 0) {
            out.values[i] = nullptr;
        } else if (e.external != nullptr) {
            out.values[i] = e.external;
        } else {
            out.values[i] = scratch_.data() + e.offset;
        }
        // An empty external view may have a null data(); libpq would read that as SQL NULL.
        if (e.length == 0) out.values[i] = "";
        out.lengths[i] = e.length < 0 ? 0 : e.length;
        out.formats[i] = static_cast<int>(e.fmt);
        out.types[i] = e.type;
    }
}

void result::reset() noexcept {
    if (r_ != nullptr) PQclear(r_);
    r_ = nullptr;
}

int result::rows() const noexcept { return r_ != nullptr ? PQntuples(r_) : 0; }
int result::columns() const noexcept { return r_ != nullptr ? PQnfields(r_) : 0; }
bool result::is_null(int row, int column) const noexcept {
    return r_ == nullptr || PQgetisnull(r_, row, column) != 0;
}
std::span<const std::byte> result::value(int row, int column) const noexcept {
    if (r_ == nullptr) return {};
    return {reinterpret_cast<const std::byte*>(PQgetvalue(r_, row, column)),
            static_cast<std::size_t>(PQgetlength(r_, row, column))};
}
std::string_view result::text(int row, int column) const noexcept {
    if (r_ == nullptr) return {};
    return {PQgetvalue(r_, row, column), static_cast<std::size_t>(PQgetlength(r_, row, column))};
}
oid result::column_type(int column) const noexcept { return r_ != nullptr ? PQftype(r_, column) : 0; }
std::string_view result::column_name(int column) const noexcept {
    const char* n = r_ != nullptr ? PQfname(r_, column) : nullptr;
    return n != nullptr ? std::string_view(n) : std::string_view();
}
bool result::is_binary(int column) const noexcept { return r_ != nullptr && PQfformat(r_, column) == 1; }

std::int64_t result::affected_rows() const noexcept {
    if (r_ == nullptr) return 0;
    const char* s = PQcmdTuples(r_);
    std::int64_t v = 0;
    if (s != nullptr) std::from_chars(s, s + std::strlen(s), v);
    return v;
}

std::string_view result::command_tag() const noexcept {
    const char* s = r_ != nullptr ? PQcmdStatus(r_) : nullptr;
    if (s == nullptr) return {};
    std::string_view tag(s);
    // "INSERT 0 1", "UPDATE 3": keep the leading word.
    if (const auto sp = tag.find(' '); sp != std::string_view::npos) tag = tag.substr(0, sp);
    return tag;
}

katana::expected<std::int64_t, error> result::get_int(int row, int column) const {
    if (r_ == nullptr || row < 0 || row >= rows() || column < 0 || column >= columns()) {
        return katana::unexpected(make_error(error_kind::decode, "no such row or column"));
    }
    if (is_null(row, column)) return katana::unexpected(make_error(error_kind::decode, "value is NULL"));
    const oid t = column_type(column);
    if (t != oids::int2 && t != oids::int4 && t != oids::int8) {
        return katana::unexpected(make_error(error_kind::decode, "column is not an integer"));
    }
    if (!is_binary(column)) {
        const std::string_view s = text(row, column);
        std::int64_t v = 0;
        const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec != std::errc{} || p != s.data() + s.size()) {
            return katana::unexpected(make_error(error_kind::decode, "malformed integer"));
        }
        return v;
    }
    const auto bytes = value(row, column);
    const std::size_t want = t == oids::int2 ? 2 : t == oids::int4 ? 4 : 8;
    if (bytes.size() != want) return katana::unexpected(make_error(error_kind::decode, "bad integer length"));
    std::uint64_t u = 0;
    for (std::byte b : bytes) u = (u << 8) | std::to_integer<std::uint64_t>(b);
    // Sign-extend from the wire width.
    const unsigned shift = static_cast<unsigned>(64 - 8 * want);
    return static_cast<std::int64_t>(u << shift) >> shift;
}

} // namespace katana::pg
