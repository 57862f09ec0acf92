#pragma once
// YAML 1.2 core-schema typing of plain scalars (https://yaml.org/spec/1.2.2/#1023-core-schema).
#include <katana/codegen/document.hpp>

#include <string_view>

namespace katana::codegen::detail {

struct scalar_value {
    node_kind kind = node_kind::string;
    bool boolean = false;
    std::int64_t integer = 0;
    double number = 0;
};

// What a plain (unquoted, untagged) scalar means: null, bool, int, float or string.
[[nodiscard]] scalar_value type_plain_scalar(std::string_view s) noexcept;

} // namespace katana::codegen::detail
