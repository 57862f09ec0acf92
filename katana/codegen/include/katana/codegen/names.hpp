#pragma once
// All naming of generated C++ in one place: identifiers from arbitrary spec strings, C++ keyword
// and reserved-name escaping, case conversions and collision handling.
#include <string>
#include <string_view>
#include <unordered_set>

namespace katana::codegen::names {

// True for C++ keywords, alternative tokens, "std"/"katana" and standard macro names
// (errno, assert, NULL, EOF, ...), which therefore need escaping.
[[nodiscard]] bool is_reserved(std::string_view word) noexcept;
// A valid identifier for `raw`: invalid characters become '_', a leading digit gets '_' before
// it, reserved words and identifiers reserved to the implementation (leading "_X", "__") get a
// trailing '_'. A name with no ASCII letter or digit but other characters spells their code
// points ("✓" -> "u2713"). Never empty ("_" for an empty input).
[[nodiscard]] std::string identifier(std::string_view raw);
// `base` with the collision number `n` appended ("id" -> "id_2", "id_" -> "id_2"): never
// forms "__".
[[nodiscard]] std::string numbered(std::string_view base, int n);
// "get-product by_ID" -> "GetProductById" (types)
[[nodiscard]] std::string pascal_case(std::string_view raw);
// "getProductByID" -> "get_product_by_id" (functions, handler methods, enumerators)
[[nodiscard]] std::string snake_case(std::string_view raw);

// A set of names in one C++ scope. `claim` returns `wanted` (made a valid identifier) or, when
// taken, `wanted_2`, `wanted_3`... Names that differ only in case are both allowed (C++ is
// case-sensitive) -- file names are handled by `file_name`.
class scope {
public:
    [[nodiscard]] std::string claim(std::string_view wanted);
    [[nodiscard]] bool taken(std::string_view name) const;
    void reserve(std::string_view name);

private:
    std::unordered_set<std::string> used_;
};

} // namespace katana::codegen::names
