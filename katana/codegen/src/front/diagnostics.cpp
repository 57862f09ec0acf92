#include <katana/codegen/diagnostics.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <ostream>
#include <utility>

namespace katana::codegen {

void diagnostics::add(severity level, const node& at, std::string message) {
    diagnostic d;
    d.level = level;
    const document* doc = at.doc != nullptr ? at.doc : at.location.doc;
    if (doc != nullptr) d.file = doc->path();
    d.line = at.location.line;
    d.column = at.location.column;
    d.message = std::move(message);
    d.pointer = at.pointer;
    items_.push_back(std::move(d));
}

void diagnostics::error(const node& at, std::string message) { add(severity::error, at, std::move(message)); }
void diagnostics::warning(const node& at, std::string message) { add(severity::warning, at, std::move(message)); }

void diagnostics::error_at(std::string file, std::uint32_t line, std::uint32_t column, std::string message,
                           std::string pointer) {
    items_.push_back(diagnostic{severity::error, std::move(file), line, column, std::move(message), std::move(pointer)});
}

void diagnostics::warning_at(std::string file, std::uint32_t line, std::uint32_t column, std::string message,
                             std::string pointer) {
    items_.push_back(
        diagnostic{severity::warning, std::move(file), line, column, std::move(message), std::move(pointer)});
}

bool diagnostics::failed() const noexcept {
    return error_count() > 0 || (strict_ && warning_count() > 0);
}

// Counts are by severity as recorded; --strict changes how warnings print and what failed()
// says, not which bucket they are counted in.
std::size_t diagnostics::error_count() const noexcept {
    return static_cast<std::size_t>(
        std::count_if(items_.begin(), items_.end(), [](const diagnostic& d) { return d.level == severity::error; }));
}

std::size_t diagnostics::warning_count() const noexcept { return items_.size() - error_count(); }

std::string diagnostics::to_string() const {
    std::string out;
    for (const diagnostic& d : items_) {
        if (!d.file.empty()) {
            out += d.file;
            if (d.line != 0) {
                out += fmt::format(":{}:{}", d.line, d.column);
            }
            out += ": ";
        }
        out += d.level == severity::error || strict_ ? "error: " : "warning: ";
        out += d.message;
        if (!d.pointer.empty()) {
            out += " [";
            out += d.pointer;
            out += ']';
        }
        out += '\n';
    }
    return out;
}

void diagnostics::print(std::ostream& out) const { out << to_string(); }

} // namespace katana::codegen
