#pragma once
// Content-Type matching and Accept negotiation (RFC 9110 §12.5.1, §8.3).
#include <span>
#include <string_view>

namespace katana::api {

// Does a Content-Type header value match a media range from the spec ("application/json",
// "application/*", "*/*", "application/vnd.x+json")? Case-insensitive; parameters (charset,
// ...) on either side are ignored. An empty or malformed header matches nothing.
[[nodiscard]] bool media_type_matches(std::string_view content_type_header, std::string_view spec_media_range) noexcept;

// Accept negotiation with q-values: for each offered type the most specific matching range
// (type/subtype > type/* > */*) gives its quality; q=0 excludes. Returns the index in `offered`
// of the acceptable type with the highest quality (ties: the earlier offer), -1 when none is
// acceptable. An absent/empty Accept header accepts anything (0 when offered is non-empty).
// A malformed element of the header is ignored. Offered entries may be ranges themselves
// (a spec's "application/*"): they match when the two ranges overlap.
[[nodiscard]] int negotiate(std::string_view accept_header, std::span<const std::string_view> offered) noexcept;

} // namespace katana::api
