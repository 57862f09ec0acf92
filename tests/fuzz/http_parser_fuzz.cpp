// libFuzzer target for katana::http::request_parser.
//
// Each input is treated as the bytes a client sent on one connection. It is parsed four ways
// and the ways must agree:
//  1. whole: requests parsed one after another (pipelining) until an error or an incomplete tail;
//  2. split: the first request fed in two calls, cut at a point derived from the data, with the
//     buffer re-allocated between the calls (so stale pointers into the first copy are caught by
//     ASan as use-after-free);
//  3. byte at a time (short inputs): the same, one byte per call, re-allocating every time;
//  4. with small limits, so the 413/414/431 paths are reached by short inputs.
// Every buffer is a heap block of exactly the input's size, so a read past the end is an ASan
// report. Invariants are checked with check(), which prints the failed condition and traps.
#include <katana/http/parser.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using katana::http::header;
using katana::http::parse_state;
using katana::http::parser_limits;
using katana::http::request;
using katana::http::request_parser;

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "http_parser_fuzz invariant failed: %s\n", what);
        __builtin_trap();
    }
}

// An owning copy of a parse result; views of different buffers compare by content.
struct result {
    parse_state state = parse_state::incomplete;
    katana::http::status_code status = 0;
    bool close = false;
    std::size_t consumed = 0;
    std::string method_token, target, path, query, body;
    unsigned version_minor = 0;
    std::vector<std::pair<std::string, std::string>> headers, trailers;
    bool keep_alive = false, expect_continue = false, chunked = false;

    friend bool operator==(const result&, const result&) = default;
};

bool inside(std::string_view v, const char* first, const char* last) {
    // Compared without forming v.data() + v.size(), which a corrupt view could overflow.
    return v.empty() || (v.data() >= first && v.data() <= last && v.size() <= static_cast<std::size_t>(last - v.data()));
}

// A heap block of exactly n bytes (never zero, so .get() is a real allocation ASan knows about).
std::unique_ptr<char[]> block(std::size_t n) { return std::unique_ptr<char[]>(new char[n == 0 ? 1 : n]); }

constexpr std::size_t storage_slots = 128;

// One parse() call on `data` with invariant checks; returns its snapshot.
result parse_checked(request_parser& p, std::span<char> data, std::span<header> storage) {
    request req;
    const parse_state st = p.parse(data, req, storage);
    result r;
    r.state = st;
    if (st == parse_state::error) {
        r.status = p.error().status;
        r.close = p.error().close_connection;
        const auto s = r.status;
        check(s == 400 || s == 413 || s == 414 || s == 417 || s == 431 || s == 501 || s == 505, "unexpected error status");
        return r;
    }
    if (st != parse_state::complete) return r;

    r.consumed = p.consumed();
    check(r.consumed > 0, "complete with nothing consumed");
    check(r.consumed <= data.size(), "consumed beyond the input");
    check(p.headers_complete(), "complete without headers_complete()");
    const char* first = data.data();
    const char* last = data.data() + r.consumed;
    check(inside(req.method_token, first, last) && !req.method_token.empty(), "method_token outside the request");
    check(inside(req.target, first, last) && !req.target.empty(), "target outside the request");
    check(inside(req.path, first, last), "path outside the request");
    check(inside(req.query, first, last), "query outside the request");
    check(inside(req.body, first, last), "body outside the request");
    check(req.body.size() <= p.limits().max_body_bytes, "body larger than max_body_bytes");
    check(req.target.size() <= p.limits().max_uri_length, "target longer than max_uri_length");
    check(req.headers.size() <= p.limits().max_header_count, "more headers than max_header_count");
    check(req.method == katana::http::method_from_token(req.method_token), "method enum disagrees with token");
    check(req.version_minor <= 1, "version other than 1.0/1.1 accepted");
    for (auto fields : {req.headers, req.trailers}) {
        check(fields.empty() || (fields.data() >= storage.data() && fields.data() + fields.size() <= storage.data() + storage.size()),
              "fields outside header_storage");
        for (const auto& h : fields) {
            check(inside(h.name, first, last) && !h.name.empty(), "field name outside the request");
            check(inside(h.value, first, last), "field value outside the request");
            for (char c : h.name) check(c > 0x20 && c < 0x7f && c != ':', "field name with a non-token byte");
            for (char c : h.value) check(c != '\r' && c != '\n' && c != '\0', "field value with CR, LF or NUL");
            if (!h.value.empty()) {
                check(h.value.front() != ' ' && h.value.front() != '\t', "field value not trimmed");
                check(h.value.back() != ' ' && h.value.back() != '\t', "field value not trimmed");
            }
        }
    }
    if (!req.chunked) check(req.trailers.empty(), "trailers without chunked");

    r.method_token = req.method_token;
    r.target = req.target;
    r.path = req.path;
    r.query = req.query;
    r.body = req.body;
    r.version_minor = req.version_minor;
    for (const auto& h : req.headers) r.headers.emplace_back(h.name, h.value);
    for (const auto& h : req.trailers) r.trailers.emplace_back(h.name, h.value);
    r.keep_alive = req.keep_alive;
    r.expect_continue = req.expect_continue;
    r.chunked = req.chunked;
    return r;
}

// Fresh parser, one call, on a private exact-size copy of `bytes`.
result parse_copy(std::string_view bytes, const parser_limits& limits, std::vector<header>& storage) {
    auto buf = block(bytes.size());
    if (!bytes.empty()) std::memcpy(buf.get(), bytes.data(), bytes.size());
    request_parser p(limits);
    return parse_checked(p, {buf.get(), bytes.size()}, storage);
}

// Feeds bytes[0, cuts[0]), then [0, cuts[1]), ... then all of `bytes` to one parser, moving the
// data to a new exact-size block before every call (the old block is freed, so stale pointers
// become use-after-free). Returns the first non-incomplete result, or the last one.
result parse_in_steps(std::string_view bytes, const parser_limits& limits, std::vector<header>& storage,
                      std::span<const std::size_t> cuts) {
    request_parser p(limits);
    std::unique_ptr<char[]> held;
    std::size_t held_size = 0;
    result r;
    auto feed = [&](std::size_t len) {
        auto next = block(len);
        // The parser may have rewritten the bytes it has seen (in-place de-chunking): the caller
        // keeps what is in its buffer, not the original bytes.
        if (held_size > 0) std::memcpy(next.get(), held.get(), held_size);
        if (len > held_size) std::memcpy(next.get() + held_size, bytes.data() + held_size, len - held_size);
        held = std::move(next);
        held_size = len;
        r = parse_checked(p, {held.get(), len}, storage);
        return r.state == parse_state::incomplete;
    };
    for (std::size_t cut : cuts) {
        if (cut >= bytes.size()) break;
        if (!feed(cut)) return r;
    }
    feed(bytes.size());
    return r;
}

void check_same(const result& a, const result& b, const char* what) {
    if (a.state == parse_state::error && b.state == parse_state::error) {
        check(a.status == b.status, what);
        return;
    }
    check(a == b, what);
}

void fuzz_one(std::string_view input, const parser_limits& limits, bool byte_by_byte) {
    std::vector<header> storage(storage_slots);

    // 1. Whole input, pipelined requests in a loop as a connection does it: one parser, reset()
    //    between requests, each request on its own exact-size copy of the remaining bytes.
    std::size_t offset = 0;
    result first;
    request_parser conn(limits);
    for (int n = 0; offset < input.size() && n < 64; ++n) {
        const std::string_view rest = input.substr(offset);
        auto buf = block(rest.size());
        std::memcpy(buf.get(), rest.data(), rest.size());
        const std::span<char> data{buf.get(), rest.size()};
        const result r = parse_checked(conn, data, storage);
        if (n == 0) first = r;
        // A reset parser behaves like a new one.
        check(parse_copy(rest, limits, storage) == r, "reset parser differs from a fresh parser");
        // The result is final: asking again (same, possibly de-chunked, bytes) repeats it.
        check(parse_checked(conn, data, storage) == r, "second call after the end differs");
        if (r.state != parse_state::complete) break;
        // The request is self-delimiting: its own bytes alone give the same result.
        check(parse_copy(rest.substr(0, r.consumed), limits, storage) == r, "request alone parses differently");
        offset += r.consumed;
        conn.reset();
    }
    if (input.empty()) return;

    // 2. Split at a data-derived point (FNV-1a of the input, so mutations move the cut).
    std::uint32_t h = 2166136261u;
    for (unsigned char c : input) h = (h ^ c) * 16777619u;
    const std::size_t cut = h % input.size();
    const std::size_t cuts2[] = {cut, cut + (h >> 16) % (input.size() - cut + 1)};
    check_same(parse_in_steps(input, limits, storage, cuts2), first, "split parse differs from one-shot parse");

    // 3. One byte per call.
    if (byte_by_byte && input.size() <= 1024) {
        std::vector<std::size_t> all(input.size());
        for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
        check_same(parse_in_steps(input, limits, storage, all), first, "byte-at-a-time parse differs from one-shot parse");
    }

    // 4. An error is final: once a prefix is refused, every longer prefix is refused the same way.
    if (first.state == parse_state::error) {
        const result at_cut = parse_copy(input.substr(0, cut), limits, storage);
        if (at_cut.state == parse_state::error) check(at_cut.status == first.status, "error status depends on truncation");
        check(at_cut.state != parse_state::complete, "a prefix completes where the whole input is refused");
    } else if (first.state == parse_state::incomplete) {
        // No prefix of an incomplete input can be an error.
        check(parse_copy(input.substr(0, cut), limits, storage).state == parse_state::incomplete, "prefix of an incomplete input is not incomplete");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    fuzz_one(input, parser_limits{}, true);
    parser_limits small;
    small.max_header_bytes = 256;
    small.max_header_count = 6;
    small.max_uri_length = 32;
    small.max_body_bytes = 64;
    fuzz_one(input, small, false);
    return 0;
}
