// examples/hello against a real client: Debian's curl, run as a child process. Covers what a
// hand-written client could get wrong in the same way as the server: keep-alive reuse, HTTP/1.0,
// chunked uploads, 100-continue and HEAD.
#include "e2e/hello_process.hpp"
#include "support/temp_dir.hpp"

#include <chrono>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace std::chrono_literals;
using katana::test::hello_test;

constexpr std::string_view curl_binary = "/usr/bin/curl";

// Splits on '\n', dropping a trailing empty piece.
std::vector<std::string> lines_of(std::string_view text) {
    std::vector<std::string> out;
    while (!text.empty()) {
        const auto eol = text.find('\n');
        out.emplace_back(text.substr(0, eol));
        if (eol == std::string_view::npos) break;
        text.remove_prefix(eol + 1);
    }
    return out;
}

std::size_t count_of(std::string_view haystack, std::string_view needle) {
    std::size_t n = 0;
    for (auto pos = haystack.find(needle); pos != std::string_view::npos; pos = haystack.find(needle, pos + 1)) ++n;
    return n;
}

// The body of a file with a recognisable, non-repeating pattern, so a mis-framed upload cannot
// be mistaken for the next request.
void write_file(const std::filesystem::path& path, std::size_t size) {
    std::ofstream f(path, std::ios::binary);
    for (std::size_t i = 0; i < size; ++i) f.put(static_cast<char>('a' + (i * 7 + i / 26) % 26));
}

class Curl : public hello_test {
protected:
    void SetUp() override {
        if (!std::filesystem::exists(curl_binary)) GTEST_SKIP() << curl_binary << " is missing (scripts/install-deps.sh installs it)";
    }

    // curl -sS with no proxy and a hard time limit; stdout and stderr together.
    katana::test::run_result curl(std::vector<std::string> args) {
        std::vector<std::string> argv{std::string(curl_binary), "-sS", "--noproxy", "*", "--max-time", "20"};
        argv.insert(argv.end(), args.begin(), args.end());
        auto r = katana::test::run_process(argv, {}, 30s);
        if (!r) {
            ADD_FAILURE() << r.error();
            return {};
        }
        return *r;
    }

    std::string url(std::string_view path) { return hello().base_url() + std::string(path); }
};

TEST_P(Curl, GetsBothEndpoints) {
    if (!start({"--threads", "2"})) return;
    const auto plain = curl({"-w", "\n%{http_code}|%{content_type}|%{size_download}|%{http_version}", url("/plaintext")});
    EXPECT_EQ(plain.exit_code, 0) << plain.output;
    EXPECT_EQ(plain.output, "Hello, World!\n200|text/plain|13|1.1");

    const auto json = curl({"-w", "\n%{http_code}|%{content_type}|%{size_download}", url("/json")});
    EXPECT_EQ(json.exit_code, 0) << json.output;
    EXPECT_EQ(json.output, "{\"message\":\"Hello, World!\"}\n200|application/json|27");
}

TEST_P(Curl, ReusesOneConnectionForSeveralUrls) {
    if (!start()) return;
    // %{num_connects} is the number of new connections a transfer needed: 0 means it reused one.
    const auto r = curl({"-w", "\n%{http_code} %{num_connects}\n", url("/plaintext"), url("/json"), url("/plaintext")});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto lines = lines_of(r.output);
    ASSERT_EQ(lines.size(), 6u) << r.output;
    EXPECT_EQ(lines[0], "Hello, World!");
    EXPECT_EQ(lines[1], "200 1");
    EXPECT_EQ(lines[2], R"({"message":"Hello, World!"})");
    EXPECT_EQ(lines[3], "200 0") << "the second transfer opened a new connection: keep-alive broken";
    EXPECT_EQ(lines[4], "Hello, World!");
    EXPECT_EQ(lines[5], "200 0");
}

TEST_P(Curl, Http10ClosesUnlessKeepAliveWasAsked) {
    if (!start()) return;
    {
        const auto r = curl({"--http1.0", "-D", "-", "-o", "/dev/null", "-o", "/dev/null", "-w", "=%{http_code} %{num_connects}\n",
                             url("/plaintext"), url("/plaintext")});
        ASSERT_EQ(r.exit_code, 0) << r.output;
        EXPECT_EQ(count_of(r.output, "=200 1\n"), 2u) << "HTTP/1.0 without keep-alive must not be reused:\n" << r.output;
        EXPECT_EQ(count_of(r.output, "Connection: close\r\n"), 2u) << r.output;
        EXPECT_EQ(count_of(r.output, "Content-Length: 13\r\n"), 2u) << r.output;
    }
    {
        const auto r = curl({"--http1.0", "-H", "Connection: keep-alive", "-D", "-", "-o", "/dev/null", "-o", "/dev/null",
                             "-w", "=%{http_code} %{num_connects}\n", url("/plaintext"), url("/json")});
        ASSERT_EQ(r.exit_code, 0) << r.output;
        EXPECT_EQ(count_of(r.output, "=200 1\n"), 1u) << r.output;
        EXPECT_EQ(count_of(r.output, "=200 0\n"), 1u) << "HTTP/1.0 keep-alive was asked for but not honoured:\n" << r.output;
        EXPECT_EQ(count_of(r.output, "Connection: keep-alive\r\n"), 2u) << r.output;
        EXPECT_EQ(count_of(r.output, "Connection: close"), 0u) << r.output;
    }
}

TEST_P(Curl, ChunkedUploadIsConsumedAndTheConnectionReused) {
    if (!start()) return;
    katana::test::temp_dir dir("katana-e2e-curl");
    const auto body = dir.path() / "body.bin";
    write_file(body, 70'000); // several chunks as curl sends them
    // Only GET is routed on /plaintext: 405. The follow-up GET on the same connection (--next
    // keeps the connection cache) works only if the server consumed the chunked body exactly.
    const auto r = curl({"-X", "POST", "-H", "Transfer-Encoding: chunked", "-H", "Expect:", "--data-binary",
                         "@" + body.string(), "-D", "-", "-w", "\n=%{http_code} %{num_connects}\n", url("/plaintext"),
                         "--next", "-sS", "--noproxy", "*", "-w", "\n=%{http_code} %{num_connects}\n", url("/plaintext")});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("HTTP/1.1 405 Method Not Allowed\r\n"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("Allow: GET, HEAD, OPTIONS\r\n"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("Content-Type: application/problem+json\r\n"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("\n=405 1\n"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("Hello, World!\n=200 0\n"), std::string::npos)
        << "the GET after the chunked upload did not reuse the connection or failed:\n" << r.output;
}

TEST_P(Curl, ExpectContinueGets100BeforeTheFinalStatus) {
    if (!start()) return;
    katana::test::temp_dir dir("katana-e2e-curl");
    const auto body = dir.path() / "body.bin";
    write_file(body, 4096);
    // curl waits --expect100-timeout for the 100 before sending the body anyway; a long wait
    // makes a missing 100 visible as time as well as in the trace.
    const auto started = std::chrono::steady_clock::now();
    const auto r = curl({"-v", "--expect100-timeout", "8", "-H", "Expect: 100-continue", "--data-binary",
                         "@" + body.string(), "-o", "/dev/null", "-o", "/dev/null", "-w", "=%{http_code} %{num_connects}\n", url("/plaintext"),
                         url("/plaintext")});
    const auto took = std::chrono::steady_clock::now() - started;
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto hundred = r.output.find("< HTTP/1.1 100 Continue");
    const auto final_status = r.output.find("< HTTP/1.1 405");
    ASSERT_NE(hundred, std::string::npos) << "no 100 Continue:\n" << r.output;
    ASSERT_NE(final_status, std::string::npos) << r.output;
    EXPECT_LT(hundred, final_status);
    // Both uploads went through on one connection, each with its own 100.
    EXPECT_EQ(count_of(r.output, "< HTTP/1.1 100 Continue"), 2u) << r.output;
    EXPECT_NE(r.output.find("=405 1\n=405 0\n"), std::string::npos) << r.output;
    EXPECT_LT(took, 6s) << "curl waited for its expect100 timeout: the 100 came late or not at all";
}

TEST_P(Curl, HeadHasLengthButNoBody) {
    if (!start()) return;
    // Two HEADs on one connection: body bytes after the first head would corrupt the second.
    const auto r = curl({"-I", "-w", "=%{http_code} %{num_connects} %{size_download}\n", url("/plaintext"), url("/json")});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(count_of(r.output, "HTTP/1.1 200 OK\r\n"), 2u) << r.output;
    EXPECT_NE(r.output.find("Content-Length: 13\r\n"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("Content-Length: 27\r\n"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("=200 1 0\n"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("=200 0 0\n"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("Hello, World!"), std::string::npos) << "a HEAD answer carried a body:\n" << r.output;
}

INSTANTIATE_TEST_SUITE_P(Backends, Curl, KATANA_E2E_BACKENDS, katana::test::backend_name);

} // namespace
