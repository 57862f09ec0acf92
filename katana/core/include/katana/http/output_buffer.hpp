#pragma once
// The bytes a connection will write next, as a gather list for one writev/sendmsg.
//
// Owned bytes (status lines, headers, small bodies) are copied into one growable buffer; large
// bodies can be referenced instead of copied (`append_external`). Owned segments are stored as
// offsets and only turned into pointers by `gather()`, so growing the buffer never leaves a
// dangling iovec. Lifetime: external segments must stay valid until the write completes (the
// request arena and static storage both qualify).
#include <sys/uio.h>

#include <cstddef>
#include <cstring>
#include <span>
#include <string_view>

namespace katana::http {

class output_buffer {
public:
    static constexpr std::size_t max_segments = 32;

    output_buffer() = default;
    output_buffer(const output_buffer&) = delete;
    output_buffer& operator=(const output_buffer&) = delete;
    ~output_buffer() { release(); }

    // Contiguous space for at least `n` more owned bytes; finish with commit().
    [[nodiscard]] char* reserve(std::size_t n) {
        if (capacity_ - size_ < n) grow(size_ + n);
        return data_ + size_;
    }
    void commit(std::size_t n) noexcept {
        extend_owned(size_, n);
        size_ += n;
    }
    void append(std::string_view bytes) {
        if (bytes.empty()) return;
        std::memcpy(reserve(bytes.size()), bytes.data(), bytes.size());
        commit(bytes.size());
    }
    // Reference bytes without copying; see the lifetime note above. Falls back to a copy when the
    // segment table is full.
    void append_external(std::string_view bytes) {
        if (bytes.empty()) return;
        // Keep one slot free so owned bytes appended after this can always open a segment.
        if (count_ + 2 > max_segments) {
            append(bytes);
            return;
        }
        segments_[count_++] = segment{bytes.data(), 0, bytes.size()};
        last_owned_open_ = false;
    }

    // Appends everything `other` holds (owned bytes copied, external segments still referenced).
    void append_from(const output_buffer& other) {
        for (std::size_t i = 0; i < other.count_; ++i) {
            const segment& s = other.segments_[i];
            if (s.external != nullptr) {
                append_external({s.external, s.length});
            } else {
                append({other.data_ + s.offset, s.length});
            }
        }
    }

    [[nodiscard]] bool empty() const noexcept { return count_ == 0; }
    [[nodiscard]] std::size_t total_bytes() const noexcept {
        std::size_t n = 0;
        for (std::size_t i = 0; i < count_; ++i) n += segments_[i].length;
        return n;
    }
    [[nodiscard]] std::size_t owned_capacity() const noexcept { return capacity_; }

    // Fills `out` with the gather list (at most out.size() entries); returns how many.
    std::size_t gather(std::span<iovec> out) const noexcept {
        std::size_t n = 0;
        for (; n < count_ && n < out.size(); ++n) {
            const segment& s = segments_[n];
            const char* base = s.external ? s.external : data_ + s.offset;
            out[n].iov_base = const_cast<char*>(base);
            out[n].iov_len = s.length;
        }
        return n;
    }
    // Copies everything into one string (tests and small tools; not the hot path).
    template <class String>
    void copy_to(String& out) const {
        for (std::size_t i = 0; i < count_; ++i) {
            const segment& s = segments_[i];
            out.append(s.external ? s.external : data_ + s.offset, s.length);
        }
    }

    // Forget the contents, keep the storage.
    void clear() noexcept {
        size_ = 0;
        count_ = 0;
        last_owned_open_ = false;
    }
    // Forget the contents and give the storage back (idle connections hold nothing).
    void release() noexcept;

    // Storage hooks: by default the buffer uses operator new; a connection plugs in its
    // reactor's block pool so the steady state allocates nothing.
    struct storage_hooks {
        void* context = nullptr;
        char* (*acquire)(void* context, std::size_t& capacity) = nullptr; // first block
        void (*release)(void* context, char* block, std::size_t capacity) noexcept = nullptr;
    };
    void set_storage(storage_hooks hooks) noexcept { hooks_ = hooks; }

private:
    struct segment {
        const char* external; // non-null: external bytes; null: owned bytes at `offset`
        std::size_t offset;
        std::size_t length;
    };
    void extend_owned(std::size_t offset, std::size_t n) noexcept {
        if (n == 0) return;
        if (last_owned_open_ && count_ > 0) {
            segments_[count_ - 1].length += n;
            return;
        }
        segments_[count_++] = segment{nullptr, offset, n};
        last_owned_open_ = true;
    }
    void grow(std::size_t min_capacity);

    char* data_ = nullptr;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
    bool from_hooks_ = false;
    bool last_owned_open_ = false;
    std::size_t count_ = 0;
    segment segments_[max_segments];
    storage_hooks hooks_{};
};

} // namespace katana::http
