#pragma once
// Zero-copy, incremental, strict HTTP/1.1 request parser (RFC 9112).
//
// The parser never allocates and never copies header bytes: everything it reports is a view into
// the caller's receive buffer. It is resumable at any byte: the caller keeps all bytes received
// for the current request in one buffer and calls parse() again after appending more. State is
// kept as offsets, so the buffer may be moved or reallocated between calls.
//
// Strictness (when in doubt the parser rejects): CRLF only (a bare LF or a lone CR anywhere in
// the head or chunk framing is an error), no obs-fold, no whitespace before ':', no CTL bytes in
// field values, request-target limited to visible ASCII, only HTTP/1.0 and HTTP/1.1, no
// Content-Length together with Transfer-Encoding, no repeated Content-Length field, no
// Transfer-Encoding in HTTP/1.0, "chunked" must be the final (and only implemented) coding, chunk
// extensions without whitespace. Any number of empty lines (CRLF) before the request line is
// ignored (RFC 9112 §2.2); they count towards max_header_bytes and consumed().
//
// CONNECT (RFC 9110 §9.3.6) has no content: the request is complete at the end of its head, even
// with Content-Length or Transfer-Encoding, and the bytes after it are tunnel data, not HTTP. A
// server that does not tunnel must close the connection after answering it.
//
// Not checked here (semantic rules the server layer owns): presence/uniqueness of Host,
// method-specific target forms beyond "CONNECT needs authority-form".
#include <katana/http/request.hpp>
#include <katana/http/status.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace katana::http {

struct parser_limits {
    std::size_t max_header_bytes = 16 * 1024; // leading CRLFs + request line + header section incl. CRLFs -> 431;
                                              // the chunked trailer section has the same budget of its own
    std::size_t max_header_count = 100;       // header + trailer fields together -> 431
    std::size_t max_uri_length = 8 * 1024;    // request-target longer -> 414 (checked before the line ends)
    std::size_t max_body_bytes = 1024 * 1024; // Content-Length above it, or chunked running total above it -> 413
};

enum class parse_state : std::uint8_t { incomplete, complete, error };

struct parse_error {
    status_code status = 0;      // status to answer with (400, 413, 414, 417, 431, 501, 505)
    std::string_view detail;     // static string, human-readable; safe to keep forever
    bool close_connection = true; // the parser cannot resynchronise after an error: always true today
};

class request_parser {
public:
    explicit request_parser(parser_limits limits = {}) noexcept;

    // Parses the request that begins at data[0]. `data` holds every byte received so far for this
    // request (possibly followed by bytes of later pipelined requests). Between calls the caller
    // passes the same request start again with more bytes appended; the buffer may have been
    // moved or reallocated in between, but its bytes must be preserved: chunked bodies are decoded
    // in place (body bytes are moved down inside `data`, before the read position), so the caller
    // must never re-fill already passed bytes from elsewhere.
    //
    // Returns `incomplete` when more bytes are needed (never an error unless a byte already seen
    // is invalid or a limit is provably exceeded), `complete` when one whole request was parsed
    // (consumed() tells how many bytes of `data` it occupied; the rest belongs to the next
    // request), `error` otherwise (see error()). After `complete` or `error`, further calls return
    // the same state until reset().
    //
    // Lifetime: the views placed in `out` and `header_storage` point into `data` of the call that
    // filled them; they are valid until `data` is moved, freed or overwritten. When
    // headers_complete() turns true, `out` already holds the head (method, target, version,
    // headers, keep_alive, expect_continue, chunked) so a caller can decide on 100 Continue; the
    // body and trailers are filled on `complete`.
    // header_storage must have >= limits.max_header_count entries (headers and trailers share it);
    // a smaller span lowers the field limit to its size.
    parse_state parse(std::span<char> data, request& out, std::span<header> header_storage) noexcept;

    [[nodiscard]] bool headers_complete() const noexcept { return headers_complete_; }
    // After `complete`: bytes of data this request occupied (leading CRLFs, head, body framing, trailers).
    [[nodiscard]] std::size_t consumed() const noexcept { return consumed_; }
    [[nodiscard]] const parse_error& error() const noexcept { return error_; }
    // Forget the current request (keeps the limits): ready to parse the next one.
    void reset() noexcept;
    [[nodiscard]] const parser_limits& limits() const noexcept { return limits_; }

private:
    enum class state : std::uint8_t; // defined in parser.cpp

    parse_state fail(status_code status, std::string_view detail) noexcept;
    parse_state run(char* base, std::size_t size, std::span<header> storage, request& out) noexcept;
    parse_state on_field(const char* base, std::size_t value_end, std::span<header> storage) noexcept;
    parse_state on_head_complete(const char* base, std::span<header> storage, request& out) noexcept;
    parse_state on_content_length(std::string_view value) noexcept;
    parse_state on_transfer_encoding(std::string_view value) noexcept;
    void on_connection(std::string_view value) noexcept;
    void fill_head(const char* base, std::span<header> storage, request& out) noexcept;
    void fill_trailers(const char* base, std::span<header> storage, request& out) noexcept;

    parser_limits limits_;
    parse_error error_{};

    // Every position below is an offset into `data`, never a pointer (the buffer may move).
    std::size_t pos_ = 0;            // next byte to examine
    std::size_t line_start_ = 0;     // start of the field line / chunk-size line in progress
    std::size_t name_end_ = 0;       // ':' of the field line in progress
    std::size_t value_start_ = 0;    // first non-OWS byte after ':'
    std::size_t request_start_ = 0;  // first byte of the method
    std::size_t method_end_ = 0;
    std::size_t target_start_ = 0;
    std::size_t target_end_ = 0;
    std::size_t version_start_ = 0;
    std::size_t fields_start_ = 0;   // first header line
    std::size_t head_end_ = 0;       // one past the CRLF CRLF closing the head; the body starts here
    std::size_t body_end_ = 0;       // chunked: write position of the decoded body
    std::size_t trailers_start_ = 0;
    std::size_t consumed_ = 0;
    std::uint64_t content_length_ = 0;
    std::uint64_t chunk_size_ = 0;   // size being parsed, then bytes of the current chunk still to copy
    std::uint64_t body_total_ = 0;   // chunked: sum of announced chunk sizes
    std::uint32_t header_count_ = 0;
    std::uint32_t trailer_count_ = 0;
    std::uint32_t views_valid_ = 0;  // entries of header_storage written during the current call
    state state_{};
    http::method method_ = http::method::other;
    std::uint8_t version_minor_ = 1;
    bool in_trailers_ = false;
    bool headers_complete_ = false;
    bool has_content_length_ = false;
    bool has_transfer_encoding_ = false;
    bool chunked_ = false;
    bool conn_close_ = false;
    bool conn_keep_alive_ = false;
    bool expect_continue_ = false;
};

} // namespace katana::http
