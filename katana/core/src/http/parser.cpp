// Strict incremental HTTP/1.1 request parser; see parser.hpp for the contract.
//
// Design: one resumable state machine over byte offsets. Each state consumes as many bytes as it
// can in a tight loop (SSE2 scans for target and field values), so a request that arrives in one
// piece is parsed in a single left-to-right pass, and a request that trickles in byte by byte is
// still O(n) overall: nothing already examined is examined again, except that field views are
// rebuilt once (a cheap re-walk of validated lines) when they were recorded in an earlier call,
// because the buffer may have moved since.
#include <katana/http/parser.hpp>

#include "http/parser_scan.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

namespace katana::http {

enum class request_parser::state : std::uint8_t {
    start,          // skipping empty lines before the request line
    start_lf,       // CR seen before the request line
    method,
    target,
    version,        // the 8 bytes "HTTP/x.y"
    version_cr,
    version_lf,
    line_start,     // start of a header (or trailer) line, or of the final CRLF
    name,
    value_ows,
    value,
    value_lf,
    section_lf,     // CR of the empty line that ends the head or trailer section seen
    body_length,    // Content-Length body
    chunk_size_start,
    chunk_size,
    chunk_ext_name_start,
    chunk_ext_name,
    chunk_ext_value_start,
    chunk_ext_token,
    chunk_ext_quoted,
    chunk_ext_quoted_pair,
    chunk_ext_after_quoted,
    chunk_size_lf,
    chunk_data,
    chunk_data_cr,
    chunk_data_lf,
    done,
    failed,
};

namespace {

using detail::cc_qdtext;
using detail::cc_tchar;
using detail::cc_value;
using detail::has_class;

// Longest chunk-size line (size digits, extensions, CRLF) accepted. Extensions carry no meaning
// for us; the cap keeps a peer from making us buffer unbounded framing bytes.
constexpr std::size_t max_chunk_line = 4096;

constexpr std::uint64_t u64_max = std::numeric_limits<std::uint64_t>::max();

[[nodiscard]] std::size_t saturating_add(std::size_t a, std::size_t b) noexcept {
    return a > std::numeric_limits<std::size_t>::max() - b ? std::numeric_limits<std::size_t>::max() : a + b;
}

[[nodiscard]] bool is_ows(char c) noexcept { return c == ' ' || c == '\t'; }

[[nodiscard]] std::string_view trim_ows(std::string_view v) noexcept {
    while (!v.empty() && is_ows(v.front())) v.remove_prefix(1);
    while (!v.empty() && is_ows(v.back())) v.remove_suffix(1);
    return v;
}

template <std::size_t N>
[[nodiscard]] bool equals_lower(std::string_view s, const char (&lower)[N]) noexcept {
    return detail::token_equals_lower(s.data(), s.size(), lower, N - 1);
}

// Calls f(element) for each non-empty element of a comma-separated list, OWS trimmed.
template <class F>
void for_each_list_element(std::string_view list, F&& f) noexcept {
    while (true) {
        const std::size_t comma = list.find(',');
        const std::string_view element = trim_ows(list.substr(0, comma));
        if (!element.empty()) f(element);
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
}

// Rebuilds `count` views from field lines already validated, which lie in [p, end).
std::uint32_t rewalk_fields(const char* base, std::size_t p, std::size_t end, header* out, std::uint32_t count) noexcept {
    for (std::uint32_t k = 0; k < count; ++k) {
        const char* line = base + p;
        const char* colon = static_cast<const char*>(std::memchr(line, ':', end - p));
        const char* cr = static_cast<const char*>(std::memchr(colon, '\r', static_cast<std::size_t>(base + end - colon)));
        out[k].name = std::string_view(line, static_cast<std::size_t>(colon - line));
        out[k].value = trim_ows(std::string_view(colon + 1, static_cast<std::size_t>(cr - colon - 1)));
        p = static_cast<std::size_t>(cr - base) + 2;
    }
    return count;
}

} // namespace

request_parser::request_parser(parser_limits limits) noexcept : limits_(limits), state_(state::start) {}

void request_parser::reset() noexcept {
    // Member by member: assigning a fresh temporary compiles to overlapping partial stores and
    // wide reloads (store-forwarding stalls) that cost more than the rest of a small request.
    error_ = parse_error{};
    pos_ = line_start_ = name_end_ = value_start_ = 0;
    request_start_ = method_end_ = target_start_ = target_end_ = version_start_ = 0;
    fields_start_ = head_end_ = body_end_ = trailers_start_ = consumed_ = 0;
    content_length_ = chunk_size_ = body_total_ = 0;
    header_count_ = trailer_count_ = views_valid_ = 0;
    state_ = state::start;
    method_ = http::method::other;
    version_minor_ = 1;
    in_trailers_ = headers_complete_ = has_content_length_ = has_transfer_encoding_ = false;
    chunked_ = conn_close_ = conn_keep_alive_ = expect_continue_ = false;
}

parse_state request_parser::fail(status_code status, std::string_view detail) noexcept {
    error_ = parse_error{status, detail, true};
    state_ = state::failed;
    return parse_state::error;
}

parse_state request_parser::parse(std::span<char> data, request& out, std::span<header> header_storage) noexcept {
    if (state_ == state::failed) return parse_state::error;
    // A caller that passes fewer bytes than already parsed broke the contract; refuse rather
    // than read or write out of bounds.
    if (data.size() < (state_ == state::done ? consumed_ : pos_)) return fail(500, "buffer shorter than the bytes already parsed");
    // Views written by earlier calls may point into a buffer that has moved since.
    views_valid_ = 0;
    const std::size_t capacity = std::min(header_storage.size(), limits_.max_header_count);
    if (header_count_ + trailer_count_ > capacity) return fail(431, "header storage smaller than the fields already parsed");
    if (state_ == state::done) {
        fill_head(data.data(), header_storage, out);
        fill_trailers(data.data(), header_storage, out);
        return parse_state::complete;
    }
    return run(data.data(), data.size(), header_storage, out);
}

parse_state request_parser::run(char* base, std::size_t size, std::span<header> storage, request& out) noexcept {
    const auto* d = reinterpret_cast<const unsigned char*>(base);
    std::size_t i = pos_;
    state st = state_;
    const std::size_t capacity = std::min(storage.size(), limits_.max_header_count);
    // Head and trailer sections each get max_header_bytes; bytes past that are never looked at.
    std::size_t field_end = std::min(size, in_trailers_ ? saturating_add(trailers_start_, limits_.max_header_bytes)
                                                        : limits_.max_header_bytes);
    std::size_t chunk_line_end = 0;

    for (;;) {
        switch (st) {
        case state::start_lf:
            if (i >= field_end) goto need_more_fields;
            if (d[i] != '\n') return fail(400, "CR not followed by LF before the request line");
            ++i;
            st = state::start;
            [[fallthrough]];
        case state::start:
            if (i >= field_end) goto need_more_fields;
            if (d[i] == '\r') {
                ++i;
                st = state::start_lf;
                continue;
            }
            if (d[i] == '\n') return fail(400, "bare LF before the request line");
            request_start_ = i;
            st = state::method;
            [[fallthrough]];
        case state::method: {
            i += detail::find_token_end(d + i, field_end - i);
            if (i >= field_end) goto need_more_fields;
            if (i == request_start_) return fail(400, "request line does not start with a method token");
            if (d[i] != ' ') return fail(400, "invalid character in method");
            method_end_ = i;
            method_ = method_from_token(std::string_view(base + request_start_, i - request_start_));
            ++i;
            target_start_ = i;
            st = state::target;
            [[fallthrough]];
        }
        case state::target: {
            // One byte beyond the limit is enough to prove the target too long.
            const std::size_t limit = std::min(field_end, saturating_add(target_start_, saturating_add(limits_.max_uri_length, 1)));
            i += detail::find_target_end(d + i, limit - i);
            if (i - target_start_ > limits_.max_uri_length) return fail(414, "request-target too long");
            if (i >= field_end) goto need_more_fields;
            if (d[i] != ' ') {
                if (d[i] == '\r' || d[i] == '\n') return fail(400, "request line without HTTP version");
                return fail(400, "invalid character in request-target");
            }
            target_end_ = i;
            const std::string_view t(base + target_start_, target_end_ - target_start_);
            if (t.empty()) return fail(400, "empty request-target");
            if (method_ == http::method::connect) {
                if (t.front() == '/' || t == "*") return fail(400, "CONNECT needs an authority-form request-target");
            } else if (t.front() != '/' && t != "*") {
                // absolute-form: scheme ":" ...; scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
                std::size_t k = 0;
                auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
                if (!alpha(t[0])) return fail(400, "malformed request-target");
                while (k < t.size() && (alpha(t[k]) || (t[k] >= '0' && t[k] <= '9') || t[k] == '+' || t[k] == '-' || t[k] == '.')) ++k;
                if (k == t.size() || t[k] != ':') return fail(400, "malformed request-target");
            }
            ++i;
            version_start_ = i;
            st = state::version;
            [[fallthrough]];
        }
        case state::version: {
            static constexpr char pattern[] = "HTTP/1.1";
            while (i < field_end && i - version_start_ < 8) {
                const std::size_t k = i - version_start_;
                const unsigned char c = d[i];
                const bool ok = (k == 5 || k == 7) ? (c >= '0' && c <= '9') : c == static_cast<unsigned char>(pattern[k]);
                if (!ok) return fail(400, "malformed HTTP version");
                ++i;
            }
            if (i - version_start_ < 8) goto need_more_fields;
            if (d[version_start_ + 5] != '1' || d[version_start_ + 7] > '1') return fail(505, "only HTTP/1.0 and HTTP/1.1 are supported");
            version_minor_ = static_cast<std::uint8_t>(d[version_start_ + 7] - '0');
            st = state::version_cr;
            [[fallthrough]];
        }
        case state::version_cr:
            if (i >= field_end) goto need_more_fields;
            if (d[i] != '\r') return fail(400, d[i] == '\n' ? "bare LF after the request line" : "expected CRLF after HTTP version");
            ++i;
            st = state::version_lf;
            [[fallthrough]];
        case state::version_lf:
            if (i >= field_end) goto need_more_fields;
            if (d[i] != '\n') return fail(400, "CR not followed by LF after the request line");
            ++i;
            fields_start_ = i;
            st = state::line_start;
            [[fallthrough]];
        case state::line_start: {
            if (i >= field_end) goto need_more_fields;
            const unsigned char c = d[i];
            if (c == '\r') {
                ++i;
                st = state::section_lf;
                continue;
            }
            if (!has_class(c, cc_tchar)) {
                if (c == ' ' || c == '\t') {
                    return fail(400, header_count_ + trailer_count_ == 0 && !in_trailers_ ? "whitespace after the request line"
                                                                                         : "obsolete line folding");
                }
                if (c == '\n') return fail(400, "bare LF in header section");
                if (c == ':') return fail(400, "empty header field name");
                return fail(400, "invalid character in header field name");
            }
            if (header_count_ + trailer_count_ >= capacity) return fail(431, "too many header fields");
            line_start_ = i;
            st = state::name;
            [[fallthrough]];
        }
        case state::name:
            i += detail::find_token_end(d + i, field_end - i);
            if (i >= field_end) goto need_more_fields;
            if (d[i] != ':') {
                if (is_ows(static_cast<char>(d[i]))) return fail(400, "whitespace between header field name and colon");
                if (d[i] == '\n') return fail(400, "bare LF in header section");
                return fail(400, "invalid character in header field name");
            }
            name_end_ = i;
            ++i;
            st = state::value_ows;
            [[fallthrough]];
        case state::value_ows:
            while (i < field_end && is_ows(static_cast<char>(d[i]))) ++i;
            if (i >= field_end) goto need_more_fields;
            value_start_ = i;
            st = state::value;
            [[fallthrough]];
        case state::value:
            i += detail::find_value_end(d + i, field_end - i);
            if (i >= field_end) goto need_more_fields;
            if (d[i] != '\r') return fail(400, d[i] == '\n' ? "bare LF in header section" : "invalid character in header field value");
            ++i;
            st = state::value_lf;
            [[fallthrough]];
        case state::value_lf: {
            if (i >= field_end) goto need_more_fields;
            if (d[i] != '\n') return fail(400, "CR not followed by LF in header section");
            ++i;
            // The CR just before this LF ends the value.
            if (const parse_state r = on_field(base, i - 2, storage); r != parse_state::incomplete) return r;
            st = state::line_start;
            continue;
        }
        case state::section_lf:
            if (i >= field_end) goto need_more_fields;
            if (d[i] != '\n') return fail(400, "CR not followed by LF in header section");
            ++i;
            if (in_trailers_) {
                consumed_ = i;
                state_ = state::done;
                fill_head(base, storage, out);
                fill_trailers(base, storage, out);
                return parse_state::complete;
            }
            head_end_ = i;
            pos_ = i;
            if (const parse_state r = on_head_complete(base, storage, out); r != parse_state::incomplete) return r;
            // on_head_complete chose the body state.
            st = state_;
            continue;

        case state::body_length:
            if (size - head_end_ < content_length_) goto need_more;
            consumed_ = head_end_ + static_cast<std::size_t>(content_length_);
            state_ = state::done;
            fill_head(base, storage, out);
            out.body = std::string_view(base + head_end_, static_cast<std::size_t>(content_length_));
            return parse_state::complete;

        case state::chunk_size_start: {
            if (i >= size) goto need_more;
            line_start_ = i;
            chunk_line_end = std::min(size, saturating_add(i, max_chunk_line));
            const int h = detail::hex_value(d[i]);
            if (h < 0) return fail(400, d[i] == '\n' ? "bare LF in chunked framing" : "invalid character in chunk size");
            chunk_size_ = static_cast<std::uint64_t>(h);
            ++i;
            st = state::chunk_size;
            [[fallthrough]];
        }
        case state::chunk_size: {
            chunk_line_end = std::min(size, saturating_add(line_start_, max_chunk_line));
            int h = 0;
            while (i < chunk_line_end && (h = detail::hex_value(d[i])) >= 0) {
                if (chunk_size_ > (u64_max >> 4)) return fail(400, "chunk size overflow");
                chunk_size_ = (chunk_size_ << 4) | static_cast<std::uint64_t>(h);
                ++i;
            }
            if (i >= chunk_line_end) goto need_more_chunk_line;
            if (chunk_size_ > limits_.max_body_bytes - std::min<std::uint64_t>(body_total_, limits_.max_body_bytes)) {
                return fail(413, "chunked body larger than the body limit");
            }
            body_total_ += chunk_size_;
            if (d[i] == ';') {
                ++i;
                st = state::chunk_ext_name_start;
                continue;
            }
            if (d[i] == '\r') {
                ++i;
                st = state::chunk_size_lf;
                continue;
            }
            return fail(400, d[i] == '\n' ? "bare LF in chunked framing" : "invalid character in chunk size");
        }
        case state::chunk_ext_name_start:
        case state::chunk_ext_name:
        case state::chunk_ext_value_start:
        case state::chunk_ext_token:
        case state::chunk_ext_quoted:
        case state::chunk_ext_quoted_pair:
        case state::chunk_ext_after_quoted: {
            // Extensions are rare and carry nothing we use: validate the grammar byte by byte
            // (RFC 9112 §7.1.1, without the optional whitespace, as llhttp's strict mode does).
            chunk_line_end = std::min(size, saturating_add(line_start_, max_chunk_line));
            while (i < chunk_line_end && st != state::chunk_size_lf) {
                const unsigned char c = d[i];
                switch (st) {
                case state::chunk_ext_name_start:
                    if (!has_class(c, cc_tchar)) return fail(400, "invalid chunk extension");
                    st = state::chunk_ext_name;
                    break;
                case state::chunk_ext_name:
                    if (c == '=') st = state::chunk_ext_value_start;
                    else if (c == ';') st = state::chunk_ext_name_start;
                    else if (c == '\r') st = state::chunk_size_lf;
                    else if (!has_class(c, cc_tchar)) return fail(400, "invalid chunk extension");
                    break;
                case state::chunk_ext_value_start:
                    if (c == '"') st = state::chunk_ext_quoted;
                    else if (has_class(c, cc_tchar)) st = state::chunk_ext_token;
                    else return fail(400, "invalid chunk extension value");
                    break;
                case state::chunk_ext_token:
                    if (c == ';') st = state::chunk_ext_name_start;
                    else if (c == '\r') st = state::chunk_size_lf;
                    else if (!has_class(c, cc_tchar)) return fail(400, "invalid chunk extension value");
                    break;
                case state::chunk_ext_quoted:
                    if (c == '"') st = state::chunk_ext_after_quoted;
                    else if (c == '\\') st = state::chunk_ext_quoted_pair;
                    else if (!has_class(c, cc_qdtext)) return fail(400, "invalid character in quoted chunk extension");
                    break;
                case state::chunk_ext_quoted_pair:
                    if (!has_class(c, cc_value)) return fail(400, "invalid quoted-pair in chunk extension");
                    st = state::chunk_ext_quoted;
                    break;
                case state::chunk_ext_after_quoted:
                    if (c == ';') st = state::chunk_ext_name_start;
                    else if (c == '\r') st = state::chunk_size_lf;
                    else return fail(400, "invalid chunk extension");
                    break;
                default: break;
                }
                ++i;
            }
            if (st != state::chunk_size_lf) goto need_more_chunk_line;
            continue;
        }
        case state::chunk_size_lf:
            if (i >= size) goto need_more;
            if (d[i] != '\n') return fail(400, "CR not followed by LF in chunked framing");
            ++i;
            if (chunk_size_ == 0) {
                in_trailers_ = true;
                trailers_start_ = i;
                field_end = std::min(size, saturating_add(trailers_start_, limits_.max_header_bytes));
                st = state::line_start;
                continue;
            }
            st = state::chunk_data;
            [[fallthrough]];
        case state::chunk_data: {
            const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk_size_, size - i));
            // Decode in place: the body grows contiguously from head_end_ while the framing it
            // replaces is always further right, so the regions never cross the read position.
            if (n != 0 && body_end_ != i) std::memmove(base + body_end_, base + i, n);
            body_end_ += n;
            i += n;
            chunk_size_ -= n;
            if (chunk_size_ != 0) goto need_more;
            st = state::chunk_data_cr;
            [[fallthrough]];
        }
        case state::chunk_data_cr:
            if (i >= size) goto need_more;
            if (d[i] != '\r') return fail(400, "chunk data not followed by CRLF");
            ++i;
            st = state::chunk_data_lf;
            [[fallthrough]];
        case state::chunk_data_lf:
            if (i >= size) goto need_more;
            if (d[i] != '\n') return fail(400, "chunk data not followed by CRLF");
            ++i;
            st = state::chunk_size_start;
            continue;

        case state::done:
        case state::failed:
            return fail(500, "parser state corrupted");
        }
    }

need_more_fields:
    // Out of bytes inside the head or trailer section: if the section budget is what stopped us,
    // the limit is exceeded.
    if (field_end < size) return fail(431, in_trailers_ ? "trailer section too large" : "header section too large");
    goto need_more;
need_more_chunk_line:
    if (chunk_line_end < size) return fail(400, "chunk size line too long");
need_more:
    pos_ = i;
    state_ = st;
    return parse_state::incomplete;
}

parse_state request_parser::on_field(const char* base, std::size_t value_end, std::span<header> storage) noexcept {
    const std::string_view name(base + line_start_, name_end_ - line_start_);
    std::string_view value(base + value_start_, value_end - value_start_);
    while (!value.empty() && is_ows(value.back())) value.remove_suffix(1);

    const std::uint32_t index = header_count_ + trailer_count_;
    if (views_valid_ == index) {
        storage[index] = header{name, value};
        ++views_valid_;
    }
    if (in_trailers_) {
        ++trailer_count_;
        return parse_state::incomplete;
    }
    ++header_count_;

    switch (name.size()) {
    case 6:
        if (equals_lower(name, "expect")) {
            // The only expectation defined is 100-continue; HTTP/1.0 servers must ignore it.
            if (!equals_lower(value, "100-continue")) return fail(417, "unsupported expectation");
            if (version_minor_ == 1) expect_continue_ = true;
        }
        break;
    case 10:
        if (equals_lower(name, "connection")) on_connection(value);
        break;
    case 14:
        if (equals_lower(name, "content-length")) return on_content_length(value);
        break;
    case 17:
        if (equals_lower(name, "transfer-encoding")) return on_transfer_encoding(value);
        break;
    default: break;
    }
    return parse_state::incomplete;
}

parse_state request_parser::on_content_length(std::string_view value) noexcept {
    if (has_content_length_) return fail(400, "duplicate Content-Length");
    if (has_transfer_encoding_) return fail(400, "Content-Length together with Transfer-Encoding");
    if (value.empty()) return fail(400, "empty Content-Length");
    std::uint64_t n = 0;
    for (const char c : value) {
        if (c < '0' || c > '9') return fail(400, "invalid Content-Length");
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (n > (u64_max - digit) / 10) return fail(400, "Content-Length overflow");
        n = n * 10 + digit;
    }
    has_content_length_ = true;
    content_length_ = n;
    if (n > limits_.max_body_bytes) return fail(413, "Content-Length larger than the body limit");
    return parse_state::incomplete;
}

parse_state request_parser::on_transfer_encoding(std::string_view value) noexcept {
    if (has_content_length_) return fail(400, "Transfer-Encoding together with Content-Length");
    // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
    if (version_minor_ == 0) return fail(400, "Transfer-Encoding in an HTTP/1.0 request");
    has_transfer_encoding_ = true;
    bool any = false;
    std::size_t p = 0;
    while (p < value.size()) {
        while (p < value.size() && (is_ows(value[p]) || value[p] == ',')) ++p;
        if (p == value.size()) break;
        const std::size_t start = p;
        while (p < value.size() && has_class(static_cast<unsigned char>(value[p]), cc_tchar)) ++p;
        const std::string_view coding = value.substr(start, p - start);
        if (coding.empty()) return fail(400, "malformed Transfer-Encoding");
        while (p < value.size() && is_ows(value[p])) ++p;
        const bool has_params = p < value.size() && value[p] == ';';
        if (p < value.size() && value[p] != ',' && !has_params) return fail(400, "malformed Transfer-Encoding");
        any = true;
        if (chunked_) return fail(400, "chunked is not the final transfer coding");
        if (!equals_lower(coding, "chunked")) return fail(501, "unsupported transfer coding");
        if (has_params) return fail(400, "chunked takes no parameters");
        chunked_ = true;
    }
    if (!any) return fail(400, "empty Transfer-Encoding");
    return parse_state::incomplete;
}

void request_parser::on_connection(std::string_view value) noexcept {
    for_each_list_element(value, [this](std::string_view option) {
        if (equals_lower(option, "close")) conn_close_ = true;
        else if (equals_lower(option, "keep-alive")) conn_keep_alive_ = true;
    });
}

parse_state request_parser::on_head_complete(const char* base, std::span<header> storage, request& out) noexcept {
    headers_complete_ = true;
    fill_head(base, storage, out);
    // RFC 9110 §9.3.6: a CONNECT request has no content; what follows the head is tunnel data.
    if (method_ == http::method::connect) {
        consumed_ = head_end_;
        state_ = state::done;
        return parse_state::complete;
    }
    if (has_transfer_encoding_) {
        // on_transfer_encoding rejected every coding but a final "chunked".
        body_end_ = head_end_;
        state_ = state::chunk_size_start;
        return parse_state::incomplete;
    }
    if (has_content_length_ && content_length_ != 0) {
        state_ = state::body_length;
        return parse_state::incomplete;
    }
    consumed_ = head_end_;
    state_ = state::done;
    return parse_state::complete;
}

void request_parser::fill_head(const char* base, std::span<header> storage, request& out) noexcept {
    if (views_valid_ < header_count_) views_valid_ = rewalk_fields(base, fields_start_, head_end_, storage.data(), header_count_);
    out.method = method_;
    out.method_token = std::string_view(base + request_start_, method_end_ - request_start_);
    out.target = std::string_view(base + target_start_, target_end_ - target_start_);
    // The fragment is not part of path or query (it should never be sent, but some clients do).
    const std::size_t q = detail::find_query_start(out.target.data(), out.target.size());
    out.path = out.target.substr(0, q);
    out.query = {};
    if (q < out.target.size() && out.target[q] == '?') {
        const std::string_view rest = out.target.substr(q + 1);
        out.query = rest.substr(0, rest.find('#'));
    }
    out.version_minor = version_minor_;
    out.headers = std::span<const header>(storage.data(), header_count_);
    out.trailers = {};
    out.body = {};
    out.keep_alive = version_minor_ == 1 ? !conn_close_ : (conn_keep_alive_ && !conn_close_);
    out.expect_continue = expect_continue_;
    out.chunked = chunked_;
}

void request_parser::fill_trailers(const char* base, std::span<header> storage, request& out) noexcept {
    // CONNECT completed at the end of its head whatever framing headers it carried.
    if (method_ == http::method::connect) return;
    if (chunked_) {
        if (views_valid_ < header_count_ + trailer_count_) {
            rewalk_fields(base, trailers_start_, consumed_, storage.data() + header_count_, trailer_count_);
            views_valid_ = header_count_ + trailer_count_;
        }
        out.trailers = std::span<const header>(storage.data() + header_count_, trailer_count_);
        out.body = std::string_view(base + head_end_, body_end_ - head_end_);
    } else if (has_content_length_) {
        out.body = std::string_view(base + head_end_, static_cast<std::size_t>(content_length_));
    }
}

} // namespace katana::http
