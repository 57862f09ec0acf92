#include <katana/codegen/loader.hpp>
#include <katana/codegen/spec.hpp>

#include "front/checks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <system_error>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace katana::codegen {

namespace fs = std::filesystem;

namespace {

int hex_digit(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// URI percent-decoding ("%7B" -> "{"); a '%' not followed by two hex digits stays as written.
std::string percent_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            const int hi = hex_digit(s[i + 1]);
            const int lo = hex_digit(s[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out += static_cast<char>(hi * 16 + lo);
                i += 2;
                continue;
            }
        }
        out += s[i];
    }
    return out;
}

// "http://...", "urn:...": a URI with a scheme (a single letter before ':' is a drive letter).
bool has_uri_scheme(std::string_view s) noexcept {
    const std::size_t colon = s.find(':');
    if (colon == std::string_view::npos || colon < 2) return false;
    for (std::size_t i = 0; i < colon; ++i) {
        const char c = s[i];
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        const bool other = i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.');
        if (!alpha && !other) return false;
    }
    return true;
}

// Whether the value at `pointer` sits inside (or is) an object with an "$id".
bool under_schema_id(const document& doc, std::string_view pointer) {
    for (std::size_t end = 0;;) {
        const node* n = doc.at_pointer(pointer.substr(0, end));
        if (n != nullptr && n->is_object() && n->get("$id") != nullptr) return true;
        if (end >= pointer.size()) return false;
        end = pointer.find('/', end + 1);
        if (end == std::string_view::npos) end = pointer.size();
    }
}

std::string cache_key(const fs::path& display) {
    std::error_code ec;
    fs::path abs = fs::absolute(display, ec);
    if (ec) abs = display;
    return abs.lexically_normal().generic_string();
}

} // namespace

struct spec_set::impl {
    struct file_entry {
        std::unique_ptr<document> doc; // null when the file could not be loaded
        std::string display;           // as diagnostics print it
        std::string id;                // relative to the root's folder, for canonical_id()
    };

    spec_version version = spec_version::v3_0;
    fs::path root_dir;                                // folder of the root file as given ("" = cwd)
    std::vector<file_entry> files;                    // root first, then in the order first reached
    std::unordered_map<std::string, std::size_t> by_key; // absolute normalised path -> files index
    std::unordered_map<const document*, std::size_t> by_doc;
    // JSON pointer lookups, per document: a spec refers to the same few hundred targets
    // thousands of times, and each lookup is a linear member search per level.
    std::unordered_map<const document*, std::unordered_map<std::string, const node*>> pointer_cache;
    std::unordered_map<const node*, const node*> resolved; // reference object -> final target
    // Failures already reported, per diagnostics object: every stage that resolves the same
    // broken $ref again (checks, schema model, operation model) would otherwise repeat it.
    std::unordered_map<const diagnostics*, std::unordered_set<std::string>> reported;

    void report(diagnostics& diags, const node& at, std::string message, severity level = severity::error) {
        std::string key = fmt::format("{}\n{}\n{}", at.doc != nullptr ? at.doc->path() : "", at.pointer, message);
        if (!reported[&diags].insert(std::move(key)).second) return;
        if (level == severity::error) {
            diags.error(at, std::move(message));
        } else {
            diags.warning(at, std::move(message));
        }
    }

    const document* external(const std::string& display, diagnostics& diags) {
        const std::string key = cache_key(display);
        if (const auto it = by_key.find(key); it != by_key.end()) return files[it->second].doc.get();
        file_entry e;
        e.display = fs::path(display).lexically_normal().generic_string();
        e.doc = load_document(e.display, diags);
        if (root_dir.empty()) {
            e.id = e.display;
        } else {
            const fs::path rel = fs::path(e.display).lexically_relative(root_dir);
            e.id = rel.empty() ? e.display : rel.generic_string();
        }
        by_key.emplace(key, files.size());
        if (e.doc) by_doc.emplace(e.doc.get(), files.size());
        files.push_back(std::move(e));
        return files.back().doc.get();
    }

    const node* at_pointer(const document& doc, const std::string& pointer) {
        auto& cache = pointer_cache[&doc];
        if (const auto it = cache.find(pointer); it != cache.end()) return it->second;
        const node* n = doc.at_pointer(pointer);
        cache.emplace(pointer, n);
        return n;
    }

    // The spec_set around a loaded root document, after the version and structure checks.
    static std::unique_ptr<spec_set> adopt(std::unique_ptr<document> doc, diagnostics& diags);
};

spec_set::spec_set() : impl_(std::make_unique<impl>()) {}
spec_set::~spec_set() = default;

const document& spec_set::root() const noexcept { return *impl_->files.front().doc; }
spec_version spec_set::version() const noexcept { return impl_->version; }

namespace {

// The first problem of a spec that cannot be interpreted at all: not an object, Swagger 2.0, no
// or an unknown `openapi` version. Returns false after the diagnostic.
bool read_version(const document& doc, spec_version& version, diagnostics& diags) {
    const node* root = doc.root();
    if (!root->is_object()) {
        diags.error(*root, "an OpenAPI document must be an object (a mapping of \"openapi\", \"info\", \"paths\", ...)");
        return false;
    }
    if (const node* swagger = root->get("swagger"); swagger != nullptr) {
        diags.error(*swagger,
                    "Swagger 2.0 documents are not supported: convert to OpenAPI 3 first, e.g. "
                    "`npx swagger2openapi in.yaml -o out.yaml` or https://converter.swagger.io");
        return false;
    }
    const node* openapi = root->get("openapi");
    if (openapi == nullptr) {
        diags.error(*root, "missing \"openapi\" field: the OpenAPI version this document follows, e.g. openapi: 3.1.0");
        return false;
    }
    if (!openapi->is_string()) {
        diags.error(*openapi, fmt::format("\"openapi\" must be a version string such as \"3.0.3\" (got {}{})",
                                          openapi->text.empty() ? "a non-string value" : openapi->text,
                                          openapi->is_number() ? "; quote it" : ""));
        return false;
    }
    const std::string_view v = openapi->text;
    const auto is = [&](std::string_view minor) {
        return v == minor || (v.starts_with(minor) && v.size() > minor.size() && v[minor.size()] == '.');
    };
    if (is("3.0")) {
        version = spec_version::v3_0;
    } else if (is("3.1")) {
        version = spec_version::v3_1;
    } else {
        diags.error(*openapi,
                    fmt::format("unsupported OpenAPI version \"{}\": only 3.0.x and 3.1.x are supported", v));
        return false;
    }
    return true;
}

} // namespace

std::unique_ptr<spec_set> spec_set::impl::adopt(std::unique_ptr<document> doc, diagnostics& diags) {
    if (!doc) return nullptr;
    spec_version version{};
    if (!read_version(*doc, version, diags)) return nullptr;
    std::unique_ptr<spec_set> spec(new spec_set());
    impl& m = *spec->impl_;
    m.version = version;
    const fs::path display = fs::path(doc->path()).lexically_normal();
    m.root_dir = display.parent_path();
    file_entry e;
    e.display = doc->path();
    e.id = display.filename().generic_string();
    e.doc = std::move(doc);
    m.by_key.emplace(cache_key(e.display), 0);
    m.by_doc.emplace(e.doc.get(), 0);
    m.files.push_back(std::move(e));

    const std::size_t errors_before = diags.error_count();
    detail::check_structure(*spec, diags);
    if (diags.error_count() != errors_before) return nullptr;
    return spec;
}

std::unique_ptr<spec_set> spec_set::load(const fs::path& root_file, diagnostics& diags) {
    return impl::adopt(load_document(root_file, diags), diags);
}

std::unique_ptr<spec_set> spec_set::load_from_string(std::string display_path, std::string_view text,
                                                     diagnostics& diags) {
    return impl::adopt(load_document_from_string(std::move(display_path), text, diags), diags);
}

std::string_view spec_set::ref_of(const node* n) noexcept {
    if (n == nullptr || !n->is_object()) return {};
    const node* r = n->get("$ref");
    return r != nullptr && r->is_string() ? std::string_view(r->text) : std::string_view{};
}

const node* spec_set::resolve(const node* n, diagnostics& diags) {
    if (n == nullptr || ref_of(n).empty()) return n;
    impl& m = *impl_;
    if (const auto it = m.resolved.find(n); it != m.resolved.end()) return it->second;

    std::vector<const node*> chain{n};
    const node* current = n;
    while (true) {
        const node* target = resolve_ref(ref_of(current), *current, diags);
        if (target == nullptr) return nullptr; // reported at the broken $ref (n or one on the way)
        if (ref_of(target).empty()) {
            m.resolved.emplace(n, target);
            return target;
        }
        if (std::find(chain.begin(), chain.end(), target) != chain.end()) {
            std::string path;
            for (const node* step : chain) {
                path += ref_of(step);
                path += " -> ";
            }
            path += ref_of(target);
            m.report(diags, *n->get("$ref"), fmt::format("$ref cycle never reaches a value: {}", path));
            return nullptr;
        }
        chain.push_back(target);
        current = target;
    }
}

const node* spec_set::resolve_mapping(std::string_view key, const node& value, diagnostics& diags) {
    std::string ref = value.text;
    if (ref.find_first_of("/#.") == std::string::npos) ref = "#/components/schemas/" + ref;
    diagnostics scratch;
    const node* target = resolve_ref(ref, value, scratch);
    if (target == nullptr) {
        const std::string why = scratch.all().empty() ? std::string("it leads nowhere") : scratch.all().back().message;
        diags.warning(value, fmt::format("discriminator mapping \"{}\" ignored: {}", key, why));
    }
    return target;
}

const node* spec_set::resolve_ref(std::string_view ref, const node& from, diagnostics& diags) {
    impl& m = *impl_;
    // Report at the "$ref" string itself when `from` is the reference object.
    const node* ref_node = from.is_object() && from.get("$ref") != nullptr ? from.get("$ref") : &from;
    const auto fail = [&](std::string message) -> const node* {
        m.report(diags, *ref_node, std::move(message));
        return nullptr;
    };

    const std::size_t hash = ref.find('#');
    const std::string_view file_part = ref.substr(0, hash);
    const std::string_view fragment = hash == std::string_view::npos ? std::string_view{} : ref.substr(hash + 1);

    const document* doc = from.doc;
    if (doc == nullptr) return fail(fmt::format("cannot resolve $ref \"{}\": the referring value has no file", ref));
    if (!file_part.empty()) {
        if (has_uri_scheme(file_part)) {
            return fail(fmt::format("unsupported: $ref to a remote or absolute URI \"{}\"; download the file and "
                                    "refer to it by a relative path",
                                    ref));
        }
        const fs::path given(percent_decode(file_part));
        const fs::path display =
            given.is_absolute() ? given : fs::path(doc->path()).parent_path() / given;
        const document* target_doc = m.external(display.lexically_normal().generic_string(), diags);
        if (target_doc == nullptr) {
            if (m.version == spec_version::v3_1) {
                // 3.1 schemas may set a base URI with $id; relative refs below it are meant
                // relative to that URI, which this generator does not track.
                const bool under_id = under_schema_id(*doc, from.pointer);
                if (under_id) {
                    m.report(diags, *ref_node,
                             "unsupported: $id base URI (relative $refs are resolved against the file, not against "
                             "an enclosing schema's $id)",
                             severity::warning);
                }
            }
            return fail(fmt::format("cannot resolve $ref \"{}\": \"{}\" could not be read", ref,
                                    display.lexically_normal().generic_string()));
        }
        doc = target_doc;
    }

    if (fragment.empty()) {
        if (doc->root() == nullptr) return fail(fmt::format("cannot resolve $ref \"{}\": empty document", ref));
        return doc->root();
    }
    if (fragment.front() != '/') {
        return fail(fmt::format("unsupported: $ref \"{}\" names a plain-name fragment ($anchor); use a JSON pointer "
                                "such as \"#/components/schemas/Name\"",
                                ref));
    }
    const std::string pointer = percent_decode(fragment);
    if (const node* target = m.at_pointer(*doc, pointer); target != nullptr) return target;

    // Say which step is missing: "no \"Pett\" in /components/schemas" beats "not found".
    std::size_t good = 0; // length of the longest prefix that exists
    for (std::size_t slash = pointer.find('/', 1);; slash = pointer.find('/', slash + 1)) {
        const std::string prefix = pointer.substr(0, slash);
        if (m.at_pointer(*doc, prefix) == nullptr) break;
        good = prefix.size();
        if (slash == std::string::npos) break;
    }
    const std::size_t next_slash = pointer.find('/', good + 1);
    const std::string missing = unescape_pointer_token(
        std::string_view(pointer).substr(good + 1, next_slash == std::string::npos ? std::string::npos
                                                                                  : next_slash - good - 1));
    const bool same_file = doc == from.doc;
    return fail(fmt::format("cannot resolve $ref \"{}\": no \"{}\" in {}{}", ref, missing,
                            good == 0 ? std::string("the document root") : pointer.substr(0, good),
                            same_file ? std::string{} : fmt::format(" of {}", doc->path())));
}

std::string spec_set::canonical_id(const node* n) const {
    if (n == nullptr) return {};
    const document* doc = n->doc;
    const auto it = doc != nullptr ? impl_->by_doc.find(doc) : impl_->by_doc.end();
    const std::string_view file = it != impl_->by_doc.end() ? std::string_view(impl_->files[it->second].id)
                                                            : std::string_view{};
    return fmt::format("{}#{}", file, n->pointer);
}

std::vector<std::string> spec_set::files() const {
    std::vector<std::string> out;
    for (const auto& e : impl_->files) {
        if (e.doc) out.push_back(e.display);
    }
    return out;
}

} // namespace katana::codegen
