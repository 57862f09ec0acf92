#pragma once
// Credential extraction for OpenAPI security schemes. Views point into the request (or, for
// decoded basic credentials, into the given memory); nothing is validated beyond syntax:
// deciding whether a credential is good is the application's authentication hook.
#include <katana/http/request.hpp>

#include <cstdint>
#include <memory_resource>
#include <optional>
#include <string_view>
#include <utility>

namespace katana::api {

enum class credential_kind : std::uint8_t { api_key, bearer, basic };

struct credential {
    credential_kind kind = credential_kind::api_key;
    std::string_view scheme_name; // the securitySchemes key
    std::string_view value;       // api key / bearer token / the raw base64 of basic
    std::string_view user;        // basic only
    std::string_view password;    // basic only
};

// The token of "Authorization: Bearer <token>" (scheme case-insensitive, RFC 6750 token68
// syntax checked); nullopt when absent, another scheme, or malformed.
[[nodiscard]] std::optional<std::string_view> bearer_token(const http::request& req) noexcept;
[[nodiscard]] std::optional<std::string_view> bearer_token(std::string_view authorization_header) noexcept;

// user and password of "Authorization: Basic <base64(user:pass)>" (RFC 7617), decoded into
// `memory`. nullopt when absent, another scheme, bad base64, or no ':' in the decoded text.
[[nodiscard]] std::optional<std::pair<std::string_view, std::string_view>> basic_credentials(
    const http::request& req, std::pmr::memory_resource* memory);
[[nodiscard]] std::optional<std::pair<std::string_view, std::string_view>> basic_credentials(
    std::string_view authorization_header, std::pmr::memory_resource* memory);

// Decodes standard base64 (RFC 4648 §4, padding required) into `memory`; nullopt on bad input.
[[nodiscard]] std::optional<std::string_view> decode_base64(std::string_view text, std::pmr::memory_resource* memory);

} // namespace katana::api
