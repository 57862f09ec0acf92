// Constraints of a schema slot: its own validation keywords plus those of everything it
// inherits (the target of a $ref, allOf members), so that `allOf: [{$ref: Price}, {maximum: 10}]`
// checks both bounds.
#include "model/schema_impl.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace katana::codegen {
namespace {

std::optional<model::bound> make_bound(const node* n) {
    if (n == nullptr || !n->is_number()) return std::nullopt;
    model::bound b;
    b.shown = n->text.empty() ? fmt::format("{}", n->number) : n->text;
    if (n->kind == node_kind::integer) {
        b.is_integer = true;
        b.integer = n->integer;
        b.value = static_cast<double>(n->integer);
        b.text = n->integer == std::numeric_limits<std::int64_t>::min() ? "(-9223372036854775807 - 1)"
                                                                          : fmt::format("{}", n->integer);
        return b;
    }
    if (!std::isfinite(n->number)) return std::nullopt;
    b.value = n->number;
    if (n->number == std::floor(n->number) && std::fabs(n->number) < 9.0e15) {
        // 1.0 is an integer bound too (JSON Schema compares values, not spellings).
        b.is_integer = true;
        b.integer = static_cast<std::int64_t>(n->number);
        b.text = fmt::format("{}", b.integer);
        return b;
    }
    std::string text = fmt::format("{}", n->number);
    if (text.find_first_of(".eEn") == std::string::npos) text += ".0";
    b.text = std::move(text);
    return b;
}

std::optional<std::uint64_t> make_count(const node* n) {
    if (n == nullptr) return std::nullopt;
    if (n->kind == node_kind::integer && n->integer >= 0) return static_cast<std::uint64_t>(n->integer);
    if (n->kind == node_kind::number && n->number >= 0 && n->number == std::floor(n->number) && n->number < 1e18) {
        return static_cast<std::uint64_t>(n->number);
    }
    return std::nullopt;
}

void keep_min(std::optional<std::uint64_t>& slot, std::optional<std::uint64_t> v) {
    if (v && (!slot || *v > *slot)) slot = v;
}
void keep_max(std::optional<std::uint64_t>& slot, std::optional<std::uint64_t> v) {
    if (v && (!slot || *v < *slot)) slot = v;
}

void add_limit(std::vector<model::constraints::limit>& list, std::optional<model::bound> b, bool exclusive) {
    if (!b) return;
    for (const auto& existing : list) {
        if (existing.value.text == b->text && existing.exclusive == exclusive) return;
    }
    list.push_back({std::move(*b), exclusive});
}

} // namespace

model::constraints schema_model::impl::collect(const node* schema) {
    model::constraints c;
    collect_into(schema, c, 0);
    return c;
}

void schema_model::impl::collect_into(const node* n, model::constraints& c, int depth) {
    if (n == nullptr || depth > 32 || !n->is_object()) return;
    const bool v31 = spec.version() == spec_version::v3_1;
    if (!spec_set::ref_of(n).empty()) {
        collect_into(resolve(n), c, depth + 1);
        if (!v31) return;
    }
    // minimum / maximum with the 3.0 boolean modifiers or the 3.1 numeric exclusive bounds.
    const node* excl_min = n->get("exclusiveMinimum");
    const node* excl_max = n->get("exclusiveMaximum");
    const bool min_is_exclusive = excl_min != nullptr && excl_min->is_bool() && excl_min->boolean;
    const bool max_is_exclusive = excl_max != nullptr && excl_max->is_bool() && excl_max->boolean;
    add_limit(c.minimum, make_bound(n->get("minimum")), min_is_exclusive);
    add_limit(c.maximum, make_bound(n->get("maximum")), max_is_exclusive);
    if (excl_min != nullptr && excl_min->is_number()) add_limit(c.minimum, make_bound(excl_min), true);
    if (excl_max != nullptr && excl_max->is_number()) add_limit(c.maximum, make_bound(excl_max), true);
    if (auto m = make_bound(n->get("multipleOf")); m && m->value > 0) {
        if (std::none_of(c.multiple_of.begin(), c.multiple_of.end(),
                         [&](const model::bound& b) { return b.text == m->text; })) {
            c.multiple_of.push_back(std::move(*m));
        }
    }
    keep_min(c.min_length, make_count(n->get("minLength")));
    keep_max(c.max_length, make_count(n->get("maxLength")));
    keep_min(c.min_items, make_count(n->get("minItems")));
    keep_max(c.max_items, make_count(n->get("maxItems")));
    keep_min(c.min_properties, make_count(n->get("minProperties")));
    keep_max(c.max_properties, make_count(n->get("maxProperties")));
    if (const node* u = n->get("uniqueItems"); u != nullptr && u->is_bool() && u->boolean) c.unique_items = true;
    if (const node* p = n->get("pattern"); p != nullptr && p->is_string()) {
        if (std::find(c.patterns.begin(), c.patterns.end(), p->text) == c.patterns.end()) c.patterns.push_back(p->text);
    }
    if (const node* f = n->get("format"); f != nullptr && f->is_string()) {
        if (std::find(c.formats.begin(), c.formats.end(), f->text) == c.formats.end()) c.formats.push_back(f->text);
    }
    if (const node* k = n->get("const"); k != nullptr) c.consts.push_back(k);
    if (const node* all = n->get("allOf"); all != nullptr && all->is_array()) {
        for (const node* a : all->items) collect_into(a, c, depth + 1);
    }
}

} // namespace katana::codegen
