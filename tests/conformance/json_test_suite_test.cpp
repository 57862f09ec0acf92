// JSONTestSuite (../shared/corpus/json/test_parsing): every y_ file must be accepted and every
// n_ file rejected, both by json::parse (DOM) and by the reader's skip_value() + finish(); i_
// files (implementation-defined) must merely not crash, and their outcome is printed. The two
// paths must also agree with each other on every file, and an accepted document must survive a
// write_value -> parse round trip as an equal value.
//
// Each document is copied into a heap block of exactly its size so that ASan (dev preset) reports
// any read past the end.
#include <katana/json/reader.hpp>
#include <katana/json/value.hpp>
#include <katana/json/writer.hpp>

#include "support/paths.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <memory_resource>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace json = katana::json;

struct outcome {
    bool dom_accepted = false;
    bool reader_accepted = false;
    json::syntax_error dom_error;
    bool round_trip_equal = false;
};

outcome run(const std::string& bytes) {
    std::unique_ptr<char[]> exact(new char[bytes.empty() ? 1 : bytes.size()]);
    std::copy(bytes.begin(), bytes.end(), exact.get());
    const std::string_view doc(exact.get(), bytes.size());
    std::pmr::monotonic_buffer_resource memory;
    outcome o;
    auto v = json::parse(doc, &memory);
    o.dom_accepted = v.has_value();
    if (!v) o.dom_error = v.error();
    json::reader r(doc, &memory);
    o.reader_accepted = r.skip_value() && r.finish();
    if (v) {
        json::writer w(&memory);
        json::write_value(w, *v);
        auto again = json::parse(w.view(), &memory);
        o.round_trip_equal = again && json::equal(*v, *again);
    }
    return o;
}

TEST(JSONTestSuite, AcceptsYRejectsNSurvivesI) {
    const auto corpus = katana::test::corpus_dir();
    if (!corpus) GTEST_SKIP() << "corpus not found (set KATANA_CORPUS_DIR or provide ../shared/corpus)";
    const fs::path dir = *corpus / "json" / "test_parsing";
    if (!fs::is_directory(dir)) GTEST_SKIP() << "no JSONTestSuite at " << dir;

    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    ASSERT_FALSE(files.empty());

    int y_total = 0, y_ok = 0, n_total = 0, n_ok = 0, i_total = 0, i_accepted = 0;
    for (const auto& path : files) {
        std::ifstream in(path, std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const std::string name = path.filename().string();
        const outcome o = run(bytes);
        EXPECT_EQ(o.dom_accepted, o.reader_accepted) << name << ": DOM and reader disagree";
        if (o.dom_accepted) {
            EXPECT_TRUE(o.round_trip_equal) << name << ": write/parse round trip differs";
        }
        switch (name[0]) {
        case 'y':
            ++y_total;
            if (o.dom_accepted && o.reader_accepted) {
                ++y_ok;
            } else {
                ADD_FAILURE() << name << " rejected: " << json::describe(o.dom_error.code) << " at "
                              << o.dom_error.offset;
            }
            break;
        case 'n':
            ++n_total;
            if (!o.dom_accepted && !o.reader_accepted) {
                ++n_ok;
            } else {
                ADD_FAILURE() << name << " accepted";
            }
            break;
        default:
            ++i_total;
            i_accepted += o.dom_accepted ? 1 : 0;
            std::printf("  %-55s %s%s%s\n", name.c_str(), o.dom_accepted ? "accepted" : "rejected: ",
                        o.dom_accepted ? "" : std::string(json::describe(o.dom_error.code)).c_str(),
                        o.dom_accepted ? "" : (" at " + std::to_string(o.dom_error.offset)).c_str());
            break;
        }
    }
    std::printf("JSONTestSuite: y %d/%d accepted, n %d/%d rejected, i %d (%d accepted, %d rejected)\n", y_ok,
                y_total, n_ok, n_total, i_total, i_accepted, i_total - i_accepted);
    EXPECT_GT(y_total, 0);
    EXPECT_GT(n_total, 0);
}

} // namespace
