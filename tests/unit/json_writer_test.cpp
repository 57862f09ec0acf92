// katana::json::writer: escaping byte for byte (against an independent reference escaper, at
// every position relative to the 16-byte blocks), integers at their limits, shortest doubles,
// growth and what happens to old blocks.
#include <katana/json/reader.hpp>
#include <katana/json/writer.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory_resource>
#include <string>
#include <string_view>

namespace {

using katana::json::writer;

// Reference: RFC 8259 escaping written the slow, obvious way.
std::string reference_quote(std::string_view s) {
    std::string out = "\"";
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (u < 0x20) {
                static const char hex[] = "0123456789abcdef";
                out += "\\u00";
                out += hex[u >> 4];
                out += hex[u & 0xF];
            } else {
                out += c;
            }
        }
    }
    return out + "\"";
}

std::string written(std::string_view s) {
    writer w(std::pmr::new_delete_resource(), 8);
    w.string(s);
    return std::string(w.view());
}

TEST(JSONWriter, EscapesEveryControlByteQuoteAndBackslash) {
    EXPECT_EQ(written(""), R"("")");
    EXPECT_EQ(written("plain"), R"("plain")");
    EXPECT_EQ(written("a\"b\\c/d"), R"("a\"b\\c/d")");
    EXPECT_EQ(written("\b\f\n\r\t"), R"("\b\f\n\r\t")");
    EXPECT_EQ(written(std::string_view("\0\x01\x1f\x7f", 4)), "\"\\u0000\\u0001\\u001f\x7f\"");
    // UTF-8 (and bytes >= 0x80 in general) pass through unchanged; U+2028/2029 are not escaped.
    EXPECT_EQ(written("\xC3\xA9\xE2\x80\xA8\xF0\x9F\x98\x80"), "\"\xC3\xA9\xE2\x80\xA8\xF0\x9F\x98\x80\"");
    for (int c = 0; c < 256; ++c) {
        const std::string one(1, static_cast<char>(c));
        EXPECT_EQ(written(one), reference_quote(one)) << c;
    }
}

TEST(JSONWriter, EscapingMatchesTheReferenceAtEveryBlockPosition) {
    const char specials[] = {'"', '\\', '\n', '\x01', '\x1f', '\0'};
    for (std::size_t length = 0; length < 70; ++length) {
        for (std::size_t pos = 0; pos < length; ++pos) {
            for (const char special : specials) {
                std::string s(length, 'x');
                s[pos] = special;
                if (pos + 3 < length) s[pos + 3] = '\xC3'; // some non-ASCII around it
                ASSERT_EQ(written(s), reference_quote(s)) << length << " " << pos;
            }
        }
        const std::string plain(length, 'y');
        ASSERT_EQ(written(plain), reference_quote(plain));
    }
    // Many escapes in a row (the escaped form is 6x longer than the input).
    const std::string controls(1000, '\x02');
    EXPECT_EQ(written(controls), reference_quote(controls));
}

TEST(JSONWriter, EscapedStringsReadBackIdentically) {
    std::string all;
    for (int c = 0; c < 128; ++c) all += static_cast<char>(c);
    all += "\xC3\xA9\xF0\x9F\x98\x80";
    const std::string text = written(all);
    std::pmr::monotonic_buffer_resource memory;
    katana::json::reader r(text, &memory);
    std::string_view back;
    ASSERT_TRUE(r.read_string(back));
    EXPECT_EQ(back, all);
}

TEST(JSONWriter, IntegersAtTheirLimits) {
    writer w(std::pmr::new_delete_resource());
    w.int64(0);
    w.raw_char(' ');
    w.int64(-1);
    w.raw_char(' ');
    w.int64(std::numeric_limits<std::int64_t>::min());
    w.raw_char(' ');
    w.int64(std::numeric_limits<std::int64_t>::max());
    w.raw_char(' ');
    w.uint64(std::numeric_limits<std::uint64_t>::max());
    w.raw_char(' ');
    w.uint64(0);
    EXPECT_EQ(w.view(), "0 -1 -9223372036854775808 9223372036854775807 18446744073709551615 0");
}

TEST(JSONWriter, DoublesUseTheShortestRoundTripForm) {
    auto text = [](double d) {
        writer w(std::pmr::new_delete_resource(), 0);
        w.number(d);
        return std::string(w.view());
    };
    EXPECT_EQ(text(0.1), "0.1");
    EXPECT_EQ(text(1.0), "1");
    EXPECT_EQ(text(-0.0), "-0");
    EXPECT_EQ(text(0.1 + 0.2), "0.30000000000000004");
    EXPECT_EQ(text(1e300), "1e+300");
    EXPECT_EQ(text(5e-324), "5e-324");
    EXPECT_EQ(text(1.7976931348623157e308), "1.7976931348623157e+308");
    EXPECT_EQ(text(123456.789), "123456.789");
    EXPECT_EQ(text(std::numeric_limits<double>::infinity()), "null");
    EXPECT_EQ(text(-std::numeric_limits<double>::infinity()), "null");
    EXPECT_EQ(text(std::numeric_limits<double>::quiet_NaN()), "null");

    writer w(std::pmr::new_delete_resource());
    w.float32(0.1f);
    w.raw_char(',');
    w.float32(16777216.0f);
    w.raw_char(',');
    w.float32(std::numeric_limits<float>::infinity());
    EXPECT_EQ(w.view(), "0.1,16777216,null");
}

TEST(JSONWriter, LiteralsKeysAndRaw) {
    writer w(std::pmr::new_delete_resource(), 4);
    w.raw(R"({"id":)");
    w.int64(7);
    w.raw_char(',');
    w.key("ok");
    w.boolean(true);
    w.raw_char(',');
    w.key("no");
    w.boolean(false);
    w.raw_char(',');
    w.key("n\"k");
    w.null();
    w.raw("");
    w.raw_char('}');
    EXPECT_EQ(w.view(), R"({"id":7,"ok":true,"no":false,"n\"k":null})");
    EXPECT_EQ(w.size(), w.view().size());
    w.truncate(6);
    EXPECT_EQ(w.view(), R"({"id":)");
    w.truncate(100);
    EXPECT_EQ(w.view(), R"({"id":)");
    w.clear();
    EXPECT_EQ(w.size(), 0u);
    w.raw("[]");
    EXPECT_EQ(w.view(), "[]");
}

// Counts what the writer asks of its resource.
class counting_resource : public std::pmr::memory_resource {
public:
    int allocations = 0;
    int deallocations = 0;
    std::size_t live_bytes = 0;

private:
    void* do_allocate(std::size_t bytes, std::size_t align) override {
        ++allocations;
        live_bytes += bytes;
        return std::pmr::new_delete_resource()->allocate(bytes, align);
    }
    void do_deallocate(void* p, std::size_t bytes, std::size_t align) override {
        ++deallocations;
        live_bytes -= bytes;
        std::pmr::new_delete_resource()->deallocate(p, bytes, align);
    }
    bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override { return this == &other; }
};

TEST(JSONWriter, GrowsByDoublingAndReturnsOldBlocks) {
    counting_resource memory;
    std::string expected;
    {
        writer w(&memory, 16);
        EXPECT_EQ(memory.allocations, 1);
        EXPECT_GE(w.capacity(), 16u);
        for (int i = 0; i < 10000; ++i) {
            w.string("item");
            w.int64(i);
            expected += "\"item\"" + std::to_string(i);
        }
        EXPECT_EQ(w.view(), expected);
        // Doubling: about log2(final / initial) blocks, each old one handed back.
        EXPECT_LE(memory.allocations, 20);
        EXPECT_EQ(memory.deallocations, memory.allocations - 1);
        EXPECT_EQ(memory.live_bytes, w.capacity());
        writer moved(std::move(w));
        EXPECT_EQ(moved.view(), expected);
        EXPECT_EQ(w.size(), 0u); // NOLINT(bugprone-use-after-move): moved-from is empty by contract
    }
    EXPECT_EQ(memory.live_bytes, 0u);
    EXPECT_EQ(memory.deallocations, memory.allocations);
}

TEST(JSONWriter, ReserveMakesRoomWithoutGrowingLater) {
    counting_resource memory;
    writer w(&memory, 0);
    EXPECT_EQ(memory.allocations, 0);
    w.reserve(1000);
    const int after_reserve = memory.allocations;
    EXPECT_GE(w.capacity(), 1000u);
    for (int i = 0; i < 100; ++i) w.raw("0123456789");
    EXPECT_EQ(memory.allocations, after_reserve);
    EXPECT_EQ(w.size(), 1000u);
}

} // namespace
