#pragma once
// ECMA-262 regular expressions (JSON Schema / OpenAPI `pattern`) on PCRE2 with JIT.
//
// Generated code declares `static const katana::api::regex_pattern p{"^[a-z]+$"};` at namespace
// scope. Construction is constexpr and does no work; each thread compiles its own pcre2 code,
// JIT and match data on first use (a thread_local table indexed by a per-pattern id), so the hot
// path takes no lock and shares no mutable state between reactors.
//
// The ECMA source is translated to PCRE2 syntax first (translate_ecma_regex): `.` excludes all
// ECMA line terminators, `\s` is ECMA's Unicode white-space set, `\d \w \b` stay ASCII, `$`
// matches only at the end, `\cX \uXXXX \u{...} \xHH \0 [^] []` get PCRE2 spellings, and PCRE2-only
// syntax ECMA rejects (possessive quantifiers, (?i), \A, \Q...\E, ...) makes the pattern invalid.
// Matching is on Unicode code points (UTF mode), like an ECMA regex with the `u` flag.
//
// Backtracking is bounded (match and depth limits), so a pathological pattern/subject pair
// cannot hang a reactor: such a search reports match_status::error and search() returns false.
//
// Lifetime: `ecma_source` is not copied and must outlive the pattern (string literals do).
// Per-thread compiled state lives until the thread exits, so create patterns with static storage
// duration, not per request (each pattern object ever used costs one table entry per thread).
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>

namespace katana::api {

enum class match_status : std::uint8_t { matched, no_match, error };

class regex_pattern {
public:
    explicit constexpr regex_pattern(std::string_view ecma_source) noexcept : source_(ecma_source) {}
    // A copy is a new pattern (it gets its own id and per-thread compiled code).
    regex_pattern(const regex_pattern& other) noexcept : source_(other.source_) {}
    regex_pattern& operator=(const regex_pattern&) = delete;

    // Unanchored search, like RegExp.prototype.test. False for an invalid pattern, for a subject
    // that is not valid UTF-8, and when the backtracking limits are hit.
    [[nodiscard]] bool search(std::string_view subject) const noexcept {
        return match(subject) == match_status::matched;
    }
    [[nodiscard]] match_status match(std::string_view subject) const noexcept;
    // The source translated and compiled (compiles on this thread if it has not yet).
    [[nodiscard]] bool valid() const noexcept;
    [[nodiscard]] std::string_view source() const noexcept { return source_; }

private:
    std::uint32_t id() const noexcept;

    std::string_view source_;
    mutable std::atomic<std::uint32_t> id_{0}; // 0: not assigned yet
};

// ECMA-262 pattern -> PCRE2 pattern, as regex_pattern compiles it (with PCRE2_UTF |
// PCRE2_MATCH_UNSET_BACKREF | PCRE2_NEVER_UCP; `$` is emitted as \z). nullopt when the source
// is not an ECMA-262 pattern we support. Variable-length lookbehinds are kept inline here;
// regex_pattern moves them into callouts when PCRE2 rejects them. Not for the request path.
[[nodiscard]] std::optional<std::string> translate_ecma_regex(std::string_view ecma_source);

// True when `ecma_source` translates and compiles (format "regex"). Not for the request path.
[[nodiscard]] bool is_regex(std::string_view ecma_source);

} // namespace katana::api
