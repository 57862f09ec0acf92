// Proves the throwaway Redis helper (tests/support/redis_server): a real server answers RESP,
// restarts on the same port (empty, as configured without persistence), isolates parallel
// instances and leaves no process or file behind. A missing redis-server is a failure naming
// scripts/install-deps.sh, never a skip.
#include "support/process.hpp"
#include "support/redis_server.hpp"
#include "support/tcp_client.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>

using namespace std::chrono_literals;
namespace kt = katana::test;

namespace {

bool accepts_connections(std::uint16_t port) { return kt::tcp_client::connect(port, 1s).has_value(); }

// The raw reply, or a text that cannot be a RESP reply when the command failed in transport.
template <class Args>
std::string reply(const kt::redis_server& server, const Args& args) {
    auto r = server.command(args);
    return r ? *r : "<transport error: " + r.error() + ">";
}
std::string reply(const kt::redis_server& server, std::initializer_list<std::string_view> args) {
    return reply<std::initializer_list<std::string_view>>(server, args);
}

// The value of one field in an INFO reply.
std::string info_field(const std::string& reply, std::string_view field) {
    const auto at = reply.find(std::string(field) + ":");
    if (at == std::string::npos) return {};
    const auto begin = at + field.size() + 1;
    return reply.substr(begin, reply.find("\r\n", begin) - begin);
}

} // namespace

TEST(HarnessRedis, SetGetAndErrors) {
    auto redis = kt::redis_server::start();
    ASSERT_TRUE(redis.has_value()) << redis.error();
    EXPECT_NE(redis->port(), 0);

    auto info = redis->command({"INFO", "server"});
    ASSERT_TRUE(info.has_value()) << info.error();
    EXPECT_EQ(info_field(*info, "redis_version").substr(0, 2), "7.") << *info;
    EXPECT_EQ(info_field(*info, "tcp_port"), std::to_string(redis->port()));

    EXPECT_EQ(reply(*redis, {"SET", "greeting", "hello\r\nworld"}), "+OK\r\n");
    EXPECT_EQ(reply(*redis, {"GET", "greeting"}), "$12\r\nhello\r\nworld\r\n");
    EXPECT_EQ(reply(*redis, {"GET", "missing"}), "$-1\r\n");
    EXPECT_EQ(reply(*redis, {"INCRBY", "counter", "41"}), ":41\r\n");
    EXPECT_EQ(reply(*redis, std::vector<std::string>{"RPUSH", "list", "a", "b"}), ":2\r\n");
    EXPECT_EQ(reply(*redis, {"LRANGE", "list", "0", "-1"}), "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    auto unknown = redis->command({"NOSUCHCOMMAND"});
    ASSERT_TRUE(unknown.has_value()) << unknown.error();
    EXPECT_TRUE(unknown->starts_with("-ERR unknown command")) << *unknown;

    // Persistence is off, as promised.
    auto save = redis->command({"CONFIG", "GET", "save"});
    ASSERT_TRUE(save.has_value());
    EXPECT_EQ(*save, "*2\r\n$4\r\nsave\r\n$0\r\n\r\n");
    auto aof = redis->command({"CONFIG", "GET", "appendonly"});
    ASSERT_TRUE(aof.has_value());
    EXPECT_EQ(*aof, "*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n");
}

TEST(HarnessRedis, RestartOnSamePortStartsEmpty) {
    auto redis = kt::redis_server::start();
    ASSERT_TRUE(redis.has_value()) << redis.error();
    const auto port = redis->port();
    const pid_t first = redis->pid();
    ASSERT_EQ(reply(*redis, {"SET", "k", "v"}), "+OK\r\n");

    auto restarted = redis->restart();
    ASSERT_TRUE(restarted.has_value()) << restarted.error();
    EXPECT_EQ(redis->port(), port);
    EXPECT_NE(redis->pid(), first);
    EXPECT_FALSE(kt::process_alive(first));
    auto info = redis->command({"INFO", "server"});
    ASSERT_TRUE(info.has_value()) << info.error();
    EXPECT_EQ(info_field(*info, "process_id"), std::to_string(redis->pid()));
    EXPECT_EQ(reply(*redis, {"GET", "k"}), "$-1\r\n"); // no persistence: a new, empty server

    ASSERT_TRUE(redis->stop().has_value());
    EXPECT_FALSE(redis->running());
    EXPECT_FALSE(accepts_connections(port));
    EXPECT_FALSE(redis->command({"PING"}).has_value());
    ASSERT_TRUE(redis->start_again().has_value()) << redis->log();
    EXPECT_EQ(reply(*redis, {"PING"}), "+PONG\r\n");

    redis->kill_hard();
    EXPECT_FALSE(accepts_connections(port));
    ASSERT_TRUE(redis->start_again().has_value()) << redis->log();
    EXPECT_EQ(reply(*redis, {"PING"}), "+PONG\r\n");
}

TEST(HarnessRedis, TwoServersAreIndependent) {
    auto a = kt::redis_server::start();
    ASSERT_TRUE(a.has_value()) << a.error();
    auto b = kt::redis_server::start();
    ASSERT_TRUE(b.has_value()) << b.error();
    EXPECT_NE(a->port(), b->port());
    EXPECT_NE(a->dir(), b->dir());
    ASSERT_EQ(reply(*a, {"SET", "where", "a"}), "+OK\r\n");
    EXPECT_EQ(reply(*a, {"GET", "where"}), "$1\r\na\r\n");
    EXPECT_EQ(reply(*b, {"GET", "where"}), "$-1\r\n");
}

TEST(HarnessRedis, DestructionLeavesNothingBehind) {
    auto started = kt::redis_server::start();
    ASSERT_TRUE(started.has_value()) << started.error();
    std::optional<kt::redis_server> redis(std::move(*started));
    const auto dir = redis->dir();
    const pid_t pgid = redis->pid();
    const auto port = redis->port();
    EXPECT_TRUE(std::filesystem::exists(redis->log_file()));
    EXPECT_EQ(kt::live_processes_in_group(pgid).size(), 1u);
    // An idle client connection must not delay the shutdown.
    auto idle = kt::tcp_client::connect(port);
    ASSERT_TRUE(idle.has_value()) << idle.error();
    redis.reset();
    EXPECT_FALSE(std::filesystem::exists(dir)) << dir;
    EXPECT_TRUE(kt::live_processes_in_group(pgid).empty());
    EXPECT_FALSE(std::filesystem::exists("/proc/" + std::to_string(pgid)));
    EXPECT_FALSE(accepts_connections(port));
    EXPECT_TRUE(idle->wait_closed(5s));
}

TEST(HarnessRedis, StartupFailureCarriesTheLog) {
    auto bad = kt::redis_server::start({{"--no-such-option", "1"}});
    ASSERT_FALSE(bad.has_value());
    EXPECT_NE(bad.error().find("no-such-option"), std::string::npos) << bad.error();
}

TEST(HarnessRedis, MissingBinaryNamesTheInstallScript) {
    ::setenv("KATANA_REDIS_SERVER", "/nonexistent/redis-server", 1);
    auto redis = kt::redis_server::start();
    ::unsetenv("KATANA_REDIS_SERVER");
    ASSERT_FALSE(redis.has_value());
    EXPECT_NE(redis.error().find("scripts/install-deps.sh"), std::string::npos) << redis.error();
}
