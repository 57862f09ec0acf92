#pragma once
// The few lexical facts shared by the splitter and the outer-join scan (query.cpp).
#include <cstddef>
#include <optional>
#include <string_view>

namespace katana::sqlgen::detail {

// Offset just after the string, quoted identifier, dollar quote or comment starting at sql[i],
// or nullopt when none starts there.
[[nodiscard]] std::optional<std::size_t> skip_quoted_or_comment(std::string_view sql, std::size_t i);
[[nodiscard]] bool is_ident_start(char c) noexcept;
[[nodiscard]] bool is_ident_char(char c) noexcept;

} // namespace katana::sqlgen::detail
