#include <katana/json/error.hpp>

namespace katana::json {

std::string_view describe(error_code code) noexcept {
    switch (code) {
    case error_code::none: return "no error";
    case error_code::unexpected_end: return "unexpected end of input";
    case error_code::unexpected_character: return "unexpected character";
    case error_code::invalid_literal: return "invalid literal (expected true, false or null)";
    case error_code::invalid_number: return "invalid number";
    case error_code::invalid_string: return "invalid string";
    case error_code::invalid_escape: return "invalid escape sequence in string";
    case error_code::invalid_utf8: return "invalid UTF-8 in string";
    case error_code::control_character_in_string: return "unescaped control character in string";
    case error_code::depth_limit_exceeded: return "nesting depth limit exceeded";
    case error_code::trailing_content: return "unexpected content after the JSON value";
    case error_code::lone_surrogate: return "unpaired UTF-16 surrogate escape in string";
    case error_code::invalid_call: return "JSON reader used out of order";
    case error_code::out_of_memory: return "out of memory";
    case error_code::value_too_large: return "JSON value too large";
    }
    return "unknown JSON error";
}

} // namespace katana::json
