// examples/products_api end to end: the generated service started as a process and driven with
// Debian's curl, as a user would. Covers CRUD, pagination, search, the tri-state PATCH, and the
// generated 400/404/405/406/409/415/422 answers with their problem+json bodies.
#include "support/process.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#ifndef KATANA_PRODUCTS_API_BIN
#error "KATANA_PRODUCTS_API_BIN must name the examples/products_api binary (tests/CMakeLists.txt DEPENDS)"
#endif

namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

constexpr std::string_view curl_binary = "/usr/bin/curl";

struct http_result {
    int status = 0;
    std::string content_type;
    std::string location;
    std::string body;
    [[nodiscard]] json doc() const { return json::parse(body, nullptr, false); }
};

class ProductsApi : public ::testing::Test {
protected:
    void SetUp() override {
        if (!std::filesystem::exists(curl_binary)) GTEST_SKIP() << curl_binary << " is missing (scripts/install-deps.sh installs it)";
        auto spawned = katana::test::child_process::spawn(
            {KATANA_PRODUCTS_API_BIN, "--host", "127.0.0.1", "--port", "0", "--threads", "2"});
        ASSERT_TRUE(spawned.has_value()) << spawned.error();
        server_.emplace(std::move(*spawned));
        constexpr std::string_view prefix = "products_api listening on http://127.0.0.1:";
        auto line = server_->wait_for_output_line([&](std::string_view l) { return l.starts_with(prefix); }, 20s);
        ASSERT_TRUE(line.has_value()) << "no ready line; output:\n" << server_->captured_output();
        const auto rest = line->substr(prefix.size());
        base_ = "http://127.0.0.1:" + rest.substr(0, rest.find(' '));
    }

    void TearDown() override {
        if (server_ && !server_->running()) ADD_FAILURE() << "products_api exited on its own:\n" << server_->captured_output();
        server_.reset();
    }

    // One request through curl; the status, two headers and the body come back.
    http_result request(std::string_view method, std::string_view path, std::optional<std::string> body = std::nullopt,
                        std::vector<std::string> headers = {}) {
        std::vector<std::string> argv{std::string(curl_binary), "-sS", "--noproxy", "*", "--max-time", "20", "-X",
                                      std::string(method), "-w", "\n%{http_code}|%{content_type}|%header{location}"};
        if (body) {
            argv.emplace_back("--data-binary");
            argv.push_back(*body);
            bool typed = false;
            for (const auto& h : headers) typed = typed || h.starts_with("Content-Type");
            if (!typed) headers.emplace_back("Content-Type: application/json");
        }
        for (const auto& h : headers) {
            argv.emplace_back("-H");
            argv.push_back(h);
        }
        argv.push_back(base_ + std::string(path));
        auto run = katana::test::run_process(argv, {}, 30s);
        http_result r;
        if (!run || run->exit_code != 0) {
            ADD_FAILURE() << "curl failed: " << (run ? run->output : run.error());
            return r;
        }
        const std::string& out = run->output;
        const auto nl = out.rfind('\n');
        r.body = out.substr(0, nl);
        const std::string trailer = out.substr(nl + 1);
        const auto bar1 = trailer.find('|');
        const auto bar2 = trailer.find('|', bar1 + 1);
        r.status = std::stoi(trailer.substr(0, bar1));
        r.content_type = trailer.substr(bar1 + 1, bar2 - bar1 - 1);
        r.location = trailer.substr(bar2 + 1);
        return r;
    }

    json create(std::string_view sku, std::string_view name, double amount, std::vector<std::string> tags = {}) {
        json body{{"sku", sku}, {"name", name}, {"price", {{"amount", amount}, {"currency", "EUR"}}}, {"tags", tags}};
        const auto r = request("POST", "/products", body.dump());
        EXPECT_EQ(r.status, 201) << r.body;
        return r.doc();
    }

    // A problem+json answer with this status, listing these error pointers (in any order).
    static void expect_problem(const http_result& r, int status, std::vector<std::string> pointers = {}) {
        EXPECT_EQ(r.status, status) << r.body;
        EXPECT_EQ(r.content_type, "application/problem+json") << r.body;
        const json doc = r.doc();
        ASSERT_TRUE(doc.is_object()) << r.body;
        EXPECT_EQ(doc.value("status", 0), status) << r.body;
        std::vector<std::string> got;
        if (doc.contains("errors")) {
            for (const auto& e : doc["errors"]) got.push_back(e.value("pointer", "?"));
        }
        std::sort(got.begin(), got.end());
        std::sort(pointers.begin(), pointers.end());
        EXPECT_EQ(got, pointers) << r.body;
    }

    std::optional<katana::test::child_process> server_;
    std::string base_;
};

TEST_F(ProductsApi, CreateReadUpdateDelete) {
    const json created = create("KT-000123", "Trail shoe", 129.99, {"run", "trail"});
    ASSERT_TRUE(created.is_object());
    const auto id = created.value("id", 0LL);
    ASSERT_GT(id, 0);
    EXPECT_EQ(created["status"], "active");
    EXPECT_TRUE(created["description"].is_null());
    EXPECT_EQ(created["tags"], json({"run", "trail"}));
    EXPECT_EQ(created["price"]["amount"], 129.99);
    const std::string path = "/products/" + std::to_string(id);

    const auto got = request("GET", path);
    EXPECT_EQ(got.status, 200);
    EXPECT_EQ(got.content_type, "application/json");
    EXPECT_EQ(got.doc(), created);

    // PATCH is a tri-state: an absent field is untouched, a value sets, null clears.
    auto patched = request("PATCH", path, R"({"description":"Light and fast","status":"draft"})");
    ASSERT_EQ(patched.status, 200) << patched.body;
    EXPECT_EQ(patched.doc()["description"], "Light and fast");
    EXPECT_EQ(patched.doc()["name"], "Trail shoe");
    EXPECT_EQ(patched.doc()["status"], "draft");
    patched = request("PATCH", path, R"({"description":null})");
    ASSERT_EQ(patched.status, 200) << patched.body;
    EXPECT_TRUE(patched.doc()["description"].is_null());
    EXPECT_EQ(patched.doc()["status"], "draft");

    const auto deleted = request("DELETE", path);
    EXPECT_EQ(deleted.status, 204);
    EXPECT_TRUE(deleted.body.empty());
    expect_problem(request("GET", path), 404);
    expect_problem(request("DELETE", path), 404);
}

TEST_F(ProductsApi, CreateAnswersWithLocationAndRejectsADuplicateSku) {
    const auto r = request("POST", "/products", R"({"sku":"AB-000001","name":"A","price":{"amount":1,"currency":"USD"}})");
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(r.location, "/products/" + std::to_string(r.doc().value("id", 0LL)));
    expect_problem(request("POST", "/products", R"({"sku":"AB-000001","name":"B","price":{"amount":2,"currency":"USD"}})"), 409);
}

TEST_F(ProductsApi, PaginatesNewestFirstAndSearches) {
    for (int i = 1; i <= 5; ++i) {
        create("PG-00000" + std::to_string(i), (i % 2 == 0 ? "Blue mug " : "Red shoe ") + std::to_string(i), 10.0 * i,
               i <= 2 ? std::vector<std::string>{"sale"} : std::vector<std::string>{});
    }
    auto page = request("GET", "/products?limit=2");
    ASSERT_EQ(page.status, 200) << page.body;
    json doc = page.doc();
    ASSERT_EQ(doc["items"].size(), 2u);
    EXPECT_EQ(doc["items"][0]["sku"], "PG-000005");
    EXPECT_EQ(doc["items"][1]["sku"], "PG-000004");
    ASSERT_TRUE(doc["next_cursor"].is_string()) << page.body;
    std::vector<std::string> seen;
    std::string cursor = doc["next_cursor"];
    while (true) {
        page = request("GET", "/products?limit=2&cursor=" + cursor);
        ASSERT_EQ(page.status, 200) << page.body;
        doc = page.doc();
        for (const auto& item : doc["items"]) seen.push_back(item["sku"]);
        if (doc["next_cursor"].is_null()) break;
        cursor = doc["next_cursor"];
    }
    EXPECT_EQ(seen, (std::vector<std::string>{"PG-000003", "PG-000002", "PG-000001"}));

    doc = request("GET", "/products?q=MUG").doc();
    ASSERT_EQ(doc["items"].size(), 2u) << doc.dump();
    doc = request("GET", "/products?tag=sale&sort=-price").doc();
    ASSERT_EQ(doc["items"].size(), 2u) << doc.dump();
    EXPECT_EQ(doc["items"][0]["sku"], "PG-000002");
    doc = request("GET", "/products?status=draft").doc();
    EXPECT_TRUE(doc["items"].empty()) << doc.dump();
}

TEST_F(ProductsApi, InvalidBodiesListEveryErrorWithItsPointer) {
    expect_problem(request("POST", "/products", R"({"sku":"bad","name":"","price":{"amount":-1,"currency":"eu"},"extra":1,"tags":["a","a"]})"),
                   422, {"/sku", "/name", "/price/amount", "/price/currency", "/extra", "/tags"});
    expect_problem(request("POST", "/products", R"({"name":"x"})"), 422, {"", ""}); // sku and price missing
    expect_problem(request("POST", "/products", R"({"sku":"AB-000002","name":7,"price":{"amount":"1","currency":"EUR"}})"),
                   422, {"/name", "/price/amount"});
    expect_problem(request("PATCH", "/products/1", R"({})"), 422, {""}); // minProperties: 1 (checked before the lookup)
}

TEST_F(ProductsApi, MalformedRequestsGetPreciseStatuses) {
    expect_problem(request("POST", "/products", R"({"sku":)"), 400);                 // JSON syntax
    expect_problem(request("POST", "/products", "\xff\xfe"), 400);                   // not UTF-8
    expect_problem(request("POST", "/products", "x", {"Content-Type: text/plain"}), 415);
    expect_problem(request("GET", "/products/1", std::nullopt, {"Accept: text/html"}), 406);
    expect_problem(request("GET", "/products?limit=0"), 400, {"/query/limit"});
    expect_problem(request("GET", "/products?limit=abc&sort=cheapest"), 400, {"/query/limit", "/query/sort"});
    expect_problem(request("GET", "/products/0"), 400, {"/path/id"});
    expect_problem(request("GET", "/products/nope"), 400, {"/path/id"});
    expect_problem(request("GET", "/nothing-here"), 404);
    const auto r = request("PUT", "/products/1", "{}");
    expect_problem(r, 405);
}

TEST_F(ProductsApi, ServesItsOwnSpec) {
    const auto r = request("GET", "/openapi.json");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.content_type, "application/json");
    const json spec = r.doc();
    EXPECT_EQ(spec["info"]["title"], "KATANA products API");
    EXPECT_TRUE(spec["paths"].contains("/products/{id}"));
}

} // namespace
