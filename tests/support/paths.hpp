#pragma once
// Locations tests need: the shared data corpus and this build's source/binary trees.
#include <filesystem>
#include <optional>

namespace katana::test {

// $KATANA_CORPUS_DIR when set, else ../shared/corpus next to the repository (fixed at configure
// time). nullopt when the chosen path is not a directory: callers GTEST_SKIP() with a reason.
[[nodiscard]] std::optional<std::filesystem::path> corpus_dir();

// The repository root and the CMake binary dir this test binary was configured in.
[[nodiscard]] std::filesystem::path source_dir();
[[nodiscard]] std::filesystem::path binary_dir();

} // namespace katana::test
