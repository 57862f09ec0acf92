#include <katana/codegen/printer.hpp>

#include <stdexcept>
#include <vector>

namespace katana::codegen {
namespace {

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t nl = text.find('\n', start);
        if (nl == std::string_view::npos) {
            lines.push_back(text.substr(start));
            break;
        }
        lines.push_back(text.substr(start, nl - start));
        start = nl + 1;
    }
    return lines;
}

bool blank(std::string_view line) { return line.find_first_not_of(" \t") == std::string_view::npos; }

std::string_view lookup(printer::vars substitutions, std::string_view name) {
    for (const auto& [key, value] : substitutions) {
        if (key == name) return value;
    }
    throw std::logic_error("printer: template uses undefined variable $" + std::string(name) + "$");
}

} // namespace

void printer::emit(vars substitutions, std::string_view text) {
    auto lines = split_lines(text);
    // Raw-string templates start with a newline and end with the closing line's indentation.
    if (!lines.empty() && blank(lines.front())) lines.erase(lines.begin());
    if (!lines.empty() && blank(lines.back())) lines.pop_back();
    std::size_t common = std::string_view::npos;
    for (auto l : lines) {
        if (blank(l)) continue;
        common = std::min(common, l.find_first_not_of(' '));
    }
    if (common == std::string_view::npos) common = 0;

    for (auto l : lines) {
        if (blank(l)) {
            out_.push_back('\n');
            continue;
        }
        l.remove_prefix(common);
        const std::size_t own_indent = l.find_first_not_of(' ');
        const std::string_view content = l.substr(own_indent);
        // "$var$" alone on a line: substitute as an indented block (multi-line values).
        if (content.size() > 2 && content.front() == '$' && content.back() == '$' &&
            content.find('$', 1) == content.size() - 1) {
            const std::string_view value = lookup(substitutions, content.substr(1, content.size() - 2));
            if (value.empty()) continue; // an empty block leaves no blank line behind
            const std::size_t saved = indent_;
            indent_ += own_indent;
            std::string_view v = value;
            if (v.back() == '\n') v.remove_suffix(1);
            for (auto vl : split_lines(v)) line(vl);
            indent_ = saved;
            continue;
        }
        std::string rendered;
        rendered.reserve(l.size());
        for (std::size_t i = 0; i < l.size(); ++i) {
            if (l[i] != '$') {
                rendered.push_back(l[i]);
                continue;
            }
            const std::size_t close = l.find('$', i + 1);
            if (close == std::string_view::npos) throw std::logic_error("printer: unmatched '$' in template");
            if (close == i + 1) {
                rendered.push_back('$');
            } else {
                rendered += lookup(substitutions, l.substr(i + 1, close - i - 1));
            }
            i = close;
        }
        line(rendered);
    }
}

void printer::line(std::string_view text) {
    if (blank(text)) {
        out_.push_back('\n');
        return;
    }
    out_.append(indent_, ' ');
    out_ += text;
    out_.push_back('\n');
}

void printer::blank_line() { out_.push_back('\n'); }

} // namespace katana::codegen
