// Functional tests of katana::http::request_parser: representative requests, every error class
// with its status, keep-alive rules, and incremental feeding (byte by byte, buffer moved between
// calls) giving the same result as one-shot parsing.
#include <katana/http/parser.hpp>

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace {

using namespace katana::http;

using field_list = std::vector<std::pair<std::string, std::string>>;

// Owning copy of everything a parse produced, so results from different feeding strategies
// (whose views point into different buffers) can be compared.
struct result {
    parse_state state = parse_state::incomplete;
    status_code status = 0;
    std::string detail;
    method m = method::other;
    std::string method_token, target, path, query, body;
    int version_minor = -1;
    field_list headers, trailers;
    bool keep_alive = false;
    bool expect_continue = false;
    bool chunked = false;
    bool headers_complete = false;
    std::size_t consumed = 0;

    bool operator==(const result&) const = default;
};

result capture(parse_state st, const request_parser& p, const request& r) {
    result out;
    out.state = st;
    out.headers_complete = p.headers_complete();
    if (st == parse_state::error) {
        out.status = p.error().status;
        out.detail = std::string(p.error().detail);
        return out;
    }
    if (st != parse_state::complete) return out;
    out.m = r.method;
    out.method_token = std::string(r.method_token);
    out.target = std::string(r.target);
    out.path = std::string(r.path);
    out.query = std::string(r.query);
    out.body = std::string(r.body);
    out.version_minor = r.version_minor;
    for (const header& h : r.headers) out.headers.emplace_back(std::string(h.name), std::string(h.value));
    for (const header& h : r.trailers) out.trailers.emplace_back(std::string(h.name), std::string(h.value));
    out.keep_alive = r.keep_alive;
    out.expect_continue = r.expect_continue;
    out.chunked = r.chunked;
    out.consumed = p.consumed();
    return out;
}

result parse_once(std::string input, parser_limits limits = {}) {
    request_parser p(limits);
    std::vector<header> storage(limits.max_header_count);
    request r;
    const parse_state st = p.parse(std::span<char>(input.data(), input.size()), r, storage);
    return capture(st, p, r);
}

// Delivers `input` in pieces of `step` bytes; with `move`, the buffer is reallocated (and the
// old one freed, so ASan catches any stale view or pointer) before every call.
result parse_pieces(const std::string& input, std::size_t step, bool move, parser_limits limits = {}) {
    request_parser p(limits);
    std::vector<header> storage(limits.max_header_count);
    request r;
    std::string buf;
    parse_state st = parse_state::incomplete;
    for (std::size_t fed = 0; fed < input.size() && st == parse_state::incomplete;) {
        const std::size_t n = std::min(step, input.size() - fed);
        buf.append(input, fed, n);
        fed += n;
        if (move) {
            std::string moved;
            moved.reserve(buf.size() + 64);
            moved = buf;
            buf.swap(moved);
        }
        st = p.parse(std::span<char>(buf.data(), buf.size()), r, storage);
    }
    return capture(st, p, r);
}

const std::string browser_get =
    "GET /search/items?q=katana&page=2 HTTP/1.1\r\n"
    "Host: www.example.com\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\r\n"
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
    "Accept-Language: en-US,en;q=0.5\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Connection: keep-alive\r\n"
    "Cookie: session=abc123; theme=dark\r\n"
    "\r\n";

const std::string chunked_request =
    "POST /upload HTTP/1.1\r\n"
    "Host: a\r\n"
    "Transfer-Encoding: chunked\r\n"
    "\r\n"
    "5;name=value;flag\r\n"
    "hello\r\n"
    "6;q=\"quoted \\\" ext\"\r\n"
    " world\r\n"
    "0\r\n"
    "Checksum: abc\r\n"
    "X-Trailer:  two  \r\n"
    "\r\n";

TEST(HttpParser, BrowserGet) {
    const result r = parse_once(browser_get);
    ASSERT_EQ(r.state, parse_state::complete) << r.detail;
    EXPECT_EQ(r.m, method::get);
    EXPECT_EQ(r.method_token, "GET");
    EXPECT_EQ(r.target, "/search/items?q=katana&page=2");
    EXPECT_EQ(r.path, "/search/items");
    EXPECT_EQ(r.query, "q=katana&page=2");
    EXPECT_EQ(r.version_minor, 1);
    ASSERT_EQ(r.headers.size(), 7u);
    EXPECT_EQ(r.headers[0], (std::pair<std::string, std::string>{"Host", "www.example.com"}));
    EXPECT_EQ(r.headers[6], (std::pair<std::string, std::string>{"Cookie", "session=abc123; theme=dark"}));
    EXPECT_TRUE(r.keep_alive);
    EXPECT_FALSE(r.chunked);
    EXPECT_TRUE(r.body.empty());
    EXPECT_EQ(r.consumed, browser_get.size());
}

TEST(HttpParser, HeaderValuesAreTrimmedAndNamesKeptAsSent) {
    const result r = parse_once("GET / HTTP/1.1\r\nX-A: \t padded \t\r\nx-EMPTY:\r\nX-Obs: D\xc3\xbcsseldorf \xff\r\n\r\n");
    ASSERT_EQ(r.state, parse_state::complete) << r.detail;
    ASSERT_EQ(r.headers.size(), 3u);
    EXPECT_EQ(r.headers[0].second, "padded");
    EXPECT_EQ(r.headers[1].first, "x-EMPTY");
    EXPECT_EQ(r.headers[1].second, "");
    EXPECT_EQ(r.headers[2].second, "D\xc3\xbcsseldorf \xff");
}

TEST(HttpParser, RequestViewLookupIsCaseInsensitive) {
    std::string input = "GET /a#frag HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\n\r\n";
    request_parser p;
    std::vector<header> storage(100);
    request r;
    ASSERT_EQ(p.parse(std::span<char>(input.data(), input.size()), r, storage), parse_state::complete);
    EXPECT_EQ(r.header_value("content-type"), "text/plain");
    EXPECT_TRUE(r.has_header("HOST"));
    EXPECT_FALSE(r.has_header("Accept"));
    // The views point into the caller's buffer: zero copy.
    EXPECT_EQ(r.target.data(), input.data() + 4);
    EXPECT_EQ(r.path, "/a");
    EXPECT_EQ(r.query, "");
}

TEST(HttpParser, PostWithContentLength) {
    const std::string input = "POST /items HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n{\"id\": 42}\n";
    const result r = parse_once(input);
    ASSERT_EQ(r.state, parse_state::complete) << r.detail;
    EXPECT_EQ(r.m, method::post);
    EXPECT_EQ(r.body, "{\"id\": 42}\n");
    EXPECT_EQ(r.consumed, input.size());
    // One byte short is incomplete, with the head already available.
    const result partial = parse_once(input.substr(0, input.size() - 1));
    EXPECT_EQ(partial.state, parse_state::incomplete);
    EXPECT_TRUE(partial.headers_complete);
}

TEST(HttpParser, ExtensionMethodAndTargetForms) {
    result r = parse_once("M-SEARCH * HTTP/1.1\r\n\r\n");
    ASSERT_EQ(r.state, parse_state::complete) << r.detail;
    EXPECT_EQ(r.m, method::other);
    EXPECT_EQ(r.method_token, "M-SEARCH");
    EXPECT_EQ(r.target, "*");

    r = parse_once("GET http://example.com:8080/x?y=1 HTTP/1.1\r\n\r\n");
    ASSERT_EQ(r.state, parse_state::complete) << r.detail;
    EXPECT_EQ(r.path, "http://example.com:8080/x");
    EXPECT_EQ(r.query, "y=1");

    r = parse_once("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\ntunnel bytes");
    ASSERT_EQ(r.state, parse_state::complete) << r.detail;
    EXPECT_EQ(r.m, method::connect);
    EXPECT_TRUE(r.body.empty());
    EXPECT_EQ(r.consumed, std::string("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n").size());

    // Framing headers do not give CONNECT a body; re-parsing after `complete` agrees.
    std::string connect = "CONNECT h:1 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
    request_parser p;
    std::vector<header> storage(100);
    request req;
    for (int round = 0; round < 2; ++round) {
        ASSERT_EQ(p.parse(std::span<char>(connect.data(), connect.size()), req, storage), parse_state::complete);
        EXPECT_TRUE(req.body.empty());
        EXPECT_TRUE(req.trailers.empty());
        EXPECT_EQ(p.consumed(), connect.find("5\r\n"));
    }

    EXPECT_EQ(parse_once("CONNECT /path HTTP/1.1\r\n\r\n").status, 400);
    EXPECT_EQ(parse_once("GET path HTTP/1.1\r\n\r\n").status, 400);
}

TEST(HttpParser, PipelinedRequests) {
    std::string input =
        "GET /one HTTP/1.1\r\nHost: a\r\n\r\n"
        "POST /two HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
        "\r\nDELETE /three HTTP/1.1\r\n\r\n"
        "GET /four";
    request_parser p;
    std::vector<header> storage(100);
    std::vector<std::string> targets, bodies;
    std::size_t offset = 0;
    for (;;) {
        request r;
        std::span<char> rest(input.data() + offset, input.size() - offset);
        const parse_state st = p.parse(rest, r, storage);
        if (st != parse_state::complete) {
            EXPECT_EQ(st, parse_state::incomplete);
            break;
        }
        targets.emplace_back(r.target);
        bodies.emplace_back(r.body);
        offset += p.consumed();
        p.reset();
    }
    EXPECT_EQ(targets, (std::vector<std::string>{"/one", "/two", "/three"}));
    EXPECT_EQ(bodies, (std::vector<std::string>{"", "abc", ""}));
    EXPECT_EQ(input.substr(offset), "GET /four");
}

TEST(HttpParser, LeadingEmptyLinesAreSkippedAndCounted) {
    const result r = parse_once("\r\n\r\nGET / HTTP/1.1\r\n\r\n");
    ASSERT_EQ(r.state, parse_state::complete) << r.detail;
    EXPECT_EQ(r.method_token, "GET");
    EXPECT_EQ(r.consumed, 22u);
    EXPECT_EQ(parse_once("\nGET / HTTP/1.1\r\n\r\n").status, 400);
    EXPECT_EQ(parse_once("\rGET / HTTP/1.1\r\n\r\n").status, 400);
}

TEST(HttpParser, ChunkedWithExtensionsAndTrailers) {
    const result r = parse_once(chunked_request + "GET /next HTTP/1.1\r\n\r\n");
    ASSERT_EQ(r.state, parse_state::complete) << r.detail;
    EXPECT_TRUE(r.chunked);
    EXPECT_EQ(r.body, "hello world");
    EXPECT_EQ(r.consumed, chunked_request.size());
    ASSERT_EQ(r.headers.size(), 2u);
    EXPECT_EQ(r.headers[1].second, "chunked");
    EXPECT_EQ(r.trailers, (field_list{{"Checksum", "abc"}, {"X-Trailer", "two"}}));
}

TEST(HttpParser, ChunkedBodyIsDecodedInPlace) {
    std::string input = "PUT /f HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
    request_parser p;
    std::vector<header> storage(100);
    request r;
    ASSERT_EQ(p.parse(std::span<char>(input.data(), input.size()), r, storage), parse_state::complete);
    const std::size_t head = input.find("\r\n\r\n") + 4;
    EXPECT_EQ(r.body.data(), input.data() + head);
    EXPECT_EQ(r.body, "abcde");
    EXPECT_EQ(p.consumed(), input.size());
}

TEST(HttpParser, ChunkedEdgeCases) {
    EXPECT_EQ(parse_once("POST / HTTP/1.1\r\nTransfer-Encoding: CHUNKED\r\n\r\n00000\r\n\r\n").state, parse_state::complete);
    const result upper = parse_once("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n");
    EXPECT_EQ(upper.body, "0123456789");
    // Chunk extension grammar (strict: no whitespace).
    EXPECT_EQ(parse_once("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;\r\na\r\n0\r\n\r\n").status, 400);
    EXPECT_EQ(parse_once("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1 ;a\r\na\r\n0\r\n\r\n").status, 400);
    EXPECT_EQ(parse_once("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;a=\"x\r\na\r\n0\r\n\r\n").status, 400);
    EXPECT_EQ(parse_once("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;a=b c\r\na\r\n0\r\n\r\n").status, 400);
    // Trailer fields follow header rules.
    EXPECT_EQ(parse_once("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nBad : x\r\n\r\n").status, 400);
    EXPECT_EQ(parse_once("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: b\nC: d\r\n\r\n").status, 400);
}

TEST(HttpParser, ExpectContinue) {
    const std::string head = "PUT /big HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 5\r\n\r\n";
    request_parser p;
    std::vector<header> storage(100);
    request r;
    std::string buf = head;
    ASSERT_EQ(p.parse(std::span<char>(buf.data(), buf.size()), r, storage), parse_state::incomplete);
    EXPECT_TRUE(p.headers_complete());
    EXPECT_TRUE(r.expect_continue);
    EXPECT_EQ(r.header_value("Expect"), "100-Continue");
    buf += "hello";
    ASSERT_EQ(p.parse(std::span<char>(buf.data(), buf.size()), r, storage), parse_state::complete);
    EXPECT_EQ(r.body, "hello");

    // HTTP/1.0 clients cannot expect 100-continue (RFC 9110 §10.1.1): ignored.
    EXPECT_FALSE(parse_once("PUT / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n").expect_continue);
    EXPECT_EQ(parse_once("GET / HTTP/1.1\r\nExpect: 200-ok\r\n\r\n").status, 417);
    EXPECT_EQ(parse_once("GET / HTTP/1.1\r\nExpect:\r\n\r\n").status, 417);
}

TEST(HttpParser, KeepAliveRules) {
    struct row {
        const char* version;
        const char* connection; // nullptr: no header
        bool keep_alive;
    };
    const row rows[] = {
        {"1.1", nullptr, true},
        {"1.1", "close", false},
        {"1.1", "Keep-Alive, CLOSE", false},
        {"1.1", "upgrade , close\t", false},
        {"1.1", "closed", true},
        {"1.1", "keep-alive", true},
        {"1.0", nullptr, false},
        {"1.0", "keep-alive", true},
        {"1.0", "foo, Keep-Alive", true},
        {"1.0", "keep-alive, close", false},
        {"1.0", "keep-alives", false},
    };
    for (const row& r : rows) {
        std::string input = std::string("GET / HTTP/") + r.version + "\r\n";
        if (r.connection != nullptr) input += std::string("Connection: ") + r.connection + "\r\n";
        input += "\r\n";
        const result got = parse_once(input);
        ASSERT_EQ(got.state, parse_state::complete) << input;
        EXPECT_EQ(got.keep_alive, r.keep_alive) << input;
        EXPECT_EQ(got.version_minor, r.version[2] - '0');
    }
}

struct error_case {
    const char* name;
    std::string input;
    status_code status;
};

std::vector<error_case> error_cases() {
    return {
        {"method with CTL", "GE\x01T / HTTP/1.1\r\n\r\n", 400},
        {"empty method", " / HTTP/1.1\r\n\r\n", 400},
        {"two spaces before target", "GET  / HTTP/1.1\r\n\r\n", 400},
        {"two spaces before version", "GET /  HTTP/1.1\r\n\r\n", 400},
        {"space in target", "GET /a b HTTP/1.1\r\n\r\n", 400},
        {"UTF-8 in target", "GET /\xce\xb4 HTTP/1.1\r\n\r\n", 400},
        {"DEL in target", "GET /\x7f HTTP/1.1\r\n\r\n", 400},
        {"tab in target", "GET /\t HTTP/1.1\r\n\r\n", 400},
        {"no version", "GET /\r\n\r\n", 400},
        {"lower-case version", "GET / http/1.1\r\n\r\n", 400},
        {"garbage version", "GET / HTTP/1.x\r\n\r\n", 400},
        {"two-digit major", "GET / HTTP/11.1\r\n\r\n", 400},
        {"version then space", "GET / HTTP/1.1 \r\n\r\n", 400},
        {"HTTP/2.0", "GET / HTTP/2.0\r\n\r\n", 505},
        {"HTTP/1.2", "GET / HTTP/1.2\r\n\r\n", 505},
        {"HTTP/0.9", "GET / HTTP/0.9\r\n\r\n", 505},
        {"bare LF after request line", "GET / HTTP/1.1\nHost: a\r\n\r\n", 400},
        {"bare LF after header", "GET / HTTP/1.1\r\nHost: a\n\r\n", 400},
        {"bare LF ending head", "GET / HTTP/1.1\r\nHost: a\r\n\n", 400},
        {"lone CR in value", "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400},
        {"lone CR ending head", "GET / HTTP/1.1\r\nHost: a\r\n\rX", 400},
        {"obs-fold", "GET / HTTP/1.1\r\nX-A: b\r\n  c\r\n\r\n", 400},
        {"space before first header", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400},
        {"space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400},
        {"empty field name", "GET / HTTP/1.1\r\n: a\r\n\r\n", 400},
        {"bad field name char", "GET / HTTP/1.1\r\nHo(st: a\r\n\r\n", 400},
        {"NUL in value", std::string("GET / HTTP/1.1\r\nX: a\0b\r\n\r\n", 26), 400},
        {"form feed in value", "GET / HTTP/1.1\r\nX: a\fb\r\n\r\n", 400},
        {"DEL in value", "GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n", 400},
        {"CL and TE", "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
        {"TE and CL", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400},
        {"duplicate CL, same value", "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 400},
        {"duplicate CL, other value", "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400},
        {"CL list", "POST / HTTP/1.1\r\nContent-Length: 3, 3\r\n\r\nabc", 400},
        {"CL sign", "POST / HTTP/1.1\r\nContent-Length: +3\r\n\r\nabc", 400},
        {"CL negative", "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
        {"CL hex", "POST / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n", 400},
        {"CL empty", "POST / HTTP/1.1\r\nContent-Length: \r\n\r\n", 400},
        {"CL inner space", "POST / HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n", 400},
        {"CL overflow", "POST / HTTP/1.1\r\nContent-Length: 18446744073709551616\r\n\r\n", 400},
        {"TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
        {"chunked not last", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400},
        {"chunked twice", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
        {"chunked with parameter", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked;x=1\r\n\r\n", 400},
        {"empty TE", "POST / HTTP/1.1\r\nTransfer-Encoding: \r\n\r\n", 400},
        {"TE gzip", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
        {"TE gzip then chunked", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501},
        {"TE identity", "POST / HTTP/1.1\r\nTransfer-Encoding: identity\r\n\r\n", 501},
        {"TE chunkedchunked", "POST / HTTP/1.1\r\nTransfer-Encoding: chunkedchunked\r\n\r\n", 501},
        {"chunk size not hex", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nz\r\n", 400},
        {"chunk size overflow", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n", 400},
        {"chunk size then space", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1 \r\na\r\n0\r\n\r\n", 400},
        {"chunk size bare LF", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\na\r\n0\r\n\r\n", 400},
        {"chunk data too long", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n0\r\n\r\n", 400},
        {"chunk data bare LF", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\n0\r\n\r\n", 400},
        {"missing last chunk", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n\r\n", 400},
        {"final CRLF missing LF", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\rX", 400},
        {"Expect other", "GET / HTTP/1.1\r\nExpect: 100-continue-please\r\n\r\n", 417},
        {"CL above body limit", "POST / HTTP/1.1\r\nContent-Length: 1048577\r\n\r\n", 413},
    };
}

TEST(HttpParser, ErrorClassesHaveTheirStatus) {
    for (const error_case& c : error_cases()) {
        const result r = parse_once(c.input);
        EXPECT_EQ(r.state, parse_state::error) << c.name;
        EXPECT_EQ(r.status, c.status) << c.name << ": " << r.detail;
        EXPECT_FALSE(r.detail.empty()) << c.name;
    }
}

TEST(HttpParser, ErrorsAreSeenAsSoonAsTheBadByteArrives) {
    // Each input stops right after the offending byte: no line end, no final CRLF needed.
    EXPECT_EQ(parse_once("GET / HTTP/1.1\r\nHost: a\x01").status, 400);
    EXPECT_EQ(parse_once("GET / HTTP/1.1\r\nHost: a\n").status, 400);
    EXPECT_EQ(parse_once("GET / HTTP/1.1\r\n ").status, 400);
    EXPECT_EQ(parse_once("GET /\x80").status, 400);
    EXPECT_EQ(parse_once("GET / HTTP/2.0").status, 505);
    EXPECT_EQ(parse_once("GET / HTTQ").status, 400);
    EXPECT_EQ(parse_once("GET / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n").status, 400);
    EXPECT_EQ(parse_once("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello!").status, 400);
}

TEST(HttpParser, UriLimitIsCheckedBeforeTheLineEnds) {
    parser_limits limits;
    limits.max_uri_length = 16;
    const std::string target_16 = "/" + std::string(15, 'a');
    EXPECT_EQ(parse_once("GET " + target_16 + " HTTP/1.1\r\n\r\n", limits).state, parse_state::complete);
    EXPECT_EQ(parse_once("GET " + target_16, limits).state, parse_state::incomplete);
    const result r = parse_once("GET " + target_16 + "a", limits);
    EXPECT_EQ(r.status, 414);
    EXPECT_EQ(parse_once("GET /" + std::string(9000, 'x'), parser_limits{}).status, 414);
}

TEST(HttpParser, HeaderSectionLimitIsCheckedOnPartialData) {
    parser_limits limits;
    limits.max_header_bytes = 64;
    const std::string head = "GET / HTTP/1.1\r\nX-Fill: " + std::string(36, 'v') + "\r\n\r\n"; // 64 bytes
    ASSERT_EQ(head.size(), 64u);
    EXPECT_EQ(parse_once(head, limits).state, parse_state::complete);
    // 65 bytes of head: rejected as soon as the 65th byte is present, even mid-line.
    const std::string over = "GET / HTTP/1.1\r\nX-Fill: " + std::string(41, 'v');
    ASSERT_EQ(over.size(), 65u);
    EXPECT_EQ(parse_once(over.substr(0, 64), limits).state, parse_state::incomplete);
    EXPECT_EQ(parse_once(over, limits).status, 431);
    // Leading empty lines count too.
    EXPECT_EQ(parse_once("\r\n" + head, limits).status, 431);
    // Unbounded leading CRLFs cannot make the parser buffer forever.
    std::string crlfs;
    for (int i = 0; i < 40; ++i) crlfs += "\r\n";
    EXPECT_EQ(parse_once(crlfs, limits).status, 431);
}

TEST(HttpParser, HeaderCountLimit) {
    parser_limits limits;
    limits.max_header_count = 3;
    std::string input = "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
    EXPECT_EQ(parse_once(input, limits).state, parse_state::complete);
    input = "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD";
    EXPECT_EQ(parse_once(input, limits).status, 431) << "decided on the first byte of the 4th field";
    // Trailers share the budget.
    const std::string chunked = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nA: 1\r\n\r\n0\r\nT1: x\r\nT2: y\r\n\r\n";
    EXPECT_EQ(parse_once(chunked, limits).status, 431);
    limits.max_header_count = 4;
    const result ok = parse_once(chunked, limits);
    ASSERT_EQ(ok.state, parse_state::complete) << ok.detail;
    EXPECT_EQ(ok.trailers.size(), 2u);
}

TEST(HttpParser, BodyLimit) {
    parser_limits limits;
    limits.max_body_bytes = 10;
    EXPECT_EQ(parse_once("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789", limits).state, parse_state::complete);
    EXPECT_EQ(parse_once("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", limits).status, 413);
    const std::string chunked = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n";
    EXPECT_EQ(parse_once(chunked + "4\r\n6789\r\n0\r\n\r\n", limits).state, parse_state::complete);
    // The running total is checked when the chunk size is known, before its data arrives.
    EXPECT_EQ(parse_once(chunked + "5\r\n", limits).status, 413);
}

TEST(HttpParser, EveryPrefixOfAValidRequestIsIncomplete) {
    const std::vector<std::string> inputs = {
        browser_get,
        chunked_request,
        "\r\nPOST /x?y HTTP/1.0\r\nContent-Length: 4\r\nConnection: keep-alive\r\n\r\nbody",
        "PUT / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok",
    };
    for (const std::string& input : inputs) {
        const result full = parse_once(input);
        ASSERT_EQ(full.state, parse_state::complete) << full.detail;
        for (std::size_t n = 0; n < input.size(); ++n) {
            const result prefix = parse_once(input.substr(0, n));
            ASSERT_EQ(prefix.state, parse_state::incomplete) << "prefix of " << n << " bytes: " << prefix.detail;
        }
    }
}

TEST(HttpParser, IncrementalFeedingMatchesOneShot) {
    std::vector<std::string> inputs = {
        browser_get,
        chunked_request,
        "POST /items HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET /next HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.0\r\nConnection: keep-alive\r\nX-Long: " + std::string(3000, 'L') + "\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + std::string("400\r\n") + std::string(1024, 'c') +
            "\r\n1;ext=\"a\\\"b\"\r\nZ\r\n0\r\nT: 1\r\n\r\n",
    };
    for (const error_case& c : error_cases()) inputs.push_back(c.input);
    for (const std::string& input : inputs) {
        const result once = parse_once(input);
        for (const std::size_t step : {std::size_t{1}, std::size_t{2}, std::size_t{7}, std::size_t{64}}) {
            for (const bool move : {false, true}) {
                const result pieces = parse_pieces(input, step, move);
                EXPECT_EQ(pieces, once) << "step " << step << (move ? " moved" : "") << " input: " << input.substr(0, 60);
            }
        }
    }
}

TEST(HttpParser, ViewsFollowAMovedBuffer) {
    // Head in the first read, body and trailers later, each read into a reallocated buffer.
    const std::string input = chunked_request;
    const std::size_t head = input.find("\r\n\r\n") + 4;
    request_parser p;
    std::vector<header> storage(100);
    request r;
    std::string buf = input.substr(0, head);
    ASSERT_EQ(p.parse(std::span<char>(buf.data(), buf.size()), r, storage), parse_state::incomplete);
    ASSERT_TRUE(p.headers_complete());
    EXPECT_EQ(r.headers.size(), 2u);
    std::string moved = buf + input.substr(head);
    buf = std::string(); // free the old storage
    ASSERT_EQ(p.parse(std::span<char>(moved.data(), moved.size()), r, storage), parse_state::complete);
    ASSERT_EQ(r.headers.size(), 2u);
    EXPECT_EQ(r.headers[0].name.data(), moved.data() + input.find("Host"));
    EXPECT_EQ(r.header_value("transfer-encoding"), "chunked");
    EXPECT_EQ(r.body, "hello world");
    ASSERT_EQ(r.trailers.size(), 2u);
    EXPECT_EQ(r.trailers[0].value, "abc");
    // Calling again after `complete` keeps answering complete with views into the new buffer.
    std::string again = moved;
    ASSERT_EQ(p.parse(std::span<char>(again.data(), again.size()), r, storage), parse_state::complete);
    EXPECT_EQ(r.method_token.data(), again.data());
    EXPECT_EQ(r.body, "hello world");
}

TEST(HttpParser, ResetAndErrorAreSticky) {
    request_parser p(parser_limits{.max_header_bytes = 100, .max_header_count = 5, .max_uri_length = 50, .max_body_bytes = 7});
    EXPECT_EQ(p.limits().max_body_bytes, 7u);
    std::vector<header> storage(5);
    request r;
    std::string bad = "GET /\x01 HTTP/1.1\r\n\r\n";
    ASSERT_EQ(p.parse(std::span<char>(bad.data(), bad.size()), r, storage), parse_state::error);
    EXPECT_EQ(p.error().status, 400);
    EXPECT_TRUE(p.error().close_connection);
    std::string good = "GET / HTTP/1.1\r\n\r\n";
    EXPECT_EQ(p.parse(std::span<char>(good.data(), good.size()), r, storage), parse_state::error);
    p.reset();
    EXPECT_EQ(p.limits().max_body_bytes, 7u);
    EXPECT_FALSE(p.headers_complete());
    ASSERT_EQ(p.parse(std::span<char>(good.data(), good.size()), r, storage), parse_state::complete);
    EXPECT_EQ(p.consumed(), good.size());
}

TEST(HttpParser, ShrunkBufferIsRefusedNotOverrun) {
    request_parser p;
    std::vector<header> storage(100);
    request r;
    std::string input = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab";
    ASSERT_EQ(p.parse(std::span<char>(input.data(), input.size()), r, storage), parse_state::incomplete);
    ASSERT_EQ(p.parse(std::span<char>(input.data(), 10), r, storage), parse_state::error);
    EXPECT_EQ(p.error().status, 500);
}

TEST(HttpParser, SmallHeaderStorageLowersTheFieldLimit) {
    request_parser p;
    std::vector<header> storage(2);
    request r;
    std::string input = "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
    ASSERT_EQ(p.parse(std::span<char>(input.data(), input.size()), r, storage), parse_state::error);
    EXPECT_EQ(p.error().status, 431);
}

TEST(HttpParser, ByteTrickleStaysLinear) {
    // 12 KiB of header value delivered one byte per call. A quadratic re-scan would take
    // ~75M byte visits here; the test bounds the work indirectly by finishing in the suite's
    // time budget, and checks the result is exact.
    parser_limits limits;
    const std::string input = "GET / HTTP/1.1\r\nX: " + std::string(12 * 1024, 'v') + "\r\n\r\n";
    const result r = parse_pieces(input, 1, false, limits);
    ASSERT_EQ(r.state, parse_state::complete) << r.detail;
    EXPECT_EQ(r.headers[0].second.size(), 12u * 1024u);
}

} // namespace
