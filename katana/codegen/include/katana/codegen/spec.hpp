#pragma once
// Front stage 2: the whole spec -- root document plus every file reached through external
// $refs -- with $ref resolution, the OpenAPI version and structural checks of the document.
#include <katana/codegen/diagnostics.hpp>
#include <katana/codegen/document.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace katana::codegen {

enum class spec_version : std::uint8_t { v3_0, v3_1 };

class spec_set {
public:
    // Loads the root file, refuses Swagger 2.0 (with how to convert it) and unknown versions,
    // and checks the document's structure (required fields, known top-level keys, servers,
    // schema `type` values ...). Null when the spec cannot be used; every problem is in `diags`.
    [[nodiscard]] static std::unique_ptr<spec_set> load(const std::filesystem::path& root_file, diagnostics& diags);
    [[nodiscard]] static std::unique_ptr<spec_set> load_from_string(std::string display_path, std::string_view text,
                                                                    diagnostics& diags);

    [[nodiscard]] const document& root() const noexcept;
    [[nodiscard]] spec_version version() const noexcept;

    // Follows `n` while it is a {"$ref": ...} object (chains too; sibling keys are ignored in
    // 3.0 and merged by callers in 3.1), loading external files relative to the referring
    // document. Returns `n` itself when it is not a ref; null after a diagnostic at the $ref
    // (unresolvable, cycle of refs, bad pointer, unreadable file).
    [[nodiscard]] const node* resolve(const node* n, diagnostics& diags);
    // Target of one $ref string ("#/a/b", "other.yaml#/x", "other.yaml") seen at `from`.
    [[nodiscard]] const node* resolve_ref(std::string_view ref, const node& from, diagnostics& diags);
    // Target of a discriminator mapping value (a components.schemas name or a $ref). One that
    // leads nowhere is a warning at the value and null: that tag cannot select anything, but the
    // schema and its other tags still work (bundled specs such as DigitalOcean's keep mapping
    // values that point into files they did not ship).
    [[nodiscard]] const node* resolve_mapping(std::string_view key, const node& value, diagnostics& diags);
    // "$ref" string of `n` when it is a reference object, else empty.
    [[nodiscard]] static std::string_view ref_of(const node* n) noexcept;

    // Stable identity "file#pointer" (file relative to the root's folder) used to name and
    // deduplicate schemas reached through different refs.
    [[nodiscard]] std::string canonical_id(const node* n) const;
    // Every file read so far, root first (for build-system dependency files).
    [[nodiscard]] std::vector<std::string> files() const;

    spec_set(const spec_set&) = delete;
    spec_set& operator=(const spec_set&) = delete;
    ~spec_set();

private:
    spec_set();
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace katana::codegen
