#pragma once
// Emits code through templates with named substitutions, protobuf-printer style:
//   p.emit({{"name", "Product"}, {"type", "std::int64_t"}}, R"(
//       struct $name$ {
//           $type$ id;
//       };
//   )");
// - `$var$` is replaced by its value; `$$` prints a single '$'. An unknown variable is a bug in
//   the generator and throws std::logic_error (generation-time only, never in generated code).
// - The template's common leading indentation and its first empty line are removed, then every
//   line is indented by the printer's current indentation.
// - A variable that stands alone on its line and whose value spans several lines is indented as
//   a block at that line's indentation (so nested emitters can be substituted).
// - Output is deterministic: only what the templates and values say.
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace katana::codegen {

class printer {
public:
    using vars = std::initializer_list<std::pair<std::string_view, std::string_view>>;

    void emit(vars substitutions, std::string_view text);
    void emit(std::string_view text) { emit({}, text); }
    // Raw text at the current indentation, no substitution (each line indented).
    void line(std::string_view text);
    void blank_line();

    void indent() noexcept { indent_ += 4; }
    void outdent() noexcept { indent_ = indent_ >= 4 ? indent_ - 4 : 0; }

    [[nodiscard]] const std::string& str() const noexcept { return out_; }
    [[nodiscard]] std::string take() noexcept { return std::move(out_); }

private:
    std::string out_;
    std::size_t indent_ = 0;
};

} // namespace katana::codegen
