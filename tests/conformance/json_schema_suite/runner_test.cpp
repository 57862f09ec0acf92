// JSON-Schema-Test-Suite through `katana gen openapi`: every test datum of the required files and
// of optional/format (format assertion on) is parsed with the validator generated for its group
// schema, and the result is compared with the suite's "valid". jsts_build (run at build time)
// wrote the tables; this runs them, prints pass/fail/skip per file and in total, and fails when
// the share of applicable tests that pass drops below the floor measured for each draft.
//
// Counting: a test is "skipped" when the generator rejected or warned about its group's schema
// (unsupported keyword, remote $ref, ...: the reason is the generator's own diagnostic) or a
// documented rule excludes it; every other test is "applicable" and either passes or fails.
// Groups the generator crashed on, or generated no type for, count as failures.
//
// JSTS_VERBOSE=1 lists every failure (default: the first 60 per draft) and every skipped group.
#include "suite.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <unistd.h>
#include <vector>

extern const jsts::suite suite_draft4;
extern const jsts::suite suite_draft2020_12;

namespace {

// What is running, for the crash report (a crash in generated code must name its test).
const jsts::suite* current_suite = nullptr;
const jsts::test_case* current_test = nullptr;

void write_str(const char* s) {
    if (s != nullptr) {
        const ssize_t n = ::write(2, s, std::strlen(s));
        (void)n;
    }
}

extern "C" void on_crash(int sig) {
    write_str("\n*** crash inside generated code while running ");
    if (current_suite != nullptr && current_test != nullptr) {
        const jsts::group& g = current_suite->groups[current_test->group];
        write_str(g.file);
        write_str(" | ");
        write_str(g.description);
        write_str(" | ");
        write_str(current_test->description);
        write_str(" | schema ");
        write_str(g.component);
    }
    write_str("\n");
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

struct counts {
    std::size_t pass = 0;
    std::size_t fail = 0;
    std::size_t skip = 0;
};

bool verbose() {
    const char* v = std::getenv("JSTS_VERBOSE");
    return v != nullptr && *v != '\0' && *v != '0';
}

const char* kind_name(jsts::verdict::kind k) {
    switch (k) {
    case jsts::verdict::kind::valid: return "valid";
    case jsts::verdict::kind::invalid: return "invalid";
    case jsts::verdict::kind::malformed: return "MALFORMED (the reader rejected valid JSON)";
    }
    return "?";
}

// The suite's datum: every test parses `{"v":<datum>}` (see jsts_build.cpp).
std::string_view datum(std::string_view wrapped) {
    constexpr std::string_view open = "{\"v\":";
    if (wrapped.starts_with(open) && wrapped.ends_with('}')) return wrapped.substr(open.size(), wrapped.size() - open.size() - 1);
    return wrapped;
}

// Runs one suite; returns the totals and prints the report.
counts run_suite(const jsts::suite& s) {
    std::signal(SIGSEGV, on_crash);
    std::signal(SIGBUS, on_crash);
    std::signal(SIGFPE, on_crash);
    std::signal(SIGABRT, on_crash);
    current_suite = &s;
    std::vector<std::string> file_order;
    std::map<std::string, counts> per_file;
    std::vector<std::string> failures;
    counts total;
    for (const jsts::test_case& t : s.tests) {
        const jsts::group& g = s.groups[t.group];
        if (!per_file.contains(g.file)) file_order.emplace_back(g.file);
        counts& c = per_file[g.file];
        auto fail = [&](const std::string& why) {
            ++c.fail;
            ++total.fail;
            failures.push_back(std::string(g.file) + " | " + g.description + " | " + t.description + ": " + why);
        };
        if (s.fatal != nullptr) {
            fail(s.fatal);
            continue;
        }
        if (g.state == jsts::group_state::skipped || t.skip != nullptr) {
            ++c.skip;
            ++total.skip;
            continue;
        }
        if (g.state == jsts::group_state::failed || g.check == nullptr) {
            fail(g.reason);
            continue;
        }
        current_test = &t;
        const jsts::verdict v = g.check(t.data);
        current_test = nullptr;
        const bool ok = v.result == (t.valid ? jsts::verdict::kind::valid : jsts::verdict::kind::invalid);
        if (ok) {
            ++c.pass;
            ++total.pass;
        } else {
            fail(std::string("expected ") + (t.valid ? "valid" : "invalid") + ", got " + kind_name(v.result) +
                 (v.detail.empty() ? "" : " (" + v.detail + ")") + "; data " + std::string(datum(t.data).substr(0, 200)) +
                 " [schema " + g.component + "]");
        }
    }
    current_suite = nullptr;

    std::printf("JSON-Schema-Test-Suite %s, per file (pass/fail/skip):\n", s.id);
    for (const std::string& f : file_order) {
        const counts& c = per_file[f];
        std::printf("  %-52s %4zu pass %4zu fail %4zu skip\n", f.c_str(), c.pass, c.fail, c.skip);
    }
    const std::size_t limit = verbose() ? failures.size() : 60;
    if (!failures.empty()) std::printf("failures (%zu):\n", failures.size());
    for (std::size_t i = 0; i < failures.size() && i < limit; ++i) std::printf("  FAIL %s\n", failures[i].c_str());
    if (failures.size() > limit) std::printf("  ... %zu more (JSTS_VERBOSE=1 lists all)\n", failures.size() - limit);

    // Skip reasons, grouped: the generator's messages say what it does not support.
    std::map<std::string, std::size_t> reasons;
    std::size_t skipped_groups = 0;
    for (const jsts::group& g : s.groups) {
        if (g.state != jsts::group_state::skipped || *g.file == '\0') continue;
        ++skipped_groups;
        // Summarised without the JSON pointer, which differs for every schema.
        std::string why = g.reason;
        if (const std::size_t at = why.rfind(" [/"); at != std::string::npos && why.back() == ']') why.resize(at);
        ++reasons[why];
        if (verbose()) std::printf("  SKIP %s | %s: %s\n", g.file, g.description, g.reason);
    }
    std::map<std::string, std::size_t> test_rules;
    for (const jsts::test_case& t : s.tests) {
        if (t.skip != nullptr && s.groups[t.group].state != jsts::group_state::skipped) ++test_rules[t.skip];
    }
    if (skipped_groups != 0) std::printf("skipped groups (%zu), by reason:\n", skipped_groups);
    for (const auto& [why, n] : reasons) std::printf("  %3zu x %s\n", n, why.c_str());
    for (const auto& [why, n] : test_rules) std::printf("  single tests skipped: %zu x %s\n", n, why.c_str());

    const std::size_t applicable = total.pass + total.fail;
    const double percent = applicable == 0 ? 0.0 : 100.0 * static_cast<double>(total.pass) / static_cast<double>(applicable);
    std::printf("JSON-Schema-Test-Suite %s: %zu pass, %zu fail, %zu skip (%zu tests); %.1f%% of %zu applicable pass\n",
                s.id, total.pass, total.fail, total.skip, s.tests.size(), percent, applicable);
    std::fflush(stdout);
    return total;
}

void check_floor(const jsts::suite& s, std::size_t min_pass, double min_percent) {
    if (!s.corpus_present) {
        GTEST_SKIP() << "the JSON-Schema-Test-Suite corpus (../shared/corpus/json-schema/" << s.id
                     << ") was not present when this binary was built";
    }
    const counts c = run_suite(s);
    const std::size_t applicable = c.pass + c.fail;
    // Two floors: the number of passing tests (a generator that starts skipping or failing tests
    // it passed before regresses it; new support never lowers it) and the pass rate.
    EXPECT_GE(c.pass, min_pass) << "fewer tests pass than measured before";
    const double percent = applicable == 0 ? 0.0 : 100.0 * static_cast<double>(c.pass) / static_cast<double>(applicable);
    EXPECT_GE(percent, min_percent) << c.pass << " of " << applicable << " applicable tests pass";
}

// Floors come from the measured results (CMakeLists.txt): regressions fail the test.
TEST(json_schema_suite, draft4) {
    check_floor(suite_draft4, static_cast<std::size_t>(JSTS_FLOOR_PASS_DRAFT4),
                static_cast<double>(JSTS_FLOOR_PERCENT_DRAFT4));
}

TEST(json_schema_suite, draft2020_12) {
    check_floor(suite_draft2020_12, static_cast<std::size_t>(JSTS_FLOOR_PASS_DRAFT2020_12),
                static_cast<double>(JSTS_FLOOR_PERCENT_DRAFT2020_12));
}

} // namespace
