#include "front/tree_builder.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <numeric>
#include <utility>

namespace katana::codegen::detail {

namespace {

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) noexcept {
    return a > std::numeric_limits<std::uint64_t>::max() - b ? std::numeric_limits<std::uint64_t>::max() : a + b;
}

} // namespace

source_location tree_builder::pending_key_location() const noexcept {
    if (stack_.empty() || !stack_.back().have_key) return {};
    return stack_.back().key_location;
}

node& tree_builder::place(node_kind kind, std::uint32_t line, std::uint32_t column) {
    node& n = doc_.make_node(kind);
    n.location = source_location{&doc_, line, column};
    ++node_count_;
    if (stack_.empty()) {
        root_ = &n;
        return n;
    }
    frame& parent = stack_.back();
    if (parent.n->is_object()) {
        n.pointer.reserve(parent.n->pointer.size() + 1 + parent.key.size());
        n.pointer = parent.n->pointer;
        n.pointer += '/';
        n.pointer += escape_pointer_token(parent.key);
        note_member(parent, &n);
    } else {
        n.pointer = fmt::format("{}/{}", parent.n->pointer, parent.n->items.size());
        parent.n->items.push_back(&n);
    }
    return n;
}

node* tree_builder::begin_value(node_kind kind, std::uint32_t line, std::uint32_t column) {
    const bool container = kind == node_kind::array || kind == node_kind::object;
    if (container && stack_.size() >= max_nesting) {
        diags_.error_at(doc_.path(), line, column,
                        fmt::format("values are nested more than {} levels deep; refusing to read further",
                                    max_nesting),
                        stack_.empty() ? std::string{} : stack_.back().n->pointer);
        return nullptr;
    }
    node& n = place(kind, line, column);
    if (container) {
        frame f;
        f.n = &n;
        stack_.push_back(std::move(f));
    } else {
        last_weight_ = 1;
        add_weight(1);
    }
    return &n;
}

void tree_builder::note_member(frame& parent, const node* value) {
    if (parent.pending_merge) parent.merge_members.push_back(parent.n->members.size());
    parent.n->members.push_back(node::member{std::move(parent.key), value});
    parent.key_locations.push_back(parent.key_location);
    parent.key.clear();
    parent.have_key = false;
    parent.pending_merge = false;
}

void tree_builder::key(std::string key, std::uint32_t line, std::uint32_t column, bool merge) {
    if (stack_.empty() || !stack_.back().n->is_object()) return;
    frame& f = stack_.back();
    f.key = std::move(key);
    f.key_location = source_location{&doc_, line, column};
    f.have_key = true;
    f.pending_merge = merge;
}

// YAML 1.1 merge keys (`<<: *base`, `<<: [*a, *b]`), which yaml-cpp's parser passes through as
// an ordinary "<<" key: keys written in the mapping win, then earlier sources over later ones.
// The merged values are the source's own nodes (like aliases), so they keep its locations.
void tree_builder::apply_merges(frame& f) {
    auto& members = f.n->members;
    std::vector<node::member> out;
    std::vector<source_location> locations;
    out.reserve(members.size());
    const auto explicitly_set = [&](const std::string& key) {
        for (std::size_t i = 0; i < members.size(); ++i) {
            if (members[i].key == key && std::find(f.merge_members.begin(), f.merge_members.end(), i) == f.merge_members.end()) {
                return true;
            }
        }
        return false;
    };
    const auto already = [&](const std::string& key) {
        return std::any_of(out.begin(), out.end(), [&](const node::member& m) { return m.key == key; });
    };
    for (std::size_t i = 0; i < members.size(); ++i) {
        const bool is_merge = std::find(f.merge_members.begin(), f.merge_members.end(), i) != f.merge_members.end();
        if (!is_merge) {
            out.push_back(members[i]);
            locations.push_back(f.key_locations[i]);
            continue;
        }
        const node* value = members[i].value;
        std::vector<const node*> sources;
        if (value->is_object()) {
            sources.push_back(value);
        } else if (value->is_array()) {
            sources.assign(value->items.begin(), value->items.end());
        }
        const bool all_objects = !sources.empty() && std::all_of(sources.begin(), sources.end(),
                                                                 [](const node* s) { return s->is_object(); });
        if (!all_objects) {
            const source_location& at = f.key_locations[i];
            diags_.error_at(doc_.path(), at.line, at.column,
                            "a YAML merge key (<<) needs a mapping or a list of mappings", f.n->pointer);
            continue;
        }
        for (const node* source : sources) {
            for (const auto& m : source->members) {
                if (explicitly_set(m.key) || already(m.key)) continue;
                out.push_back(m);
                locations.push_back(f.key_locations[i]);
            }
        }
    }
    members = std::move(out);
    f.key_locations = std::move(locations);
    f.merge_members.clear();
}

void tree_builder::end_container() {
    if (stack_.empty()) return;
    if (stack_.back().n->is_object()) {
        if (!stack_.back().merge_members.empty()) apply_merges(stack_.back());
        check_duplicates(stack_.back());
    }
    const std::uint64_t w = stack_.back().weight;
    stack_.pop_back();
    last_weight_ = w;
    add_weight(w);
}

void tree_builder::add_shared(const node* target, std::uint64_t weight) {
    if (stack_.empty()) return;
    frame& parent = stack_.back();
    if (parent.n->is_object()) {
        note_member(parent, target);
    } else {
        parent.n->items.push_back(target);
    }
    last_weight_ = weight;
    add_weight(weight);
}

void tree_builder::add_weight(std::uint64_t w) noexcept {
    if (stack_.empty()) {
        root_weight_ = w;
    } else {
        stack_.back().weight = saturating_add(stack_.back().weight, w);
    }
}

void tree_builder::check_duplicates(const frame& f) {
    const auto& members = f.n->members;
    const std::size_t n = members.size();
    if (n < 2) return;
    // (first occurrence, repeated occurrence) pairs, reported in document order.
    std::vector<std::pair<std::size_t, std::size_t>> dups;
    if (n <= 16) {
        for (std::size_t i = 1; i < n; ++i) {
            for (std::size_t j = 0; j < i; ++j) {
                if (members[j].key == members[i].key) {
                    dups.emplace_back(j, i);
                    break;
                }
            }
        }
    } else {
        // Big maps (GitHub's `paths`, Stripe's `schemas`): sort indices instead of n^2 compares.
        std::vector<std::size_t> order(n);
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::stable_sort(order.begin(), order.end(),
                         [&](std::size_t a, std::size_t b) { return members[a].key < members[b].key; });
        std::size_t first = order[0];
        for (std::size_t k = 1; k < n; ++k) {
            if (members[order[k]].key == members[first].key) {
                dups.emplace_back(first, order[k]);
            } else {
                first = order[k];
            }
        }
        std::sort(dups.begin(), dups.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
    }
    for (const auto& [first, again] : dups) {
        const source_location& at = f.key_locations[again];
        diags_.error_at(doc_.path(), at.line, at.column,
                        fmt::format("duplicate key \"{}\" (first defined at line {})", members[again].key,
                                    f.key_locations[first].line),
                        fmt::format("{}/{}", f.n->pointer, escape_pointer_token(members[again].key)));
    }
}

} // namespace katana::codegen::detail
