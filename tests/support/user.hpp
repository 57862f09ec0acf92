#pragma once
// Looking up a system account so helpers can run servers (PostgreSQL) as an unprivileged user.
#include <katana/util/expected.hpp>
#include <filesystem>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace katana::test {

struct user_ids {
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups; // supplementary groups, including gid
    std::string home;
};

[[nodiscard]] katana::expected<user_ids, std::string> lookup_user(std::string_view name);

// chown(2) of one path (not recursive) to the user and its primary group.
[[nodiscard]] katana::expected<void, std::string> chown_to_user(const std::filesystem::path& path, std::string_view user);

} // namespace katana::test
