#pragma once
// rebind(member, memory): move a pmr member onto the request's memory resource.
//
// A DTO is usually default-constructed (its pmr members on the default resource, i.e. the heap)
// and then filled while parsing a request. rebind() destroys the member and reconstructs it
// EMPTY with `memory`, so the following assignments / emplace_back calls allocate from the
// arena. Any previous contents are dropped. Lifetime: the member must not outlive `memory`.
//
// Works for std::pmr::string, std::pmr::vector<...>, std::pmr::map..., box<T> and every type
// whose allocator_type is a std::pmr::polymorphic_allocator and which can be constructed from
// that allocator alone. For std::optional<T> and tristate<T> (which carry no allocator) the
// member is reset to empty/absent; construct its value later with make_in<T>(memory, ...).
// Other types (numbers, enums, bool) are left untouched, so generated code can call rebind()
// on every member without knowing its type.
#include <katana/api/tristate.hpp>

#include <memory>
#include <memory_resource>
#include <optional>
#include <type_traits>
#include <utility>

namespace katana::api {

namespace detail {

template <class A>
inline constexpr bool is_polymorphic_allocator_v = false;
template <class U>
inline constexpr bool is_polymorphic_allocator_v<std::pmr::polymorphic_allocator<U>> = true;

template <class T>
concept pmr_allocator_aware = requires { typename T::allocator_type; } &&
                              is_polymorphic_allocator_v<typename T::allocator_type>;

} // namespace detail

template <class T>
void rebind(T& member, std::pmr::memory_resource* memory) {
    if constexpr (detail::pmr_allocator_aware<T>) {
        // Uses-allocator construction picks (allocator_arg, alloc) or (alloc), whichever T has.
        std::destroy_at(&member);
        std::uninitialized_construct_using_allocator(std::addressof(member),
                                                     typename T::allocator_type(memory));
    }
}

template <class T>
void rebind(std::optional<T>& member, std::pmr::memory_resource*) {
    member.reset();
}

template <class T>
void rebind(tristate<T>& member, std::pmr::memory_resource*) {
    member.reset();
}

// Builds a T on `memory` by uses-allocator construction: allocator-aware types (pmr strings,
// vectors, generated DTOs with allocator_type) get `memory`, others are built from `args` as is.
// For filling optional/tristate members: `dto.tags.emplace(make_in<std::pmr::string>(m, "x"))`.
template <class T, class... A>
[[nodiscard]] T make_in(std::pmr::memory_resource* memory, A&&... args) {
    return std::make_obj_using_allocator<T>(std::pmr::polymorphic_allocator<>(memory), std::forward<A>(args)...);
}

} // namespace katana::api
