// The generator front over the OpenAPI corpus (../shared/corpus/openapi): every real-world spec
// and every OAI example loads with zero errors and every $ref in it resolves; the OAI YAML/JSON
// twins load into the same tree; every v3.1 "fail" fixture is rejected with a located error;
// and GitHub's 2.9 MB spec loads and resolves fast (timing printed).
#include <katana/codegen/diagnostics.hpp>
#include <katana/codegen/spec.hpp>

#include "support/paths.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <ctime>
#include <string>
#include <vector>

// Sanitizers slow the loader several times over: the time budget only applies without them.
#if defined(__SANITIZE_ADDRESS__)
#define KATANA_FRONT_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KATANA_FRONT_SANITIZED 1
#endif
#endif
#ifndef KATANA_FRONT_SANITIZED
#define KATANA_FRONT_SANITIZED 0
#endif

namespace {

namespace cg = katana::codegen;
namespace fs = std::filesystem;

std::optional<fs::path> openapi_dir() {
    const auto corpus = katana::test::corpus_dir();
    if (!corpus || !fs::is_directory(*corpus / "openapi")) return std::nullopt;
    return *corpus / "openapi";
}

#define REQUIRE_OPENAPI_CORPUS(dir)                                                                     \
    const auto dir = openapi_dir();                                                                    \
    if (!dir) GTEST_SKIP() << "OpenAPI corpus not found: set KATANA_CORPUS_DIR or provide ../shared/corpus/openapi"

std::vector<fs::path> files_in(const fs::path& dir, std::initializer_list<std::string_view> extensions) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        const std::string ext = e.path().extension().string();
        if (std::find(extensions.begin(), extensions.end(), ext) != extensions.end()) out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

// Resolves every reference object in the root document (and, through them, in the files they
// reach). Example payloads, defaults, enums and consts are data, not spec: a "$ref" key there
// (GitHub's SCIM examples have them) is not a reference. Returns how many were resolved.
std::size_t resolve_all(cg::spec_set& spec, const cg::node& n, cg::diagnostics& diags, std::size_t depth = 0) {
    std::size_t count = 0;
    if (depth > 300) return count;
    if (!cg::spec_set::ref_of(&n).empty()) {
        ++count;
        if (spec.resolve(&n, diags) == nullptr) ADD_FAILURE() << "unresolved $ref at " << n.pointer;
    }
    for (const cg::node* item : n.items) count += resolve_all(spec, *item, diags, depth + 1);
    for (const auto& m : n.members) {
        if (m.key == "example" || m.key == "default" || m.key == "enum" || m.key == "const") continue;
        if (m.key == "examples" && m.value->is_object()) {
            // Example Objects: their "value" is data, the rest (a $ref to one) is spec.
            for (const auto& ex : m.value->members) {
                if (!ex.value->is_object()) continue;
                for (const auto& field : ex.value->members) {
                    if (field.key != "value") count += resolve_all(spec, *field.value, diags, depth + 3);
                }
                if (!cg::spec_set::ref_of(ex.value).empty()) {
                    ++count;
                    if (spec.resolve(ex.value, diags) == nullptr) ADD_FAILURE() << "unresolved $ref at " << ex.value->pointer;
                }
            }
            continue;
        }
        count += resolve_all(spec, *m.value, diags, depth + 1);
    }
    return count;
}

// CPU time of this process: what the loader costs, whatever else the machine is doing.
double cpu_ms() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

struct load_result {
    std::string name;
    bool ok = false;
    std::size_t refs = 0;
    double ms = 0;
    std::string diagnostics;
};

load_result load_and_resolve(const fs::path& file) {
    load_result r;
    r.name = file.filename().string();
    cg::diagnostics diags;
    const auto start = std::chrono::steady_clock::now();
    auto spec = cg::spec_set::load(file, diags);
    if (spec) r.refs = resolve_all(*spec, *spec->root().root(), diags);
    r.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    r.ok = spec != nullptr && diags.error_count() == 0;
    r.diagnostics = diags.to_string();
    return r;
}

// Loads every file and expects zero errors; prints one line per file and a total.
void expect_all_load(const std::vector<fs::path>& files, std::string_view what) {
    ASSERT_FALSE(files.empty()) << "no " << what << " found";
    std::size_t ok = 0;
    std::size_t refs = 0;
    for (const auto& f : files) {
        const load_result r = load_and_resolve(f);
        EXPECT_TRUE(r.ok) << r.name << ":\n" << r.diagnostics;
        if (r.ok) ++ok;
        refs += r.refs;
        std::printf("  %-40s %s %6zu refs %8.1f ms\n", r.name.c_str(), r.ok ? "ok  " : "FAIL", r.refs, r.ms);
    }
    std::printf("%s: %zu of %zu loaded with zero errors, %zu $refs resolved\n", std::string(what).c_str(), ok,
                files.size(), refs);
}

TEST(CodegenFrontCorpus, EveryRealWorldSpecLoadsAndResolves) {
    REQUIRE_OPENAPI_CORPUS(dir);
    const auto files = files_in(*dir / "real-world", {".yaml", ".yml", ".json"});
    EXPECT_GE(files.size(), 20u) << "the corpus lists 25 real-world specs";
    expect_all_load(files, "real-world specs");
}

TEST(CodegenFrontCorpus, EveryOaiExampleLoadsAndResolves) {
    REQUIRE_OPENAPI_CORPUS(dir);
    auto files = files_in(*dir / "oai-examples/v3.0", {".yaml", ".json"});
    const auto v31 = files_in(*dir / "oai-examples/v3.1", {".yaml", ".json"});
    files.insert(files.end(), v31.begin(), v31.end());
    expect_all_load(files, "OAI examples");
}

TEST(CodegenFrontCorpus, EveryV31PassFixtureLoads) {
    REQUIRE_OPENAPI_CORPUS(dir);
    expect_all_load(files_in(*dir / "oai-examples/v3.1-schema-fixtures/pass", {".yaml", ".json"}),
                    "v3.1 pass fixtures");
}

TEST(CodegenFrontCorpus, EveryV31FailFixtureIsRejectedWithALocatedError) {
    REQUIRE_OPENAPI_CORPUS(dir);
    const auto files = files_in(*dir / "oai-examples/v3.1-schema-fixtures/fail", {".yaml", ".json"});
    ASSERT_FALSE(files.empty());
    for (const auto& f : files) {
        cg::diagnostics diags;
        const auto spec = cg::spec_set::load(f, diags);
        EXPECT_FALSE(spec) << f.filename() << " must be rejected";
        EXPECT_GE(diags.error_count(), 1u) << f.filename();
        bool located = false;
        for (const auto& d : diags.all()) {
            if (d.level == cg::severity::error && d.file == f.string() && d.line > 0 && d.column > 0) located = true;
        }
        EXPECT_TRUE(located) << f.filename() << ": no error with a file:line:col\n" << diags.to_string();
        for (const auto& d : diags.all()) {
            std::printf("  %s:%u:%u: %s [%s]\n", f.filename().string().c_str(), d.line, d.column, d.message.c_str(),
                        d.pointer.c_str());
        }
    }
    std::printf("v3.1 fail fixtures: %zu rejected\n", files.size());
}

// Same data, both formats: the trees must match value for value (locations differ, of course).
void expect_same_tree(const cg::node& a, const cg::node& b) {
    ASSERT_EQ(a.kind, b.kind) << a.pointer;
    EXPECT_EQ(a.pointer, b.pointer);
    switch (a.kind) {
    case cg::node_kind::string: EXPECT_EQ(a.text, b.text) << a.pointer; break;
    case cg::node_kind::boolean: EXPECT_EQ(a.boolean, b.boolean) << a.pointer; break;
    case cg::node_kind::integer: EXPECT_EQ(a.integer, b.integer) << a.pointer; break;
    case cg::node_kind::number: EXPECT_DOUBLE_EQ(a.number, b.number) << a.pointer; break;
    case cg::node_kind::null: break;
    case cg::node_kind::array:
        ASSERT_EQ(a.items.size(), b.items.size()) << a.pointer;
        for (std::size_t i = 0; i < a.items.size(); ++i) expect_same_tree(*a.items[i], *b.items[i]);
        break;
    case cg::node_kind::object:
        ASSERT_EQ(a.members.size(), b.members.size()) << a.pointer;
        for (std::size_t i = 0; i < a.members.size(); ++i) {
            ASSERT_EQ(a.members[i].key, b.members[i].key) << a.pointer;
            expect_same_tree(*a.members[i].value, *b.members[i].value);
        }
        break;
    }
}

TEST(CodegenFrontCorpus, YamlAndJsonTwinsLoadIntoTheSameTree) {
    REQUIRE_OPENAPI_CORPUS(dir);
    std::size_t pairs = 0;
    for (const char* sub : {"oai-examples/v3.0", "oai-examples/v3.1"}) {
        for (const auto& json : files_in(*dir / sub, {".json"})) {
            fs::path yaml = json;
            yaml.replace_extension(".yaml");
            if (!fs::exists(yaml)) continue;
            cg::diagnostics dj;
            cg::diagnostics dy;
            const auto sj = cg::spec_set::load(json, dj);
            const auto sy = cg::spec_set::load(yaml, dy);
            ASSERT_TRUE(sj && sy) << dj.to_string() << dy.to_string();
            SCOPED_TRACE(json.filename().string());
            expect_same_tree(*sj->root().root(), *sy->root().root());
            ++pairs;
        }
    }
    EXPECT_GE(pairs, 8u);
    std::printf("YAML/JSON twins compared: %zu\n", pairs);
}

TEST(CodegenFrontCorpus, GithubLoadsAndResolvesFast) {
    REQUIRE_OPENAPI_CORPUS(dir);
    const fs::path github = *dir / "real-world/github_api.yaml";
    if (!fs::exists(github)) GTEST_SKIP() << "github_api.yaml not in the corpus";
    cg::diagnostics diags;
    const double cpu_start = cpu_ms();
    const auto start = std::chrono::steady_clock::now();
    auto spec = cg::spec_set::load(github, diags);
    const double cpu_loaded = cpu_ms();
    const auto loaded = std::chrono::steady_clock::now();
    ASSERT_TRUE(spec) << diags.to_string();
    const std::size_t refs = resolve_all(*spec, *spec->root().root(), diags);
    const double cpu_resolved = cpu_ms();
    const auto resolved = std::chrono::steady_clock::now();
    const double load_ms = std::chrono::duration<double, std::milli>(loaded - start).count();
    const double total_ms = std::chrono::duration<double, std::milli>(resolved - start).count();
    EXPECT_EQ(diags.error_count(), 0u) << diags.to_string();
    EXPECT_GT(refs, 1000u);
    std::printf("github_api.yaml (%.1f MB): load + structural checks %.1f ms CPU (%.1f ms wall); "
                "+ resolving all %zu $refs: %.1f ms CPU (%.1f ms wall)\n",
                static_cast<double>(fs::file_size(github)) / 1e6, cpu_loaded - cpu_start, load_ms, refs,
                cpu_resolved - cpu_start, total_ms);
#if defined(NDEBUG) && !KATANA_FRONT_SANITIZED
    // The budget, on CPU time so that a busy machine does not fail it; an optimised
    // build needs about a fifth of it.
    EXPECT_LT(cpu_resolved - cpu_start, 2000.0);
#endif
}

} // namespace
