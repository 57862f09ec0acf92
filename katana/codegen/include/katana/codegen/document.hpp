#pragma once
// The loaded spec as a tree that remembers where every value came from. YAML and JSON both load
// into this one shape so that every later stage (resolver, model, emitters) and every diagnostic
// is format-agnostic. Lifetime: nodes live as long as their `document`; documents live as long
// as the `spec_set` that loaded them (see resolver.hpp), so stages keep plain `const node*`.
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace katana::codegen {

class document;

struct source_location {
    const document* doc = nullptr; // null for generated/synthetic values
    std::uint32_t line = 0;        // 1-based; 0 = unknown
    std::uint32_t column = 0;      // 1-based
};

enum class node_kind : std::uint8_t { null, boolean, integer, number, string, array, object };

class node {
public:
    struct member {
        std::string key;
        const node* value = nullptr;
    };

    node_kind kind = node_kind::null;
    source_location location;
    std::string pointer;      // JSON pointer of this node inside its document ("" = root)
    const document* doc = nullptr;

    // Scalars. `text` is the scalar as written (numbers keep their spelling, e.g. "1.0").
    bool boolean = false;
    std::int64_t integer = 0;  // valid when kind == integer
    double number = 0;         // valid when kind == integer or number
    std::string text;          // string value, or the source spelling of a number/boolean/null

    std::vector<const node*> items;  // kind == array
    std::vector<member> members;     // kind == object, in document order (duplicates diagnosed at load)

    [[nodiscard]] bool is_object() const noexcept { return kind == node_kind::object; }
    [[nodiscard]] bool is_array() const noexcept { return kind == node_kind::array; }
    [[nodiscard]] bool is_string() const noexcept { return kind == node_kind::string; }
    [[nodiscard]] bool is_number() const noexcept { return kind == node_kind::integer || kind == node_kind::number; }
    [[nodiscard]] bool is_bool() const noexcept { return kind == node_kind::boolean; }
    [[nodiscard]] bool is_null() const noexcept { return kind == node_kind::null; }

    // Member lookup on objects (null for other kinds or when absent).
    [[nodiscard]] const node* get(std::string_view key) const noexcept {
        if (kind != node_kind::object) return nullptr;
        for (const auto& m : members) {
            if (m.key == key) return m.value;
        }
        return nullptr;
    }
    // String member value, or `fallback` when absent or not a string.
    [[nodiscard]] std::string_view get_string(std::string_view key, std::string_view fallback = {}) const noexcept {
        const node* n = get(key);
        return n != nullptr && n->is_string() ? std::string_view(n->text) : fallback;
    }
};

// One file of the spec (the root document or a file reached through an external $ref).
class document {
public:
    explicit document(std::string path) : path_(std::move(path)) {}
    document(const document&) = delete;
    document& operator=(const document&) = delete;

    [[nodiscard]] const std::string& path() const noexcept { return path_; }
    [[nodiscard]] const node* root() const noexcept { return root_; }
    void set_root(const node* root) noexcept { root_ = root; }
    // Nodes are owned here; the deque keeps their addresses stable while it grows.
    node& make_node(node_kind kind) {
        node& n = storage_.emplace_back();
        n.kind = kind;
        n.doc = this;
        return n;
    }
    // The node at a JSON pointer inside this document ("" is the root), or null.
    [[nodiscard]] const node* at_pointer(std::string_view pointer) const;

private:
    std::string path_;
    const node* root_ = nullptr;
    std::deque<node> storage_;
};

// RFC 6901 escaping of one reference token ("~" -> "~0", "/" -> "~1") and its inverse.
[[nodiscard]] std::string escape_pointer_token(std::string_view token);
[[nodiscard]] std::string unescape_pointer_token(std::string_view token);

} // namespace katana::codegen
