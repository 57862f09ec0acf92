// Request parser throughput: a browser-like GET (~350 bytes, the common case of a real server)
// and a small JSON POST with Content-Length, each parsed in one call as when the whole request
// arrived in one read; plus a chunked POST and a GET delivered in 3 reads.
#include <katana/http/parser.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <string>
#include <vector>

namespace {

using namespace katana::http;

const std::string browser_get =
    "GET /api/v1/users/12345/orders?status=open&limit=20 HTTP/1.1\r\n"
    "Host: shop.example.com\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\r\n"
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
    "Accept-Language: en-US,en;q=0.5\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Connection: keep-alive\r\n"
    "Cookie: sid=4f2a9c1e7b; theme=dark\r\n"
    "\r\n";

const std::string small_post =
    "POST /api/v1/orders HTTP/1.1\r\n"
    "Host: shop.example.com\r\n"
    "Content-Type: application/json\r\n"
    "Content-Length: 38\r\n"
    "\r\n"
    "{\"item\":\"katana\",\"qty\":2,\"gift\":true}\n";

const std::string chunked_post =
    "POST /api/v1/upload HTTP/1.1\r\n"
    "Host: shop.example.com\r\n"
    "Transfer-Encoding: chunked\r\n"
    "\r\n"
    "10\r\n0123456789abcdef\r\n"
    "10\r\n0123456789abcdef\r\n"
    "8;last\r\n01234567\r\n"
    "0\r\n\r\n";

// `rewrites`: chunked decoding moves body bytes in place, so such input is restored (one memcpy,
// included in the time) before each parse.
void parse_whole(benchmark::State& state, const std::string& input, bool rewrites = false) {
    request_parser parser;
    std::vector<header> storage(parser.limits().max_header_count);
    std::string buf = input;
    // A connection reuses one request object; parse() overwrites every field it reports.
    request req;
    for (auto _ : state) {
        if (rewrites) std::copy(input.begin(), input.end(), buf.begin());
        parser.reset();
        const parse_state st = parser.parse(std::span<char>(buf.data(), buf.size()), req, storage);
        if (st != parse_state::complete) {
            state.SkipWithError("request did not parse");
            break;
        }
        benchmark::DoNotOptimize(req);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(input.size()));
    state.counters["bytes/request"] = static_cast<double>(input.size());
}

void BM_parse_browser_get(benchmark::State& state) { parse_whole(state, browser_get); }
void BM_parse_small_post(benchmark::State& state) { parse_whole(state, small_post); }
void BM_parse_chunked_post(benchmark::State& state) { parse_whole(state, chunked_post, true); }

void BM_parse_browser_get_3_reads(benchmark::State& state) {
    request_parser parser;
    std::vector<header> storage(parser.limits().max_header_count);
    std::string buf = browser_get;
    const std::size_t cuts[] = {browser_get.size() / 3, 2 * browser_get.size() / 3, browser_get.size()};
    request req;
    for (auto _ : state) {
        parser.reset();
        parse_state st = parse_state::incomplete;
        for (const std::size_t n : cuts) st = parser.parse(std::span<char>(buf.data(), n), req, storage);
        if (st != parse_state::complete) {
            state.SkipWithError("request did not parse");
            break;
        }
        benchmark::DoNotOptimize(req);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(browser_get.size()));
}

BENCHMARK(BM_parse_browser_get);
BENCHMARK(BM_parse_small_post);
BENCHMARK(BM_parse_chunked_post);
BENCHMARK(BM_parse_browser_get_3_reads);

} // namespace

BENCHMARK_MAIN();
