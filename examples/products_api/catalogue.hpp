#pragma once
// The in-memory product store behind examples/products_api. One instance is shared by every
// reactor, so it is guarded by a shared_mutex (readers in parallel, writers alone); the SQL issue
// replaces it with PostgreSQL.
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace products_example {

enum class status : std::uint8_t { active, discontinued, draft };

struct product_record {
    std::int64_t id = 0;
    std::string sku;
    std::string name;
    std::optional<std::string> description;
    double amount = 0;
    std::string currency;
    status state = status::active;
    std::vector<std::string> tags;
    std::string created_at; // RFC 3339, UTC
};

enum class sort_order : std::uint8_t { name, price, price_desc, created_at };

struct list_query {
    std::size_t limit = 20;
    std::int64_t after_id = 0;        // cursor: ids below this one (newest first); 0 = start
    std::optional<std::string> name_contains; // case-insensitive
    std::optional<status> state;
    std::vector<std::string> tags;    // all must be present
    sort_order order = sort_order::created_at;
};

struct list_page {
    std::vector<product_record> items;
    std::optional<std::int64_t> next_after_id;
};

enum class write_result : std::uint8_t { ok, not_found, sku_taken };

class catalogue {
public:
    // Inserts and assigns id + created_at; sku_taken when another product has the SKU.
    write_result create(product_record& record);
    [[nodiscard]] std::optional<product_record> find(std::int64_t id) const;
    // Applies `change` to a copy of the stored record, then stores it (SKU uniqueness kept).
    template <class Change>
    write_result update(std::int64_t id, Change&& change, product_record& updated) {
        std::unique_lock lock(mutex_);
        auto it = by_id_.find(id);
        if (it == by_id_.end()) return write_result::not_found;
        product_record copy = it->second;
        change(copy);
        if (copy.sku != it->second.sku) {
            if (by_sku_.contains(copy.sku)) return write_result::sku_taken;
            by_sku_.erase(it->second.sku);
            by_sku_.emplace(copy.sku, id);
        }
        it->second = copy;
        updated = std::move(copy);
        return write_result::ok;
    }
    bool erase(std::int64_t id);
    [[nodiscard]] list_page list(const list_query& query) const;

private:
    mutable std::shared_mutex mutex_;
    std::map<std::int64_t, product_record> by_id_;
    std::unordered_map<std::string, std::int64_t> by_sku_;
    std::int64_t next_id_ = 1;
};

} // namespace products_example
