#pragma once
// Compact JSON serializer into one contiguous buffer allocated from a memory resource.
//
// The writer is deliberately dumb: it does not track structure, so the caller (generated code)
// emits punctuation itself, usually pre-rendered: w.raw(R"({"id":)"); w.int64(id); w.raw_char('}').
//
// Memory: the buffer grows by doubling. The old block is handed back with deallocate(); with the
// request arena that is a no-op, so old blocks are simply abandoned until the arena is reset
// (at most about as many bytes as the final buffer); with a general resource (new_delete, a
// pool) they are really freed. Allocation failures propagate as the resource reports them
// (the arena throws std::bad_alloc only when ::operator new itself fails).
//
// Lifetime: view() points into the current block; it is invalidated by any later write that
// grows the buffer, by clear() only in content, and by the writer's destruction (which returns
// the block to `memory`). Copy the view (or keep the writer alive) while the bytes are sent.
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory_resource>
#include <string_view>

#if defined(__SSE2__)
#include <bit>
#include <emmintrin.h>
#endif

namespace katana::json {

class writer {
public:
    explicit writer(std::pmr::memory_resource* memory, std::size_t initial_capacity = 1024);
    ~writer();
    writer(const writer&) = delete;
    writer& operator=(const writer&) = delete;
    writer(writer&& other) noexcept;
    writer& operator=(writer&& other) noexcept;

    // Ensures `extra` more bytes fit without growing.
    void reserve(std::size_t extra) {
        if (capacity_ - size_ < extra) [[unlikely]]
            grow(extra);
    }
    // Pre-rendered text, copied as is (no escaping).
    void raw(std::string_view bytes) {
        if (bytes.empty()) return;
        reserve(bytes.size());
        std::memcpy(data_ + size_, bytes.data(), bytes.size());
        size_ += bytes.size();
    }
    void raw_char(char c) {
        reserve(1);
        data_[size_++] = c;
    }
    // Quoted and escaped per RFC 8259: '"', '\\' and bytes < 0x20 are escaped (\b \f \n \r \t,
    // else \u00xx with lowercase hex); everything else, UTF-8 included, is copied unchanged (the
    // caller owns the validity of its UTF-8).
    void string(std::string_view s) {
        const std::size_t n = s.size();
        // Block stores only happen while 16 input bytes remain, so they never pass o + n.
        reserve(n + 2);
        char* o = data_ + size_;
        *o++ = '"';
        const char* p = s.data();
        const char* const end = p + n;
#if defined(__SSE2__)
        const __m128i quote = _mm_set1_epi8('"');
        const __m128i backslash = _mm_set1_epi8('\\');
        const __m128i control_max = _mm_set1_epi8(0x1F);
        while (end - p >= 16) {
            const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
            _mm_storeu_si128(reinterpret_cast<__m128i*>(o), v);
            const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                             _mm_cmpeq_epi8(_mm_max_epu8(v, control_max), control_max));
            const auto mask = static_cast<unsigned>(_mm_movemask_epi8(hit));
            if (mask != 0) [[unlikely]] {
                const int i = std::countr_zero(mask);
                size_ = static_cast<std::size_t>(o + i - data_);
                string_escaped(p + i, end);
                return;
            }
            p += 16;
            o += 16;
        }
#endif
        for (; p != end; ++p) {
            const auto c = static_cast<unsigned char>(*p);
            if (c < 0x20 || c == '"' || c == '\\') [[unlikely]] {
                size_ = static_cast<std::size_t>(o - data_);
                string_escaped(p, end);
                return;
            }
            *o++ = static_cast<char>(c);
        }
        *o++ = '"';
        size_ = static_cast<std::size_t>(o - data_);
    }
    // "key": (string then ':').
    void key(std::string_view k) {
        string(k);
        raw_char(':');
    }
    void int64(std::int64_t v) {
        reserve(20);
        size_ = static_cast<std::size_t>(std::to_chars(data_ + size_, data_ + size_ + 20, v).ptr - data_);
    }
    void uint64(std::uint64_t v) {
        reserve(20);
        size_ = static_cast<std::size_t>(std::to_chars(data_ + size_, data_ + size_ + 20, v).ptr - data_);
    }
    // Shortest text that reads back as the same double (std::to_chars); non-finite -> null.
    void number(double v);
    // Shortest text that reads back as the same float (e.g. 0.1f -> 0.1); non-finite -> null.
    void float32(float v);
    void boolean(bool v) { v ? raw("true") : raw("false"); }
    void null() { raw("null"); }

    // Everything written so far (see the lifetime note above).
    [[nodiscard]] std::string_view view() const noexcept { return std::string_view(data_, size_); }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
    [[nodiscard]] std::pmr::memory_resource* memory() const noexcept { return memory_; }
    // Drops everything after the first `n` bytes (n <= size()), e.g. to undo a trailing comma.
    void truncate(std::size_t n) noexcept {
        if (n < size_) size_ = n;
    }
    // Forgets the contents, keeps the buffer.
    void clear() noexcept { size_ = 0; }

private:
    void grow(std::size_t extra);
    void string_escaped(const char* p, const char* end); // p at the first byte that needs escaping

    std::pmr::memory_resource* memory_;
    char* data_ = nullptr;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
};

} // namespace katana::json
