#include <katana/json/writer.hpp>

#include <algorithm>
#include <cmath>
#include <utility>

namespace katana::json {

namespace {

bool needs_escape(char c) noexcept {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || c == '"' || c == '\\';
}

} // namespace

writer::writer(std::pmr::memory_resource* memory, std::size_t initial_capacity) : memory_(memory) {
    if (initial_capacity != 0) {
        data_ = static_cast<char*>(memory_->allocate(initial_capacity, 1));
        capacity_ = initial_capacity;
    }
}

writer::~writer() {
    if (data_ != nullptr) memory_->deallocate(data_, capacity_, 1);
}

writer::writer(writer&& other) noexcept
    : memory_(other.memory_), data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)),
      capacity_(std::exchange(other.capacity_, 0)) {}

writer& writer::operator=(writer&& other) noexcept {
    if (this != &other) {
        if (data_ != nullptr) memory_->deallocate(data_, capacity_, 1);
        memory_ = other.memory_;
        data_ = std::exchange(other.data_, nullptr);
        size_ = std::exchange(other.size_, 0);
        capacity_ = std::exchange(other.capacity_, 0);
    }
    return *this;
}

void writer::grow(std::size_t extra) {
    const std::size_t capacity = std::max({capacity_ * 2, size_ + extra, std::size_t{64}});
    auto* bigger = static_cast<char*>(memory_->allocate(capacity, 1));
    if (size_ != 0) std::memcpy(bigger, data_, size_);
    // With an arena this is a no-op: the old block stays until the arena is reset.
    if (data_ != nullptr) memory_->deallocate(data_, capacity_, 1);
    data_ = bigger;
    capacity_ = capacity;
}

void writer::string_escaped(const char* p, const char* end) {
    static constexpr char hex[] = "0123456789abcdef";
    while (p != end) {
        const char* run = p;
        while (p != end && !needs_escape(*p)) ++p;
        raw(std::string_view(run, static_cast<std::size_t>(p - run)));
        if (p == end) break;
        reserve(6);
        char* o = data_ + size_;
        const char c = *p++;
        switch (c) {
        case '"': o[0] = '\\', o[1] = '"', size_ += 2; break;
        case '\\': o[0] = '\\', o[1] = '\\', size_ += 2; break;
        case '\b': o[0] = '\\', o[1] = 'b', size_ += 2; break;
        case '\f': o[0] = '\\', o[1] = 'f', size_ += 2; break;
        case '\n': o[0] = '\\', o[1] = 'n', size_ += 2; break;
        case '\r': o[0] = '\\', o[1] = 'r', size_ += 2; break;
        case '\t': o[0] = '\\', o[1] = 't', size_ += 2; break;
        default: {
            const auto u = static_cast<unsigned char>(c);
            o[0] = '\\', o[1] = 'u', o[2] = '0', o[3] = '0', o[4] = hex[u >> 4], o[5] = hex[u & 0xF];
            size_ += 6;
            break;
        }
        }
    }
    raw_char('"');
}

void writer::number(double v) {
    if (!std::isfinite(v)) {
        null();
        return;
    }
    reserve(32); // the longest shortest form is 24 characters ("-2.2250738585072014e-308")
    size_ = static_cast<std::size_t>(std::to_chars(data_ + size_, data_ + size_ + 32, v).ptr - data_);
}

void writer::float32(float v) {
    if (!std::isfinite(v)) {
        null();
        return;
    }
    reserve(24);
    size_ = static_cast<std::size_t>(std::to_chars(data_ + size_, data_ + size_ + 24, v).ptr - data_);
}

} // namespace katana::json
