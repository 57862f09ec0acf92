#include <katana/json/value.hpp>

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <vector>

namespace katana::json {

namespace {

constexpr std::size_t max_size = std::numeric_limits<std::uint32_t>::max();

std::uint32_t checked_size(std::size_t n) {
    if (n > max_size) throw std::length_error("katana::json::value: more than 2^32-1 bytes or elements");
    return static_cast<std::uint32_t>(n);
}

const char* copy_chars(std::string_view s, std::pmr::memory_resource* m) {
    if (s.empty()) return nullptr;
    auto* p = static_cast<char*>(m->allocate(s.size(), 1));
    std::memcpy(p, s.data(), s.size());
    return p;
}

// A number's text as sign, significant digits and scientific exponent, for exact comparison.
struct decimal {
    bool negative = false;
    bool zero = true;
    std::int64_t scale = 0;      // value = 0.d1d2... × 10^scale
    const char* first = nullptr; // first significant digit
    const char* last = nullptr;  // last non-zero digit (inclusive); '.' may lie in between
};

decimal decompose(std::string_view text) {
    decimal d;
    const char* p = text.data();
    const char* const end = p + text.size();
    if (p != end && *p == '-') {
        d.negative = true;
        ++p;
    }
    std::int64_t index = 0, int_len = -1, first_index = 0;
    for (; p != end; ++p) {
        const char c = *p;
        if (c == '.') {
            int_len = index;
            continue;
        }
        if ((c | 0x20) == 'e') break;
        if (c != '0') {
            if (d.first == nullptr) {
                d.first = p;
                first_index = index;
            }
            d.last = p;
        }
        ++index;
    }
    if (int_len < 0) int_len = index;
    std::int64_t exponent = 0;
    if (p != end) { // at 'e'
        ++p;
        bool negative = false;
        if (p != end && (*p == '+' || *p == '-')) negative = *p++ == '-';
        for (; p != end; ++p)
            if (exponent < 1'000'000'000'000) exponent = exponent * 10 + (*p - '0');
        if (negative) exponent = -exponent;
    }
    if (d.first == nullptr) return d;
    d.zero = false;
    d.scale = int_len - first_index + exponent;
    return d;
}

bool numbers_equal(std::string_view a, std::string_view b) {
    if (a == b) return true;
    const decimal x = decompose(a);
    const decimal y = decompose(b);
    if (x.zero || y.zero) return x.zero && y.zero;
    if (x.negative != y.negative || x.scale != y.scale) return false;
    const char* p = x.first;
    const char* q = y.first;
    for (;;) {
        if (*p == '.') ++p;
        if (*q == '.') ++q;
        if (*p != *q) return false;
        const bool p_end = p == x.last;
        const bool q_end = q == y.last;
        if (p_end || q_end) return p_end && q_end;
        ++p;
        ++q;
    }
}

const value* find_in(std::span<const member> members, std::string_view key) noexcept {
    for (const member& m : members)
        if (m.key == key) return &m.val;
    return nullptr;
}

bool equal_at(const value& a, const value& b, unsigned depth) noexcept {
    if (a.kind() != b.kind()) return false;
    switch (a.kind()) {
    case value_kind::null: return true;
    case value_kind::boolean: return a.as_bool() == b.as_bool();
    case value_kind::number: return numbers_equal(a.number_text(), b.number_text());
    case value_kind::string: return a.as_string() == b.as_string();
    case value_kind::array: {
        const auto x = a.as_array();
        const auto y = b.as_array();
        if (x.size() != y.size()) return false;
        if (x.empty()) return true;
        if (depth >= 1024) return false;
        for (std::size_t i = 0; i < x.size(); ++i)
            if (!equal_at(x[i], y[i], depth + 1)) return false;
        return true;
    }
    case value_kind::object: {
        const auto x = a.as_object();
        const auto y = b.as_object();
        if (x.size() != y.size()) return false;
        if (x.empty()) return true;
        if (depth >= 1024) return false;
        std::size_t same = 0;
        while (same < x.size() && x[same].key == y[same].key) ++same;
        for (std::size_t i = 0; i < same; ++i)
            if (!equal_at(x[i].val, y[i].val, depth + 1)) return false;
        if (same == x.size()) return true;
        for (std::size_t i = same; i < x.size(); ++i) {
            const value* other = find_in(y, x[i].key);
            if (other == nullptr || !equal_at(x[i].val, *other, depth + 1)) return false;
        }
        for (std::size_t i = same; i < y.size(); ++i)
            if (find_in(x, y[i].key) == nullptr) return false;
        return true;
    }
    }
    return false;
}

} // namespace

reader::number_result value::as_int64(std::int64_t& out) const noexcept {
    if (kind_ != value_kind::number) return reader::number_result::not_a_number;
    reader r(number_text(), nullptr, 0);
    return r.read_int64(out);
}

const value* value::find(std::string_view key) const noexcept { return find_in(as_object(), key); }

value value::make_string(std::string_view s, std::pmr::memory_resource* m) {
    const std::uint32_t n = checked_size(s.size());
    return value(value_kind::string, copy_chars(s, m), n);
}

value value::make_number(double v, std::pmr::memory_resource* m) {
    if (!std::isfinite(v)) return value();
    char buffer[32];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, v).ptr;
    const std::string_view text(buffer, static_cast<std::size_t>(end - buffer));
    value r(value_kind::number, copy_chars(text, m), static_cast<std::uint32_t>(text.size()));
    r.number_ = v;
    return r;
}

value value::make_int(std::int64_t v, std::pmr::memory_resource* m) {
    char buffer[24];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, v).ptr;
    const std::string_view text(buffer, static_cast<std::size_t>(end - buffer));
    value r(value_kind::number, copy_chars(text, m), static_cast<std::uint32_t>(text.size()));
    r.number_ = static_cast<double>(v);
    return r;
}

value value::make_array(std::span<const value> elements, std::pmr::memory_resource* m) {
    const std::uint32_t n = checked_size(elements.size());
    if (n == 0) return value(value_kind::array, nullptr, 0);
    auto* p = static_cast<value*>(m->allocate(n * sizeof(value), alignof(value)));
    std::uninitialized_copy(elements.begin(), elements.end(), p);
    return value(value_kind::array, p, n);
}

value value::make_object(std::span<const member> members, std::pmr::memory_resource* m) {
    const std::uint32_t n = checked_size(members.size());
    if (n == 0) return value(value_kind::object, nullptr, 0);
    auto* p = static_cast<member*>(m->allocate(n * sizeof(member), alignof(member)));
    for (std::uint32_t i = 0; i < n; ++i)
        ::new (p + i) member{std::string_view(copy_chars(members[i].key, m), members[i].key.size()), members[i].val};
    return value(value_kind::object, p, n);
}

bool read_value(reader& r, value& out) {
    std::pmr::memory_resource* const memory = r.memory();
    if (memory == nullptr) {
        r.fail(error_code::out_of_memory);
        return false;
    }
    // The container being filled lives in locals (start, is_object); its ancestors wait on
    // `parents`, each with the key under which the container goes into its parent.
    struct parent {
        std::size_t start;
        std::string_view key;
        bool is_object;
    };
    try {
        // Children of all open containers, in document order; a closed container's children are
        // copied into one exact-size block and popped.
        alignas(std::max_align_t) std::byte local[4096];
        std::pmr::monotonic_buffer_resource scratch_memory(local, sizeof local, memory);
        std::pmr::vector<member> scratch(&scratch_memory);
        std::pmr::vector<parent> parents(&scratch_memory);
        scratch.reserve(64);

        std::size_t level = 0;
        std::size_t start = 0;
        bool is_object = false;
        std::string_view key; // key of the value being read (empty in arrays)
        for (;;) {
            // At a value position.
            const std::optional<value_kind> kind = r.peek();
            if (!kind) {
                if (!r.failed()) r.fail(error_code::invalid_call);
                return false;
            }
            value v;
            switch (*kind) {
            case value_kind::object:
            case value_kind::array: {
                const bool object = *kind == value_kind::object;
                if (!(object ? r.begin_object() : r.begin_array())) return false;
                parents.push_back(parent{start, key, is_object});
                start = scratch.size();
                is_object = object;
                ++level;
                break;
            }
            case value_kind::string: {
                std::string_view s;
                if (!r.read_string(s)) return false;
                if (s.size() > max_size) {
                    r.fail(error_code::value_too_large);
                    return false;
                }
                v = value(value_kind::string, s.data(), static_cast<std::uint32_t>(s.size()));
                break;
            }
            case value_kind::number: {
                std::string_view text;
                double d = 0;
                const reader::number_result res = r.read_number(text, d);
                if (res == reader::number_result::not_a_number) return false;
                if (res == reader::number_result::out_of_range) {
                    d = text.front() == '-' ? -std::numeric_limits<double>::infinity()
                                            : std::numeric_limits<double>::infinity();
                }
                if (text.size() > max_size) {
                    r.fail(error_code::value_too_large);
                    return false;
                }
                v = value(value_kind::number, text.data(), static_cast<std::uint32_t>(text.size()));
                v.number_ = d;
                break;
            }
            case value_kind::boolean: {
                bool b = false;
                if (!r.read_bool(b)) return false;
                v = value::make_bool(b);
                break;
            }
            case value_kind::null:
                if (!r.read_null()) return false;
                break;
            }
            if (*kind != value_kind::object && *kind != value_kind::array) {
                if (level == 0) {
                    out = v;
                    return true;
                }
                scratch.push_back(member{key, v});
            }
            // Move on to the next value position, closing containers on the way.
            for (;;) {
                if (is_object ? r.next_key(key) : r.next_element()) break;
                if (r.failed()) return false;
                const std::size_t n = scratch.size() - start;
                if (n > max_size) {
                    r.fail(error_code::value_too_large);
                    return false;
                }
                value c;
                if (is_object) {
                    member* p = nullptr;
                    if (n != 0) {
                        p = static_cast<member*>(memory->allocate(n * sizeof(member), alignof(member)));
                        std::uninitialized_copy(scratch.begin() + static_cast<std::ptrdiff_t>(start), scratch.end(), p);
                    }
                    c = value(value_kind::object, p, static_cast<std::uint32_t>(n));
                } else {
                    value* p = nullptr;
                    if (n != 0) {
                        p = static_cast<value*>(memory->allocate(n * sizeof(value), alignof(value)));
                        for (std::size_t i = 0; i < n; ++i) ::new (p + i) value(scratch[start + i].val);
                    }
                    c = value(value_kind::array, p, static_cast<std::uint32_t>(n));
                }
                scratch.resize(start);
                const parent up = parents.back();
                parents.pop_back();
                if (--level == 0) {
                    out = c;
                    return true;
                }
                start = up.start;
                is_object = up.is_object;
                key = up.key;
                scratch.push_back(member{key, c});
            }
            if (!is_object) key = {};
        }
    } catch (...) {
        // Only allocation can throw here (std::bad_alloc or the resource's own exception).
        r.fail(error_code::out_of_memory);
        return false;
    }
}

katana::expected<value, syntax_error> parse(std::string_view doc, std::pmr::memory_resource* m,
                                            std::uint32_t max_depth) {
    reader r(doc, m, max_depth);
    value v;
    if (!read_value(r, v) || !r.finish()) return katana::unexpected(r.error());
    return v;
}

void write_value(writer& w, const value& v) {
    struct frame {
        const value* container;
        std::uint32_t index;
    };
    alignas(std::max_align_t) std::byte local[1024];
    std::pmr::monotonic_buffer_resource stack_memory(local, sizeof local, w.memory());
    std::pmr::vector<frame> stack(&stack_memory);

    const value* cur = &v;
    for (;;) {
        switch (cur->kind()) {
        case value_kind::null: w.null(); break;
        case value_kind::boolean: w.boolean(cur->as_bool()); break;
        case value_kind::number: w.raw(cur->number_text()); break;
        case value_kind::string: w.string(cur->as_string()); break;
        case value_kind::array:
            if (cur->as_array().empty()) {
                w.raw("[]");
                break;
            }
            w.raw_char('[');
            stack.push_back(frame{cur, 0});
            cur = &cur->as_array()[0];
            continue;
        case value_kind::object:
            if (cur->as_object().empty()) {
                w.raw("{}");
                break;
            }
            w.raw_char('{');
            w.key(cur->as_object()[0].key);
            stack.push_back(frame{cur, 0});
            cur = &cur->as_object()[0].val;
            continue;
        }
        // After a complete value: next sibling, or close containers.
        for (;;) {
            if (stack.empty()) return;
            frame& f = stack.back();
            ++f.index;
            if (f.container->is_array()) {
                const auto elements = f.container->as_array();
                if (f.index < elements.size()) {
                    w.raw_char(',');
                    cur = &elements[f.index];
                    break;
                }
                w.raw_char(']');
            } else {
                const auto members = f.container->as_object();
                if (f.index < members.size()) {
                    w.raw_char(',');
                    w.key(members[f.index].key);
                    cur = &members[f.index].val;
                    break;
                }
                w.raw_char('}');
            }
            stack.pop_back();
        }
    }
}

bool equal(const value& a, const value& b) noexcept { return equal_at(a, b, 0); }

} // namespace katana::json
