// The response builder and the gather output buffer, byte for byte.
#include <katana/http/output_buffer.hpp>
#include <katana/http/response.hpp>

#include <gtest/gtest.h>

#include <memory_resource>
#include <string>

namespace {

using katana::http::output_buffer;
using katana::http::response;
using katana::http::response_options;

std::string bytes_of(const output_buffer& out) {
    std::string s;
    out.copy_to(s);
    return s;
}

class ResponseBytes : public ::testing::Test {
protected:
    response_options opts(bool keep_alive = true, std::uint8_t minor = 1, bool head = false) {
        response_options o;
        o.keep_alive = keep_alive;
        o.version_minor = minor;
        o.head_request = head;
        o.date_line = "Date: Mon, 23 Nov 2026 10:00:00 GMT\r\n";
        return o;
    }
    std::pmr::monotonic_buffer_resource memory_;
    output_buffer out_;
};

TEST_F(ResponseBytes, StatusHeadersAndBodyInOrder) {
    response r(out_, &memory_, opts());
    r.status(201).header("X-Id", "42").content_type("text/plain");
    r.body("made");
    EXPECT_TRUE(r.finished());
    EXPECT_EQ(bytes_of(out_), "HTTP/1.1 201 Created\r\nDate: Mon, 23 Nov 2026 10:00:00 GMT\r\nServer: katana\r\n"
                              "X-Id: 42\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\nmade");
}

TEST_F(ResponseBytes, HeaderValuesAreCopiedSoTemporariesAreSafe) {
    response r(out_, &memory_, opts());
    {
        std::string name = "X-Temp";
        std::string value = "value-that-dies";
        r.header(name, value);
        name.assign("XXXXXX");
        value.assign("garbage-garbage");
    }
    r.body("");
    EXPECT_NE(bytes_of(out_).find("X-Temp: value-that-dies\r\n"), std::string::npos);
}

TEST_F(ResponseBytes, CloseAndHttp10KeepAliveHeaders) {
    {
        response r(out_, &memory_, opts(false));
        r.body("x");
    }
    EXPECT_NE(bytes_of(out_).find("Connection: close\r\n"), std::string::npos);
    out_.clear();
    {
        response r(out_, &memory_, opts(true, 0));
        r.body("x");
    }
    EXPECT_NE(bytes_of(out_).find("Connection: keep-alive\r\n"), std::string::npos);
}

TEST_F(ResponseBytes, HeadKeepsLengthDropsBody) {
    response r(out_, &memory_, opts(true, 1, true));
    r.body("Hello, World!");
    const std::string s = bytes_of(out_);
    EXPECT_NE(s.find("Content-Length: 13\r\n\r\n"), std::string::npos);
    EXPECT_EQ(s.find("Hello"), std::string::npos);
}

TEST_F(ResponseBytes, NoContentHasNeitherLengthNorBody) {
    response r(out_, &memory_, opts());
    r.status(204).body("ignored");
    const std::string s = bytes_of(out_);
    EXPECT_EQ(s.rfind("HTTP/1.1 204 No Content\r\n", 0), 0u);
    EXPECT_EQ(s.find("Content-Length"), std::string::npos);
    EXPECT_EQ(s.find("ignored"), std::string::npos);
}

TEST_F(ResponseBytes, ProblemJsonEscapesDetail) {
    response r(out_, &memory_, opts());
    r.problem(422, "bad \"name\"\n\x01");
    const std::string s = bytes_of(out_);
    const std::string body = R"({"type":"about:blank","title":"Unprocessable Content","status":422,"detail":"bad \"name\"\n\u0001"})";
    EXPECT_NE(s.find("Content-Type: application/problem+json\r\n"), std::string::npos);
    EXPECT_NE(s.find("Content-Length: " + std::to_string(body.size()) + "\r\n"), std::string::npos);
    EXPECT_EQ(s.substr(s.size() - body.size()), body);
}

TEST_F(ResponseBytes, SecondFinishIsIgnored) {
    response r(out_, &memory_, opts());
    r.body("one");
    r.body("two");
    r.problem(500);
    const std::string s = bytes_of(out_);
    EXPECT_EQ(s.find("two"), std::string::npos);
    EXPECT_EQ(s.find("500"), std::string::npos);
}

TEST_F(ResponseBytes, ChunkedStream) {
    response r(out_, &memory_, opts());
    r.content_type("text/plain").begin_stream();
    r.write("hello ");
    r.write("");
    r.write(std::string(300, 'x'));
    r.end_stream();
    const std::string s = bytes_of(out_);
    EXPECT_NE(s.find("Transfer-Encoding: chunked\r\n\r\n6\r\nhello \r\n12c\r\n"), std::string::npos);
    EXPECT_EQ(s.substr(s.size() - 7), "\r\n0\r\n\r\n");
    EXPECT_EQ(s.find("Content-Length"), std::string::npos);
}

TEST_F(ResponseBytes, Http10StreamIsUnframedAndCloses) {
    response r(out_, &memory_, opts(true, 0));
    r.begin_stream();
    r.write("abc");
    r.end_stream();
    EXPECT_TRUE(r.close_after());
    const std::string s = bytes_of(out_);
    EXPECT_NE(s.find("Connection: close\r\n\r\nabc"), std::string::npos);
    EXPECT_EQ(s.find("chunked"), std::string::npos);
}

TEST_F(ResponseBytes, BodyRefIsNotCopied) {
    static const char payload[] = "static payload";
    response r(out_, &memory_, opts());
    r.body_ref(payload);
    iovec iov[output_buffer::max_segments];
    const std::size_t n = out_.gather(iov);
    ASSERT_EQ(n, 2u); // head (owned) + the referenced body
    EXPECT_EQ(iov[1].iov_base, static_cast<const void*>(payload));
}

TEST(OutputBuffer, GrowingKeepsEarlierSegmentsValid) {
    output_buffer out;
    out.append("first|");
    static const char ext[] = "external|";
    out.append_external(ext);
    std::string big(100000, 'b'); // forces reallocation of the owned storage
    out.append(big);
    std::string s;
    out.copy_to(s);
    EXPECT_EQ(s, "first|external|" + big);
    EXPECT_EQ(out.total_bytes(), s.size());
}

TEST(OutputBuffer, FullSegmentTableFallsBackToCopy) {
    output_buffer out;
    std::string expected;
    for (int i = 0; i < 100; ++i) {
        static const char ext[] = "e";
        out.append_external(ext);
        out.append("o");
        expected += "eo";
    }
    std::string s;
    out.copy_to(s);
    EXPECT_EQ(s, expected);
    iovec iov[output_buffer::max_segments];
    EXPECT_LE(out.gather(iov), output_buffer::max_segments);
}

TEST(OutputBuffer, AppendFromPreservesOrderAndReferences) {
    output_buffer a, b;
    static const char ext[] = "REF";
    a.append("a1 ");
    b.append("b1 ");
    b.append_external(ext);
    b.append(" b2");
    a.append_from(b);
    std::string s;
    a.copy_to(s);
    EXPECT_EQ(s, "a1 b1 REF b2");
}

} // namespace
