// Runs LLVMFuzzerTestOneInput over files without libFuzzer, so seed corpora (and crash
// reproducers) are exercised by ordinary builds and by ctest. Arguments: files or folders.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

bool run_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "cannot read %s\n", file.c_str());
        return false;
    }
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    return true;
}

} // namespace

int main(int argc, char** argv) {
    std::vector<std::filesystem::path> files;
    for (int i = 1; i < argc; ++i) {
        const std::filesystem::path arg(argv[i]);
        if (std::filesystem::is_directory(arg)) {
            for (const auto& entry : std::filesystem::directory_iterator(arg)) {
                // Dot files (.gitattributes) are repository metadata, not inputs.
                if (entry.is_regular_file() && entry.path().filename().string().front() != '.') files.push_back(entry.path());
            }
        } else {
            files.push_back(arg);
        }
    }
    if (files.empty()) {
        std::fprintf(stderr, "no input files\n");
        return 2;
    }
    std::size_t ok = 0;
    for (const auto& f : files) ok += run_file(f) ? 1 : 0;
    std::printf("replayed %zu of %zu inputs\n", ok, files.size());
    return ok == files.size() ? 0 : 1;
}
