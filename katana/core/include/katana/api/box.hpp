#pragma once
// box<T>: a heap-or-arena indirection with value semantics, for recursive schemas.
//
// `struct node { std::pmr::vector<box<node>> kids; std::optional<box<node>> next; };` must
// compile while `node` is still incomplete, so the class only stores a pointer and every member
// that needs T's size is a function body (instantiated later, once T is complete).
//
// Semantics:
//  - always holds a value, except after being moved from (then it may only be assigned to,
//    destroyed or tested with valueless_after_move(), like the C++26 std::indirect);
//  - copies are deep; a copy made with the copy constructor uses the default memory resource
//    (std::pmr propagation rules: select_on_container_copy_construction), one made through the
//    allocator-extended constructor uses the given resource;
//  - moves steal the pointer (no allocation);
//  - box is allocator-aware (`allocator_type`), so a std::pmr::vector<box<T>> on the request arena
//    allocates its elements' T on the arena too; T itself is built by uses-allocator
//    construction, so an allocator-aware T lands on the same resource.
// Lifetime: the memory resource must outlive the box (arena: until the arena's reset).
#include <cstddef>
#include <memory>
#include <memory_resource>
#include <type_traits>
#include <utility>

namespace katana::api {

template <class T>
class box {
public:
    using value_type = T;
    using allocator_type = std::pmr::polymorphic_allocator<>;

    box() : box(std::allocator_arg, allocator_type{}) {}
    box(std::allocator_arg_t, std::pmr::memory_resource* memory) : box(std::allocator_arg, allocator_type{memory}) {}
    box(std::allocator_arg_t, const allocator_type& alloc) : alloc_(alloc), ptr_(alloc_.template new_object<T>()) {}

    box(T v) : ptr_(alloc_.template new_object<T>(std::move(v))) {}
    box(std::allocator_arg_t, const allocator_type& alloc, T v)
        : alloc_(alloc), ptr_(alloc_.template new_object<T>(std::move(v))) {}

    // In-place construction: box<T>(std::in_place, args...).
    template <class... A>
    explicit box(std::in_place_t, A&&... a) : ptr_(alloc_.template new_object<T>(std::forward<A>(a)...)) {}
    template <class... A>
    box(std::allocator_arg_t, const allocator_type& alloc, std::in_place_t, A&&... a)
        : alloc_(alloc), ptr_(alloc_.template new_object<T>(std::forward<A>(a)...)) {}

    box(const box& other) : ptr_(other.ptr_ ? alloc_.template new_object<T>(*other.ptr_) : nullptr) {}
    box(std::allocator_arg_t, const allocator_type& alloc, const box& other)
        : alloc_(alloc), ptr_(other.ptr_ ? alloc_.template new_object<T>(*other.ptr_) : nullptr) {}

    box(box&& other) noexcept : alloc_(other.alloc_), ptr_(std::exchange(other.ptr_, nullptr)) {}
    box(std::allocator_arg_t, const allocator_type& alloc, box&& other) : alloc_(alloc) {
        if (other.ptr_ == nullptr) return;
        if (alloc_ == other.alloc_) {
            ptr_ = std::exchange(other.ptr_, nullptr);
        } else {
            ptr_ = alloc_.template new_object<T>(std::move(*other.ptr_));
        }
    }

    ~box() { destroy(); }

    // Assignment keeps this box's memory resource (pmr containers behave the same way).
    box& operator=(const box& other) {
        if (this == &other) return *this;
        if (other.ptr_ == nullptr) {
            destroy();
        } else if (ptr_ != nullptr) {
            *ptr_ = *other.ptr_;
        } else {
            ptr_ = alloc_.template new_object<T>(*other.ptr_);
        }
        return *this;
    }
    // Not noexcept: with unequal resources the value is moved into a new allocation. (A noexcept
    // spec depending on T would also need T complete where box<T> is only declared.)
    box& operator=(box&& other) {
        if (this == &other) return *this;
        if (alloc_ == other.alloc_ || other.ptr_ == nullptr) {
            destroy();
            ptr_ = std::exchange(other.ptr_, nullptr);
        } else if (ptr_ != nullptr) {
            *ptr_ = std::move(*other.ptr_);
        } else {
            ptr_ = alloc_.template new_object<T>(std::move(*other.ptr_));
        }
        return *this;
    }
    box& operator=(const T& v) {
        if (ptr_ != nullptr) {
            *ptr_ = v;
        } else {
            ptr_ = alloc_.template new_object<T>(v);
        }
        return *this;
    }
    box& operator=(T&& v) {
        if (ptr_ != nullptr) {
            *ptr_ = std::move(v);
        } else {
            ptr_ = alloc_.template new_object<T>(std::move(v));
        }
        return *this;
    }

    [[nodiscard]] T& operator*() noexcept { return *ptr_; }
    [[nodiscard]] const T& operator*() const noexcept { return *ptr_; }
    [[nodiscard]] T* operator->() noexcept { return ptr_; }
    [[nodiscard]] const T* operator->() const noexcept { return ptr_; }
    [[nodiscard]] T& get() noexcept { return *ptr_; }
    [[nodiscard]] const T& get() const noexcept { return *ptr_; }

    [[nodiscard]] bool valueless_after_move() const noexcept { return ptr_ == nullptr; }
    [[nodiscard]] allocator_type get_allocator() const noexcept { return alloc_; }

    // Pointer swap on equal resources (no allocation); otherwise the values are swapped, which
    // requires both boxes to hold one.
    void swap(box& other) {
        if (alloc_ == other.alloc_) {
            std::swap(ptr_, other.ptr_);
        } else {
            using std::swap;
            swap(*ptr_, *other.ptr_);
        }
    }
    friend void swap(box& a, box& b) { a.swap(b); }

    // Compares the values (two moved-from boxes are equal; moved-from != holding a value).
    // Deliberately unconstrained: a constraint on T's == would recurse for a recursive T whose
    // own operator== is defaulted over its box<T> members.
    friend bool operator==(const box& a, const box& b) {
        if (a.ptr_ == nullptr || b.ptr_ == nullptr) return a.ptr_ == b.ptr_;
        return *a.ptr_ == *b.ptr_;
    }

private:
    void destroy() noexcept {
        if (ptr_ != nullptr) {
            alloc_.delete_object(ptr_);
            ptr_ = nullptr;
        }
    }

    allocator_type alloc_{};
    T* ptr_ = nullptr;
};

} // namespace katana::api
