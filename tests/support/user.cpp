#include "support/user.hpp"

#include <cerrno>
#include <grp.h>
#include <pwd.h>
#include <system_error>
#include <unistd.h>

namespace katana::test {

katana::expected<user_ids, std::string> lookup_user(std::string_view name) {
    const std::string key(name);
    std::vector<char> buf(16384);
    passwd pw{};
    passwd* found = nullptr;
    int rc = 0;
    while ((rc = ::getpwnam_r(key.c_str(), &pw, buf.data(), buf.size(), &found)) == ERANGE) {
        buf.resize(buf.size() * 2);
    }
    if (rc != 0) return katana::unexpected("getpwnam(" + key + "): " + std::generic_category().message(rc));
    if (found == nullptr) return katana::unexpected("no such user: " + key);

    user_ids ids;
    ids.uid = pw.pw_uid;
    ids.gid = pw.pw_gid;
    ids.home = pw.pw_dir != nullptr ? pw.pw_dir : "";
    int count = 16;
    ids.groups.resize(static_cast<std::size_t>(count));
    while (::getgrouplist(key.c_str(), pw.pw_gid, ids.groups.data(), &count) == -1) {
        ids.groups.resize(static_cast<std::size_t>(count) + 16);
        count = static_cast<int>(ids.groups.size());
    }
    ids.groups.resize(static_cast<std::size_t>(count));
    return ids;
}

katana::expected<void, std::string> chown_to_user(const std::filesystem::path& path, std::string_view user) {
    auto id = lookup_user(user);
    if (!id) return katana::unexpected(id.error());
    if (::chown(path.c_str(), id->uid, id->gid) != 0) {
        return katana::unexpected("chown " + path.string() + " to " + std::string(user) + ": " +
                               std::generic_category().message(errno));
    }
    return {};
}

} // namespace katana::test
