#include "support/temp_dir.hpp"

#include "support/user.hpp"

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <unistd.h>
#include <utility>

namespace katana::test {

namespace {

std::filesystem::path temp_base() {
    if (const char* env = std::getenv("TMPDIR"); env != nullptr && *env != '\0') {
        std::error_code ec;
        if (std::filesystem::is_directory(env, ec)) return env;
    }
    return "/tmp";
}

// Start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat): together with
// the pid it names a process unambiguously, since pids get reused.
std::optional<unsigned long long> start_time_of(long pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(in, line)) return std::nullopt;
    const auto close = line.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream rest(line.substr(close + 2)); // from field 3 (state)
    std::string field;
    for (int i = 3; i < 22; ++i) {
        if (!(rest >> field)) return std::nullopt;
    }
    unsigned long long ticks = 0;
    if (!(rest >> ticks)) return std::nullopt;
    return ticks;
}

constexpr const char* owner_file = ".owner";

} // namespace

void temp_dir::mark_owner() const {
    const long self = static_cast<long>(::getpid());
    std::ofstream out(path_ / owner_file);
    out << self << ' ' << start_time_of(self).value_or(0) << '\n';
}

void temp_dir::sweep_abandoned(std::string_view prefix,
                               const std::function<void(const std::filesystem::path&)>& before_remove) {
    const std::string stem = std::string(prefix) + "-";
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(temp_base(), ec)) {
        const std::string name = entry.path().filename().string();
        if (!name.starts_with(stem) || !entry.is_directory(ec)) continue;
        std::ifstream in(entry.path() / owner_file);
        long pid = 0;
        unsigned long long ticks = 0;
        if (!(in >> pid >> ticks) || pid <= 0) continue;
        const auto now = start_time_of(pid);
        if (now && *now == ticks) continue; // the owner is still running
        if (before_remove) before_remove(entry.path());
        std::filesystem::remove_all(entry.path(), ec);
    }
}

temp_dir::temp_dir(std::string_view prefix) {
    std::string pattern = (temp_base() / std::string(prefix)).string();
    pattern += "-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
    }
    path_ = pattern;
}

temp_dir::~temp_dir() { remove(); }

temp_dir::temp_dir(temp_dir&& other) noexcept : path_(std::exchange(other.path_, {})) {}

temp_dir& temp_dir::operator=(temp_dir&& other) noexcept {
    if (this != &other) {
        remove();
        path_ = std::exchange(other.path_, {});
    }
    return *this;
}

katana::expected<void, std::string> temp_dir::chown_to(std::string_view user) const {
    return chown_to_user(path_, user);
}

bool temp_dir::remove() noexcept {
    if (path_.empty()) return true;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
    path_.clear();
    return !ec;
}

} // namespace katana::test
