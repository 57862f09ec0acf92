#pragma once
// Syntax errors of the JSON reader (and of the DOM built on it). An error is a code plus the byte
// offset in the document where it was detected; the reader keeps only the first one.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace katana::json {

enum class error_code : std::uint8_t {
    none,
    unexpected_end,              // the document ended inside a value (offset = document size)
    unexpected_character,        // a byte that cannot start/continue the expected token
    invalid_literal,             // t/f/n not followed by the rest of true/false/null
    invalid_number,              // RFC 8259 number grammar (leading zero, "1.", "1e", "-", "01")
    invalid_string,              // not produced by the reader; for layers that reject string content
    invalid_escape,              // unknown escape or non-hex digit in \uXXXX (offset = the backslash)
    invalid_utf8,                // malformed, overlong, surrogate or > U+10FFFF UTF-8 (offset = lead byte)
    control_character_in_string, // unescaped byte < 0x20 inside a string
    depth_limit_exceeded,        // more nested containers than max_depth (offset = the bracket)
    trailing_content,            // non-whitespace after the top-level value
    lone_surrogate,              // \uD800-\uDFFF escape not part of a valid pair (offset = the backslash)
    invalid_call,                // reader API used out of order (e.g. next_key() outside an object)
    out_of_memory,               // the memory resource failed to allocate
    value_too_large,             // a DOM string/array/object beyond 2^32-1 bytes/elements
};

// Static, human-readable English text ("unexpected end of input", ...); never empty.
[[nodiscard]] std::string_view describe(error_code code) noexcept;

struct syntax_error {
    error_code code = error_code::none;
    std::size_t offset = 0; // byte offset into the document

    friend bool operator==(const syntax_error&, const syntax_error&) = default;
};

} // namespace katana::json
