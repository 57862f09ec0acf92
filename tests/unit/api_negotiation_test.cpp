// Content-Type matching, Accept negotiation and credential extraction.
#include <katana/api/negotiation.hpp>
#include <katana/api/security.hpp>
#include <katana/http/request.hpp>

#include <gtest/gtest.h>

#include <memory_resource>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace katana::api;
using sv = std::string_view;

TEST(ApiMediaType, Matches) {
    EXPECT_TRUE(media_type_matches("application/json", "application/json"));
    EXPECT_TRUE(media_type_matches("Application/JSON; charset=utf-8", "application/json"));
    EXPECT_TRUE(media_type_matches("application/json", "application/*"));
    EXPECT_TRUE(media_type_matches("text/plain", "*/*"));
    EXPECT_TRUE(media_type_matches("application/vnd.x+json", "application/vnd.x+json"));
    EXPECT_TRUE(media_type_matches("application/json", "application/json; charset=utf-8"));
    EXPECT_FALSE(media_type_matches("application/vnd.x+json", "application/json"));
    EXPECT_FALSE(media_type_matches("text/json", "application/json"));
    EXPECT_FALSE(media_type_matches("application/jsonx", "application/json"));
    EXPECT_FALSE(media_type_matches("", "*/*"));
    EXPECT_FALSE(media_type_matches("json", "*/*"));
    EXPECT_FALSE(media_type_matches("application/", "application/*"));
    EXPECT_FALSE(media_type_matches("*/*", "application/json")); // a Content-Type is not a range
    EXPECT_FALSE(media_type_matches("application/json", "*/json"));
}

int pick(sv accept, std::vector<sv> offered) { return negotiate(accept, offered); }

TEST(ApiNegotiate, EmptyAcceptTakesTheFirst) {
    EXPECT_EQ(pick("", {"application/json", "text/plain"}), 0);
    EXPECT_EQ(pick("   ", {"text/plain"}), 0);
    EXPECT_EQ(pick("", {}), -1);
    EXPECT_EQ(pick("*/*", {}), -1);
}

TEST(ApiNegotiate, QValuesDecide) {
    EXPECT_EQ(pick("text/plain;q=0.5, application/json", {"text/plain", "application/json"}), 1);
    EXPECT_EQ(pick("text/plain;q=0.9, application/json;q=0.8", {"application/json", "text/plain"}), 1);
    EXPECT_EQ(pick("application/json;q=0.001", {"application/json"}), 0);
    EXPECT_EQ(pick("text/html", {"application/json"}), -1);
}

TEST(ApiNegotiate, TiesGoToTheMoreSpecificMatchThenTheServersOrder) {
    EXPECT_EQ(pick("text/plain, application/json", {"application/json", "text/plain"}), 0);
    EXPECT_EQ(pick("text/plain, application/json", {"text/plain", "application/json"}), 0);
    EXPECT_EQ(pick("*/*, application/xml", {"application/json", "application/xml"}), 1);
    EXPECT_EQ(pick("application/*;q=0.5, application/json;q=0.5", {"application/xml", "application/json"}), 1);
}

TEST(ApiNegotiate, SpecificityAndQZero) {
    // The most specific range decides even with a lower q.
    EXPECT_EQ(pick("application/*, application/xml;q=0", {"application/xml", "application/json"}), 1);
    EXPECT_EQ(pick("*/*;q=0.1, application/json;q=0", {"application/json"}), -1);
    EXPECT_EQ(pick("application/json;q=0", {"application/json", "text/plain"}), -1);
    EXPECT_EQ(pick("text/*", {"application/json", "text/csv"}), 1);
    EXPECT_EQ(pick("*", {"application/json"}), 0);
    EXPECT_EQ(pick("APPLICATION/JSON", {"application/json"}), 0);
}

TEST(ApiNegotiate, OfferedRangesAndParameters) {
    EXPECT_EQ(pick("application/json", {"application/*"}), 0);
    EXPECT_EQ(pick("text/html;level=1;q=0.4, application/json;q=0.3", {"application/json", "text/html"}), 1);
    EXPECT_EQ(pick("text/html;foo=\"a,b;q=0\";q=0.4, application/json;q=0.3", {"application/json", "text/html"}), 1);
}

TEST(ApiNegotiate, MalformedElementsAreIgnored) {
    EXPECT_EQ(pick("garbage, application/json", {"application/json"}), 0);
    EXPECT_EQ(pick("application/json;q=2", {"application/json"}), -1);
    EXPECT_EQ(pick("application/json;q=0.5.5, text/plain", {"application/json", "text/plain"}), 1);
    EXPECT_EQ(pick(",,,;;;", {"application/json"}), -1);
    std::string huge;
    for (int i = 0; i < 5000; ++i) huge += "text/x" + std::to_string(i) + ";q=0.1, ";
    huge += "application/json;q=0.2";
    EXPECT_EQ(pick(huge, {"application/json", "text/x42"}), 0);
}

// ---------------------------------------------------------------- security

katana::http::request request_with(const katana::http::header* h, std::size_t n) {
    katana::http::request r;
    r.headers = std::span<const katana::http::header>(h, n);
    return r;
}

TEST(ApiSecurity, Bearer) {
    const katana::http::header h[] = {{"authorization", "bearer abc.DEF-123_~+/=="}};
    EXPECT_EQ(bearer_token(request_with(h, 1)), "abc.DEF-123_~+/==");
    EXPECT_EQ(bearer_token("Bearer   tok  "), "tok");
    EXPECT_FALSE(bearer_token("Bearer").has_value());
    EXPECT_FALSE(bearer_token("Bearer ").has_value());
    EXPECT_FALSE(bearer_token("Bearertok").has_value());
    EXPECT_FALSE(bearer_token("Basic dXNlcjpwYXNz").has_value());
    EXPECT_FALSE(bearer_token("Bearer a b").has_value());
    EXPECT_FALSE(bearer_token("Bearer =abc").has_value());
    EXPECT_FALSE(bearer_token(request_with(nullptr, 0)).has_value());
}

TEST(ApiSecurity, Basic) {
    std::pmr::monotonic_buffer_resource mem;
    const auto up = basic_credentials("Basic dXNlcjpwYTpzcw==", &mem); // user:pa:ss
    ASSERT_TRUE(up.has_value());
    EXPECT_EQ(up->first, "user");
    EXPECT_EQ(up->second, "pa:ss");
    const katana::http::header h[] = {{"Authorization", "BASIC Og=="}}; // ":"
    const auto empty = basic_credentials(request_with(h, 1), &mem);
    ASSERT_TRUE(empty.has_value());
    EXPECT_EQ(empty->first, "");
    EXPECT_EQ(empty->second, "");
    EXPECT_FALSE(basic_credentials("Basic dXNlcg==", &mem).has_value()); // "user": no colon
    EXPECT_FALSE(basic_credentials("Basic dXNlcjpwYXNz=", &mem).has_value());
    EXPECT_FALSE(basic_credentials("Basic ***", &mem).has_value());
    EXPECT_FALSE(basic_credentials("Bearer dXNlcjpwYXNz", &mem).has_value());
}

TEST(ApiSecurity, Base64) {
    std::pmr::monotonic_buffer_resource mem;
    EXPECT_EQ(decode_base64("", &mem), "");
    EXPECT_EQ(decode_base64("Zg==", &mem), "f");
    EXPECT_EQ(decode_base64("Zm8=", &mem), "fo");
    EXPECT_EQ(decode_base64("Zm9v", &mem), "foo");
    EXPECT_EQ(decode_base64("Zm9vYmFy", &mem), "foobar");
    EXPECT_FALSE(decode_base64("Zm9", &mem).has_value());
    EXPECT_FALSE(decode_base64("Z===", &mem).has_value());
    EXPECT_FALSE(decode_base64("Zm=v", &mem).has_value());
    EXPECT_FALSE(decode_base64("Zm9v!A==", &mem).has_value());
}

} // namespace
