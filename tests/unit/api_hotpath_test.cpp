// The request-path rule for katana::api: after warm-up nothing here calls ::operator new; all
// memory comes from the resource handed in. The resource below is a fixed stack buffer with
// null_memory_resource() upstream, so an allocation that escaped to "somewhere else" would
// throw, and one that went to the global heap shows in the allocation counter.
// (PCRE2's own malloc calls are not visible to this counter: they happen only when a pattern is
// first compiled on a thread, which the warm-up covers.)
#include "support/alloc_counter.hpp"

#include <katana/api/errors.hpp>
#include <katana/api/formats.hpp>
#include <katana/api/negotiation.hpp>
#include <katana/api/params.hpp>
#include <katana/api/pattern.hpp>
#include <katana/api/security.hpp>
#include <katana/http/output_buffer.hpp>
#include <katana/http/response.hpp>

#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <memory_resource>
#include <string_view>

namespace {

using namespace katana::api;
using katana::test::thread_allocation_count;

const regex_pattern hot_pattern{"^[a-z]+(?:-[a-z0-9]+)*$"};
const regex_pattern hot_lookbehind{"(?<=x+)y"};

class ApiHotPath : public ::testing::Test {
protected:
    alignas(std::max_align_t) std::array<std::byte, 1 << 16> buffer_{};
    std::pmr::monotonic_buffer_resource arena_{buffer_.data(), buffer_.size(), std::pmr::null_memory_resource()};
};

TEST_F(ApiHotPath, PatternSearchAllocatesNothingAfterWarmUp) {
    ASSERT_TRUE(hot_pattern.search("warm-up"));
    ASSERT_TRUE(hot_lookbehind.search("xy"));
    const auto before = thread_allocation_count();
    int hits = 0;
    for (int i = 0; i < 1000; ++i) {
        hits += hot_pattern.search(i % 2 == 0 ? "kebab-case-42" : "Not-Kebab") ? 1 : 0;
        hits += hot_lookbehind.search("xxxxy") ? 1 : 0;
    }
    EXPECT_EQ(thread_allocation_count() - before, 0u);
    EXPECT_EQ(hits, 1500);
}

TEST_F(ApiHotPath, ParametersUseOnlyTheGivenMemory) {
    const std::string_view query = "color=blue%20sky&color=black&ids=1,2,3&obj[a]=x&obj[b]=y&flag";
    const std::string_view known[] = {"a", "b"};
    const auto before = thread_allocation_count();
    for (int i = 0; i < 20; ++i) {
        const auto pairs = split_query(query, &arena_);
        auto colors = array_values(param_style::form, true, "color", pairs, {}, true, &arena_);
        auto ids = array_values(param_style::form, false, "ids", pairs, {}, true, &arena_);
        auto obj = object_members(param_style::deep_object, true, "obj", pairs, {}, true, known, &arena_);
        auto path = array_values(param_style::matrix, true, "id", {}, ";id=1;id=2", false, &arena_);
        auto flag = find_query(pairs, "flag", &arena_);
        ASSERT_TRUE(colors && ids && obj && path && flag);
        EXPECT_EQ(colors->size(), 2u);
        EXPECT_EQ((*colors)[0], "blue sky");
        EXPECT_EQ(ids->size(), 3u);
        EXPECT_EQ(obj->size(), 2u);
        std::int64_t n = 0;
        EXPECT_TRUE(parse_int64((*ids)[2], n));
        EXPECT_EQ(n, 3);
    }
    EXPECT_EQ(thread_allocation_count() - before, 0u);
}

TEST_F(ApiHotPath, NegotiationSecurityAndFormatsAllocateNothing) {
    const std::string_view offered[] = {"application/json", "application/xml", "text/plain"};
    ASSERT_TRUE(is_idn_hostname("münchen.example")); // warm up the Unicode property tables
    const auto before = thread_allocation_count();
    int n = 0;
    for (int i = 0; i < 200; ++i) {
        n += negotiate("text/html;q=0.9, application/xml;q=0.95, */*;q=0.1", offered) == 1 ? 1 : 0;
        n += media_type_matches("application/json; charset=utf-8", "application/*") ? 1 : 0;
        n += bearer_token("Bearer abc.def") ? 1 : 0;
        n += basic_credentials("Basic dXNlcjpwYXNz", &arena_) ? 1 : 0;
        n += is_date_time("2024-02-29T12:00:00Z") ? 1 : 0;
        n += is_email("someone@example.com") ? 1 : 0;
        n += is_uri("https://example.com/a?b#c") ? 1 : 0;
        n += is_ipv6("2001:db8::1") ? 1 : 0;
        n += is_idn_hostname("münchen.example") ? 1 : 0;
        n += is_multiple_of(19.99, 0.01) ? 1 : 0;
    }
    EXPECT_EQ(thread_allocation_count() - before, 0u);
    EXPECT_EQ(n, 2000);
}

TEST_F(ApiHotPath, ValidationAndProblemAnswerUseRequestMemory) {
    katana::http::output_buffer out;
    (void)out.reserve(4096); // the connection's buffer is pooled; keep its growth out of the count
    out.clear();
    const auto before = thread_allocation_count();
    {
        validation_context ctx(&arena_, 8);
        for (int i = 0; i < 20; ++i) {
            auto k = ctx.key("items");
            auto idx = ctx.index(static_cast<std::size_t>(i));
            ctx.addf("must be at most {} characters", 10 + i);
        }
        EXPECT_EQ(ctx.error_count(), 20u);
        katana::http::response res(out, &arena_, {});
        write_problem(res, 422, "invalid body", ctx);
        EXPECT_TRUE(res.finished());
    }
    EXPECT_EQ(thread_allocation_count() - before, 0u);
}

} // namespace
