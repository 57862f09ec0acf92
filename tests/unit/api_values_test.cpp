// tristate<T>, box<T> and rebind(): the value types generated DTOs are made of.
#include <katana/api/box.hpp>
#include <katana/api/rebind.hpp>
#include <katana/api/tristate.hpp>

#include <gtest/gtest.h>

#include <cstddef>
#include <map>
#include <memory_resource>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace {

using katana::api::box;
using katana::api::make_in;
using katana::api::rebind;
using katana::api::tristate;

// Counts what goes through it, on top of the default resource.
class counting_resource final : public std::pmr::memory_resource {
public:
    std::size_t allocations = 0;
    std::size_t deallocations = 0;
    std::size_t live_bytes = 0;

private:
    void* do_allocate(std::size_t bytes, std::size_t align) override {
        ++allocations;
        live_bytes += bytes;
        return std::pmr::new_delete_resource()->allocate(bytes, align);
    }
    void do_deallocate(void* p, std::size_t bytes, std::size_t align) override {
        ++deallocations;
        live_bytes -= bytes;
        std::pmr::new_delete_resource()->deallocate(p, bytes, align);
    }
    bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override { return this == &other; }
};

// ---------------------------------------------------------------- tristate

TEST(ApiTristate, ThreeStates) {
    tristate<int> absent;
    tristate<int> null = nullptr;
    tristate<int> five = 5;
    EXPECT_TRUE(absent.is_absent());
    EXPECT_FALSE(absent.is_null());
    EXPECT_FALSE(absent.has_value());
    EXPECT_TRUE(null.is_null());
    EXPECT_FALSE(null.is_absent());
    EXPECT_FALSE(null.has_value());
    EXPECT_TRUE(five.has_value());
    EXPECT_FALSE(five.is_absent());
    EXPECT_FALSE(five.is_null());
    EXPECT_EQ(five.value(), 5);
    EXPECT_EQ(*five, 5);
    EXPECT_EQ(absent.value_or(7), 7);
    EXPECT_EQ(null.value_or(7), 7);
    EXPECT_EQ(five.value_or(7), 5);
}

TEST(ApiTristate, TransitionsAndEquality) {
    tristate<std::string> t;
    t.emplace(3, 'x');
    EXPECT_EQ(*t, "xxx");
    EXPECT_EQ(t->size(), 3u);
    t.set_null();
    EXPECT_TRUE(t.is_null());
    EXPECT_FALSE(t.has_value());
    t = "abc"; // converting constructor from const char*
    EXPECT_TRUE(t.has_value());
    EXPECT_FALSE(t.is_null());
    t = nullptr;
    EXPECT_TRUE(t.is_null());
    t.reset();
    EXPECT_TRUE(t.is_absent());

    EXPECT_EQ(tristate<int>(), tristate<int>());
    EXPECT_EQ(tristate<int>(nullptr), tristate<int>(nullptr));
    EXPECT_EQ(tristate<int>(1), tristate<int>(1));
    EXPECT_NE(tristate<int>(), tristate<int>(nullptr));
    EXPECT_NE(tristate<int>(), tristate<int>(0));
    EXPECT_NE(tristate<int>(nullptr), tristate<int>(0));
    EXPECT_NE(tristate<int>(1), tristate<int>(2));
    tristate<long> widened = 5; // int -> long
    EXPECT_EQ(widened.value(), 5L);
}

TEST(ApiTristate, EmplaceAfterNullClearsNull) {
    tristate<std::vector<int>> t = nullptr;
    t.emplace().push_back(4);
    EXPECT_TRUE(t.has_value());
    EXPECT_FALSE(t.is_null());
    EXPECT_EQ(t.value().size(), 1u);
    const auto& opt = t.as_optional();
    ASSERT_TRUE(opt.has_value());
    EXPECT_EQ((*opt)[0], 4);
}

// ---------------------------------------------------------------- box

struct node {
    std::pmr::vector<box<node>> kids;
    std::optional<box<node>> next;
    tristate<box<node>> maybe;
    int value = 0;
    bool operator==(const node&) const = default;
};

TEST(ApiBox, RecursiveTypesCompileAndDeepCopy) {
    node root;
    root.value = 1;
    root.kids.emplace_back();
    root.kids[0]->value = 2;
    root.kids[0]->kids.emplace_back();
    root.kids[0]->kids[0]->value = 3;
    root.next = box<node>();
    (*root.next)->value = 4;

    node copy = root;
    EXPECT_EQ(copy, root);
    copy.kids[0]->kids[0]->value = 30; // deep: the original is untouched
    EXPECT_EQ(root.kids[0]->kids[0]->value, 3);
    EXPECT_NE(copy, root);
    EXPECT_NE(&*copy.kids[0], &*root.kids[0]);
}

TEST(ApiBox, MoveStealsWithoutAllocating) {
    counting_resource res;
    box<std::string> a(std::allocator_arg, &res);
    *a = "hello";
    const std::string* addr = &*a;
    const std::size_t before = res.allocations;
    box<std::string> b(std::move(a));
    EXPECT_EQ(res.allocations, before);
    EXPECT_EQ(&*b, addr);
    EXPECT_TRUE(a.valueless_after_move()); // NOLINT(bugprone-use-after-move): documented state
    EXPECT_EQ(*b, "hello");
}

TEST(ApiBox, AllocatesFromTheGivenResourceAndFreesIt) {
    counting_resource res;
    {
        box<int> b(std::allocator_arg, &res);
        EXPECT_EQ(*b, 0); // default-constructed T
        EXPECT_EQ(res.allocations, 1u);
        *b = 9;
        box<int> other(std::allocator_arg, &res);
        other = b; // copy-assign keeps other's resource and its allocation
        EXPECT_EQ(res.allocations, 2u);
        EXPECT_EQ(*other, 9);
        EXPECT_EQ(other, b);
    }
    EXPECT_EQ(res.deallocations, 2u);
    EXPECT_EQ(res.live_bytes, 0u);
}

TEST(ApiBox, AllocatorAwareTLandsOnTheSameResource) {
    counting_resource res;
    box<std::pmr::string> b(std::allocator_arg, &res);
    EXPECT_EQ(b->get_allocator().resource(), &res); // uses-allocator construction of T
    b->assign(200, 'x');                            // the string's buffer also comes from res
    EXPECT_GE(res.allocations, 2u);
}

TEST(ApiBox, PmrVectorPropagatesItsResourceToElements) {
    counting_resource res;
    std::pmr::vector<box<int>> v(&res);
    v.emplace_back();
    v.emplace_back();
    EXPECT_EQ(v[0].get_allocator().resource(), &res);
    // vector buffer(s) + two ints, all through res; nothing on the default resource
    EXPECT_GE(res.allocations, 3u);
    v.clear();
    v.shrink_to_fit();
    EXPECT_EQ(res.live_bytes, 0u);
}

TEST(ApiBox, MoveAcrossResourcesCopiesTheValue) {
    counting_resource a_res, b_res;
    box<std::string> a(std::allocator_arg, &a_res);
    *a = "payload";
    box<std::string> b(std::allocator_arg, &b_res);
    b = std::move(a); // unequal resources: b keeps its own allocation
    EXPECT_EQ(*b, "payload");
    EXPECT_EQ(b.get_allocator().resource(), &b_res);
}

// ---------------------------------------------------------------- rebind / make_in

struct dto {
    using allocator_type = std::pmr::polymorphic_allocator<>;
    std::pmr::string name;
    dto() = default;
    explicit dto(const allocator_type& a) : name(a) {}
    dto(const dto& o, const allocator_type& a) : name(o.name, a) {}
    dto(dto&&) = default;
    dto(const dto&) = default;
    dto& operator=(const dto&) = default;
};

TEST(ApiRebind, PmrMembersMoveToTheArena) {
    counting_resource arena;
    std::pmr::string s = "previous contents that are long enough to be on the heap";
    std::pmr::vector<int> v{1, 2, 3};
    std::pmr::map<int, int> m{{1, 2}};
    rebind(s, &arena);
    rebind(v, &arena);
    rebind(m, &arena);
    EXPECT_TRUE(s.empty());
    EXPECT_TRUE(v.empty());
    EXPECT_TRUE(m.empty());
    EXPECT_EQ(s.get_allocator().resource(), &arena);
    EXPECT_EQ(v.get_allocator().resource(), &arena);
    EXPECT_EQ(arena.allocations, 0u);
    s.assign(100, 'y');
    v.push_back(1);
    m.emplace(3, 4);
    EXPECT_EQ(arena.allocations, 3u);
}

TEST(ApiRebind, AllocatorAwareDtoAndBoxAndOthers) {
    counting_resource arena;
    dto d;
    rebind(d, &arena);
    EXPECT_EQ(d.name.get_allocator().resource(), &arena);

    box<dto> b;
    rebind(b, &arena); // box is rebuilt on the arena (its T too)
    EXPECT_EQ(b.get_allocator().resource(), &arena);
    EXPECT_EQ(b->name.get_allocator().resource(), &arena);

    int i = 42;
    rebind(i, &arena); // untouched
    EXPECT_EQ(i, 42);

    std::optional<std::pmr::string> o = std::pmr::string("x");
    rebind(o, &arena);
    EXPECT_FALSE(o.has_value());
    tristate<std::pmr::string> t = nullptr;
    rebind(t, &arena);
    EXPECT_TRUE(t.is_absent());

    o.emplace(make_in<std::pmr::string>(&arena, 50, 'z'));
    EXPECT_EQ(o->get_allocator().resource(), &arena); // moved in, the allocator came along
    EXPECT_EQ(o->size(), 50u);
}

} // namespace
