#pragma once
// tristate<T>: a field that can be absent, explicitly null, or hold a value.
//
// JSON merge-patch style PATCH bodies need all three: `{}` leaves a field alone, `{"x":null}`
// clears it, `{"x":1}` sets it. std::optional<T> folds the first two together, so generated DTOs
// use this for properties that are both optional and nullable.
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace katana::api {

template <class T>
class tristate {
public:
    using value_type = T;

    tristate() noexcept {}                                         // absent
    tristate(std::nullptr_t) noexcept : state_(state::null) {}   // null
    tristate(T v) : state_(state::value) { std::construct_at(&value_, std::move(v)); } // value

    // Converting constructor, like std::optional's: tristate<std::string> s = "x";
    template <class U>
        requires(!std::same_as<std::remove_cvref_t<U>, tristate> &&
                 !std::same_as<std::remove_cvref_t<U>, std::nullptr_t> &&
                 !std::same_as<std::remove_cvref_t<U>, T> && std::is_constructible_v<T, U &&>)
    explicit(!std::is_convertible_v<U&&, T>) tristate(U&& v) : state_(state::value) {
        std::construct_at(&value_, std::forward<U>(v));
    }

    tristate(const tristate& other) : state_(other.state_) {
        if (state_ == state::value) std::construct_at(&value_, other.value_);
    }
    tristate(tristate&& other) noexcept(std::is_nothrow_move_constructible_v<T>) : state_(other.state_) {
        if (state_ == state::value) std::construct_at(&value_, std::move(other.value_));
    }
    ~tristate() { destroy(); }

    tristate& operator=(const tristate& other) {
        if (this == &other) return *this;
        if (other.state_ == state::value) {
            assign(other.value_);
        } else {
            destroy();
            state_ = other.state_;
        }
        return *this;
    }
    tristate& operator=(tristate&& other) noexcept(std::is_nothrow_move_constructible_v<T> &&
                                                   std::is_nothrow_move_assignable_v<T>) {
        if (this == &other) return *this;
        if (other.state_ == state::value) {
            assign(std::move(other.value_));
        } else {
            destroy();
            state_ = other.state_;
        }
        return *this;
    }
    tristate& operator=(std::nullptr_t) noexcept {
        set_null();
        return *this;
    }
    // Assigns a value in place (assigns to the held value when there is one).
    template <class U = T>
        requires(!std::same_as<std::remove_cvref_t<U>, tristate> &&
                 !std::same_as<std::remove_cvref_t<U>, std::nullptr_t> && std::is_constructible_v<T, U &&> &&
                 std::is_assignable_v<T&, U &&>)
    tristate& operator=(U&& v) {
        assign(std::forward<U>(v));
        return *this;
    }

    [[nodiscard]] bool is_absent() const noexcept { return state_ == state::absent; }
    [[nodiscard]] bool is_null() const noexcept { return state_ == state::null; }
    [[nodiscard]] bool has_value() const noexcept { return state_ == state::value; }

    // Precondition: has_value() (not checked, like std::optional::operator*).
    [[nodiscard]] T& value() & noexcept { return value_; }
    [[nodiscard]] const T& value() const& noexcept { return value_; }
    [[nodiscard]] T&& value() && noexcept { return std::move(value_); }
    [[nodiscard]] T& operator*() & noexcept { return value_; }
    [[nodiscard]] const T& operator*() const& noexcept { return value_; }
    [[nodiscard]] T* operator->() noexcept { return &value_; }
    [[nodiscard]] const T* operator->() const noexcept { return &value_; }

    // The value, or `fallback` when absent or null.
    template <class U>
    [[nodiscard]] T value_or(U&& fallback) const& {
        return has_value() ? value_ : static_cast<T>(std::forward<U>(fallback));
    }
    // The value as std::optional (absent and null both become nullopt).
    [[nodiscard]] std::optional<T> as_optional() const {
        return has_value() ? std::optional<T>(value_) : std::nullopt;
    }

    template <class... A>
    T& emplace(A&&... a) {
        destroy();
        std::construct_at(&value_, std::forward<A>(a)...);
        state_ = state::value;
        return value_;
    }
    void set_null() noexcept {
        destroy();
        state_ = state::null;
    }
    void reset() noexcept { // back to absent
        destroy();
        state_ = state::absent;
    }

    // Equal when in the same state and, when both hold a value, the values compare equal.
    // Unconstrained so that recursive DTOs with a defaulted operator== do not recurse in
    // constraint checking; only instantiated when used.
    friend bool operator==(const tristate& a, const tristate& b) {
        if (a.state_ != b.state_) return false;
        return a.state_ != state::value || a.value_ == b.value_;
    }

private:
    enum class state : std::uint8_t { absent, null, value };

    template <class U>
    void assign(U&& v) {
        if (state_ == state::value) {
            value_ = std::forward<U>(v);
        } else {
            std::construct_at(&value_, std::forward<U>(v));
            state_ = state::value;
        }
    }
    void destroy() noexcept {
        if (state_ == state::value) std::destroy_at(&value_);
        state_ = state::absent;
    }

    // Own storage rather than std::optional: GCC 12 at -O3 reports a false maybe-uninitialized
    // for optional<std::string> payloads after reset sequences, which -Werror turns into a build
    // failure in user code.
    union {
        T value_;
    };
    state state_ = state::absent;
};

} // namespace katana::api
