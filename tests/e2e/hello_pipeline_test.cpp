// Pipelined HTTP/1.1 against examples/hello over raw sockets: many requests in one write,
// requests split at awkward byte boundaries, bodies in the middle of a pipeline, and a
// half-close after the last request. Answers must come back complete and strictly in order.
#include "e2e/hello_process.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using katana::test::hello_test;
using katana::test::is_json_hello;
using katana::test::is_plaintext;
using katana::test::is_problem;
using katana::test::make_get;

// One request of a mixed pipeline and how to recognise its answer. Unknown paths carry their
// index, and the 404 detail repeats the path, so an answer out of order is caught.
struct step {
    std::string request;
    std::string what; // "plain", "json", "missing:<path>", "head"
};

std::vector<step> mixed_pipeline(int n) {
    std::vector<step> steps;
    for (int i = 0; i < n; ++i) {
        switch (i % 4) {
        case 0: steps.push_back({make_get("/plaintext"), "plain"}); break;
        case 1: steps.push_back({make_get("/json"), "json"}); break;
        case 2: {
            const std::string path = "/missing/" + std::to_string(i);
            steps.push_back({make_get(path), "missing:" + path});
            break;
        }
        default: steps.push_back({"HEAD /plaintext HTTP/1.1\r\nHost: localhost\r\n\r\n", "head"}); break;
        }
    }
    return steps;
}

std::string joined(const std::vector<step>& steps) {
    std::string all;
    for (const auto& s : steps) all += s.request;
    return all;
}

// Reads one answer per step, in order, and checks each.
void expect_answers(katana::test::tcp_client& c, const std::vector<step>& steps) {
    for (std::size_t i = 0; i < steps.size(); ++i) {
        SCOPED_TRACE("response " + std::to_string(i) + " (" + steps[i].what + ")");
        const bool head = steps[i].what == "head";
        auto r = c.read_response(10s, head);
        ASSERT_TRUE(r.has_value()) << c.last_error();
        EXPECT_EQ(r->version_minor, 1);
        if (steps[i].what == "plain") {
            EXPECT_TRUE(is_plaintext(*r));
        } else if (steps[i].what == "json") {
            EXPECT_TRUE(is_json_hello(*r));
        } else if (head) {
            EXPECT_EQ(r->status, 200);
            EXPECT_EQ(r->header("Content-Length"), "13");
            EXPECT_TRUE(r->body.empty());
        } else {
            ASSERT_TRUE(is_problem(*r, 404));
            const std::string path = steps[i].what.substr(std::string_view("missing:").size());
            EXPECT_NE(r->body.find("\"no route for " + path + "\""), std::string::npos)
                << "answer out of order: expected the 404 for " << path << ", got " << r->body;
        }
        EXPECT_NE(r->header("Connection"), "close") << "a keep-alive pipeline must stay open";
    }
}

class Pipeline : public hello_test {};

TEST_P(Pipeline, SixteenGetsInOneWrite) {
    if (!start()) return;
    auto c = connect();
    ASSERT_TRUE(c);
    std::string all;
    for (int i = 0; i < 16; ++i) all += make_get("/plaintext");
    ASSERT_TRUE(c->send_all(all));
    for (int i = 0; i < 16; ++i) {
        auto r = c->read_response(10s);
        ASSERT_TRUE(r.has_value()) << "response " << i << ": " << c->last_error();
        EXPECT_TRUE(is_plaintext(*r)) << "response " << i;
    }
    // Nothing beyond the sixteen answers, and the connection still serves.
    EXPECT_TRUE(c->buffered().empty()) << "extra bytes after 16 responses: " << c->buffered();
    ASSERT_TRUE(c->send_all(make_get("/json")));
    auto last = c->read_response(10s);
    ASSERT_TRUE(last.has_value()) << c->last_error();
    EXPECT_TRUE(is_json_hello(*last));
}

TEST_P(Pipeline, MixedEndpointsComeBackInOrder) {
    if (!start()) return;
    auto c = connect();
    ASSERT_TRUE(c);
    const auto steps = mixed_pipeline(32);
    ASSERT_TRUE(c->send_all(joined(steps)));
    expect_answers(*c, steps);
}

TEST_P(Pipeline, SplitAtOddByteBoundaries) {
    if (!start()) return;
    auto c = connect();
    ASSERT_TRUE(c);
    const auto steps = mixed_pipeline(12);
    const std::string all = joined(steps);
    // Piece sizes cycle through small primes so that splits land inside the method, the
    // target, "HTTP/1.1", a CRLF pair and between two requests. The pauses make each piece its
    // own segment on loopback (TCP_NODELAY is on).
    constexpr std::size_t sizes[] = {1, 2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31};
    std::size_t pos = 0;
    for (std::size_t k = 0; pos < all.size(); ++k) {
        const std::size_t n = std::min(sizes[k % std::size(sizes)], all.size() - pos);
        ASSERT_TRUE(c->send_all(std::string_view(all).substr(pos, n))) << c->last_error();
        pos += n;
        if (k % 3 == 0) std::this_thread::sleep_for(1ms);
    }
    expect_answers(*c, steps);
}

TEST_P(Pipeline, HalfCloseAfterThePipelineAnswersEverythingThenCloses) {
    if (!start()) return;
    auto c = connect();
    ASSERT_TRUE(c);
    const auto steps = mixed_pipeline(20);
    ASSERT_TRUE(c->send_all(joined(steps)));
    c->shutdown_write();
    // The server must answer everything it read before acting on the end of input.
    expect_answers(*c, steps);
    EXPECT_TRUE(c->wait_closed(5s)) << "the server kept the half-closed connection open";
    EXPECT_TRUE(c->buffered().empty()) << "bytes after the last answer: " << c->buffered();
}

TEST_P(Pipeline, HalfCloseWithAPartialRequestAnswersTheCompleteOnes) {
    if (!start()) return;
    auto c = connect();
    ASSERT_TRUE(c);
    ASSERT_TRUE(c->send_all(make_get("/plaintext") + make_get("/json") + "GET /plaintext HTTP/1.1\r\nHost: loc"));
    c->shutdown_write();
    auto a = c->read_response(10s);
    ASSERT_TRUE(a.has_value()) << c->last_error();
    EXPECT_TRUE(is_plaintext(*a));
    auto b = c->read_response(10s);
    ASSERT_TRUE(b.has_value()) << c->last_error();
    EXPECT_TRUE(is_json_hello(*b));
    EXPECT_TRUE(c->wait_closed(5s)) << "the server waits for the rest of a request that can never come";
}

// The end of input often arrives in the same readiness event as the last request bytes (the
// client writes and shuts down at once). Many connections at once make that coalescing likely;
// each must still be answered and closed promptly, not left open until an idle timeout.
TEST_P(Pipeline, HalfCloseRightAfterTheRequestIsNoticed) {
    if (!start({"--threads", "1"})) return;
    constexpr int connections = 40;
    std::vector<katana::test::tcp_client> clients;
    for (int i = 0; i < connections; ++i) {
        auto c = connect();
        ASSERT_TRUE(c);
        clients.push_back(std::move(*c));
    }
    for (auto& c : clients) {
        ASSERT_TRUE(c.send_all(make_get("/plaintext")));
        c.shutdown_write();
    }
    int answered = 0;
    for (auto& c : clients) {
        auto r = c.read_response(5s);
        answered += r.has_value() && is_plaintext(*r) ? 1 : 0;
    }
    // One shared deadline, so that a server leaving many open does not make the test slow.
    const auto deadline = std::chrono::steady_clock::now() + 3s;
    int left_open = 0;
    for (auto& c : clients) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        left_open += c.wait_closed(std::max(left, std::chrono::milliseconds(1))) ? 0 : 1;
    }
    EXPECT_EQ(answered, connections);
    EXPECT_EQ(left_open, 0) << left_open << " of " << connections
                            << " half-closed connections were still open 3 s after their answer";
}

TEST_P(Pipeline, BodiesInsideThePipelineAreSkippedExactly) {
    if (!start()) return;
    auto c = connect();
    ASSERT_TRUE(c);
    // The bodies look like requests: a server that does not consume them would answer them.
    const std::string fake = make_get("/json");
    std::string all = make_get("/plaintext");
    all += "POST /plaintext HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + std::to_string(fake.size()) + "\r\n\r\n" + fake;
    all += "POST /json HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n";
    all += "7\r\n" + fake.substr(0, 7) + "\r\n";
    all += "1;ext=1\r\n" + fake.substr(7, 1) + "\r\n";
    all += fmt::format("{:x}\r\n", fake.size() - 8) + fake.substr(8) + "\r\n0\r\nX-Trailer: 1\r\n\r\n";
    all += make_get("/plaintext");
    ASSERT_TRUE(c->send_all(all));

    auto first = c->read_response(10s);
    ASSERT_TRUE(first.has_value()) << c->last_error();
    EXPECT_TRUE(is_plaintext(*first));
    for (int i = 0; i < 2; ++i) {
        auto r = c->read_response(10s);
        ASSERT_TRUE(r.has_value()) << c->last_error();
        EXPECT_TRUE(is_problem(*r, 405)) << "request " << i + 1;
        EXPECT_EQ(r->header("Allow"), "GET, HEAD, OPTIONS");
    }
    auto last = c->read_response(10s);
    ASSERT_TRUE(last.has_value()) << c->last_error();
    EXPECT_TRUE(is_plaintext(*last));
    // Exactly four answers: a fifth would be the body of a POST answered as a request.
    EXPECT_FALSE(c->read_some(300ms)) << "unexpected extra bytes: " << c->buffered();
}

TEST_P(Pipeline, ThousandRequestsLargerThanOneInputBlock) {
    if (!start()) return;
    auto c = connect();
    ASSERT_TRUE(c);
    // ~45 KB of requests: more than one 16 KiB input block, and ~200 KB of answers, so the
    // server must pause reading while its output is pending and resume afterwards.
    const auto steps = mixed_pipeline(1000);
    ASSERT_TRUE(c->send_all(joined(steps), 10s)) << c->last_error();
    expect_answers(*c, steps);
}

INSTANTIATE_TEST_SUITE_P(Backends, Pipeline, KATANA_E2E_BACKENDS, katana::test::backend_name);

} // namespace
