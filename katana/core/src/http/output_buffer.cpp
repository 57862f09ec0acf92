#include <katana/http/output_buffer.hpp>

#include <algorithm>
#include <new>

namespace katana::http {

void output_buffer::release() noexcept {
    if (data_ != nullptr) {
        if (from_hooks_) {
            hooks_.release(hooks_.context, data_, capacity_);
        } else {
            ::operator delete(data_);
        }
    }
    data_ = nullptr;
    capacity_ = 0;
    from_hooks_ = false;
    clear();
}

void output_buffer::grow(std::size_t min_capacity) {
    if (data_ == nullptr && hooks_.acquire != nullptr) {
        std::size_t cap = 0;
        char* block = hooks_.acquire(hooks_.context, cap);
        if (block != nullptr && cap >= min_capacity) {
            data_ = block;
            capacity_ = cap;
            from_hooks_ = true;
            return;
        }
        if (block != nullptr) hooks_.release(hooks_.context, block, cap);
    }
    std::size_t cap = std::max<std::size_t>({min_capacity, capacity_ * 2, 4096});
    char* bigger = static_cast<char*>(::operator new(cap));
    if (size_ != 0) std::memcpy(bigger, data_, size_);
    char* old = data_;
    const bool old_from_hooks = from_hooks_;
    const std::size_t old_cap = capacity_;
    data_ = bigger;
    capacity_ = cap;
    from_hooks_ = false;
    if (old != nullptr) {
        if (old_from_hooks) {
            hooks_.release(hooks_.context, old, old_cap);
        } else {
            ::operator delete(old);
        }
    }
}

} // namespace katana::http
