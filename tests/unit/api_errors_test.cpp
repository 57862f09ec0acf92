// validation_context (JSON pointers, bounded error list, speculative rollback) and the
// problem+json answers of write_problem.
#include <katana/api/errors.hpp>
#include <katana/http/output_buffer.hpp>
#include <katana/http/response.hpp>

#include <gtest/gtest.h>

#include <memory_resource>
#include <string>

namespace {

using katana::api::validation_context;
using katana::api::validation_error;
using katana::api::write_problem;

TEST(ApiValidationContext, PointersAreBuiltAndEscaped) {
    std::pmr::monotonic_buffer_resource mem;
    validation_context ctx(&mem);
    EXPECT_EQ(ctx.pointer(), "");
    {
        auto a = ctx.key("items");
        auto b = ctx.index(3);
        auto c = ctx.key("a/b~c");
        EXPECT_EQ(ctx.pointer(), "/items/3/a~1b~0c");
        EXPECT_EQ(ctx.depth(), 3u);
    }
    EXPECT_EQ(ctx.pointer(), "");
    ctx.push_key("");
    EXPECT_EQ(ctx.pointer(), "/");
    ctx.push_index(0);
    EXPECT_EQ(ctx.pointer(), "//0");
    ctx.pop();
    ctx.pop();
    ctx.pop(); // extra pops are harmless
    EXPECT_EQ(ctx.pointer(), "");
    EXPECT_EQ(ctx.depth(), 0u);
}

TEST(ApiValidationContext, ErrorsCopyPointerAndDetail) {
    std::pmr::monotonic_buffer_resource mem;
    validation_context ctx(&mem);
    EXPECT_TRUE(ctx.ok());
    {
        auto k = ctx.key("name");
        std::string detail = "temporary text";
        ctx.add(detail);
        detail.assign("XXXXXXXXXXXXXX");
        ctx.addf("must be at most {} characters, got {}", 10, 12);
    }
    ctx.add("root problem");
    ASSERT_EQ(ctx.errors().size(), 3u);
    EXPECT_FALSE(ctx.ok());
    EXPECT_EQ(ctx.errors()[0].pointer, "/name");
    EXPECT_EQ(ctx.errors()[0].detail, "temporary text");
    EXPECT_EQ(ctx.errors()[1].pointer, "/name");
    EXPECT_EQ(ctx.errors()[1].detail, "must be at most 10 characters, got 12");
    EXPECT_EQ(ctx.errors()[2].pointer, "");
    EXPECT_EQ(ctx.errors()[2].detail, "root problem");
}

TEST(ApiValidationContext, BoundedListCountsTheRest) {
    std::pmr::monotonic_buffer_resource mem;
    validation_context ctx(&mem, 3);
    for (int i = 0; i < 100; ++i) {
        auto s = ctx.index(static_cast<std::size_t>(i));
        ctx.addf("bad {}", i);
    }
    EXPECT_EQ(ctx.error_count(), 100u);
    EXPECT_EQ(ctx.errors().size(), 3u);
    EXPECT_TRUE(ctx.truncated());
    EXPECT_EQ(ctx.errors()[2].pointer, "/2");
}

TEST(ApiValidationContext, MarkAndRollbackForOneOf) {
    std::pmr::monotonic_buffer_resource mem;
    validation_context ctx(&mem, 4);
    ctx.add("kept");
    const auto m = ctx.mark();
    ctx.add("branch 1 a");
    ctx.add("branch 1 b");
    EXPECT_EQ(ctx.errors_since(m), 2u);
    ctx.rollback(m);
    EXPECT_EQ(ctx.error_count(), 1u);
    EXPECT_EQ(ctx.errors_since(m), 0u);
    ASSERT_EQ(ctx.errors().size(), 1u);
    EXPECT_EQ(ctx.errors()[0].detail, "kept");
    // A rollback past the storage limit restores storage too.
    for (int i = 0; i < 10; ++i) ctx.add("x");
    EXPECT_TRUE(ctx.truncated());
    ctx.rollback(m);
    EXPECT_FALSE(ctx.truncated());
    ctx.add("after");
    ASSERT_EQ(ctx.errors().size(), 2u);
    EXPECT_EQ(ctx.errors()[1].detail, "after");
}

TEST(ApiValidationContext, DepthBeyondTheLimitStaysBalanced) {
    std::pmr::monotonic_buffer_resource mem;
    validation_context ctx(&mem);
    const std::size_t n = validation_context::max_depth + 50;
    for (std::size_t i = 0; i < n; ++i) ctx.push_index(i % 10);
    EXPECT_EQ(ctx.depth(), n);
    EXPECT_EQ(ctx.pointer().size(), validation_context::max_depth * 2); // "/d" per kept segment
    for (std::size_t i = 0; i < n; ++i) ctx.pop();
    EXPECT_EQ(ctx.pointer(), "");
    ctx.push_key("again");
    EXPECT_EQ(ctx.pointer(), "/again");
}

TEST(ApiValidationContext, LongKeysLiveInTheGivenMemory) {
    std::pmr::monotonic_buffer_resource mem;
    validation_context ctx(&mem);
    const std::string big(10000, 'k');
    ctx.push_key(big);
    ctx.push_key(big);
    EXPECT_EQ(ctx.pointer().size(), 2 * (big.size() + 1));
    ctx.pop();
    EXPECT_EQ(ctx.pointer().size(), big.size() + 1);
}

// ---------------------------------------------------------------- write_problem

class ApiProblem : public ::testing::Test {
protected:
    std::string body_of() {
        std::string all;
        out_.copy_to(all);
        const auto split = all.find("\r\n\r\n");
        return split == std::string::npos ? std::string() : all.substr(split + 4);
    }
    std::string head_of() {
        std::string all;
        out_.copy_to(all);
        return all.substr(0, all.find("\r\n\r\n"));
    }
    std::pmr::monotonic_buffer_resource memory_;
    katana::http::output_buffer out_;
};

TEST_F(ApiProblem, PlainProblem) {
    katana::http::response res(out_, &memory_, {});
    write_problem(res, 415, "expected application/json");
    EXPECT_TRUE(res.finished());
    EXPECT_EQ(res.code(), 415);
    EXPECT_EQ(body_of(), R"({"type":"about:blank","title":"Unsupported Media Type","status":415,)"
                         R"("detail":"expected application/json"})");
    EXPECT_NE(head_of().find("Content-Type: application/problem+json"), std::string::npos);
    const std::string len = "Content-Length: " + std::to_string(body_of().size());
    EXPECT_NE(head_of().find(len), std::string::npos);
}

TEST_F(ApiProblem, WithErrorsEscaped) {
    katana::http::response res(out_, &memory_, {});
    const validation_error errors[] = {{"/a/0", "must be \"x\""}, {"", "line\nbreak"}};
    write_problem(res, 422, "", errors);
    EXPECT_EQ(body_of(), R"({"type":"about:blank","title":"Unprocessable Content","status":422,"errors":[)"
                         R"({"pointer":"/a/0","detail":"must be \"x\""},{"pointer":"","detail":"line\nbreak"}]})");
}

TEST_F(ApiProblem, FromContextMarksTruncation) {
    std::pmr::monotonic_buffer_resource mem;
    validation_context ctx(&mem, 1);
    {
        auto k = ctx.key("id");
        ctx.add("expected integer");
        ctx.add("second");
    }
    katana::http::response res(out_, &memory_, {});
    write_problem(res, 400, "bad parameter", ctx);
    EXPECT_EQ(body_of(), R"({"type":"about:blank","title":"Bad Request","status":400,"detail":"bad parameter",)"
                         R"("errors":[{"pointer":"/id","detail":"expected integer"}],"errors_truncated":true})");
}

TEST_F(ApiProblem, StartedResponseIsLeftAlone) {
    katana::http::response res(out_, &memory_, {});
    res.body("done");
    const std::string before = body_of();
    write_problem(res, 400, "late");
    EXPECT_EQ(body_of(), before);
    EXPECT_EQ(res.code(), 200);
}

} // namespace
