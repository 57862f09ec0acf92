#pragma once
// Analysis through PostgreSQL itself: migrations applied to a scratch database, every query
// variant prepared and described. Blocking libpq: this runs at generation time only.
#include <katana/sqlgen/model.hpp>
#include <katana/sqlgen/query.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace katana::sqlgen {

// A throwaway PostgreSQL server (initdb into a temporary directory, postgres on a private Unix
// socket, no TCP). As root, the cluster belongs to the `postgres` account (PostgreSQL refuses to
// run as root). Stopped and removed by the destructor.
class scratch_server {
public:
    // bin_dir: PostgreSQL's binaries; empty = $KATANA_PG_BIN_DIR, else the first of
    // /usr/lib/postgresql/{17,16,15,14}/bin holding initdb.
    [[nodiscard]] static katana::expected<std::unique_ptr<scratch_server>, std::string> start(
        std::filesystem::path bin_dir = {});
    ~scratch_server();
    scratch_server(const scratch_server&) = delete;
    scratch_server& operator=(const scratch_server&) = delete;

    [[nodiscard]] std::string conninfo(std::string_view dbname = "postgres") const;

private:
    scratch_server() = default;
    std::filesystem::path root_;
    std::filesystem::path bin_;
    std::string run_as_;
    int pid_ = -1;
};

// Applies `migrations` (in the given order) to a new scratch database on the server `db_url`
// points to (dropped afterwards), then analyzes `queries`. Problems (PostgreSQL's messages,
// located in migrations/<file> or the query file) go to `diags`; nullopt when any.
// `migrations_label`: the path prefix diagnostics use for migration files.
[[nodiscard]] std::optional<schema_info> analyze(const std::string& db_url, const std::string& migrations_label,
                                                 const std::vector<input_file>& migrations,
                                                 const std::vector<query>& queries, codegen::diagnostics& diags);

} // namespace katana::sqlgen
