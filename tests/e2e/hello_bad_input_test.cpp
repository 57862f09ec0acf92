// Hostile and malformed requests against examples/hello over raw sockets: every row checks the
// status, the problem+json body, that the connection is closed when the stream position is lost,
// and that the server still serves afterwards. Plus the timeouts (slowloris) and a bad request
// behind a good one in a pipeline.
#include "e2e/hello_process.hpp"

#include <chrono>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

namespace {

using namespace std::chrono_literals;
using katana::test::hello_fixture;
using katana::test::hello_test;
using katana::test::is_plaintext;
using katana::test::is_problem;
using katana::test::make_get;

struct bad_row {
    std::string name;
    std::string bytes;
    std::vector<int> statuses; // acceptable answers; the first is the one the design table names
    bool must_close = true;    // the parser lost the stream position (or the request is unsafe to follow)
};

void PrintTo(const bad_row& row, std::ostream* os) { *os << row.name; }

std::string head_with(std::string_view fields, std::string_view request_line = "GET /plaintext HTTP/1.1") {
    return std::string(request_line) + "\r\nHost: localhost\r\n" + std::string(fields) + "\r\n";
}

std::vector<bad_row> bad_rows() {
    std::vector<bad_row> rows;
    auto add = [&rows](std::string name, std::string bytes, std::vector<int> statuses, bool must_close = true) {
        rows.push_back({std::move(name), std::move(bytes), std::move(statuses), must_close});
    };
    {
        std::string fields;
        for (int i = 0; i < 20; ++i) fields += "X-Fill-" + std::to_string(i) + ": " + std::string(1000, 'x') + "\r\n";
        add("oversized_header_section", head_with(fields), {431});
    }
    {
        std::string fields;
        for (int i = 0; i < 150; ++i) fields += "X-N" + std::to_string(i) + ": v\r\n";
        add("too_many_header_fields", head_with(fields), {431});
    }
    add("single_100kb_header_line", head_with("X-Big: " + std::string(100'000, 'a') + "\r\n"), {431});
    add("uri_longer_than_8k", make_get("/" + std::string(9000, 'a')), {414});
    add("content_length_2mib", head_with("Content-Length: 2097152\r\n", "POST /plaintext HTTP/1.1"), {413});
    add("chunked_body_over_limit", head_with("Transfer-Encoding: chunked\r\n", "POST /plaintext HTTP/1.1") + "200000\r\n", {413});
    add("transfer_encoding_gzip", head_with("Transfer-Encoding: gzip\r\n", "POST /plaintext HTTP/1.1"), {501});
    add("transfer_encoding_gzip_chunked", head_with("Transfer-Encoding: gzip, chunked\r\n", "POST /plaintext HTTP/1.1"), {501});
    add("version_http_2_0", "GET /plaintext HTTP/2.0\r\nHost: localhost\r\n\r\n", {505});
    add("version_http_1_2", "GET /plaintext HTTP/1.2\r\nHost: localhost\r\n\r\n", {505});
    add("version_not_http", "GET /plaintext HTTX/1.1\r\nHost: localhost\r\n\r\n", {400});
    add("bare_lf_line_endings", "GET /plaintext HTTP/1.1\nHost: localhost\n\n", {400});
    add("lone_cr_in_head", "GET /plaintext HTTP/1.1\rHost: localhost\r\n\r\n", {400});
    add("obs_fold_continuation", head_with("X-Folded: a\r\n  b\r\n"), {400});
    add("whitespace_line_after_request_line", "GET /plaintext HTTP/1.1\r\n Host: localhost\r\n\r\n", {400});
    add("space_inside_method", "GE T /plaintext HTTP/1.1\r\nHost: localhost\r\n\r\n", {400});
    add("invalid_method_byte", "G@T /plaintext HTTP/1.1\r\nHost: localhost\r\n\r\n", {400});
    add("header_name_with_space", head_with("Bad Name: x\r\n"), {400});
    add("space_before_colon", head_with("X-A : x\r\n"), {400});
    add("nul_in_header_value", head_with(std::string("X-A: a") + '\0' + "b\r\n"), {400});
    add("nul_in_target", std::string("GET /plain") + '\0' + "text HTTP/1.1\r\nHost: localhost\r\n\r\n", {400});
    add("content_length_with_transfer_encoding",
        head_with("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "POST /plaintext HTTP/1.1") + "0\r\n\r\n", {400});
    add("transfer_encoding_with_content_length",
        head_with("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "POST /plaintext HTTP/1.1") + "0\r\n\r\n", {400});
    add("conflicting_content_lengths",
        head_with("Content-Length: 5\r\nContent-Length: 6\r\n", "POST /plaintext HTTP/1.1") + "hello!", {400});
    add("content_length_not_a_number", head_with("Content-Length: 1x\r\n", "POST /plaintext HTTP/1.1") + "a", {400});
    add("content_length_negative", head_with("Content-Length: -1\r\n", "POST /plaintext HTTP/1.1"), {400});
    add("bad_chunk_size", head_with("Transfer-Encoding: chunked\r\n", "POST /plaintext HTTP/1.1") + "zz\r\nhello\r\n0\r\n\r\n", {400});
    add("chunk_data_without_crlf",
        head_with("Transfer-Encoding: chunked\r\n", "POST /plaintext HTTP/1.1") + "5\r\nhelloXX0\r\n\r\n", {400});
    add("transfer_encoding_in_http_1_0",
        "POST /plaintext HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", {400});
    add("request_line_without_version", "GET /plaintext\r\n\r\n", {400});
    add("expect_unknown", head_with("Expect: teapot\r\nContent-Length: 2\r\n", "POST /plaintext HTTP/1.1") + "hi", {417});
    // A TLS ClientHello sent to the plain-text port.
    add("tls_client_hello", std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) + std::string(64, '\x2a'), {400});
    {
        std::string noise;
        for (int i = 0; i < 512; ++i) noise.push_back(static_cast<char>((i * 131 + 7) % 256));
        add("binary_garbage", noise, {400});
    }
    // RFC 9112 §2.2 lets a server skip empty lines before a request, but not without bound.
    {
        std::string flood;
        for (int i = 0; i < 20'000; ++i) flood += "\r\n";
        add("empty_line_flood", flood + make_get("/plaintext"), {431, 400});
    }
    // RFC 9112 §3.2: "A server MUST respond with a 400 (Bad Request) status code to any
    // HTTP/1.1 request message that lacks a Host header field and to any request message that
    // contains more than one Host header field line". Closing is not required.
    add("http11_without_host", "GET /plaintext HTTP/1.1\r\n\r\n", {400}, false);
    add("two_host_fields", head_with("Host: other\r\n"), {400}, false);
    return rows;
}

class BadInput : public hello_fixture,
                 public ::testing::WithParamInterface<std::tuple<std::string, bad_row>> {
protected:
    [[nodiscard]] std::string backend() const override { return std::get<0>(GetParam()); }
};

TEST_P(BadInput, IsRejectedWithAProblemAndTheServerSurvives) {
    const bad_row& row = std::get<1>(GetParam());
    if (!start()) return;
    auto c = connect();
    ASSERT_TRUE(c);
    // The server may answer and close before it has read everything (a 100 KB header line):
    // then the rest of the send fails, which is fine. The answer must still arrive.
    [[maybe_unused]] const bool sent_all = c->send_all(row.bytes);
    auto r = c->read_response(10s);
    ASSERT_TRUE(r.has_value()) << "no answer: " << c->last_error() << "; got: " << c->buffered();
    EXPECT_EQ(r->version_minor, 1);
    bool status_ok = false;
    for (int s : row.statuses) status_ok = status_ok || r->status == s;
    EXPECT_TRUE(status_ok) << "status " << r->status << ", expected " << row.statuses.front() << "; body: " << r->body;
    EXPECT_TRUE(is_problem(*r, r->status));
    if (row.must_close) {
        EXPECT_EQ(r->header("Connection"), "close");
        EXPECT_TRUE(c->wait_closed(5s)) << "the connection stayed open after a framing error";
        EXPECT_TRUE(c->buffered().empty()) << "bytes after the error answer: " << c->buffered();
    }
    // Still alive and serving.
    auto after = exchange(make_get("/plaintext"));
    ASSERT_TRUE(after.has_value());
    EXPECT_TRUE(is_plaintext(*after));
}

std::vector<std::tuple<std::string, bad_row>> bad_params() {
    std::vector<std::tuple<std::string, bad_row>> out;
    for (const char* backend : {"epoll", "io_uring"}) {
        for (auto& row : bad_rows()) out.emplace_back(backend, row);
    }
    return out;
}

INSTANTIATE_TEST_SUITE_P(Rows, BadInput, ::testing::ValuesIn(bad_params()),
                         [](const ::testing::TestParamInfo<std::tuple<std::string, bad_row>>& param_info) {
                             return std::get<1>(param_info.param).name + "_" + std::get<0>(param_info.param);
                         });

// ---------------------------------------------------------------------------------------------

class BadInputStream : public hello_test {};

TEST_P(BadInputStream, GoodRequestThenBadOneInAPipeline) {
    if (!start()) return;
    auto c = connect();
    ASSERT_TRUE(c);
    ASSERT_TRUE(c->send_all(make_get("/plaintext") + "GET /plaintext HTTP/1.1\r\nBad Name: x\r\n\r\n" + make_get("/json")));
    auto first = c->read_response(5s);
    ASSERT_TRUE(first.has_value()) << c->last_error();
    EXPECT_TRUE(is_plaintext(*first));
    EXPECT_NE(first->header("Connection"), "close");
    auto second = c->read_response(5s);
    ASSERT_TRUE(second.has_value()) << c->last_error();
    EXPECT_TRUE(is_problem(*second, 400));
    EXPECT_EQ(second->header("Connection"), "close");
    // The request after the bad one is never answered: the stream position is lost.
    EXPECT_TRUE(c->wait_closed(5s));
    EXPECT_TRUE(c->buffered().empty()) << "answered past a framing error: " << c->buffered();
}

TEST_P(BadInputStream, HeadersTricklingInTooSlowlyGet408) {
    if (!start({"--header-timeout-ms", "500"})) return;
    auto c = connect();
    ASSERT_TRUE(c);
    const auto first_byte = std::chrono::steady_clock::now();
    ASSERT_TRUE(c->send_all("GET /plaintext HTTP/1.1\r\nHost: localhost\r\n"));
    // One header line every 100 ms: each arrives well within any per-read timeout, but the head
    // as a whole never completes. The deadline runs from the first byte, not from the last.
    bool answered = false;
    for (int i = 0; i < 50 && !answered; ++i) {
        if (!c->send_all("X-Slow-" + std::to_string(i) + ": 1\r\n")) break; // closed on us: read the answer
        answered = c->read_some(100ms);
    }
    const auto r = c->read_response(5s);
    const auto took = std::chrono::steady_clock::now() - first_byte;
    ASSERT_TRUE(r.has_value()) << "no 408 within 5 s: " << c->last_error();
    EXPECT_TRUE(is_problem(*r, 408));
    EXPECT_EQ(r->header("Connection"), "close");
    EXPECT_TRUE(c->wait_closed(5s));
    EXPECT_GE(took, 450ms) << "the header timeout fired early";
    EXPECT_LT(took, 4500ms) << "trickling bytes kept resetting the header deadline";
}

TEST_P(BadInputStream, SilentConnectionIsClosedAfterTheHeaderTimeout) {
    if (!start({"--header-timeout-ms", "500"})) return;
    auto c = connect();
    ASSERT_TRUE(c);
    const auto opened = std::chrono::steady_clock::now();
    EXPECT_TRUE(c->wait_closed(5s)) << "a connection that never sends a byte is kept forever";
    EXPECT_GE(std::chrono::steady_clock::now() - opened, 450ms);
}

TEST_P(BadInputStream, BodyStallingGets408) {
    if (!start({"--body-timeout-ms", "500"})) return;
    auto c = connect();
    ASSERT_TRUE(c);
    ASSERT_TRUE(c->send_all("POST /plaintext HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\nabc"));
    const auto stalled = std::chrono::steady_clock::now();
    auto r = c->read_response(5s);
    ASSERT_TRUE(r.has_value()) << "no answer to a stalled body: " << c->last_error();
    EXPECT_TRUE(is_problem(*r, 408));
    EXPECT_EQ(r->header("Connection"), "close");
    EXPECT_TRUE(c->wait_closed(5s));
    EXPECT_GE(std::chrono::steady_clock::now() - stalled, 450ms);
}

TEST_P(BadInputStream, ExpectContinueOnRawSocket) {
    if (!start()) return;
    auto c = connect();
    ASSERT_TRUE(c);
    ASSERT_TRUE(c->send_all("GET /plaintext HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
    // The interim answer comes before any body byte was sent.
    auto interim = c->read_response(5s);
    ASSERT_TRUE(interim.has_value()) << c->last_error();
    EXPECT_EQ(interim->status, 100);
    ASSERT_TRUE(c->send_all("hello"));
    auto final_answer = c->read_response(5s);
    ASSERT_TRUE(final_answer.has_value()) << c->last_error();
    EXPECT_TRUE(is_plaintext(*final_answer));
    // The next request on the connection gets no stray 100.
    ASSERT_TRUE(c->send_all(make_get("/plaintext")));
    auto next = c->read_response(5s);
    ASSERT_TRUE(next.has_value()) << c->last_error();
    EXPECT_TRUE(is_plaintext(*next));
}

TEST_P(BadInputStream, ExpectContinueWithTheBodyAlreadySentGetsNoInterim) {
    if (!start()) return;
    auto c = connect();
    ASSERT_TRUE(c);
    // The body arrives with the head: a 100 is allowed but useless; the final answer must be
    // correctly framed either way, and nothing may follow it.
    ASSERT_TRUE(c->send_all("GET /plaintext HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello"));
    auto r = c->read_response(5s);
    ASSERT_TRUE(r.has_value()) << c->last_error();
    if (r->status == 100) {
        r = c->read_response(5s);
        ASSERT_TRUE(r.has_value()) << c->last_error();
    }
    EXPECT_TRUE(is_plaintext(*r));
    EXPECT_FALSE(c->read_some(300ms)) << "stray bytes: " << c->buffered();
}

INSTANTIATE_TEST_SUITE_P(Backends, BadInputStream, KATANA_E2E_BACKENDS, katana::test::backend_name);

} // namespace
