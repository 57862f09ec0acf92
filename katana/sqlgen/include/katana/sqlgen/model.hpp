#pragma once
// What PostgreSQL said about the schema and the queries: the content of katana.sql.lock.json and
// the input of the emitter. Type names are PostgreSQL's (pg_type.typname); arrays are the element
// type with `array = true`.
#include <katana/codegen/diagnostics.hpp>
#include <katana/util/expected.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace katana::sqlgen {

struct type_ref {
    std::string name;          // "int4", "text", or an enum's name
    bool array = false;
    bool is_enum = false;
    std::uint32_t oid = 0;     // 0 for enums and other per-database types (PostgreSQL infers them)
    bool operator==(const type_ref&) const = default;
};

struct param_info {
    std::string name;
    type_ref type;
    bool nullable = false;
    bool operator==(const param_info&) const = default;
};

struct column_info {
    std::string name;
    type_ref type;
    bool nullable = true;
    bool operator==(const column_info&) const = default;
};

struct query_info {
    std::string name;
    std::vector<param_info> params;
    std::vector<column_info> columns;
    bool operator==(const query_info&) const = default;
};

struct enum_info {
    std::string name;
    std::vector<std::string> labels; // in sort order
    bool operator==(const enum_info&) const = default;
};

struct schema_info {
    std::string input_hash;          // of every migration and query file (names and bytes)
    std::vector<enum_info> enums;    // sorted by name
    std::vector<query_info> queries; // sorted by name
    bool operator==(const schema_info&) const = default;
};

struct input_file {
    std::string name;     // relative to its directory
    std::string contents;
};

// FNV-1a 64 over "migrations", every migration (name, bytes), "queries", every query file: hex.
[[nodiscard]] std::string input_hash(const std::vector<input_file>& migrations, const std::vector<input_file>& queries);

// The lock file: deterministic JSON (sorted keys, 2-space indent, trailing newline).
[[nodiscard]] std::string write_lock(const schema_info& schema);
[[nodiscard]] katana::expected<schema_info, std::string> read_lock(std::string_view json);

} // namespace katana::sqlgen
