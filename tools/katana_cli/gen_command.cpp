#include "gen_command.hpp"

#include <katana/codegen/diagnostics.hpp>

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <set>
#include <string_view>
#include <system_error>

namespace katana::cli {

namespace fs = std::filesystem;
using codegen::generated_file;

namespace {

std::string describe(const std::error_code& ec) { return ec.message(); }

// The whole file, or nullopt when it does not exist or cannot be read (then it is rewritten).
std::optional<std::string> read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return std::nullopt;
    return data;
}

// Only the first line matters for the marker; reading a few hundred bytes keeps the stale-file scan
// cheap even when the directory holds large unrelated files.
bool starts_with_marker(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::string head(512, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(in.gcount()));
    return codegen::has_generated_marker(head);
}

katana::expected<void, std::string> write_atomically(const fs::path& target, std::string_view contents) {
    fs::path tmp = target;
    tmp += fmt::format(".katana-tmp-{}", static_cast<long>(::getpid()));
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) return katana::unexpected(fmt::format("cannot write {}: {}", tmp.string(), std::strerror(errno)));
        out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
        out.close();
        if (!out) {
            std::error_code ignored;
            fs::remove(tmp, ignored);
            return katana::unexpected(fmt::format("cannot write {}: {}", tmp.string(), std::strerror(errno)));
        }
    }
    std::error_code ec;
    fs::rename(tmp, target, ec);
    if (ec) {
        std::error_code ignored;
        fs::remove(tmp, ignored);
        return katana::unexpected(fmt::format("cannot replace {}: {}", target.string(), describe(ec)));
    }
    return {};
}

// FNV-1a, 64 bit: a fingerprint for change detection, not security.
class fingerprint {
public:
    void add(std::string_view bytes) noexcept {
        for (const char c : bytes) {
            hash_ ^= static_cast<unsigned char>(c);
            hash_ *= 0x100000001b3ULL;
        }
        // Separator, so that ("ab", "c") and ("a", "bc") differ.
        hash_ ^= 0xff;
        hash_ *= 0x100000001b3ULL;
    }
    [[nodiscard]] std::uint64_t value() const noexcept { return hash_; }

private:
    std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

std::string escape_make(std::string_view path) {
    std::string out;
    out.reserve(path.size());
    for (std::size_t i = 0; i < path.size(); ++i) {
        const char c = path[i];
        if (c == ' ' || c == '#') {
            // Backslashes right before an escaped character must be doubled too.
            for (std::size_t j = i; j > 0 && path[j - 1] == '\\'; --j) out.push_back('\\');
            out.push_back('\\');
            out.push_back(c);
        } else if (c == '$') {
            out += "$$";
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::string absolute_string(const std::string& path) {
    std::error_code ec;
    fs::path abs = fs::absolute(path, ec);
    if (ec) return path;
    return abs.lexically_normal().string();
}

} // namespace

void add_gen_openapi_options(CLI::App& cmd, gen_openapi_args& args) {
    cmd.add_option("SPEC", args.spec, "OpenAPI 3.0/3.1 document (.yaml, .yml or .json)")->required();
    cmd.add_option("-o,--output", args.out_dir, "Directory to write the generated C++ into (created)")->required();
    cmd.add_option("--namespace", args.cpp_namespace, "C++ namespace of the generated code, e.g. shop::v1")
        ->capture_default_str();
    cmd.add_flag("--strict", args.strict, "Treat warnings as errors");
    cmd.add_option("--depfile", args.depfile,
                   "Write a Makefile-syntax depfile listing every spec file read (for build systems)");
    cmd.add_option("--stamp", args.stamp,
                   "Touch this file after every successful run; the depfile then names it as its target");
    cmd.add_option("--shards", args.shards,
                   "Also write N translation units _shards/shard_<i>.cpp that include the generated sources "
                   "(a fixed source list for build systems; used by katana_add_openapi)")
        ->check(CLI::Range(1U, 1024U));
    cmd.add_flag("-q,--quiet", args.quiet, "No summary line on success");
}

std::vector<generated_file> make_shards(const std::vector<generated_file>& files, unsigned count,
                                        std::string_view marker) {
    std::vector<const generated_file*> sources;
    fingerprint common;
    for (const generated_file& f : files) {
        if (f.path.ends_with(".cpp")) {
            sources.push_back(&f);
        } else {
            common.add(f.path);
            common.add(f.contents);
        }
    }
    std::vector<generated_file> shards;
    shards.reserve(count);
    for (unsigned i = 0; i < count; ++i) {
        fingerprint fp = common;
        std::string includes;
        for (std::size_t j = i; j < sources.size(); j += count) {
            fp.add(sources[j]->path);
            fp.add(sources[j]->contents);
            includes += fmt::format("#include \"../{}\"\n", sources[j]->path);
        }
        std::string text(marker);
        text += fmt::format(
            "// Translation unit {} of {} for katana_add_openapi(): the build compiles a fixed set of\n"
            "// shards so that its source list does not depend on the spec.\n"
            "// Fingerprint of this unit's inputs (changes whenever they do): {:016x}\n",
            i, count, fp.value());
        text += includes;
        shards.push_back(generated_file{fmt::format("_shards/shard_{}.cpp", i), std::move(text)});
    }
    return shards;
}

std::string make_depfile(const std::vector<std::string>& targets, const std::vector<std::string>& deps) {
    std::string out;
    for (std::size_t i = 0; i < targets.size(); ++i) {
        if (i > 0) out += ' ';
        out += escape_make(targets[i]);
    }
    out += ':';
    for (const std::string& d : deps) {
        out += " \\\n  ";
        out += escape_make(d);
    }
    out += '\n';
    return out;
}

katana::expected<write_stats, std::string> write_output_dir(const fs::path& dir,
                                                            const std::vector<generated_file>& files) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir, ec)) {
        return katana::unexpected(fmt::format("cannot create output directory {}: {}", dir.string(),
                                              ec ? describe(ec) : std::string("not a directory")));
    }
    write_stats stats;
    std::set<fs::path> produced;
    for (const generated_file& f : files) {
        const fs::path target = (dir / fs::path(f.path)).lexically_normal();
        produced.insert(target);
        if (const auto existing = read_file(target); existing && *existing == f.contents) {
            ++stats.unchanged;
            continue;
        }
        fs::create_directories(target.parent_path(), ec);
        if (ec) return katana::unexpected(fmt::format("cannot create {}: {}", target.parent_path().string(), describe(ec)));
        if (auto written = write_atomically(target, f.contents); !written) return katana::unexpected(written.error());
        ++stats.written;
    }

    // Stale files: generated earlier (marker) but not now. Collect first, delete after, so the
    // directory is not modified while it is being iterated.
    std::vector<fs::path> stale;
    for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
        const fs::path p = it->path().lexically_normal();
        if (!produced.contains(p) && starts_with_marker(p)) stale.push_back(p);
    }
    if (ec) return katana::unexpected(fmt::format("cannot list {}: {}", dir.string(), describe(ec)));
    std::sort(stale.begin(), stale.end());
    std::set<fs::path> touched_dirs;
    for (const fs::path& p : stale) {
        fs::remove(p, ec);
        if (ec) return katana::unexpected(fmt::format("cannot remove stale {}: {}", p.string(), describe(ec)));
        ++stats.removed;
        touched_dirs.insert(p.parent_path());
    }
    // Folders emptied by the clean-up go too (deepest first), never the output directory itself.
    fs::path root = dir.lexically_normal();
    if (!root.has_filename()) root = root.parent_path(); // "out/" -> "out"
    const auto strictly_inside = [&root](const fs::path& d) {
        const auto diverge = std::mismatch(root.begin(), root.end(), d.begin(), d.end()).first;
        return diverge == root.end() && std::distance(root.begin(), root.end()) < std::distance(d.begin(), d.end());
    };
    for (auto it = touched_dirs.rbegin(); it != touched_dirs.rend(); ++it) {
        for (fs::path d = *it; strictly_inside(d); d = d.parent_path()) {
            if (!fs::is_empty(d, ec) || ec || !fs::remove(d, ec)) break;
        }
    }
    return stats;
}

int run_gen_openapi(const gen_openapi_args& args) {
    if (!codegen::valid_cpp_namespace(args.cpp_namespace)) {
        std::cerr << "error: --namespace '" << args.cpp_namespace
                  << "' is not a C++ namespace: use identifiers separated by '::' (no keywords), e.g. shop::v1\n";
        return exit_usage;
    }
    codegen::generate_options options;
    options.spec = args.spec;
    options.cpp_namespace = args.cpp_namespace;
    options.strict = args.strict;
    codegen::diagnostics diags(args.strict);

    const std::optional<codegen::generate_result> result = codegen::generate(options, diags);
    diags.print(std::cerr);
    if (!result) {
        // generate() reports every failure as a diagnostic; say so if one ever does not.
        if (diags.error_count() == 0 && diags.warning_count() == 0) std::cerr << args.spec << ": error: generation failed\n";
        return exit_failed;
    }

    std::vector<generated_file> files = result->files;
    if (args.shards > 0) {
        const std::string marker = codegen::generated_marker(fs::path(args.spec).filename().string());
        std::vector<generated_file> shards = make_shards(files, args.shards, marker);
        files.insert(files.end(), std::make_move_iterator(shards.begin()), std::make_move_iterator(shards.end()));
        // The build declared every header of generated_headers() as an output: all must exist.
        for (const std::string_view header : codegen::generated_headers()) {
            const bool present = std::any_of(files.begin(), files.end(),
                                             [&](const generated_file& f) { return f.path == header; });
            if (!present) files.push_back(generated_file{std::string(header), marker + "#pragma once\n"});
        }
    }
    const auto stats = write_output_dir(args.out_dir, files);
    if (!stats) {
        std::cerr << "error: " << stats.error() << '\n';
        return exit_failed;
    }

    if (!args.depfile.empty()) {
        std::vector<std::string> targets;
        if (!args.stamp.empty()) {
            targets.push_back(absolute_string(args.stamp));
        } else {
            for (const generated_file& f : files) targets.push_back(absolute_string((fs::path(args.out_dir) / f.path).string()));
        }
        std::vector<std::string> deps;
        deps.reserve(result->inputs.size());
        for (const std::string& in : result->inputs) deps.push_back(absolute_string(in));
        if (auto w = write_atomically(args.depfile, make_depfile(targets, deps)); !w) {
            std::cerr << "error: " << w.error() << '\n';
            return exit_failed;
        }
    }
    if (!args.stamp.empty()) {
        std::ofstream touch(args.stamp, std::ios::binary | std::ios::trunc);
        std::error_code ec;
        if (touch) fs::last_write_time(args.stamp, fs::file_time_type::clock::now(), ec);
        if (!touch || ec) {
            std::cerr << "error: cannot write stamp " << args.stamp << '\n';
            return exit_failed;
        }
    }

    if (!args.quiet) {
        std::cout << fmt::format("katana gen openapi: {} -> {}: {} files ({} written, {} unchanged, {} removed), "
                                 "{} warning{}\n",
                                 args.spec, args.out_dir, files.size(), stats->written, stats->unchanged,
                                 stats->removed, diags.warning_count(), diags.warning_count() == 1 ? "" : "s");
    }
    return exit_ok;
}

} // namespace katana::cli
