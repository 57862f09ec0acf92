// Adversarial, table-driven tests for katana::http::request_parser.
//
// Three ideas carry the file:
//  * every input is placed against an inaccessible (PROT_NONE) page, so a read of even one byte past
//    the end (or before the start) of the span handed to the parser faults, sanitizers or not;
//  * every prefix of a valid request must be `incomplete`, whether parsed afresh or fed to the same
//    parser in a growing buffer that moves between calls (old copies are made inaccessible, which
//    turns any pointer the parser kept into the old buffer into a fault);
//  * every byte value in every position of the request line, field lines and chunk lines is checked
//    against an independent classification written from the RFC 9110/9112 grammar, not from the
//    parser.
#include <katana/http/parser.hpp>

#include <gtest/gtest.h>

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define KATANA_TEST_HAS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KATANA_TEST_HAS_ASAN 1
#endif
#endif
#ifdef KATANA_TEST_HAS_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace {

using namespace std::string_view_literals;
using katana::http::header;
using katana::http::parse_state;
using katana::http::parser_limits;
using katana::http::request;
using katana::http::request_parser;
using katana::http::status_code;

// ---------------------------------------------------------------------------------------------
// Guarded memory

std::size_t page_size() {
    static const std::size_t size = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    return size;
}

// A private anonymous mapping with one PROT_NONE page directly after (guard::after) or before
// (guard::before) the usable pages. Lifetime: spans returned by place() point into the mapping and
// die with this object (or become inaccessible after seal()).
class guarded_buffer {
public:
    enum class guard { after, before };

    guarded_buffer(std::size_t capacity, guard where) : where_(where) {
        const std::size_t pg = page_size();
        usable_ = std::max<std::size_t>(1, (capacity + pg - 1) / pg) * pg;
        total_ = usable_ + pg;
        void* p = ::mmap(nullptr, total_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            ADD_FAILURE() << "mmap failed";
            return;
        }
        base_ = static_cast<char*>(p);
        char* guard_page = where_ == guard::after ? base_ + usable_ : base_;
        if (::mprotect(guard_page, pg, PROT_NONE) != 0) ADD_FAILURE() << "mprotect failed";
    }
    guarded_buffer(const guarded_buffer&) = delete;
    guarded_buffer& operator=(const guarded_buffer&) = delete;
    ~guarded_buffer() {
        if (base_ != nullptr) ::munmap(base_, total_);
    }

    // Copies `bytes` so that they end exactly at the guard page (guard::after) or start exactly
    // after it (guard::before).
    std::span<char> place(std::string_view bytes) {
        if (base_ == nullptr || bytes.size() > usable_) {
            ADD_FAILURE() << "input larger than guarded buffer";
            return {};
        }
        char* first = where_ == guard::after ? base_ + usable_ - bytes.size() : base_ + page_size();
        if (!bytes.empty()) std::memcpy(first, bytes.data(), bytes.size());
        return {first, bytes.size()};
    }

    // Makes the whole mapping inaccessible: a parser that still points into it faults on use.
    void seal() {
        if (base_ != nullptr) ::mprotect(base_, total_, PROT_NONE);
    }

private:
    guard where_;
    std::size_t usable_ = 0;
    std::size_t total_ = 0;
    char* base_ = nullptr;
};

// ---------------------------------------------------------------------------------------------
// Owning snapshot of one parse() call, so results from different buffers can be compared.

struct outcome {
    parse_state state = parse_state::incomplete;
    status_code status = 0;
    bool close = false;
    std::size_t consumed = 0;
    bool headers_complete = false;
    // Request fields; filled only when state == complete.
    katana::http::method method = katana::http::method::other;
    std::string method_token, target, path, query;
    unsigned version_minor = 0;
    std::vector<std::pair<std::string, std::string>> headers, trailers;
    std::string body;
    bool keep_alive = false, expect_continue = false, chunked = false;

    friend bool operator==(const outcome&, const outcome&) = default;
};

const char* to_string(parse_state s) {
    switch (s) {
    case parse_state::incomplete: return "incomplete";
    case parse_state::complete: return "complete";
    case parse_state::error: return "error";
    }
    return "?";
}

std::string printable(std::string_view s) {
    std::string out;
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '\r') out += "\\r";
        else if (c == '\n') out += "\\n";
        else if (c == '\t') out += "\\t";
        else if (c == '\\') out += "\\\\";
        else if (c < 0x20 || c >= 0x7f) {
            static constexpr char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += ch;
        }
    }
    return out;
}

std::ostream& operator<<(std::ostream& os, const outcome& o) {
    os << "{" << to_string(o.state);
    if (o.state == parse_state::error) os << " status=" << o.status << " close=" << o.close;
    if (o.state == parse_state::complete) {
        os << " consumed=" << o.consumed << " " << o.method_token << " '" << printable(o.target) << "' path='"
           << printable(o.path) << "' query='" << printable(o.query) << "' 1." << o.version_minor << " headers=[";
        for (const auto& [n, v] : o.headers) os << printable(n) << ":'" << printable(v) << "' ";
        os << "] trailers=[";
        for (const auto& [n, v] : o.trailers) os << printable(n) << ":'" << printable(v) << "' ";
        os << "] body='" << printable(o.body) << "' keep_alive=" << o.keep_alive << " expect=" << o.expect_continue
           << " chunked=" << o.chunked;
    }
    return os << "}";
}

bool inside(std::string_view v, std::span<const char> buf) {
    if (v.empty()) return true;
    // Compared without forming v.data() + v.size(), which a corrupt view could overflow.
    const char* end = buf.data() + buf.size();
    return v.data() >= buf.data() && v.data() <= end && v.size() <= static_cast<std::size_t>(end - v.data());
}

// Runs one parse() call and snapshots it. Structural invariants that must hold for every call are
// checked here (views inside the buffer, headers inside the storage, consumed bounded); a
// violation is reported as a test failure mentioning `what`.
outcome run_parse(request_parser& p, std::span<char> data, std::span<header> storage, const std::string& what) {
    request req;
    const parse_state st = p.parse(data, req, storage);
    outcome o;
    o.state = st;
    o.headers_complete = p.headers_complete();
    if (st == parse_state::error) {
        o.status = p.error().status;
        o.close = p.error().close_connection;
        return o;
    }
    if (st != parse_state::complete) return o;
    o.consumed = p.consumed();
    if (o.consumed == 0 || o.consumed > data.size()) ADD_FAILURE() << what << ": consumed " << o.consumed << " of " << data.size();
    const std::span<const char> used{data.data(), std::min(o.consumed, data.size())};
    auto check_view = [&](std::string_view v, const char* field) {
        if (!inside(v, used)) ADD_FAILURE() << what << ": " << field << " view lies outside the consumed bytes";
    };
    check_view(req.method_token, "method_token");
    check_view(req.target, "target");
    check_view(req.path, "path");
    check_view(req.query, "query");
    check_view(req.body, "body");
    auto check_fields = [&](std::span<const header> fields, const char* kind) {
        if (!fields.empty() && (fields.data() < storage.data() || fields.data() + fields.size() > storage.data() + storage.size()))
            ADD_FAILURE() << what << ": " << kind << " span lies outside header_storage";
        for (const auto& h : fields) {
            check_view(h.name, kind);
            check_view(h.value, kind);
        }
    };
    check_fields(req.headers, "headers");
    check_fields(req.trailers, "trailers");
    if (req.method != katana::http::method_from_token(req.method_token))
        ADD_FAILURE() << what << ": method enum does not match token " << req.method_token;
    if (req.body.size() > p.limits().max_body_bytes) ADD_FAILURE() << what << ": body larger than max_body_bytes";

    o.method = req.method;
    o.method_token = req.method_token;
    o.target = req.target;
    o.path = req.path;
    o.query = req.query;
    o.version_minor = req.version_minor;
    for (const auto& h : req.headers) o.headers.emplace_back(h.name, h.value);
    for (const auto& h : req.trailers) o.trailers.emplace_back(h.name, h.value);
    o.body = req.body;
    o.keep_alive = req.keep_alive;
    o.expect_continue = req.expect_continue;
    o.chunked = req.chunked;
    return o;
}

constexpr std::size_t storage_slots = 256;

// One fresh parser, one call, bytes placed against a guard page after the end.
outcome parse_guarded(std::string_view bytes, const parser_limits& limits = {},
                      guarded_buffer::guard where = guarded_buffer::guard::after) {
    guarded_buffer buf(bytes.size(), where);
    std::vector<header> storage(storage_slots);
    request_parser p(limits);
    return run_parse(p, buf.place(bytes), storage, printable(bytes.substr(0, 80)));
}

// Stops a table test from printing thousands of near-identical failures.
class failure_budget {
public:
    explicit failure_budget(int n) : left_(n) {}
    bool spend() { return left_-- > 0; }

private:
    int left_;
};

// ---------------------------------------------------------------------------------------------
// Independent classification from the RFC grammar (RFC 9110 §5.6.2, RFC 9112 §3, §5, §7.1,
// RFC 3986 §3.3-3.4). Deliberately naive: short, readable, table-free.

namespace ref {

bool is_alpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
bool is_hex(unsigned char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_tchar(unsigned char c) { return is_alpha(c) || is_digit(c) || "!#$%&'*+-.^_`|~"sv.find(static_cast<char>(c)) != std::string_view::npos; }
bool is_vchar(unsigned char c) { return c >= 0x21 && c <= 0x7e; }
bool is_obs_text(unsigned char c) { return c >= 0x80; }
bool is_field_char(unsigned char c) { return is_vchar(c) || is_obs_text(c) || c == ' ' || c == '\t'; }
bool is_unreserved(unsigned char c) { return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~'; }
bool is_sub_delim(unsigned char c) { return "!$&'()*+,;="sv.find(static_cast<char>(c)) != std::string_view::npos; }
bool is_token(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return is_tchar(static_cast<unsigned char>(c)); });
}

// What a conforming parser may answer for an input. `allowed` lists acceptable statuses for an
// error; `may_accept` says whether a complete parse is acceptable too.
struct verdict {
    bool may_accept = false;
    std::vector<status_code> allowed;

    static verdict accept() { return {true, {}}; }
    static verdict reject(status_code s) { return {false, {s}}; }
    // RFC leaves room (or the base request changes meaning): either accept or reject with `s`.
    static verdict either(status_code s) { return {true, {s}}; }
};

// origin-form = absolute-path [ "?" query ]; absolute-path = 1*( "/" segment ); pchar per RFC 3986.
// Bytes RFC 3986 forbids but that some servers tolerate are reported through `gray`.
bool origin_form_ok(std::string_view t, bool& gray) {
    if (t.empty() || t[0] != '/') return false;
    for (std::size_t i = 0; i < t.size(); ++i) {
        const auto c = static_cast<unsigned char>(t[i]);
        if (c <= 0x20 || c == 0x7f) return false;
        if (c == '%') {
            if (i + 2 >= t.size() || !is_hex(static_cast<unsigned char>(t[i + 1])) || !is_hex(static_cast<unsigned char>(t[i + 2])))
                gray = true;
            continue;
        }
        if (is_unreserved(c) || is_sub_delim(c) || c == ':' || c == '@' || c == '/' || c == '?') continue;
        gray = true; // '"', '#', '<', '>', '[', '\\', ']', '^', '`', '{', '|', '}', obs-text
    }
    return true;
}

// request-line = method SP request-target SP HTTP-version (no CRLF in `line`).
verdict request_line(std::string_view line) {
    for (char ch : line) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '\r' || c == '\n') return verdict::reject(400);
    }
    const auto sp1 = line.find(' ');
    if (sp1 == std::string_view::npos) return verdict::reject(400);
    const auto sp2 = line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) return verdict::reject(400);
    const auto method = line.substr(0, sp1);
    const auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const auto version = line.substr(sp2 + 1);
    if (!is_token(method)) return verdict::reject(400);
    bool gray = false;
    if (!origin_form_ok(target, gray)) {
        // A single substituted byte can only turn "/..." into something that is neither
        // origin-form, absolute-form (needs "scheme:"), authority-form (CONNECT only) nor "*".
        return verdict::reject(400);
    }
    if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || !is_digit(static_cast<unsigned char>(version[5])) ||
        version[6] != '.' || !is_digit(static_cast<unsigned char>(version[7])))
        return verdict::reject(400);
    if (version != "HTTP/1.1" && version != "HTTP/1.0") return verdict::reject(505);
    return gray ? verdict::either(400) : verdict::accept();
}

// field-line = field-name ":" OWS field-value OWS (no CRLF in `line`).
verdict field_line(std::string_view line) {
    for (char ch : line) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '\r' || c == '\n') return verdict::reject(400);
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) return verdict::reject(400);
    for (char ch : line.substr(colon + 1)) {
        if (!is_field_char(static_cast<unsigned char>(ch))) return verdict::reject(400);
    }
    return verdict::accept();
}

struct chunk_line_result {
    bool valid = false;
    bool used_bws = false; // whitespace around ';' or '=' (BWS): allowed by the ABNF, often refused
    std::uint64_t size = 0;
};

// chunk-size [ chunk-ext ] with chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ),
// ext-val = token / quoted-string (no CRLF in `line`).
chunk_line_result chunk_line(std::string_view line) {
    chunk_line_result r;
    std::size_t i = 0;
    auto at = [&](std::size_t k) { return static_cast<unsigned char>(line[k]); };
    while (i < line.size() && is_hex(at(i))) {
        r.size = r.size * 16 + static_cast<std::uint64_t>(is_digit(at(i)) ? at(i) - '0' : (at(i) | 0x20) - 'a' + 10);
        ++i;
    }
    if (i == 0) return r;
    auto skip_bws = [&] {
        const std::size_t start = i;
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        if (i != start) r.used_bws = true;
        return i != start;
    };
    auto token = [&] {
        const std::size_t start = i;
        while (i < line.size() && is_tchar(at(i))) ++i;
        return i != start;
    };
    auto quoted = [&] {
        if (i >= line.size() || line[i] != '"') return false;
        ++i;
        while (i < line.size()) {
            const unsigned char c = at(i);
            if (c == '"') {
                ++i;
                return true;
            }
            if (c == '\\') {
                if (i + 1 >= line.size()) return false;
                const unsigned char n = at(i + 1);
                if (!(n == '\t' || n == ' ' || is_vchar(n) || is_obs_text(n))) return false;
                i += 2;
                continue;
            }
            if (!(c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e) || is_obs_text(c)))
                return false;
            ++i;
        }
        return false;
    };
    for (;;) {
        const bool ws = skip_bws();
        if (i == line.size()) {
            r.valid = !ws;
            return r;
        }
        if (line[i] != ';') return r;
        ++i;
        skip_bws();
        if (!token()) return r;
        const std::size_t before_eq = i;
        skip_bws();
        if (i < line.size() && line[i] == '=') {
            ++i;
            skip_bws();
            if (!token() && !quoted()) return r;
        } else {
            i = before_eq; // the whitespace belongs to the next BWS ";" (or is trailing garbage)
        }
    }
}

} // namespace ref

// Accept/reject agreement between an outcome and a verdict; returns a description on mismatch.
std::optional<std::string> mismatch(const outcome& got, const ref::verdict& want) {
    if (got.state == parse_state::incomplete) return "incomplete on a full input";
    if (got.state == parse_state::complete) {
        if (want.may_accept) return std::nullopt;
        return "accepted; expected status " + std::to_string(want.allowed.empty() ? 0 : want.allowed.front());
    }
    if (std::find(want.allowed.begin(), want.allowed.end(), got.status) == want.allowed.end())
        return want.may_accept ? "rejected with " + std::to_string(got.status) + "; expected acceptance"
                               : "rejected with " + std::to_string(got.status) + "; expected " +
                                     std::to_string(want.allowed.empty() ? 0 : want.allowed.front());
    if (!got.close) return "rejected without close_connection";
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Valid requests for the truncation tests. A case may hold several pipelined requests.

struct valid_case {
    std::string name;
    std::vector<std::string> requests;
    // Checks the one-shot parse of each request (index, outcome) against known values.
    std::function<void(std::size_t, const outcome&)> check;

    std::string joined() const {
        std::string s;
        for (const auto& r : requests) s += r;
        return s;
    }
    std::vector<std::size_t> ends() const {
        std::vector<std::size_t> e;
        std::size_t acc = 0;
        for (const auto& r : requests) e.push_back(acc += r.size());
        return e;
    }
};

std::string header_of(const outcome& o, std::string_view name) {
    for (const auto& [n, v] : o.headers) {
        if (katana::http::iequals(n, name)) return v;
    }
    return "<absent>";
}

std::vector<valid_case> valid_cases() {
    std::vector<valid_case> cases;
    cases.push_back({"get_many_headers",
                     {"GET /search/items?q=katana&lang=en HTTP/1.1\r\n"
                      "Host: example.com\r\n"
                      "User-Agent: table-test/1.0 (x86_64)\r\n"
                      "Accept: text/html, application/json;q=0.9, */*;q=0.1\r\n"
                      "Accept-Encoding: gzip, deflate, br\r\n"
                      "X-Empty:\r\n"
                      "X-Padded: \t  inner  value \t \r\n"
                      "Cookie: a=1; b=\"two\"\r\n"
                      "X-Obs-Text: caf\xc3\xa9\r\n"
                      "If-None-Match: \"abc\", W/\"def\"\r\n"
                      "Connection: keep-alive\r\n"
                      "\r\n"},
                     [](std::size_t, const outcome& o) {
                         EXPECT_EQ(o.method, katana::http::method::get);
                         EXPECT_EQ(o.target, "/search/items?q=katana&lang=en");
                         EXPECT_EQ(o.path, "/search/items");
                         EXPECT_EQ(o.query, "q=katana&lang=en");
                         EXPECT_EQ(o.version_minor, 1u);
                         EXPECT_EQ(o.headers.size(), 10u);
                         EXPECT_EQ(header_of(o, "x-empty"), "");
                         EXPECT_EQ(header_of(o, "X-PADDED"), "inner  value");
                         EXPECT_EQ(header_of(o, "x-obs-text"), "caf\xc3\xa9");
                         EXPECT_EQ(header_of(o, "cookie"), "a=1; b=\"two\"");
                         EXPECT_TRUE(o.keep_alive);
                         EXPECT_EQ(o.body, "");
                     }});
    cases.push_back({"post_content_length",
                     {"POST /api/v1/users HTTP/1.1\r\nHost: api.local\r\nContent-Type: application/json\r\n"
                      "Content-Length: 27\r\n\r\n{\"name\":\"ann\",\"age\":30}\r\n\r\n"},
                     [](std::size_t, const outcome& o) {
                         EXPECT_EQ(o.method, katana::http::method::post);
                         EXPECT_EQ(o.body, "{\"name\":\"ann\",\"age\":30}\r\n\r\n");
                         EXPECT_FALSE(o.chunked);
                         EXPECT_EQ(o.headers.size(), 3u);
                     }});
    cases.push_back({"chunked_extensions_trailers",
                     {"POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "5;name=value\r\nhello\r\n"
                      "7;q=\"quoted;\\\"str\";flag\r\n, world\r\n"
                      "A\r\n0123456789\r\n"
                      "000\r\n"
                      "X-Trailer: yes\r\nX-Checksum: 42\r\n\r\n"},
                     [](std::size_t, const outcome& o) {
                         EXPECT_TRUE(o.chunked);
                         EXPECT_EQ(o.body, "hello, world0123456789");
                         ASSERT_EQ(o.trailers.size(), 2u);
                         EXPECT_EQ(o.trailers[0], (std::pair<std::string, std::string>{"X-Trailer", "yes"}));
                         EXPECT_EQ(o.trailers[1], (std::pair<std::string, std::string>{"X-Checksum", "42"}));
                     }});
    cases.push_back({"chunked_empty_body",
                     {"PUT /empty HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
                     [](std::size_t, const outcome& o) {
                         EXPECT_TRUE(o.chunked);
                         EXPECT_EQ(o.body, "");
                         EXPECT_TRUE(o.trailers.empty());
                     }});
    cases.push_back({"pipelined_get_then_post",
                     {"GET /first HTTP/1.1\r\nHost: a\r\n\r\n",
                      "POST /second?x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nabcde",
                      "GET /third HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"},
                     [](std::size_t i, const outcome& o) {
                         const char* targets[] = {"/first", "/second?x", "/third"};
                         EXPECT_EQ(o.target, targets[i]);
                         EXPECT_EQ(o.body, i == 1 ? "abcde" : "");
                         EXPECT_EQ(o.keep_alive, i != 2);
                     }});
    cases.push_back({"http10_get",
                     {"GET /legacy HTTP/1.0\r\nUser-Agent: old\r\n\r\n"},
                     [](std::size_t, const outcome& o) {
                         EXPECT_EQ(o.version_minor, 0u);
                         EXPECT_FALSE(o.keep_alive);
                     }});
    cases.push_back({"http10_keep_alive",
                     {"HEAD /k HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"},
                     [](std::size_t, const outcome& o) {
                         EXPECT_EQ(o.method, katana::http::method::head);
                         EXPECT_TRUE(o.keep_alive);
                     }});
    cases.push_back({"options_asterisk",
                     {"OPTIONS * HTTP/1.1\r\nHost: example.com\r\n\r\n"},
                     [](std::size_t, const outcome& o) {
                         EXPECT_EQ(o.method, katana::http::method::options);
                         EXPECT_EQ(o.target, "*");
                     }});
    cases.push_back({"absolute_form",
                     {"GET http://example.com:8080/a/b?x=1&y=%20 HTTP/1.1\r\nHost: example.com:8080\r\n\r\n"},
                     [](std::size_t, const outcome& o) {
                         EXPECT_EQ(o.target, "http://example.com:8080/a/b?x=1&y=%20");
                         EXPECT_EQ(o.query, "x=1&y=%20");
                     }});
    cases.push_back({"connect_authority_form",
                     {"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"},
                     [](std::size_t, const outcome& o) {
                         EXPECT_EQ(o.method, katana::http::method::connect);
                         EXPECT_EQ(o.target, "example.com:443");
                     }});
    cases.push_back({"expect_continue_close",
                     {"PATCH /items/7 HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n"
                      "Connection: close\r\n\r\nxyz"},
                     [](std::size_t, const outcome& o) {
                         EXPECT_TRUE(o.expect_continue);
                         EXPECT_FALSE(o.keep_alive);
                         EXPECT_EQ(o.body, "xyz");
                     }});
    cases.push_back({"leading_empty_lines",
                     {"\r\n\r\nDELETE /items/9 HTTP/1.1\r\nHost: h\r\n\r\n"},
                     [](std::size_t, const outcome& o) {
                         EXPECT_EQ(o.method, katana::http::method::delete_);
                         EXPECT_EQ(o.target, "/items/9");
                     }});
    cases.push_back({"extension_method_zero_length",
                     {"PROPFIND /dav/ HTTP/1.1\r\nHost: h\r\nDepth: 1\r\nContent-Length: 0\r\n\r\n"},
                     [](std::size_t, const outcome& o) {
                         EXPECT_EQ(o.method, katana::http::method::other);
                         EXPECT_EQ(o.method_token, "PROPFIND");
                         EXPECT_EQ(o.body, "");
                     }});
    return cases;
}

// Parses `bytes` (all requests in a row) in one buffer per call and returns the outcome of each
// request; the parser is reset between requests, as a connection would.
std::vector<outcome> parse_sequence(std::string_view bytes, guarded_buffer::guard where, std::vector<std::size_t>* consumed = nullptr) {
    std::vector<outcome> outs;
    guarded_buffer buf(bytes.size(), where);
    const std::span<char> all = buf.place(bytes);
    std::vector<header> storage(storage_slots);
    request_parser p;
    std::size_t offset = 0;
    for (;;) {
        outcome o = run_parse(p, all.subspan(offset), storage, "sequence");
        outs.push_back(o);
        if (o.state != parse_state::complete || offset + o.consumed >= all.size()) break;
        if (consumed != nullptr) consumed->push_back(o.consumed);
        offset += o.consumed;
        p.reset();
    }
    if (consumed != nullptr && !outs.empty() && outs.back().state == parse_state::complete)
        consumed->push_back(outs.back().consumed);
    return outs;
}

class truncation : public ::testing::TestWithParam<std::size_t> {};

// One-shot parse gives the expected values; every request of the case completes at its own end.
TEST_P(truncation, one_shot_parse_has_expected_fields) {
    const valid_case c = valid_cases().at(GetParam());
    SCOPED_TRACE(c.name);
    std::vector<std::size_t> consumed;
    const auto outs = parse_sequence(c.joined(), guarded_buffer::guard::after, &consumed);
    ASSERT_EQ(outs.size(), c.requests.size());
    ASSERT_EQ(consumed.size(), c.requests.size());
    for (std::size_t i = 0; i < outs.size(); ++i) {
        ASSERT_EQ(outs[i].state, parse_state::complete) << outs[i];
        EXPECT_EQ(consumed[i], c.requests[i].size());
        EXPECT_TRUE(outs[i].headers_complete);
        c.check(i, outs[i]);
    }
    // The same bytes placed right after a guard page parse identically.
    EXPECT_EQ(parse_sequence(c.joined(), guarded_buffer::guard::before), outs);
}

// Every prefix parsed by a fresh parser: requests that end within the prefix complete (with the
// same result as the one-shot parse), the next one is incomplete; never an error.
TEST_P(truncation, every_prefix_fresh_parse_is_incomplete) {
    const valid_case c = valid_cases().at(GetParam());
    SCOPED_TRACE(c.name);
    const std::string all = c.joined();
    const auto ends = c.ends();
    const auto full = parse_sequence(all, guarded_buffer::guard::after);
    ASSERT_EQ(full.size(), c.requests.size());
    failure_budget budget(10);
    for (const auto where : {guarded_buffer::guard::after, guarded_buffer::guard::before}) {
        for (std::size_t len = 0; len < all.size(); ++len) {
            const auto outs = parse_sequence(std::string_view(all).substr(0, len), where);
            const std::size_t done = static_cast<std::size_t>(std::count_if(ends.begin(), ends.end(), [&](std::size_t e) { return e <= len; }));
            // parse_sequence stops without a further call when the prefix ends right after a request.
            const bool ends_on_boundary = done > 0 && ends[done - 1] == len;
            bool ok = outs.size() == (ends_on_boundary ? done : done + 1);
            for (std::size_t i = 0; ok && i < outs.size(); ++i) {
                if (i < done) ok = outs[i] == full[i];
                else ok = outs[i].state == parse_state::incomplete;
            }
            if (!ok && budget.spend()) {
                std::ostringstream msg;
                for (const auto& o : outs) msg << o << " ";
                ADD_FAILURE() << "prefix length " << len << " of " << all.size() << " ("
                              << (where == guarded_buffer::guard::after ? "guard after" : "guard before")
                              << "): expected " << done << " complete then incomplete, got " << msg.str();
            }
        }
    }
}

// The headers_complete() flag turns on exactly when the blank line ending the head is in the buffer.
TEST_P(truncation, headers_complete_flag_tracks_the_blank_line) {
    const valid_case c = valid_cases().at(GetParam());
    SCOPED_TRACE(c.name);
    const std::string& first = c.requests.front();
    // Skip empty lines before the request line; the head ends at the first blank line after it.
    const std::size_t line = first.find_first_not_of("\r\n");
    const std::size_t head_end = first.find("\r\n\r\n", line) + 4;
    failure_budget budget(5);
    for (std::size_t len = 0; len < first.size(); ++len) {
        const outcome o = parse_guarded(std::string_view(first).substr(0, len));
        if (o.headers_complete != (len >= head_end) && budget.spend())
            ADD_FAILURE() << "prefix " << len << ": headers_complete()=" << o.headers_complete << ", head ends at " << head_end;
    }
}

// The same parser sees the buffer grow. `step` bytes arrive per call; with `move` the buffer is
// re-allocated (the old copy sealed PROT_NONE and kept mapped so its addresses are not reused)
// and the header storage replaced on every call, else one buffer grows in place with its unused
// tail poisoned under ASan.
void incremental(const valid_case& c, std::size_t step, bool move) {
    const std::string all = c.joined();
    const auto ends = c.ends();
    const auto full = parse_sequence(all, guarded_buffer::guard::after);
    ASSERT_EQ(full.size(), c.requests.size());

    std::vector<std::unique_ptr<guarded_buffer>> old;
    std::vector<char> grow(all.size() + 1); // +1 so .data() is valid for the empty prefix
#ifdef KATANA_TEST_HAS_ASAN
    // Unpoisoned on every way out, before the vector frees it.
    const std::unique_ptr<std::vector<char>, void (*)(std::vector<char>*)> unpoison(
        &grow, [](std::vector<char>* v) { ASAN_UNPOISON_MEMORY_REGION(v->data(), v->size()); });
#endif
    std::span<char> current;
    std::vector<header> storage(storage_slots);
    request_parser p;
    std::size_t offset = 0, done = 0;
    failure_budget budget(5);
    for (std::size_t len = 0;;) {
        // What the caller holds now: the previous bytes as the parser left them (chunked bodies
        // are decoded in place) plus the new ones.
        if (move) {
            auto next = std::make_unique<guarded_buffer>(len, guarded_buffer::guard::after);
            std::string content(current.begin(), current.end());
            content.append(all, content.size(), len - content.size());
            current = next->place(content);
            if (!old.empty()) old.back()->seal();
            old.push_back(std::move(next));
        } else {
#ifdef KATANA_TEST_HAS_ASAN
            ASAN_UNPOISON_MEMORY_REGION(grow.data(), grow.size());
#endif
            std::memcpy(grow.data() + current.size(), all.data() + current.size(), len - current.size());
            current = std::span<char>(grow.data(), len);
#ifdef KATANA_TEST_HAS_ASAN
            ASAN_POISON_MEMORY_REGION(grow.data() + len, grow.size() - len);
#endif
        }
        for (;;) {
            // A moving caller gets new header storage too: nothing may be remembered in the old one.
            if (move) std::vector<header>(storage_slots).swap(storage); // old block freed (ASan quarantine)
            const outcome o = run_parse(p, current.subspan(offset), storage, c.name);
            const bool due = done < ends.size() && ends[done] <= len;
            if (o.state == parse_state::complete) {
                if (!due || !(o == full[done])) {
                    if (budget.spend())
                        ADD_FAILURE() << "step " << step << (move ? " moving" : " in place") << ", length " << len
                                      << ": request " << done << " gave " << o << ", one-shot gave "
                                      << (done < full.size() ? full[done] : outcome{});
                    return;
                }
                offset += o.consumed;
                ++done;
                p.reset();
                if (offset == current.size()) break;
                continue;
            }
            if (o.state != parse_state::incomplete || due) {
                if (budget.spend())
                    ADD_FAILURE() << "step " << step << (move ? " moving" : " in place") << ", length " << len
                                  << ": request " << done << " gave " << o << " but should be "
                                  << (due ? "complete" : "incomplete");
                return;
            }
            break;
        }
        if (len == all.size()) break;
        len = std::min(all.size(), len + step);
    }
    EXPECT_EQ(done, c.requests.size());
}

TEST_P(truncation, incremental_byte_by_byte_moving_buffer) { incremental(valid_cases().at(GetParam()), 1, true); }
TEST_P(truncation, incremental_byte_by_byte_same_buffer) { incremental(valid_cases().at(GetParam()), 1, false); }
TEST_P(truncation, incremental_uneven_steps) {
    for (std::size_t step : {2u, 3u, 7u, 64u}) {
        incremental(valid_cases().at(GetParam()), step, true);
        incremental(valid_cases().at(GetParam()), step, false);
    }
}

INSTANTIATE_TEST_SUITE_P(http_parser, truncation, ::testing::Range<std::size_t>(0, valid_cases().size()),
                         [](const ::testing::TestParamInfo<std::size_t>& param) { return valid_cases().at(param.param).name; });

// ---------------------------------------------------------------------------------------------
// Forbidden bytes

struct mutation_site {
    std::string_view label;
    std::size_t line_start; // offset in the request of the line's first byte
    std::size_t line_len;   // without CRLF
};

// Runs every byte value at every position of each site; `judge` maps the mutated line and
// outcome to a failure description (or nothing). Inputs are placed against a guard page on
// both sides.
template <class Judge>
void substitute_everywhere(const std::string& base, const std::vector<mutation_site>& sites, Judge judge) {
    failure_budget budget(25);
    std::vector<header> storage(storage_slots);
    guarded_buffer after(base.size(), guarded_buffer::guard::after);
    guarded_buffer before(base.size(), guarded_buffer::guard::before);
    std::size_t checked = 0;
    for (const auto& site : sites) {
        for (std::size_t pos = site.line_start; pos < site.line_start + site.line_len; ++pos) {
            for (int b = 0; b < 256; ++b) {
                std::string mutated = base;
                mutated[pos] = static_cast<char>(b);
                const std::string_view line = std::string_view(mutated).substr(site.line_start, site.line_len);
                for (auto* buf : {&after, &before}) {
                    request_parser p;
                    const outcome o = run_parse(p, buf->place(mutated), storage, "mutation");
                    ++checked;
                    if (auto why = judge(site, line, o)) {
                        if (budget.spend())
                            ADD_FAILURE() << site.label << " byte " << (pos - site.line_start) << " := 0x" << std::hex << b
                                          << std::dec << " in '" << printable(line) << "': " << *why << " " << o;
                    }
                }
            }
        }
    }
    EXPECT_GT(checked, 256u * sites.size());
}

std::size_t line_len_at(const std::string& s, std::size_t start) { return s.find("\r\n", start) - start; }

TEST(http_parser_forbidden_bytes, request_line_and_header_fields) {
    const std::string base = "GET /p/a-b_c.d~e!$&'()*+,;=:@?q=1/2?3 HTTP/1.1\r\nHost: example.com\r\nX-Test: some value\r\n\r\n";
    const std::size_t field = base.find("X-Test");
    const std::vector<mutation_site> sites{{"request-line", 0, line_len_at(base, 0)}, {"field-line", field, line_len_at(base, field)}};
    const outcome clean = parse_guarded(base);
    ASSERT_EQ(clean.state, parse_state::complete) << clean;

    substitute_everywhere(base, sites, [&](const mutation_site& site, std::string_view line, const outcome& o) -> std::optional<std::string> {
        const bool is_request_line = site.line_start == 0;
        const ref::verdict want = is_request_line ? ref::request_line(line) : ref::field_line(line);
        if (auto why = mismatch(o, want)) return why;
        if (o.state != parse_state::complete) return std::nullopt;
        // Accepted: the parse must reflect the mutated bytes exactly.
        if (is_request_line) {
            const auto sp1 = line.find(' '), sp2 = line.find(' ', sp1 + 1);
            if (o.method_token != line.substr(0, sp1)) return "method token differs from the bytes";
            if (o.target != line.substr(sp1 + 1, sp2 - sp1 - 1)) return "target differs from the bytes";
            // A fragment ('#', which clients should never send) belongs to neither path nor query.
            const std::string no_fragment = o.target.substr(0, o.target.find('#'));
            const auto q = no_fragment.find('?');
            if (o.path != no_fragment.substr(0, q)) return "path is not the target up to '?'";
            if (o.query != (q == std::string::npos ? "" : no_fragment.substr(q + 1))) return "query is not the target after '?'";
            if (o.headers != clean.headers) return "headers changed";
        } else {
            const auto colon = line.find(':');
            std::string_view value = line.substr(colon + 1);
            while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
            while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
            if (o.headers.size() != 2 || o.headers[1].first != line.substr(0, colon) || o.headers[1].second != value)
                return "field not parsed as name '" + printable(line.substr(0, colon)) + "' value '" + printable(value) + "'";
        }
        return std::nullopt;
    });
}

TEST(http_parser_forbidden_bytes, chunk_lines_and_trailers) {
    const std::string head = "POST /u HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
    const std::string base = head + "5;ext=val\r\nhello\r\n6;q=\"a b\\z\"\r\n world\r\n0\r\nX-Trailer: yes\r\n\r\n";
    const std::size_t c1 = head.size();
    const std::size_t c2 = base.find("6;q");
    const std::size_t last = base.find("0\r\nX-");
    const std::size_t trailer = base.find("X-Trailer");
    const std::vector<mutation_site> sites{{"chunk-line", c1, line_len_at(base, c1)},
                                           {"chunk-line", c2, line_len_at(base, c2)},
                                           {"last-chunk", last, 1},
                                           {"trailer", trailer, line_len_at(base, trailer)}};
    const outcome clean = parse_guarded(base);
    ASSERT_EQ(clean.state, parse_state::complete) << clean;
    ASSERT_EQ(clean.body, "hello world");

    substitute_everywhere(base, sites, [&](const mutation_site& site, std::string_view line, const outcome& o) -> std::optional<std::string> {
        if (site.label == "trailer") {
            if (auto why = mismatch(o, ref::field_line(line))) return why;
            if (o.state == parse_state::complete && (o.body != clean.body || o.trailers.size() != 1))
                return "accepted trailer changed the body or trailer count";
            return std::nullopt;
        }
        const auto cl = ref::chunk_line(line);
        const std::uint64_t original = site.line_start == c1 ? 5 : site.line_start == c2 ? 6 : 0;
        if (!cl.valid) return mismatch(o, ref::verdict::reject(400));
        if (cl.size != original) {
            // Framing changed; whatever follows is judged by the parser, but an error must still
            // be a framing error, never something else, and it must close.
            if (o.state == parse_state::error && ((o.status != 400 && o.status != 413) || !o.close))
                return "reframed body rejected with an unexpected status or without close";
            return std::nullopt;
        }
        if (auto why = mismatch(o, cl.used_bws ? ref::verdict::either(400) : ref::verdict::accept())) return why;
        if (o.state == parse_state::complete && (o.body != clean.body || o.trailers != clean.trailers))
            return "accepted chunk extension changed the decoded body";
        return std::nullopt;
    });
}

// Field names and values in a request with a body: a forbidden byte must be caught before the
// body is consumed, and must not depend on whether the body has arrived.
TEST(http_parser_forbidden_bytes, rejected_head_is_rejected_without_the_body) {
    const std::string head = "POST /x HTTP/1.1\r\nHost: h\r\nX-Val: ab\x01" "cd\r\nContent-Length: 10\r\n\r\n";
    const outcome o = parse_guarded(head);
    EXPECT_EQ(o.state, parse_state::error) << o;
    EXPECT_EQ(o.status, 400);
    EXPECT_TRUE(o.close);
}

// ---------------------------------------------------------------------------------------------
// Status and close_connection per class of bad input

struct bad_case {
    const char* name;
    std::string bytes;
    std::vector<status_code> statuses; // any of these
    bool must_close = true;
};

std::vector<bad_case> bad_cases() {
    const std::string get = "GET / HTTP/1.1\r\nHost: h\r\n";
    return {
        {"bare_lf_request_line", "GET / HTTP/1.1\nHost: h\r\n\r\n", {400}},
        {"bare_lf_everywhere", "GET / HTTP/1.1\nHost: h\n\n", {400}},
        {"bare_lf_end_of_head", get + "\n", {400}},
        {"bare_lf_in_field", get + "X: a\nY: b\r\n\r\n", {400}},
        {"lone_cr_request_line", "GET / HTTP/1.1\rHost: h\r\n\r\n", {400}},
        {"lone_cr_in_value", get + "X: a\rb\r\n\r\n", {400}},
        {"cr_cr_lf", get + "X: a\r\r\n\r\n", {400}},
        {"obs_fold_space", get + "X: a\r\n b\r\n\r\n", {400}},
        {"obs_fold_tab", get + "X: a\r\n\tb\r\n\r\n", {400}},
        {"leading_whitespace_first_field", "GET / HTTP/1.1\r\n Host: h\r\n\r\n", {400}},
        {"space_before_colon", get + "X-A : b\r\n\r\n", {400}},
        {"tab_before_colon", get + "X-A\t: b\r\n\r\n", {400}},
        {"empty_field_name", get + ": b\r\n\r\n", {400}},
        {"no_colon", get + "NoColonHere\r\n\r\n", {400}},
        {"nul_in_value", get + std::string("X: a\0b\r\n\r\n", 10), {400}},
        {"del_in_value", get + "X: a\x7f" "b\r\n\r\n", {400}},
        {"non_token_name", get + "X(A): b\r\n\r\n", {400}},
        {"utf8_in_name", get + "X\xc3\xa9: b\r\n\r\n", {400}},
        {"empty_method", " / HTTP/1.1\r\nHost: h\r\n\r\n", {400}},
        {"bare_lf_before_request_line", "\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", {400}},
        {"lone_cr_before_request_line", "\rGET / HTTP/1.1\r\nHost: h\r\n\r\n", {400}},
        {"obs_text_in_target", "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n", {400}},
        {"connect_origin_form", "CONNECT / HTTP/1.1\r\nHost: h\r\n\r\n", {400}},
        {"bad_scheme_target", "GET 1http://h/ HTTP/1.1\r\nHost: h\r\n\r\n", {400}},
        {"expect_unknown_http10", "GET / HTTP/1.0\r\nExpect: 200-ok\r\n\r\n", {417}, false},
        {"double_space", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", {400}},
        {"tab_separator", "GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n", {400}},
        {"trailing_space_after_version", "GET / HTTP/1.1 \r\nHost: h\r\n\r\n", {400}},
        {"missing_version", "GET /\r\nHost: h\r\n\r\n", {400}},
        {"http09_style", "GET /\r\n\r\n", {400}},
        {"lowercase_version", "GET / http/1.1\r\nHost: h\r\n\r\n", {400}},
        {"version_two_digit_major", "GET / HTTP/11.1\r\nHost: h\r\n\r\n", {400}},
        {"version_no_minor", "GET / HTTP/1\r\nHost: h\r\n\r\n", {400}},
        {"version_junk", "GET / HTTP/1.1x\r\nHost: h\r\n\r\n", {400}},
        {"version_2_0", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", {505}},
        {"version_1_2", "GET / HTTP/1.2\r\nHost: h\r\n\r\n", {505}},
        {"version_0_9", "GET / HTTP/0.9\r\nHost: h\r\n\r\n", {505}},
        {"version_9_9", "GET / HTTP/9.9\r\nHost: h\r\n\r\n", {505}},
        {"ctl_in_target", "GET /a\x01 HTTP/1.1\r\nHost: h\r\n\r\n", {400}},
        {"del_in_target", "GET /a\x7f HTTP/1.1\r\nHost: h\r\n\r\n", {400}},
        {"cl_and_te", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", {400}},
        {"te_and_cl", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", {400}},
        {"conflicting_cl", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nabcdef", {400}},
        {"conflicting_cl_list", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 6\r\n\r\nabcdef", {400}},
        {"cl_not_a_number", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\n", {400}},
        {"cl_negative", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", {400}},
        {"cl_plus_sign", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\nabcde", {400}},
        {"cl_hex", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x5\r\n\r\nabcde", {400}},
        {"cl_inner_space", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1 2\r\n\r\n", {400}},
        {"cl_empty", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n", {400}},
        {"cl_overflow", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999999\r\n\r\n", {400, 413}},
        {"te_unknown", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", {501, 400}},
        {"te_gzip_chunked", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", {501}},
        {"te_chunked_not_last", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", {400, 501}},
        {"te_lookalike", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", {501}},
        {"te_chunked_twice", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", {400, 501}},
        {"chunk_size_not_hex", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", {400}},
        {"chunk_size_empty", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", {400}},
        {"chunk_size_negative", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n", {400}},
        {"chunk_size_0x", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nabcde\r\n0\r\n\r\n", {400}},
        {"chunk_size_overflow", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffffff\r\n", {400, 413}},
        {"chunk_size_bare_lf", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n", {400}},
        {"chunk_data_too_long", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n", {400}},
        {"chunk_data_bare_lf", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\n0\r\n\r\n", {400}},
        {"chunk_ext_bad_char", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;a\x01\r\nhello\r\n0\r\n\r\n", {400}},
        {"chunk_ext_unterminated_quote", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\"b\r\nhello\r\n0\r\n\r\n", {400}},
        {"chunk_ext_lone_cr", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\rc\r\nhello\r\n0\r\n\r\n", {400}},
        {"trailer_bare_lf", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: y\n\r\n", {400}},
        {"trailer_obs_fold", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: y\r\n z\r\n\r\n", {400}},
        {"expect_unknown", "POST / HTTP/1.1\r\nHost: h\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\nx", {417}, false},
    };
}

TEST(http_parser_status, each_bad_input_class_has_its_status) {
    for (const auto& c : bad_cases()) {
        SCOPED_TRACE(c.name);
        const outcome o = parse_guarded(c.bytes);
        ASSERT_EQ(o.state, parse_state::error) << printable(c.bytes) << " -> " << o;
        EXPECT_NE(std::find(c.statuses.begin(), c.statuses.end(), o.status), c.statuses.end())
            << printable(c.bytes) << " -> " << o.status;
        if (c.must_close) {
            EXPECT_TRUE(o.close) << printable(c.bytes);
        }
    }
}

// An error is reported from the bytes that prove it, not later: each bad input's shortest
// failing prefix also fails with the same status, and every shorter prefix is incomplete.
TEST(http_parser_status, errors_are_stable_under_truncation) {
    for (const auto& c : bad_cases()) {
        SCOPED_TRACE(c.name);
        const outcome full = parse_guarded(c.bytes);
        ASSERT_EQ(full.state, parse_state::error);
        std::size_t first_error = c.bytes.size();
        for (std::size_t len = 0; len <= c.bytes.size(); ++len) {
            const outcome o = parse_guarded(std::string_view(c.bytes).substr(0, len));
            if (o.state == parse_state::complete) {
                ADD_FAILURE() << "prefix " << len << " of a rejected input completed: " << o;
                break;
            }
            if (o.state == parse_state::error) {
                first_error = len;
                EXPECT_EQ(o.status, full.status) << "prefix " << len;
                break;
            }
        }
        // Once rejected, longer inputs stay rejected with the same status.
        for (std::size_t len = first_error; len <= c.bytes.size(); ++len) {
            const outcome o = parse_guarded(std::string_view(c.bytes).substr(0, len));
            ASSERT_EQ(o.state, parse_state::error) << "prefix " << len;
            ASSERT_EQ(o.status, full.status) << "prefix " << len;
        }
    }
}

TEST(http_parser_status, accepted_edge_cases) {
    const std::string get = "GET / HTTP/1.1\r\nHost: h\r\n";
    struct ok_case {
        const char* name;
        std::string bytes;
        std::function<void(const outcome&)> check;
    };
    const std::vector<ok_case> cases{
        {"te_case_insensitive", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n",
         [](const outcome& o) { EXPECT_EQ(o.body, "x"); }},
        {"cl_leading_zeros", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 003\r\n\r\nabc",
         [](const outcome& o) { EXPECT_EQ(o.body, "abc"); }},
        {"cl_with_ows", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: \t3 \r\n\r\nabc",
         [](const outcome& o) { EXPECT_EQ(o.body, "abc"); }},
        {"hex_chunk_uppercase_lowercase", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\nb\r\nabcdefghijk\r\n0\r\n\r\n",
         [](const outcome& o) { EXPECT_EQ(o.body, "0123456789abcdefghijk"); }},
        {"expect_case_insensitive", "POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\nx",
         [](const outcome& o) { EXPECT_TRUE(o.expect_continue); }},
        {"connection_close_token_list", get + "Connection: keep-alive, Close\r\n\r\n",
         [](const outcome& o) { EXPECT_FALSE(o.keep_alive); }},
        {"http11_default_keep_alive", get + "\r\n", [](const outcome& o) { EXPECT_TRUE(o.keep_alive); }},
        {"empty_value_ows_only", get + "X-E: \t \r\n\r\n",
         [](const outcome& o) { EXPECT_EQ(header_of(o, "x-e"), ""); }},
        {"value_keeps_inner_tabs", get + "X-T: a\t\tb\r\n\r\n",
         [](const outcome& o) { EXPECT_EQ(header_of(o, "x-t"), "a\t\tb"); }},
        {"query_only_question_mark", "GET /p? HTTP/1.1\r\nHost: h\r\n\r\n", [](const outcome& o) {
             EXPECT_EQ(o.path, "/p");
             EXPECT_EQ(o.query, "");
         }},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const outcome o = parse_guarded(c.bytes);
        ASSERT_EQ(o.state, parse_state::complete) << printable(c.bytes) << " -> " << o;
        EXPECT_EQ(o.consumed, c.bytes.size());
        c.check(o);
    }
}

// ---------------------------------------------------------------------------------------------
// Limits: exactly at the limit is accepted, one more is rejected with the limit's status.

parser_limits small_limits() {
    parser_limits l;
    l.max_header_bytes = 512;
    l.max_header_count = 8;
    l.max_uri_length = 64;
    l.max_body_bytes = 100;
    return l;
}

std::string request_with_target_length(std::size_t n) {
    std::string target = "/" + std::string(n - 1, 'a');
    return "GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n";
}

TEST(http_parser_limits, uri_length_boundary) {
    for (const parser_limits lim : {small_limits(), parser_limits{}}) {
        const outcome at = parse_guarded(request_with_target_length(lim.max_uri_length), lim);
        EXPECT_EQ(at.state, parse_state::complete) << at;
        EXPECT_EQ(at.target.size(), lim.max_uri_length);
        const outcome over = parse_guarded(request_with_target_length(lim.max_uri_length + 1), lim);
        EXPECT_EQ(over.state, parse_state::error);
        EXPECT_EQ(over.status, 414);
        EXPECT_TRUE(over.close);
        // Refused as soon as the target is too long, without waiting for the rest of the line.
        const std::string partial = "GET /" + std::string(lim.max_uri_length + 8, 'a');
        const outcome early = parse_guarded(partial, lim);
        EXPECT_EQ(early.state, parse_state::error) << early;
        EXPECT_EQ(early.status, 414);
    }
}

// A request of `count` fields padded so that its head has `head_bytes` bytes.
std::string request_with_fields(std::size_t count, std::size_t pad = 0) {
    std::string s = "GET / HTTP/1.1\r\n";
    for (std::size_t i = 0; i < count; ++i) s += "X-F" + std::to_string(i) + ": v\r\n";
    if (pad > 0) {
        // Lengthen the last field's value; needs count > 0.
        s.insert(s.size() - 2, std::string(pad, 'p'));
    }
    return s + "\r\n";
}

TEST(http_parser_limits, header_count_boundary) {
    for (const parser_limits lim : {small_limits(), parser_limits{}}) {
        const outcome at = parse_guarded(request_with_fields(lim.max_header_count), lim);
        ASSERT_EQ(at.state, parse_state::complete) << at;
        EXPECT_EQ(at.headers.size(), lim.max_header_count);
        const outcome over = parse_guarded(request_with_fields(lim.max_header_count + 1), lim);
        EXPECT_EQ(over.state, parse_state::error);
        EXPECT_EQ(over.status, 431);
        EXPECT_TRUE(over.close);
    }
}

TEST(http_parser_limits, header_storage_smaller_than_count_limit_is_431_not_overflow) {
    std::vector<header> storage(4);
    const std::string bytes = request_with_fields(5);
    guarded_buffer buf(bytes.size(), guarded_buffer::guard::after);
    request_parser p;
    const outcome o = run_parse(p, buf.place(bytes), storage, "small storage");
    EXPECT_EQ(o.state, parse_state::error);
    EXPECT_EQ(o.status, 431);
}

// Probes heads (request line + fields + blank line) of max_header_bytes-3 .. +4 bytes. The limit
// counts the whole head including its final CRLF (parser.hpp), so the largest accepted head has
// exactly max_header_bytes bytes and every larger one gets 431.
TEST(http_parser_limits, header_bytes_boundary) {
    for (const parser_limits base : {small_limits(), parser_limits{}}) {
        parser_limits lim = base;
        lim.max_header_count = 1000;
        lim.max_uri_length = 1u << 20;
        const std::size_t plain = request_with_fields(4).size();
        ASSERT_LT(plain + 3, lim.max_header_bytes);
        std::size_t last_ok = 0;
        std::optional<std::size_t> first_bad;
        for (std::size_t total = lim.max_header_bytes - 3; total <= lim.max_header_bytes + 4; ++total) {
            const std::string bytes = request_with_fields(4, total - plain);
            ASSERT_EQ(bytes.size(), total);
            const outcome o = parse_guarded(bytes, lim);
            if (o.state == parse_state::complete) {
                EXPECT_FALSE(first_bad) << "accepted " << total << " bytes after refusing " << *first_bad;
                last_ok = total;
            } else {
                EXPECT_EQ(o.state, parse_state::error) << total;
                EXPECT_EQ(o.status, 431) << total;
                EXPECT_TRUE(o.close);
                if (!first_bad) first_bad = total;
            }
        }
        EXPECT_EQ(last_ok, lim.max_header_bytes);
        EXPECT_EQ(first_bad, lim.max_header_bytes + 1);
        // An unterminated head longer than the limit is refused without waiting for its end.
        const std::string endless = "GET / HTTP/1.1\r\nX-Long: " + std::string(lim.max_header_bytes + 16, 'v');
        const outcome early = parse_guarded(endless, lim);
        EXPECT_EQ(early.state, parse_state::error) << early;
        EXPECT_EQ(early.status, 431);
    }
}

TEST(http_parser_status, transfer_encoding_in_http10_is_refused_or_closes) {
    const outcome o = parse_guarded("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    if (o.state == parse_state::complete) {
        EXPECT_FALSE(o.keep_alive) << "RFC 9112 6.1: close after processing";
    } else {
        EXPECT_EQ(o.state, parse_state::error);
        EXPECT_EQ(o.status, 400);
        EXPECT_TRUE(o.close);
    }
}

TEST(http_parser_limits, content_length_boundary) {
    for (const parser_limits lim : {small_limits(), parser_limits{}}) {
        const std::string head = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: ";
        const std::string at = head + std::to_string(lim.max_body_bytes) + "\r\n\r\n" + std::string(lim.max_body_bytes, 'b');
        const outcome ok = parse_guarded(at, lim);
        ASSERT_EQ(ok.state, parse_state::complete) << ok.status;
        EXPECT_EQ(ok.body.size(), lim.max_body_bytes);
        // One byte over is refused from the head alone: the body never needs to arrive.
        const std::string over = head + std::to_string(lim.max_body_bytes + 1) + "\r\n\r\n";
        const outcome bad = parse_guarded(over, lim);
        EXPECT_EQ(bad.state, parse_state::error);
        EXPECT_EQ(bad.status, 413);
        EXPECT_TRUE(bad.close);
    }
}

std::string chunked_request(std::size_t total, std::size_t chunk) {
    std::string s = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
    static constexpr char hex[] = "0123456789abcdef";
    for (std::size_t left = total; left > 0;) {
        const std::size_t n = std::min(left, chunk);
        std::string size;
        for (std::size_t v = n; v > 0; v /= 16) size.insert(size.begin(), hex[v % 16]);
        s += size + "\r\n" + std::string(n, 'c') + "\r\n";
        left -= n;
    }
    return s + "0\r\n\r\n";
}

TEST(http_parser_limits, chunked_body_boundary) {
    for (const parser_limits lim : {small_limits(), parser_limits{}}) {
        for (std::size_t chunk : {std::size_t{7}, lim.max_body_bytes, lim.max_body_bytes + 1}) {
            SCOPED_TRACE(chunk);
            const outcome ok = parse_guarded(chunked_request(lim.max_body_bytes, chunk), lim);
            ASSERT_EQ(ok.state, parse_state::complete) << ok.status;
            EXPECT_EQ(ok.body, std::string(lim.max_body_bytes, 'c'));
            const outcome bad = parse_guarded(chunked_request(lim.max_body_bytes + 1, chunk), lim);
            EXPECT_EQ(bad.state, parse_state::error);
            EXPECT_EQ(bad.status, 413);
            EXPECT_TRUE(bad.close);
        }
        // A single declared chunk larger than the limit is refused before its data arrives.
        std::string head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
        const outcome early = parse_guarded(head + "fffffff\r\n", lim);
        EXPECT_EQ(early.state, parse_state::error);
        EXPECT_EQ(early.status, 413);
    }
}

TEST(http_parser_limits, trailer_section_has_its_own_byte_budget) {
    const parser_limits lim = small_limits();
    const std::string head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n";
    // Trailer section = one field line + the final CRLF, padded to exactly `total` bytes.
    auto with_trailer_section = [&](std::size_t total) {
        const std::string prefix = "X-T: ";
        return head + prefix + std::string(total - prefix.size() - 4, 't') + "\r\n\r\n";
    };
    const outcome at = parse_guarded(with_trailer_section(lim.max_header_bytes), lim);
    ASSERT_EQ(at.state, parse_state::complete) << at;
    EXPECT_EQ(at.body, "x");
    ASSERT_EQ(at.trailers.size(), 1u);
    const outcome over = parse_guarded(with_trailer_section(lim.max_header_bytes + 1), lim);
    EXPECT_EQ(over.state, parse_state::error);
    EXPECT_EQ(over.status, 431);
    EXPECT_TRUE(over.close);
}

TEST(http_parser_limits, header_count_includes_trailers) {
    const parser_limits lim = small_limits(); // 8 fields
    auto request_with = [](std::size_t trailers) {
        std::string s = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n0\r\n";
        for (std::size_t i = 0; i < trailers; ++i) s += "T" + std::to_string(i) + ": v\r\n";
        return s + "\r\n";
    };
    const outcome at = parse_guarded(request_with(2), lim);
    ASSERT_EQ(at.state, parse_state::complete) << at;
    EXPECT_EQ(at.headers.size() + at.trailers.size(), lim.max_header_count);
    const outcome over = parse_guarded(request_with(3), lim);
    EXPECT_EQ(over.state, parse_state::error);
    EXPECT_EQ(over.status, 431);
}

// ---------------------------------------------------------------------------------------------
// Behaviour around completion

TEST(http_parser_lifecycle, connect_completes_at_the_head_and_leaves_tunnel_bytes) {
    const std::string head = "CONNECT db.internal:5432 HTTP/1.1\r\nHost: db.internal:5432\r\n\r\n";
    const outcome o = parse_guarded(head + "\x16\x03\x01 tunnel bytes, not HTTP");
    ASSERT_EQ(o.state, parse_state::complete) << o;
    EXPECT_EQ(o.consumed, head.size());
    EXPECT_EQ(o.body, "");
}

// Regression (fuzzer): a CONNECT carrying Transfer-Encoding completed at its head, and a second
// parse() call then built the body view from a chunked write position that was never set.
TEST(http_parser_lifecycle, connect_with_framing_headers_repeats_cleanly) {
    for (const std::string framing : {"Transfer-Encoding: chunked\r\n", "Content-Length: 5\r\n"}) {
        SCOPED_TRACE(framing);
        const std::string head = "CONNECT db.internal:5432 HTTP/1.1\r\nHost: db.internal:5432\r\n" + framing + "\r\n";
        const std::string bytes = head + "5\r\nhello\r\n0\r\n\r\n";
        guarded_buffer buf(bytes.size(), guarded_buffer::guard::after);
        const std::span<char> data = buf.place(bytes);
        std::vector<header> storage(storage_slots);
        request_parser p;
        const outcome first = run_parse(p, data, storage, "connect");
        ASSERT_EQ(first.state, parse_state::complete) << first;
        EXPECT_EQ(first.consumed, head.size());
        EXPECT_EQ(first.body, "");
        EXPECT_EQ(run_parse(p, data, storage, "connect again"), first);
    }
}

TEST(http_parser_lifecycle, repeated_calls_after_the_end_repeat_the_result) {
    const std::string chunked = "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n";
    guarded_buffer buf(chunked.size(), guarded_buffer::guard::after);
    std::span<char> data = buf.place(chunked);
    std::vector<header> storage(storage_slots);
    request_parser p;
    const outcome first = run_parse(p, data, storage, "first");
    ASSERT_EQ(first.state, parse_state::complete) << first;
    EXPECT_EQ(first.body, "abcde");
    // The bytes were de-chunked in place; the caller moves them (as a buffer compaction would).
    const std::string kept(data.begin(), data.end());
    guarded_buffer moved(kept.size(), guarded_buffer::guard::before);
    buf.seal();
    const outcome again = run_parse(p, moved.place(kept), storage, "again");
    EXPECT_EQ(again, first);

    request_parser bad;
    guarded_buffer bad_buf(32, guarded_buffer::guard::after);
    const std::string junk = "GET / HTTP/1.1\r\nX\x01: y\r\n\r\n";
    const outcome e1 = run_parse(bad, bad_buf.place(junk), storage, "error");
    const outcome e2 = run_parse(bad, bad_buf.place("GET / HTTP/1.1\r\nHost: h\r\n\r\n"), storage, "after error");
    EXPECT_EQ(e1.state, parse_state::error);
    EXPECT_EQ(e2, e1) << "an error is sticky until reset()";
    bad.reset();
    EXPECT_EQ(run_parse(bad, bad_buf.place("GET / HTTP/1.1\r\nHost: h\r\n\r\n"), storage, "after reset").state,
              parse_state::complete);
}

TEST(http_parser_lifecycle, head_is_reported_before_the_body_arrives) {
    // A server answers "100 Continue" from the head alone, so the head must be usable while the
    // parse is still incomplete.
    const std::string head = "PUT /big HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n";
    guarded_buffer buf(head.size(), guarded_buffer::guard::after);
    std::vector<header> storage(storage_slots);
    request_parser p;
    request req;
    ASSERT_EQ(p.parse(buf.place(head), req, storage), parse_state::incomplete);
    EXPECT_TRUE(p.headers_complete());
    EXPECT_TRUE(req.expect_continue);
    EXPECT_EQ(req.target, "/big");
    EXPECT_EQ(req.header_value("content-length"), "10");
}

TEST(http_parser_lifecycle, expect_is_ignored_in_http10) {
    const outcome o = parse_guarded("PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx");
    ASSERT_EQ(o.state, parse_state::complete) << o;
    EXPECT_FALSE(o.expect_continue);
}

// ---------------------------------------------------------------------------------------------
// Request smuggling shapes: the parser must either refuse or agree with a single, strict reading.

TEST(http_parser_smuggling, pipelined_request_after_content_length_is_separate) {
    const std::string a = "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nGET ";
    const std::string b = "/b HTTP/1.1\r\nHost: h\r\n\r\n";
    const auto outs = parse_sequence(a + b, guarded_buffer::guard::after);
    ASSERT_GE(outs.size(), 2u);
    EXPECT_EQ(outs[0].state, parse_state::complete);
    EXPECT_EQ(outs[0].body, "GET ");
    // "/b HTTP/1.1" is not a request line: an empty method.
    EXPECT_EQ(outs[1].state, parse_state::error);
    EXPECT_EQ(outs[1].status, 400);
}

TEST(http_parser_smuggling, chunked_body_hides_no_second_request) {
    const std::string a = "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "1e\r\nGET /smuggled HTTP/1.1\r\nX: y\r\n\r\n0\r\n\r\n";
    const auto outs = parse_sequence(a, guarded_buffer::guard::after);
    ASSERT_EQ(outs.size(), 1u);
    ASSERT_EQ(outs[0].state, parse_state::complete) << outs[0];
    EXPECT_EQ(outs[0].body, "GET /smuggled HTTP/1.1\r\nX: y\r\n");
    EXPECT_EQ(outs[0].consumed, a.size());
}

TEST(http_parser_smuggling, te_with_whitespace_before_colon_is_refused) {
    const outcome o = parse_guarded("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding : chunked\r\nContent-Length: 3\r\n\r\nabc");
    EXPECT_EQ(o.state, parse_state::error);
    EXPECT_EQ(o.status, 400);
}

TEST(http_parser_smuggling, te_value_with_vertical_tab_is_not_chunked) {
    const outcome o = parse_guarded("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: \x0b" "chunked\r\n\r\n0\r\n\r\n");
    EXPECT_EQ(o.state, parse_state::error);
    EXPECT_EQ(o.status, 400);
}

} // namespace
