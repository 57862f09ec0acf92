#include <katana/memory/request_memory.hpp>

#include <cstring>
#include <new>
#include <type_traits>

namespace katana {

std::string_view to_string(memory_mode mode) noexcept {
    switch (mode) {
    case memory_mode::arena: return "arena";
    case memory_mode::pmr: return "pmr";
    case memory_mode::heap: return "heap";
    }
    return "unknown";
}

namespace detail {

void* counting_monotonic_resource::do_allocate(std::size_t bytes, std::size_t align) {
    void* p = mono_.allocate(bytes, align);
    bytes_ += bytes;
    if (bytes_ > high_water_) high_water_ = bytes_;
    return p;
}

namespace {

// Space in front of the user's bytes: the list node, padded to the requested alignment so the
// user pointer keeps it. Computed the same way at deallocation from (bytes, align).
constexpr std::size_t heap_header_size(std::size_t node_size, std::size_t align) noexcept {
    const std::size_t a = align > alignof(std::max_align_t) ? align : alignof(std::max_align_t);
    return (node_size + a - 1) / a * a;
}

} // namespace

void* tracking_heap_resource::do_allocate(std::size_t bytes, std::size_t align) {
    const std::size_t header = heap_header_size(sizeof(node), align);
    const std::size_t total = header + bytes;
    const bool over_aligned = align > __STDCPP_DEFAULT_NEW_ALIGNMENT__;
    void* raw = over_aligned ? ::operator new(total, std::align_val_t{align}) : ::operator new(total);
    auto* n = ::new (raw) node{&head_, head_.next, over_aligned ? align : 0};
    head_.next->prev = n;
    head_.next = n;
    ++live_;
    bytes_ += bytes;
    if (bytes_ > high_water_) high_water_ = bytes_;
    return static_cast<std::byte*>(raw) + header;
}

void tracking_heap_resource::do_deallocate(void* p, std::size_t, std::size_t align) noexcept {
    auto* n = reinterpret_cast<node*>(static_cast<std::byte*>(p) - heap_header_size(sizeof(node), align));
    n->prev->next = n->next;
    n->next->prev = n->prev;
    --live_;
    free_node(n);
}

void tracking_heap_resource::free_node(node* n) noexcept {
    if (n->align != 0) {
        ::operator delete(n, std::align_val_t{n->align});
    } else {
        ::operator delete(n);
    }
}

void tracking_heap_resource::release() noexcept {
    node* n = head_.next;
    while (n != &head_) {
        node* next = n->next;
        free_node(n);
        n = next;
    }
    head_.prev = &head_;
    head_.next = &head_;
    live_ = 0;
    bytes_ = 0;
}

} // namespace detail

request_memory::request_memory(memory_mode mode, block_pool& pool, std::pmr::memory_resource* upstream)
    : mode_(mode),
      state_(std::in_place_index<0>, pool),
      resource_(nullptr) {
    // The variant's alternatives are immovable, so build the right one in place.
    switch (mode) {
    case memory_mode::arena: break;
    case memory_mode::pmr:
        state_.emplace<1>(upstream != nullptr ? upstream : std::pmr::get_default_resource());
        break;
    case memory_mode::heap: state_.emplace<2>(); break;
    }
    std::visit(
        [this](auto& s) {
            using S = std::remove_cvref_t<decltype(s)>;
            if constexpr (std::is_same_v<S, katana::arena>) {
                resource_ = s.resource();
            } else {
                resource_ = &s;
            }
        },
        state_);
}

void request_memory::reset() noexcept {
    std::visit(
        [](auto& s) {
            using S = std::remove_cvref_t<decltype(s)>;
            if constexpr (std::is_same_v<S, katana::arena>) {
                s.reset();
            } else {
                s.release();
            }
        },
        state_);
}

void request_memory::release_all() noexcept {
    std::visit(
        [](auto& s) {
            using S = std::remove_cvref_t<decltype(s)>;
            if constexpr (std::is_same_v<S, katana::arena>) {
                s.release_all();
            } else {
                s.release();
            }
        },
        state_);
}

std::size_t request_memory::bytes_allocated() const noexcept {
    return std::visit([](const auto& s) { return s.bytes_allocated(); }, state_);
}

std::size_t request_memory::high_water() const noexcept {
    return std::visit([](const auto& s) { return s.high_water(); }, state_);
}

std::string_view request_memory::copy(std::string_view s) {
    if (s.empty()) return {};
    auto* p = static_cast<char*>(allocate(s.size(), 1));
    std::memcpy(p, s.data(), s.size());
    return {p, s.size()};
}

} // namespace katana
