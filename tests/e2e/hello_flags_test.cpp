// The command line of examples/hello: bad flags fail loudly with a usage text, start-up errors
// exit non-zero with a reason, and a successful start prints its ready line exactly once.
#include "e2e/hello_process.hpp"

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace std::chrono_literals;
using katana::test::hello_test;
using katana::test::make_get;

std::size_t count_lines_starting(std::string_view text, std::string_view prefix) {
    std::size_t n = 0;
    while (!text.empty()) {
        const auto eol = text.find('\n');
        n += text.substr(0, eol).starts_with(prefix) ? 1 : 0;
        if (eol == std::string_view::npos) break;
        text.remove_prefix(eol + 1);
    }
    return n;
}

katana::test::run_result run_hello(std::vector<std::string> args) {
    args.insert(args.begin(), KATANA_HELLO_BIN);
    auto r = katana::test::run_process(args, {}, 20s);
    if (!r) {
        ADD_FAILURE() << r.error();
        return {};
    }
    return *r;
}

TEST(HelloFlags, UnknownFlagExitsNonZeroWithUsage) {
    const auto r = run_hello({"--port", "0", "--frobnicate"});
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("--frobnicate"), std::string::npos) << r.output;
    EXPECT_EQ(count_lines_starting(r.output, "hello listening"), 0u) << r.output;
}

TEST(HelloFlags, BadValuesAreRejected) {
    for (const auto& args : std::vector<std::vector<std::string>>{{"--backend", "kqueue"},
                                                                  {"--threads", "0"},
                                                                  {"--port", "70000"},
                                                                  {"--memory", "gc"},
                                                                  {"--header-timeout-ms", "soon"},
                                                                  {"--port"}}) {
        const auto r = run_hello(args);
        EXPECT_EQ(r.exit_code, 2) << args.front() << ": " << r.output;
        EXPECT_NE(r.output.find(args.front()), std::string::npos) << "the error does not name the flag: " << r.output;
    }
}

TEST(HelloFlags, HelpListsTheServerFlags) {
    const auto r = run_hello({"--help"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    for (const char* flag : {"--port", "--threads", "--backend", "--health", "--memory", "--max-connections",
                             "--header-timeout-ms", "--keepalive-timeout-ms", "--shutdown-grace-ms"}) {
        EXPECT_NE(r.output.find(flag), std::string::npos) << flag << " missing from --help:\n" << r.output;
    }
}

TEST(HelloFlags, BindFailureExitsNonZeroWithTheReason) {
    // TEST-NET-3: never an address of this machine, so bind() fails with EADDRNOTAVAIL.
    const auto r = run_hello({"--host", "203.0.113.7", "--port", "0", "--threads", "1"});
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("bind"), std::string::npos) << r.output;
    EXPECT_EQ(count_lines_starting(r.output, "hello listening"), 0u) << r.output;
}

class HelloReady : public hello_test {};

TEST_P(HelloReady, ReadyLineIsPrintedExactlyOnceAndTellsTheTruth) {
    if (!start({"--threads", "2"})) return;
    EXPECT_EQ(hello().ready().reactors, 2u) << hello().ready_line();
    // The port it names is the one that serves.
    auto r = exchange(make_get("/plaintext"));
    ASSERT_TRUE(r);
    EXPECT_TRUE(katana::test::is_plaintext(*r));
    EXPECT_EQ(count_lines_starting(hello().output(), "hello listening"), 1u) << hello().output();
}

INSTANTIATE_TEST_SUITE_P(Backends, HelloReady, KATANA_E2E_BACKENDS, katana::test::backend_name);

} // namespace
