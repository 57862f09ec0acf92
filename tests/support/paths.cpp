#include "support/paths.hpp"

#include <cstdlib>
#include <system_error>

namespace katana::test {

std::optional<std::filesystem::path> corpus_dir() {
    std::filesystem::path dir = KATANA_DEFAULT_CORPUS_DIR;
    if (const char* env = std::getenv("KATANA_CORPUS_DIR"); env != nullptr && *env != '\0') dir = env;
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) return std::nullopt;
    return dir;
}

std::filesystem::path source_dir() { return KATANA_SOURCE_DIR; }
std::filesystem::path binary_dir() { return KATANA_BINARY_DIR; }

} // namespace katana::test
