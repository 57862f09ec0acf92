#include "sql_script.hpp"

namespace katana::cli {
namespace {

bool is_ident_start(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}
bool is_ident_char(char c) noexcept { return is_ident_start(c) || (c >= '0' && c <= '9'); }

// A "$tag$" opening at `i`, or empty when `$` starts something else ($1, a lone $).
std::string_view dollar_tag_at(std::string_view s, std::size_t i) noexcept {
    std::size_t j = i + 1;
    if (j < s.size() && is_ident_start(s[j])) {
        while (j < s.size() && is_ident_char(s[j])) ++j;
    }
    if (j < s.size() && s[j] == '$') return s.substr(i, j - i + 1);
    return {};
}

// Index just past the construct (quote, comment) starting at `i`, or `i` when none starts there.
std::size_t skip_lexical_unit(std::string_view s, std::size_t i) noexcept {
    const char c = s[i];
    const auto next = [&](std::size_t k) { return k < s.size() ? s[k] : '\0'; };
    if (c == '-' && next(i + 1) == '-') {
        while (i < s.size() && s[i] != '\n') ++i;
        return i;
    }
    if (c == '/' && next(i + 1) == '*') {
        int depth = 1;
        i += 2;
        while (i < s.size() && depth > 0) {
            if (s[i] == '/' && next(i + 1) == '*') { ++depth; i += 2; }
            else if (s[i] == '*' && next(i + 1) == '/') { --depth; i += 2; }
            else ++i;
        }
        return i;
    }
    if (c == '\'' || c == '"') {
        // E'...' allows backslash escapes; everything else doubles the quote to escape it.
        const bool backslashes = c == '\'' && i > 0 && (s[i - 1] == 'E' || s[i - 1] == 'e') &&
                                 (i == 1 || !is_ident_char(s[i - 2]));
        ++i;
        while (i < s.size()) {
            if (backslashes && s[i] == '\\') { i += 2; continue; }
            if (s[i] == c) {
                if (next(i + 1) == c) { i += 2; continue; }
                return i + 1;
            }
            ++i;
        }
        return s.size();
    }
    if (c == '$' && (i == 0 || !is_ident_char(s[i - 1]))) {
        const std::string_view tag = dollar_tag_at(s, i);
        if (tag.empty()) return i;
        const std::size_t end = s.find(tag, i + tag.size());
        return end == std::string_view::npos ? s.size() : end + tag.size();
    }
    return i;
}

bool only_blanks_and_comments(std::string_view s) noexcept {
    std::size_t i = 0;
    while (i < s.size()) {
        const char c = s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            ++i;
            continue;
        }
        const char d = i + 1 < s.size() ? s[i + 1] : '\0';
        if (!((c == '-' && d == '-') || (c == '/' && d == '*'))) return false;
        i = skip_lexical_unit(s, i);
    }
    return true;
}

} // namespace

std::vector<sql_statement> split_sql_statements(std::string_view script) {
    std::vector<sql_statement> out;
    std::size_t start = 0;
    const auto flush = [&](std::size_t end) {
        const std::string_view text = script.substr(start, end - start);
        if (!only_blanks_and_comments(text)) out.push_back({start, text});
    };
    std::size_t i = 0;
    while (i < script.size()) {
        const std::size_t skipped = skip_lexical_unit(script, i);
        if (skipped != i) {
            i = skipped;
            continue;
        }
        if (script[i] == ';') {
            flush(i);
            start = i + 1;
        }
        ++i;
    }
    flush(script.size());
    return out;
}

text_position position_at(std::string_view text, std::size_t byte_offset) noexcept {
    text_position p;
    if (byte_offset > text.size()) byte_offset = text.size();
    for (std::size_t i = 0; i < byte_offset; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\n') {
            ++p.line;
            p.column = 1;
        } else if ((c & 0xC0) != 0x80) { // count code points, not continuation bytes
            ++p.column;
        }
    }
    return p;
}

std::size_t byte_offset_of_character(std::string_view text, std::size_t character_index) noexcept {
    if (character_index <= 1) return 0;
    std::size_t seen = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
            if (++seen == character_index) return i;
        }
    }
    return text.size();
}

} // namespace katana::cli
