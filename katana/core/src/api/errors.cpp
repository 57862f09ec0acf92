#include <katana/api/errors.hpp>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <new>

namespace katana::api {

validation_context::~validation_context() {
    // Give the memory back for resources that free (heap mode); an arena ignores this.
    for (std::size_t i = 0; i < stored_; ++i) {
        const validation_error& e = errors_[i];
        memory_->deallocate(const_cast<char*>(e.pointer.data()), e.pointer.size() + e.detail.size(), 1);
    }
    if (errors_ != nullptr) memory_->deallocate(errors_, max_errors_ * sizeof(validation_error), alignof(validation_error));
    if (path_ != nullptr) memory_->deallocate(path_, path_capacity_, 1);
}

bool validation_context::reserve_path(std::size_t extra) noexcept {
    if (path_capacity_ - path_size_ >= extra) return true;
    std::size_t cap = std::max<std::size_t>(path_capacity_ * 2, 64);
    while (cap - path_size_ < extra) cap *= 2;
    // Offsets are stored as uint32: a pointer longer than 4 GiB cannot come from a request.
    if (cap > UINT32_MAX) return false;
    char* fresh = nullptr;
    try {
        fresh = static_cast<char*>(memory_->allocate(cap, 1));
    } catch (...) { // out of memory: the segment is ignored rather than crashing the reactor
        return false;
    }
    if (path_size_ != 0) std::memcpy(fresh, path_, path_size_);
    if (path_ != nullptr) memory_->deallocate(path_, path_capacity_, 1);
    path_ = fresh;
    path_capacity_ = cap;
    return true;
}

void validation_context::append_segment(std::string_view text, bool escape) noexcept {
    const std::size_t d = depth_++;
    if (d >= max_depth) return; // counted by depth_, ignored in the pointer
    std::size_t need = 1 + text.size();
    if (escape) {
        for (char c : text) need += (c == '~' || c == '/') ? 1 : 0;
    }
    segment_start_[d] = static_cast<std::uint32_t>(path_size_);
    if (!reserve_path(need)) {
        // Keep push/pop balanced: the segment is just empty.
        return;
    }
    char* p = path_ + path_size_;
    *p++ = '/';
    if (!escape) {
        if (!text.empty()) std::memcpy(p, text.data(), text.size());
        p += text.size();
    } else {
        for (char c : text) {
            if (c == '~') {
                *p++ = '~';
                *p++ = '0';
            } else if (c == '/') {
                *p++ = '~';
                *p++ = '1';
            } else {
                *p++ = c;
            }
        }
    }
    path_size_ = static_cast<std::size_t>(p - path_);
}

void validation_context::push_key(std::string_view key) noexcept { append_segment(key, true); }

void validation_context::push_index(std::size_t i) noexcept {
    char digits[24];
    auto r = std::to_chars(digits, digits + sizeof digits, i);
    append_segment({digits, static_cast<std::size_t>(r.ptr - digits)}, false);
}

void validation_context::pop() noexcept {
    if (depth_ == 0) return;
    const std::size_t d = --depth_;
    if (d >= max_depth) return;
    path_size_ = segment_start_[d];
}

void validation_context::add(std::string_view detail) {
    const std::size_t n = count_++;
    if (n >= max_errors_ || n != stored_) return; // full (a rollback never leaves gaps: see rollback)
    if (errors_ == nullptr) {
        errors_ = static_cast<validation_error*>(
            memory_->allocate(max_errors_ * sizeof(validation_error), alignof(validation_error)));
    }
    const std::string_view ptr = pointer();
    char* text = static_cast<char*>(memory_->allocate(ptr.size() + detail.size(), 1));
    if (!ptr.empty()) std::memcpy(text, ptr.data(), ptr.size());
    if (!detail.empty()) std::memcpy(text + ptr.size(), detail.data(), detail.size());
    ::new (&errors_[stored_]) validation_error{{text, ptr.size()}, {text + ptr.size(), detail.size()}};
    ++stored_;
}

void validation_context::rollback(std::size_t mark) noexcept {
    if (mark >= count_) return;
    while (stored_ > mark) {
        --stored_;
        const validation_error& e = errors_[stored_];
        memory_->deallocate(const_cast<char*>(e.pointer.data()), e.pointer.size() + e.detail.size(), 1);
    }
    count_ = mark;
}

namespace {

// Byte-exact size of the problem document, so it is written in one allocation.
std::size_t digits_of(unsigned v) noexcept {
    std::size_t n = 1;
    while (v >= 10) {
        v /= 10;
        ++n;
    }
    return n;
}

class writer {
public:
    explicit writer(char* p) noexcept : p_(p) {}
    void raw(std::string_view s) noexcept {
        if (!s.empty()) std::memcpy(p_, s.data(), s.size());
        p_ += s.size();
    }
    void str(std::string_view s) noexcept {
        static constexpr char hex[] = "0123456789abcdef";
        *p_++ = '"';
        for (unsigned char c : s) {
            switch (c) {
            case '"': raw("\\\""); break;
            case '\\': raw("\\\\"); break;
            case '\n': raw("\\n"); break;
            case '\r': raw("\\r"); break;
            case '\t': raw("\\t"); break;
            case '\b': raw("\\b"); break;
            case '\f': raw("\\f"); break;
            default:
                if (c < 0x20) {
                    raw("\\u00");
                    *p_++ = hex[c >> 4];
                    *p_++ = hex[c & 15];
                } else {
                    *p_++ = static_cast<char>(c);
                }
            }
        }
        *p_++ = '"';
    }
    void number(unsigned v) noexcept { p_ = std::to_chars(p_, p_ + 8, v).ptr; }
    [[nodiscard]] char* position() const noexcept { return p_; }

private:
    char* p_;
};

void write_problem_impl(http::response& res, http::status_code code, std::string_view detail,
                        std::span<const validation_error> errors, bool truncated) {
    if (res.started()) return;
    constexpr std::string_view prefix = R"({"type":"about:blank","title":)";
    constexpr std::string_view status_key = R"(,"status":)";
    constexpr std::string_view detail_key = R"(,"detail":)";
    constexpr std::string_view errors_key = R"(,"errors":[)";
    constexpr std::string_view pointer_key = R"({"pointer":)";
    constexpr std::string_view item_detail_key = R"(,"detail":)";
    constexpr std::string_view truncated_member = R"(,"errors_truncated":true)";
    const std::string_view title = http::reason_phrase(code);

    std::size_t size = prefix.size() + http::json_string_length(title) + status_key.size() + digits_of(code) + 1;
    if (!detail.empty()) size += detail_key.size() + http::json_string_length(detail);
    if (!errors.empty()) {
        size += errors_key.size() + 1; // "]"
        for (const validation_error& e : errors) {
            size += pointer_key.size() + http::json_string_length(e.pointer) + item_detail_key.size() +
                    http::json_string_length(e.detail) + 1; // "}"
        }
        size += errors.size() - 1; // commas
    }
    if (truncated) size += truncated_member.size();

    std::pmr::memory_resource* memory = res.memory();
    char* buf = static_cast<char*>(memory->allocate(size, 1));
    writer w(buf);
    w.raw(prefix);
    w.str(title);
    w.raw(status_key);
    w.number(code);
    if (!detail.empty()) {
        w.raw(detail_key);
        w.str(detail);
    }
    if (!errors.empty()) {
        w.raw(errors_key);
        bool first = true;
        for (const validation_error& e : errors) {
            if (!first) w.raw(",");
            first = false;
            w.raw(pointer_key);
            w.str(e.pointer);
            w.raw(item_detail_key);
            w.str(e.detail);
            w.raw("}");
        }
        w.raw("]");
    }
    if (truncated) w.raw(truncated_member);
    w.raw("}");

    res.status(code);
    res.content_type("application/problem+json");
    res.body({buf, static_cast<std::size_t>(w.position() - buf)});
    memory->deallocate(buf, size, 1);
}

} // namespace

void write_problem(http::response& res, http::status_code code, std::string_view detail,
                   std::span<const validation_error> errors) {
    write_problem_impl(res, code, detail, errors, false);
}

void write_problem(http::response& res, http::status_code code, std::string_view detail,
                   const validation_context& ctx) {
    write_problem_impl(res, code, detail, ctx.errors(), ctx.truncated());
}

} // namespace katana::api
