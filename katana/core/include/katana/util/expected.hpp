#pragma once
// katana::expected<T, E>: the subset of std::expected the project uses. libstdc++ 12 ships
// <expected>, but clang-16 cannot compile it (its __cpp_concepts predates what the header
// requires), and KATANA must build with both compilers. Same names and semantics as std, so a
// later switch to std::expected is a rename.
#include <type_traits>
#include <utility>
#include <variant>

namespace katana {

template <class E>
class unexpected {
public:
    template <class Err = E>
        requires std::is_constructible_v<E, Err>
    constexpr explicit unexpected(Err&& e) : error_(std::forward<Err>(e)) {}
    constexpr const E& error() const& noexcept { return error_; }
    constexpr E& error() & noexcept { return error_; }
    constexpr E&& error() && noexcept { return std::move(error_); }

private:
    E error_;
};
template <class E>
unexpected(E) -> unexpected<E>;

template <class T, class E>
class [[nodiscard]] expected {
public:
    using value_type = T;
    using error_type = E;

    constexpr expected()
        requires std::is_default_constructible_v<T>
        : storage_(std::in_place_index<0>) {}
    template <class U = T>
        requires(std::is_constructible_v<T, U> && !std::is_same_v<std::remove_cvref_t<U>, expected> &&
                 !std::is_same_v<std::remove_cvref_t<U>, unexpected<E>>)
    constexpr expected(U&& v) : storage_(std::in_place_index<0>, std::forward<U>(v)) {}
    template <class G>
    constexpr expected(const unexpected<G>& u) : storage_(std::in_place_index<1>, u.error()) {}
    template <class G>
    constexpr expected(unexpected<G>&& u) : storage_(std::in_place_index<1>, std::move(u).error()) {}

    [[nodiscard]] constexpr bool has_value() const noexcept { return storage_.index() == 0; }
    constexpr explicit operator bool() const noexcept { return has_value(); }

    constexpr T& value() & { return std::get<0>(storage_); }
    constexpr const T& value() const& { return std::get<0>(storage_); }
    constexpr T&& value() && { return std::get<0>(std::move(storage_)); }
    constexpr T& operator*() & noexcept { return *std::get_if<0>(&storage_); }
    constexpr const T& operator*() const& noexcept { return *std::get_if<0>(&storage_); }
    constexpr T&& operator*() && noexcept { return std::move(*std::get_if<0>(&storage_)); }
    constexpr T* operator->() noexcept { return std::get_if<0>(&storage_); }
    constexpr const T* operator->() const noexcept { return std::get_if<0>(&storage_); }
    template <class U>
    constexpr T value_or(U&& fallback) const& {
        return has_value() ? **this : static_cast<T>(std::forward<U>(fallback));
    }

    constexpr E& error() & noexcept { return *std::get_if<1>(&storage_); }
    constexpr const E& error() const& noexcept { return *std::get_if<1>(&storage_); }
    constexpr E&& error() && noexcept { return std::move(*std::get_if<1>(&storage_)); }

private:
    std::variant<T, E> storage_;
};

template <class E>
class [[nodiscard]] expected<void, E> {
public:
    using value_type = void;
    using error_type = E;

    constexpr expected() noexcept = default;
    template <class G>
    constexpr expected(const unexpected<G>& u) : error_(u.error()), has_error_(true) {}
    template <class G>
    constexpr expected(unexpected<G>&& u) : error_(std::move(u).error()), has_error_(true) {}

    [[nodiscard]] constexpr bool has_value() const noexcept { return !has_error_; }
    constexpr explicit operator bool() const noexcept { return has_value(); }
    constexpr void value() const noexcept {}
    constexpr void operator*() const noexcept {}

    constexpr E& error() & noexcept { return error_; }
    constexpr const E& error() const& noexcept { return error_; }
    constexpr E&& error() && noexcept { return std::move(error_); }

private:
    E error_{};
    bool has_error_ = false;
};

} // namespace katana
