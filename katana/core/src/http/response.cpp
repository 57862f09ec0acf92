#include <katana/http/response.hpp>

#include <charconv>
#include <cstring>

namespace katana::http {
namespace {

constexpr std::string_view server_line = "Server: katana\r\n";

char* put(char* p, std::string_view s) noexcept {
    if (s.empty()) return p; // memcpy from an empty view's null data() is undefined
    std::memcpy(p, s.data(), s.size());
    return p + s.size();
}

bool status_has_no_body(status_code code) noexcept {
    return (code >= 100 && code < 200) || code == 204 || code == 304;
}

} // namespace

response& response::header(std::string_view name, std::string_view value) {
    if (iequals(name, "Content-Type")) has_content_type_ = true;
    const std::size_t total = sizeof(header_node) + name.size() + value.size();
    void* raw = memory_->allocate(total, alignof(header_node));
    char* text = static_cast<char*>(raw) + sizeof(header_node);
    std::memcpy(text, name.data(), name.size());
    std::memcpy(text + name.size(), value.data(), value.size());
    auto* node = ::new (raw) header_node{nullptr, {text, name.size()}, {text + name.size(), value.size()}};
    if (last_header_ != nullptr) {
        last_header_->next = node;
    } else {
        first_header_ = node;
    }
    last_header_ = node;
    header_bytes_ += name.size() + value.size() + 4; // ": " and CRLF
    return *this;
}

void response::write_head(long long content_length, bool chunked) {
    const std::string_view reason = reason_phrase(status_);
    const bool http10 = options_.version_minor == 0;
    std::string_view connection_line;
    if (!options_.keep_alive) {
        connection_line = "Connection: close\r\n";
    } else if (http10) {
        connection_line = "Connection: keep-alive\r\n";
    }
    char length_digits[24];
    std::size_t length_size = 0;
    if (content_length >= 0) {
        auto r = std::to_chars(length_digits, length_digits + sizeof length_digits, content_length);
        length_size = static_cast<std::size_t>(r.ptr - length_digits);
    }
    constexpr std::string_view length_prefix = "Content-Length: ";
    constexpr std::string_view chunked_line = "Transfer-Encoding: chunked\r\n";
    const std::size_t need = 9 + 3 + 1 + reason.size() + 2 + options_.date_line.size() + server_line.size() +
                             connection_line.size() + header_bytes_ +
                             (content_length >= 0 ? length_prefix.size() + length_size + 2 : 0) +
                             (chunked ? chunked_line.size() : 0) + 2;
    char* const begin = out().reserve(need);
    char* p = put(begin, "HTTP/1.1 ");
    p[0] = static_cast<char>('0' + status_ / 100 % 10);
    p[1] = static_cast<char>('0' + status_ / 10 % 10);
    p[2] = static_cast<char>('0' + status_ % 10);
    p[3] = ' ';
    p = put(p + 4, reason);
    p = put(p, "\r\n");
    p = put(p, options_.date_line);
    p = put(p, server_line);
    p = put(p, connection_line);
    for (header_node* h = first_header_; h != nullptr; h = h->next) {
        p = put(p, h->name);
        p = put(p, ": ");
        p = put(p, h->value);
        p = put(p, "\r\n");
    }
    if (content_length >= 0) {
        p = put(p, length_prefix);
        p = put(p, {length_digits, length_size});
        p = put(p, "\r\n");
    }
    if (chunked) p = put(p, chunked_line);
    p = put(p, "\r\n");
    out().commit(static_cast<std::size_t>(p - begin));
}

void response::body(std::string_view bytes) { finish_with(bytes, true); }

void response::body_ref(std::string_view bytes) { finish_with(bytes, false); }

void response::finish_with(std::string_view bytes, bool copy) {
    if (state_ != state::building) return;
    state_ = state::finished;
    if (status_has_no_body(status_)) {
        write_head(-1, false);
        return;
    }
    write_head(static_cast<long long>(bytes.size()), false);
    if (options_.head_request) return;
    if (copy) {
        out().append(bytes);
    } else {
        out().append_external(bytes);
    }
}

void response::finish() { body({}); }

void response::problem(status_code code, std::string_view detail) {
    if (state_ != state::building) return;
    status_ = code;
    if (!has_content_type_) header("Content-Type", "application/problem+json");
    const std::string_view title = reason_phrase(code);
    char digits[8];
    auto r = std::to_chars(digits, digits + sizeof digits, static_cast<unsigned>(code));
    const std::string_view status_digits{digits, static_cast<std::size_t>(r.ptr - digits)};
    constexpr std::string_view prefix = R"({"type":"about:blank","title":)";
    constexpr std::string_view status_key = R"(,"status":)";
    constexpr std::string_view detail_key = R"(,"detail":)";
    std::size_t length = prefix.size() + json_string_length(title) + status_key.size() + status_digits.size() + 1;
    if (!detail.empty()) length += detail_key.size() + json_string_length(detail);
    state_ = state::finished;
    write_head(static_cast<long long>(length), false);
    if (options_.head_request) return;
    out().append(prefix);
    append_json_string(out(), title);
    out().append(status_key);
    out().append(status_digits);
    if (!detail.empty()) {
        out().append(detail_key);
        append_json_string(out(), detail);
    }
    out().append("}");
}

void response::begin_stream() {
    if (state_ != state::building) return;
    state_ = state::streaming;
    if (options_.version_minor == 0) {
        stream_unframed_ = true;
        options_.keep_alive = false;
        write_head(-1, false);
        return;
    }
    write_head(-1, true);
}

void response::write(std::string_view chunk) {
    if (state_ != state::streaming || chunk.empty() || options_.head_request) return;
    if (stream_unframed_) {
        out().append(chunk);
        return;
    }
    char size_line[24];
    auto r = std::to_chars(size_line, size_line + 16, chunk.size(), 16);
    *r.ptr++ = '\r';
    *r.ptr++ = '\n';
    out().append({size_line, static_cast<std::size_t>(r.ptr - size_line)});
    out().append(chunk);
    out().append("\r\n");
}

void response::end_stream() {
    if (state_ != state::streaming) return;
    state_ = state::finished;
    if (!stream_unframed_ && !options_.head_request) out().append("0\r\n\r\n");
}

std::size_t json_string_length(std::string_view s) noexcept {
    std::size_t n = 2;
    for (unsigned char c : s) {
        if (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f') {
            n += 2;
        } else if (c < 0x20) {
            n += 6;
        } else {
            n += 1;
        }
    }
    return n;
}

void append_json_string(output_buffer& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    // Worst case: every byte becomes \u00XX (6 bytes), plus quotes.
    char* const begin = out.reserve(json_string_length(s));
    char* p = begin;
    *p++ = '"';
    for (unsigned char c : s) {
        switch (c) {
        case '"': *p++ = '\\'; *p++ = '"'; break;
        case '\\': *p++ = '\\'; *p++ = '\\'; break;
        case '\n': *p++ = '\\'; *p++ = 'n'; break;
        case '\r': *p++ = '\\'; *p++ = 'r'; break;
        case '\t': *p++ = '\\'; *p++ = 't'; break;
        case '\b': *p++ = '\\'; *p++ = 'b'; break;
        case '\f': *p++ = '\\'; *p++ = 'f'; break;
        default:
            if (c < 0x20) {
                p = put(p, "\\u00");
                *p++ = hex[c >> 4];
                *p++ = hex[c & 15];
            } else {
                *p++ = static_cast<char>(c);
            }
        }
    }
    *p++ = '"';
    out.commit(static_cast<std::size_t>(p - begin));
}

} // namespace katana::http
