// x-katana-* operation extensions: syntax in docs/EXTENSIONS.md. Every malformed value is an
// error at its own location; all of them are collected, none stops the others.
#include "model/operation_internal.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <limits>

namespace katana::codegen::detail {

namespace {

constexpr std::array<std::string_view, 5> known_extensions = {
    "x-katana-cache", "x-katana-rate-limit", "x-katana-idempotency", "x-katana-alloc", "x-katana-serializer"};

bool parse_unsigned(std::string_view digits, std::uint64_t& out) {
    if (digits.empty()) return false;
    const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), out);
    return r.ec == std::errc{} && r.ptr == digits.data() + digits.size();
}

bool is_token_char(char c) noexcept {
    // RFC 9110 tchar, for header names.
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_header_name(std::string_view s) noexcept {
    if (s.empty()) return false;
    for (char c : s) {
        if (!is_token_char(c)) return false;
    }
    return true;
}

struct object_reader {
    const node& object;
    std::string_view extension;
    diagnostics& diags;
    std::vector<std::string_view> allowed;
    bool ok = true;

    // Unknown keys are errors: a typo in a policy must not silently switch it off.
    void check_keys() {
        for (const auto& m : object.members) {
            bool known = false;
            for (auto a : allowed) known = known || m.key == a;
            if (!known) {
                std::string list;
                for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
                diags.error(*m.value, fmt::format("{}: unknown key '{}' (allowed: {})", extension, m.key, list));
                ok = false;
            }
        }
    }
    void fail(const node& at, std::string message) {
        diags.error(at, fmt::format("{}: {}", extension, message));
        ok = false;
    }
    bool duration(std::string_view key, std::uint32_t& out) {
        const node* n = object.get(key);
        if (n == nullptr) return false;
        if (!parse_duration_ms(*n, out)) {
            fail(*n, fmt::format("'{}' must be a duration such as 30, \"250ms\", \"30s\", \"5m\", \"1h\" or \"1d\"", key));
            return false;
        }
        return true;
    }
    bool positive(std::string_view key, std::uint32_t& out, bool allow_zero) {
        const node* n = object.get(key);
        if (n == nullptr) return false;
        if (n->kind != node_kind::integer || n->integer < (allow_zero ? 0 : 1) ||
            n->integer > std::numeric_limits<std::uint32_t>::max()) {
            fail(*n, fmt::format("'{}' must be an integer {}", key, allow_zero ? ">= 0" : ">= 1"));
            return false;
        }
        out = static_cast<std::uint32_t>(n->integer);
        return true;
    }
    bool boolean(std::string_view key, bool& out) {
        const node* n = object.get(key);
        if (n == nullptr) return false;
        if (!n->is_bool()) {
            fail(*n, fmt::format("'{}' must be true or false", key));
            return false;
        }
        out = n->boolean;
        return true;
    }
};

void parse_cache(const node& v, diagnostics& diags, policy_model& p) {
    if (!v.is_object()) {
        diags.error(v, "x-katana-cache: expected an object {ttl, stale-while-revalidate, jitter, vary}");
        return;
    }
    object_reader r{v, "x-katana-cache", diags, {"ttl", "stale-while-revalidate", "jitter", "vary"}};
    r.duration("ttl", p.cache_ttl_ms);
    r.duration("stale-while-revalidate", p.cache_swr_ms);
    r.duration("jitter", p.cache_jitter_ms);
    if (const node* vary = v.get("vary")) {
        if (!vary->is_array()) {
            r.fail(*vary, "'vary' must be an array of request header names");
        } else {
            for (const node* h : vary->items) {
                if (!h->is_string() || !is_header_name(h->text)) {
                    r.fail(*h, "'vary' entries must be header names");
                    continue;
                }
                p.cache_vary.push_back(h->text);
            }
        }
    }
    if (r.ok && p.cache_jitter_ms > p.cache_ttl_ms) r.fail(*v.get("jitter"), "'jitter' must not exceed 'ttl'");
    if (v.get("ttl") == nullptr) r.fail(v, "'ttl' is required");
    r.check_keys();
    p.cache = r.ok;
}

void parse_rate_limit(const node& v, diagnostics& diags, policy_model& p) {
    if (!v.is_object()) {
        diags.error(v, "x-katana-rate-limit: expected an object {requests, window, burst, key}");
        return;
    }
    object_reader r{v, "x-katana-rate-limit", diags, {"requests", "window", "burst", "key"}};
    r.positive("requests", p.rate_requests, false);
    if (r.duration("window", p.rate_window_ms) && p.rate_window_ms == 0) r.fail(*v.get("window"), "'window' must be > 0");
    if (v.get("requests") == nullptr) r.fail(v, "'requests' is required");
    if (v.get("window") == nullptr) r.fail(v, "'window' is required");
    r.positive("burst", p.rate_burst, true);
    if (const node* k = v.get("key")) {
        const std::string_view key = k->is_string() ? std::string_view(k->text) : std::string_view();
        if (key == "ip" || key == "user" || (key.starts_with("header:") && is_header_name(key.substr(7)))) {
            p.rate_key = std::string(key);
        } else {
            r.fail(*k, "'key' must be \"ip\", \"user\" or \"header:<Name>\"");
        }
    }
    r.check_keys();
    p.rate_limit = r.ok;
}

void parse_idempotency(const node& v, diagnostics& diags, policy_model& p) {
    if (v.is_bool()) {
        p.idempotency = v.boolean;
        return;
    }
    if (!v.is_object()) {
        diags.error(v, "x-katana-idempotency: expected true/false or an object {header, ttl, required}");
        return;
    }
    object_reader r{v, "x-katana-idempotency", diags, {"header", "ttl", "required"}};
    if (const node* h = v.get("header")) {
        if (h->is_string() && is_header_name(h->text)) {
            p.idempotency_header = h->text;
        } else {
            r.fail(*h, "'header' must be a header name");
        }
    }
    r.duration("ttl", p.idempotency_ttl_ms);
    r.boolean("required", p.idempotency_required);
    r.check_keys();
    p.idempotency = r.ok;
}

bool alloc_mode_from(std::string_view s, policy_model::alloc& out) {
    if (s == "arena") out = policy_model::alloc::arena;
    else if (s == "pmr") out = policy_model::alloc::pmr;
    else if (s == "heap") out = policy_model::alloc::heap;
    else return false;
    return true;
}

void parse_alloc(const node& v, diagnostics& diags, policy_model& p) {
    if (v.is_string()) {
        if (!alloc_mode_from(v.text, p.alloc_mode)) {
            diags.error(v, fmt::format("x-katana-alloc: unknown mode '{}' (arena, pmr or heap)", v.text));
        }
        return;
    }
    if (!v.is_object()) {
        diags.error(v, "x-katana-alloc: expected \"arena\" | \"pmr\" | \"heap\" or an object {mode, size-hint}");
        return;
    }
    object_reader r{v, "x-katana-alloc", diags, {"mode", "size-hint"}};
    if (const node* m = v.get("mode")) {
        if (!m->is_string() || !alloc_mode_from(m->text, p.alloc_mode)) r.fail(*m, "'mode' must be arena, pmr or heap");
    }
    if (const node* s = v.get("size-hint")) {
        std::uint64_t bytes = 0;
        if (!parse_size_bytes(*s, bytes) || bytes > (std::uint64_t{1} << 30)) {
            r.fail(*s, "'size-hint' must be a size such as 4096, \"64KiB\" or \"1MiB\" (at most 1GiB)");
        } else {
            p.alloc_size_hint = bytes;
        }
        if (p.alloc_mode == policy_model::alloc::heap && r.ok) {
            diags.warning(*s, "x-katana-alloc: 'size-hint' has no effect in heap mode");
        } else if (p.alloc_mode == policy_model::alloc::arena && r.ok && p.alloc_size_hint > 16 * 1024) {
            // katana::block_pool::default_block_size: a bigger reservation cannot come from one block.
            diags.warning(*s, "x-katana-alloc: a 'size-hint' above the request memory's block size (16 KiB by default, "
                              "server_options::block_size) costs one dedicated allocation per request");
        }
    }
    r.check_keys();
}

void parse_serializer(const node& v, diagnostics& diags, policy_model& p) {
    if (v.is_string() && v.text == "zero-copy") {
        p.dom_serializer = false;
    } else if (v.is_string() && v.text == "dom") {
        p.dom_serializer = true;
    } else {
        diags.error(v, "x-katana-serializer: expected \"zero-copy\" or \"dom\"");
    }
}

} // namespace

bool parse_duration_ms(const node& n, std::uint32_t& out) {
    std::uint64_t ms = 0;
    if (n.kind == node_kind::integer) {
        if (n.integer < 0) return false;
        ms = static_cast<std::uint64_t>(n.integer) * 1000;
    } else if (n.is_string()) {
        std::string_view s = n.text;
        std::uint64_t unit = 0;
        if (s.ends_with("ms")) {
            unit = 1;
            s.remove_suffix(2);
        } else if (s.ends_with("s")) {
            unit = 1000;
            s.remove_suffix(1);
        } else if (s.ends_with("m")) {
            unit = 60'000;
            s.remove_suffix(1);
        } else if (s.ends_with("h")) {
            unit = 3'600'000;
            s.remove_suffix(1);
        } else if (s.ends_with("d")) {
            unit = 86'400'000;
            s.remove_suffix(1);
        } else {
            return false;
        }
        std::uint64_t count = 0;
        if (!parse_unsigned(s, count) || count > std::numeric_limits<std::uint32_t>::max()) return false;
        ms = count * unit;
    } else {
        return false;
    }
    if (ms > std::numeric_limits<std::uint32_t>::max()) return false;
    out = static_cast<std::uint32_t>(ms);
    return true;
}

bool parse_size_bytes(const node& n, std::uint64_t& out) {
    if (n.kind == node_kind::integer) {
        if (n.integer < 0) return false;
        out = static_cast<std::uint64_t>(n.integer);
        return true;
    }
    if (!n.is_string()) return false;
    std::string_view s = n.text;
    struct unit {
        std::string_view suffix;
        std::uint64_t factor;
    };
    constexpr std::array<unit, 7> units = {{{"KiB", 1024},
                                            {"MiB", 1024 * 1024},
                                            {"GiB", 1024 * 1024 * 1024},
                                            {"KB", 1000},
                                            {"MB", 1'000'000},
                                            {"GB", 1'000'000'000},
                                            {"B", 1}}};
    std::uint64_t factor = 1;
    for (const auto& u : units) {
        if (s.ends_with(u.suffix)) {
            factor = u.factor;
            s.remove_suffix(u.suffix.size());
            break;
        }
    }
    std::uint64_t count = 0;
    if (!parse_unsigned(s, count) || count > (std::uint64_t{1} << 40)) return false;
    out = count * factor;
    return true;
}

void parse_policy_extensions(const node& operation_object, spec_set& spec, diagnostics& diags, policy_model& out) {
    for (const auto& m : operation_object.members) {
        if (!m.key.starts_with("x-katana-")) continue;
        const node* v = spec.resolve(m.value, diags);
        if (v == nullptr) continue;
        if (m.key == "x-katana-cache") {
            parse_cache(*v, diags, out);
            if (out.cache) diags.warning(*m.value, "x-katana-cache is parsed into the route policy but has no runtime effect yet");
        } else if (m.key == "x-katana-rate-limit") {
            parse_rate_limit(*v, diags, out);
            if (out.rate_limit) {
                diags.warning(*m.value, "x-katana-rate-limit is parsed into the route policy but has no runtime effect yet");
            }
        } else if (m.key == "x-katana-idempotency") {
            parse_idempotency(*v, diags, out);
            if (out.idempotency) {
                diags.warning(*m.value, "x-katana-idempotency is parsed into the route policy but has no runtime effect yet");
            }
        } else if (m.key == "x-katana-alloc") {
            parse_alloc(*v, diags, out);
        } else if (m.key == "x-katana-serializer") {
            parse_serializer(*v, diags, out);
        } else {
            std::string list;
            for (auto k : known_extensions) list += (list.empty() ? "" : ", ") + std::string(k);
            diags.warning(*m.value, fmt::format("unknown extension '{}' is ignored (known: {})", m.key, list));
        }
    }
}

} // namespace katana::codegen::detail
