#pragma once
// A uniquely named directory under the system temp dir that disappears with its owner object.
#include <katana/util/expected.hpp>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace katana::test {

class temp_dir {
public:
    // Creates <tmp>/<prefix>-XXXXXX (mode 0700). <tmp> is $TMPDIR, else /tmp. Throws
    // std::system_error when the directory cannot be created: tests treat that as a failure.
    explicit temp_dir(std::string_view prefix = "katana");
    ~temp_dir(); // removes the tree recursively; errors are ignored (best effort, never throws)

    temp_dir(temp_dir&& other) noexcept;
    temp_dir& operator=(temp_dir&& other) noexcept;
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    // Empty after the object has been moved from.
    [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

    // Hands the directory itself (not its contents) to `user`, e.g. "postgres", which refuses to
    // run as root and needs to own its data directory. Requires root.
    [[nodiscard]] katana::expected<void, std::string> chown_to(std::string_view user) const;

    // Removes the tree now; path() becomes empty. Returns false when something could not be removed.
    bool remove() noexcept;

    // Marks the directory as belonging to this process (pid and start time in a ".owner" file), so
    // that sweep_abandoned() in a later run can recognise it once this process is gone.
    void mark_owner() const;

    // Removes <tmp>/<prefix>-* directories marked by a process that no longer exists (a test
    // binary killed before its destructors ran). `before_remove` releases what a directory holds
    // outside itself (shared memory segments, ...). Directories without a mark are left alone.
    static void sweep_abandoned(std::string_view prefix,
                                const std::function<void(const std::filesystem::path&)>& before_remove = {});

private:
    std::filesystem::path path_;
};

} // namespace katana::test
