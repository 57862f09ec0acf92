#include "catalogue.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace products_example {
namespace {

std::string now_rfc3339() {
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

bool contains_case_insensitive(std::string_view haystack, std::string_view needle) {
    auto lower = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
    return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                       [&](char a, char b) { return lower(a) == lower(b); }) != haystack.end();
}

bool matches(const product_record& p, const list_query& q) {
    if (q.state && p.state != *q.state) return false;
    if (q.name_contains && !contains_case_insensitive(p.name, *q.name_contains)) return false;
    for (const auto& tag : q.tags) {
        if (std::find(p.tags.begin(), p.tags.end(), tag) == p.tags.end()) return false;
    }
    return true;
}

} // namespace

write_result catalogue::create(product_record& record) {
    std::unique_lock lock(mutex_);
    if (by_sku_.contains(record.sku)) return write_result::sku_taken;
    record.id = next_id_++;
    record.created_at = now_rfc3339();
    by_sku_.emplace(record.sku, record.id);
    by_id_.emplace(record.id, record);
    return write_result::ok;
}

std::optional<product_record> catalogue::find(std::int64_t id) const {
    std::shared_lock lock(mutex_);
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return std::nullopt;
    return it->second;
}

bool catalogue::erase(std::int64_t id) {
    std::unique_lock lock(mutex_);
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return false;
    by_sku_.erase(it->second.sku);
    by_id_.erase(it);
    return true;
}

// Pages walk ids downwards (newest first) so a cursor stays valid while products are added;
// the requested order sorts within the page.
list_page catalogue::list(const list_query& q) const {
    std::shared_lock lock(mutex_);
    list_page page;
    auto it = q.after_id > 0 ? std::make_reverse_iterator(by_id_.lower_bound(q.after_id)) : by_id_.rbegin();
    for (; it != by_id_.rend(); ++it) {
        if (!matches(it->second, q)) continue;
        if (page.items.size() == q.limit) {
            page.next_after_id = page.items.back().id;
            break;
        }
        page.items.push_back(it->second);
    }
    auto by = [&](auto key) {
        std::stable_sort(page.items.begin(), page.items.end(), [&](const auto& a, const auto& b) { return key(a, b); });
    };
    switch (q.order) {
    case sort_order::name: by([](const auto& a, const auto& b) { return a.name < b.name; }); break;
    case sort_order::price: by([](const auto& a, const auto& b) { return a.amount < b.amount; }); break;
    case sort_order::price_desc: by([](const auto& a, const auto& b) { return a.amount > b.amount; }); break;
    case sort_order::created_at: break; // already newest first
    }
    return page;
}

} // namespace products_example
