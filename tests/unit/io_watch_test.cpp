// Readiness watches (io_backend::add_watch/modify_watch/remove_watch), the seam the PostgreSQL
// runtime drives libpq through. Both backends; io_uring is skipped with the reason when the
// kernel refuses it.
#include "reactor/io_backend.hpp" // private header: tests/CMakeLists.txt adds katana/core/src

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace katana::detail {
namespace {

using namespace std::chrono_literals;

enum class which { epoll, io_uring };

struct recorder {
    int calls = 0;
    std::uint32_t last = 0;
    io_backend* backend = nullptr;
    io_watch* self = nullptr;
    bool remove_in_callback = false;
    static void cb(void* ctx, std::uint32_t events) noexcept {
        auto* r = static_cast<recorder*>(ctx);
        ++r->calls;
        r->last = events;
        if (r->remove_in_callback) r->backend->remove_watch(r->self);
    }
};

class IoWatchTest : public ::testing::TestWithParam<which> {
protected:
    void SetUp() override {
        std::string error;
        backend_ = GetParam() == which::epoll ? make_epoll_backend(error) : make_io_uring_backend(error);
        if (!backend_) {
            if (GetParam() == which::io_uring) GTEST_SKIP() << "io_uring unavailable: " << error;
            FAIL() << error;
        }
        ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv_), 0);
    }
    void TearDown() override {
        backend_.reset();
        for (int fd : sv_) {
            if (fd >= 0) ::close(fd);
        }
    }
    void spin(int rounds = 5) {
        for (int i = 0; i < rounds; ++i) backend_->poll(10ms);
    }

    std::unique_ptr<io_backend> backend_;
    int sv_[2] = {-1, -1};
};

TEST_P(IoWatchTest, ReadableIsLevelTriggeredUntilDrained) {
    recorder r;
    io_watch* w = backend_->add_watch(sv_[0], watch_readable, &recorder::cb, &r);
    ASSERT_NE(w, nullptr);
    spin();
    EXPECT_EQ(r.calls, 0) << "nothing to read yet";
    ASSERT_EQ(::write(sv_[1], "x", 1), 1);
    spin();
    const int after_write = r.calls;
    EXPECT_GE(after_write, 2) << "level-triggered: still readable on later polls";
    EXPECT_NE(r.last & watch_readable, 0u);
    char c;
    ASSERT_EQ(::read(sv_[0], &c, 1), 1);
    spin();
    const int drained = r.calls;
    spin();
    EXPECT_EQ(r.calls, drained) << "no callbacks once drained";
    backend_->remove_watch(w);
}

TEST_P(IoWatchTest, ModifyToWritableAndPark) {
    recorder r;
    io_watch* w = backend_->add_watch(sv_[0], 0, &recorder::cb, &r);
    ASSERT_NE(w, nullptr);
    spin();
    EXPECT_EQ(r.calls, 0) << "interest 0 parks the watch";
    ASSERT_TRUE(backend_->modify_watch(w, watch_writable));
    spin();
    EXPECT_GT(r.calls, 0);
    EXPECT_NE(r.last & watch_writable, 0u);
    ASSERT_TRUE(backend_->modify_watch(w, watch_readable));
    spin(2); // a poll armed before the change may still complete once
    const int parked = r.calls;
    spin();
    EXPECT_EQ(r.calls, parked) << "not readable, and writable is no longer wanted";
    backend_->remove_watch(w);
}

TEST_P(IoWatchTest, RemoveStopsCallbacksEvenFromInsideOne) {
    recorder r;
    r.backend = backend_.get();
    r.remove_in_callback = true;
    r.self = backend_->add_watch(sv_[0], watch_readable, &recorder::cb, &r);
    ASSERT_NE(r.self, nullptr);
    ASSERT_EQ(::write(sv_[1], "xy", 2), 2);
    spin();
    EXPECT_EQ(r.calls, 1);
    // Removed from outside, then the descriptor closed at once: no callback, no crash.
    recorder r2;
    io_watch* w2 = backend_->add_watch(sv_[0], watch_readable, &recorder::cb, &r2);
    ASSERT_NE(w2, nullptr);
    backend_->remove_watch(w2);
    spin();
    EXPECT_EQ(r2.calls, 0);
}

TEST_P(IoWatchTest, PeerCloseIsReported) {
    recorder r;
    io_watch* w = backend_->add_watch(sv_[0], watch_readable, &recorder::cb, &r);
    ASSERT_NE(w, nullptr);
    ::close(sv_[1]);
    sv_[1] = -1;
    spin(2);
    EXPECT_GT(r.calls, 0);
    EXPECT_NE(r.last & watch_readable, 0u);
    backend_->remove_watch(w);
    spin();
}

INSTANTIATE_TEST_SUITE_P(Backends, IoWatchTest, ::testing::Values(which::epoll, which::io_uring),
                         [](const ::testing::TestParamInfo<which>& p) {
                             return p.param == which::epoll ? std::string("epoll") : std::string("io_uring");
                         });

} // namespace
} // namespace katana::detail
