#pragma once
// Builds a located `document` from a stream of parse events. The YAML and JSON readers both
// drive it, so pointers, duplicate-key checks, nesting limits and alias accounting behave the
// same for both formats.
#include <katana/codegen/diagnostics.hpp>
#include <katana/codegen/document.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace katana::codegen::detail {

// Deeper documents are refused: every later stage walks the tree recursively, and no real spec
// comes near this (GitHub's deepest value is ~25 levels).
inline constexpr std::size_t max_nesting = 256;

class tree_builder {
public:
    tree_builder(document& doc, diagnostics& diags) : doc_(doc), diags_(diags) {}

    // A value starts at line:column (1-based). Scalars are complete on return; containers stay
    // open until end_container(). Returns null (after a diagnostic) when nesting is too deep.
    node* begin_value(node_kind kind, std::uint32_t line, std::uint32_t column);
    // The key of the next member of the innermost open object. `merge`: a YAML merge key (a
    // plain `<<`), whose mapping (or list of mappings) is merged in when the object closes.
    void key(std::string key, std::uint32_t line, std::uint32_t column, bool merge = false);
    void end_container();
    // Places an already complete node (a YAML alias target) as the next value; `weight` is the
    // number of nodes it stands for once expanded.
    void add_shared(const node* target, std::uint64_t weight);

    [[nodiscard]] bool expecting_key() const noexcept {
        return !stack_.empty() && stack_.back().n->is_object() && !stack_.back().have_key;
    }
    [[nodiscard]] std::size_t depth() const noexcept { return stack_.size(); }
    // Expanded size of the node just completed by end_container()/begin_value() of a scalar.
    [[nodiscard]] std::uint64_t last_weight() const noexcept { return last_weight_; }
    [[nodiscard]] std::uint64_t total_weight() const noexcept { return root_weight_; }
    [[nodiscard]] std::uint64_t node_count() const noexcept { return node_count_; }
    [[nodiscard]] node* root() const noexcept { return root_; }
    // Location of the pending key of the innermost object (for values with no position of
    // their own, such as an empty YAML value).
    [[nodiscard]] source_location pending_key_location() const noexcept;

private:
    struct frame {
        node* n = nullptr;
        std::uint64_t weight = 1;
        bool have_key = false;
        std::string key;
        source_location key_location;
        std::vector<source_location> key_locations; // parallel to n->members, for duplicate reports
        bool pending_merge = false;                  // the pending key is a merge key
        std::vector<std::size_t> merge_members;      // indices of merge-key members
    };
    node& place(node_kind kind, std::uint32_t line, std::uint32_t column);
    void add_weight(std::uint64_t w) noexcept;
    void check_duplicates(const frame& f);
    void apply_merges(frame& f);
    void note_member(frame& parent, const node* value);

    document& doc_;
    diagnostics& diags_;
    std::vector<frame> stack_;
    node* root_ = nullptr;
    std::uint64_t last_weight_ = 0;
    std::uint64_t root_weight_ = 0;
    std::uint64_t node_count_ = 0;
};

} // namespace katana::codegen::detail
