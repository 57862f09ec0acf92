#pragma once
// Every problem the generator finds, collected before it fails, printed as
//   file:line:col: error|warning: message [json-pointer]
#include <katana/codegen/document.hpp>

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace katana::codegen {

enum class severity : std::uint8_t { warning, error };

struct diagnostic {
    severity level = severity::error;
    std::string file;          // as given on the command line / resolved relative path
    std::uint32_t line = 0;    // 0 when unknown (then printed as file: ...)
    std::uint32_t column = 0;
    std::string message;
    std::string pointer;       // JSON pointer of the offending value, "" when none
};

class diagnostics {
public:
    explicit diagnostics(bool strict = false) noexcept : strict_(strict) {}

    // Located at a node (file, line, column and pointer all come from it).
    void error(const node& at, std::string message);
    void warning(const node& at, std::string message);
    // Located at a file position without a node (load errors).
    void error_at(std::string file, std::uint32_t line, std::uint32_t column, std::string message,
                  std::string pointer = {});
    void warning_at(std::string file, std::uint32_t line, std::uint32_t column, std::string message,
                    std::string pointer = {});

    // --strict: warnings count as errors.
    [[nodiscard]] bool failed() const noexcept;
    [[nodiscard]] bool strict() const noexcept { return strict_; }
    [[nodiscard]] std::size_t error_count() const noexcept;
    [[nodiscard]] std::size_t warning_count() const noexcept;
    [[nodiscard]] const std::vector<diagnostic>& all() const noexcept { return items_; }

    // One line per diagnostic, in the order found, then nothing else. Under --strict warnings
    // print as "error".
    void print(std::ostream& out) const;
    [[nodiscard]] std::string to_string() const;

private:
    void add(severity level, const node& at, std::string message);
    std::vector<diagnostic> items_;
    bool strict_ = false;
};

} // namespace katana::codegen
