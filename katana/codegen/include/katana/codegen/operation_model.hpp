#pragma once
// The operations side of `katana gen openapi`: every path item x method of the spec as an
// inspectable model (parameters, request bodies, typed responses, security, x-katana-*
// policies, the route tree), and the emitters that turn it into operations.hpp / server.hpp /
// router / binding / spec-embedding sources.
//
// Stages: build() reads the spec through spec_set (resolving $refs), asks schema_model for the
// C++ type of every parameter/body/response/header schema (which registers inline types there,
// so schema_model::emit must run after this build), and collects diagnostics for everything it
// refuses or does not support. emit() only prints what the model says.
#include <katana/codegen/diagnostics.hpp>
#include <katana/codegen/document.hpp>
#include <katana/codegen/generate.hpp>
#include <katana/codegen/schema_model.hpp>
#include <katana/codegen/spec.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace katana::codegen {

enum class param_location : std::uint8_t { path, query, header, cookie };
enum class param_style : std::uint8_t { simple, form, label, matrix, space_delimited, pipe_delimited, deep_object };
// What the parameter's value is made of, which decides how it is read:
//   primitive    string/number/integer/boolean/enum, converted from the text
//   array        array of primitives, split per style/explode
//   object       object (struct or map), members per style/explode, read through its read_json
//   json_content `content: {application/json: ...}`: the value is JSON text
//   scalar_json  a schema without one precise C++ type: the text as a JSON literal or string
//   raw          anything else (arrays of objects ...): the decoded text, with a warning
enum class param_shape : std::uint8_t { primitive, array, object, json_content, scalar_json, raw };

[[nodiscard]] std::string_view to_string(param_location l) noexcept;
[[nodiscard]] std::string_view to_string(param_style s) noexcept;

struct parameter_model {
    std::string name;              // as in the spec
    param_location in = param_location::query;
    std::string field;             // member of the Params struct
    param_style style = param_style::form;
    bool explode = true;
    bool required = false;
    bool deprecated = false;
    param_shape shape = param_shape::primitive;
    const node* schema = nullptr;  // resolved
    const cpp_type* type = nullptr;
    const cpp_type* element = nullptr;   // arrays: element type
    const node* default_value = nullptr; // primitive / array-of-primitive defaults are applied
    std::string spelling;          // C++ type of the Params member (with std::optional when not required)
    std::vector<std::pair<std::string, std::string>> object_fields; // object shape: property -> field_kind
    const node* at = nullptr;      // the Parameter Object (diagnostics)
    std::string description;
};

// How a media type's body is represented and read.
enum class media_kind : std::uint8_t { json, form, text, binary };

struct media_model {
    std::string media_type;        // as in the spec, e.g. "application/json", "text/*"
    media_kind kind = media_kind::json;
    const node* schema = nullptr;  // resolved, may be null
    const cpp_type* type = nullptr;// json/form: the body type; null for text/binary (string_view)
    bool nullable = false;         // json: the schema allows null -> std::optional<T>
    std::string spelling;          // C++ type of the body value ("Product", "std::string_view")
    std::string reader;            // request json: schema_model::body_reader() (empty: read_json of the type)
    std::vector<std::pair<std::string, std::string>> form_fields; // form: property -> field_kind
    std::string field;             // request: member name when several media types exist
    std::string enumerator;        // request: enumerator of the `media` enum
    std::string content_type;      // response: the Content-Type written (ranges made concrete)
};

struct request_body_model {
    bool required = false;
    std::vector<media_model> media; // most specific first (exact, type/*, */*)
    const node* at = nullptr;
};

struct header_model {
    std::string name;
    std::string field;
    bool required = false;
    const node* schema = nullptr;
    const cpp_type* type = nullptr;
};

// A C++ representation of a response body: one of the response's distinct body types, with
// the media types that can carry it (indexes into operation_model::response_media).
struct representation_model {
    std::string spelling;          // "Product", "std::string_view", "std::optional<Product>"
    bool json = false;             // some media write it as JSON (see media_json)
    std::vector<int> media;        // indexes into operation::response_media
    std::vector<bool> media_json;  // per entry of `media`: written as JSON, else as raw bytes
};

enum class status_kind : std::uint8_t { exact, range, fallback };

struct response_model {
    std::string key;               // "200", "2XX", "default"
    status_kind kind = status_kind::exact;
    int code = 0;                  // exact: the code; range: the hundreds digit (2 for 2XX)
    std::string type_name;         // nested type: response_200, response_2xx, response_default
    std::string factory;           // ok, not_found, status_2xx, default_response
    std::string description;
    std::vector<media_model> media;
    std::vector<representation_model> representations; // empty: no body
    std::vector<header_model> headers;
    const node* at = nullptr;
};

struct security_scheme_model {
    std::string name;              // components.securitySchemes key
    std::string identifier;        // C++ name of its constant
    enum class kind : std::uint8_t { api_key, http_bearer, http_basic, oauth2, open_id_connect, unsupported } type = kind::http_bearer;
    enum class location : std::uint8_t { header, query, cookie } in = location::header;
    std::string key_name;          // api key: header/query/cookie name
    const node* at = nullptr;
};

struct security_item_model {
    std::size_t scheme = 0;        // index into operation_model::security_schemes()
    std::vector<std::string> scopes;
};
using security_alternative = std::vector<security_item_model>;

// x-katana-* operation extensions (docs/EXTENSIONS.md), validated.
struct policy_model {
    bool cache = false;
    std::uint32_t cache_ttl_ms = 0;
    std::uint32_t cache_swr_ms = 0;
    std::uint32_t cache_jitter_ms = 0;
    std::vector<std::string> cache_vary;
    bool rate_limit = false;
    std::uint32_t rate_requests = 0;
    std::uint32_t rate_window_ms = 0;
    std::uint32_t rate_burst = 0;
    std::string rate_key = "ip";
    bool idempotency = false;
    std::string idempotency_header = "Idempotency-Key";
    std::uint32_t idempotency_ttl_ms = 86'400'000;
    bool idempotency_required = false;
    enum class alloc : std::uint8_t { arena, pmr, heap } alloc_mode = alloc::arena;
    std::uint64_t alloc_size_hint = 0;
    bool dom_serializer = false;
};

struct operation {
    std::string operation_id;      // as in the spec, or derived "get /products/{id}"
    bool derived_id = false;
    std::string method;            // lower case as in the spec: "get"
    std::string path;              // template
    std::string handler;           // C++ method name: snake_case(operationId)
    std::string type_prefix;       // PascalCase(operationId): GetProduct
    std::string summary;
    bool deprecated = false;
    std::vector<parameter_model> params;
    std::vector<std::string> path_param_names; // template order
    std::optional<request_body_model> body;
    std::vector<response_model> responses;
    std::vector<std::string> response_media;   // union, first-seen order, for Accept negotiation
    // Accept decides 406 over the first `negotiable_media` entries of response_media: the media
    // of success responses (1xx-3xx; else `default`; else every response). Error bodies keep their
    // own media whatever Accept says (RFC 9110 §12.5.1 allows disregarding it).
    std::size_t negotiable_media = 0;
    // A negotiable response has no body: Accept can never rule the request out (no 406).
    bool bodiless_success = false;
    std::vector<security_alternative> security; // empty: none
    policy_model policy;
    std::size_t index = 0;         // position in operations()
    const node* at = nullptr;      // the Operation Object
};

struct webhook_model {
    std::string name;
    std::string method;
    std::string operation_id;
    std::string summary;
};

// The static route tree: one node per distinct path prefix (by segment shape).
struct route_node {
    enum class segment_kind : std::uint8_t { root, literal, pattern, parameter } kind = segment_kind::root;
    std::string literal;                    // literal segment text (may be empty: trailing slash)
    std::vector<std::string> pattern;       // pattern: literal parts around parameters
    std::vector<std::unique_ptr<route_node>> children;
    std::map<std::string, std::size_t> methods; // lower-case method -> operation index (ends here)
    std::size_t id = 0;                     // preorder number (function name in router.cpp)
};

class operation_model {
public:
    operation_model(spec_set& spec, schema_model& schemas, diagnostics& diags);
    ~operation_model();
    operation_model(const operation_model&) = delete;
    operation_model& operator=(const operation_model&) = delete;

    // Every path item x method (and webhooks: parsed and listed, not routed).
    void build();
    // operations.hpp, operations_<k>.cpp, router.cpp, server.hpp, server.cpp, spec.cpp.
    void emit(const std::string& cpp_namespace, std::vector<generated_file>& out);

    [[nodiscard]] const std::vector<operation>& operations() const noexcept { return operations_; }
    [[nodiscard]] const std::vector<webhook_model>& webhooks() const noexcept { return webhooks_; }
    [[nodiscard]] const std::vector<security_scheme_model>& security_schemes() const noexcept { return schemes_; }
    [[nodiscard]] const route_node& routes() const noexcept { return root_; }
    // Operations per generated operations_<k>.cpp shard.
    static constexpr std::size_t operations_per_shard = 48;

private:
    struct builder;
    spec_set& spec_;
    schema_model& schemas_;
    diagnostics& diags_;
    std::vector<operation> operations_;
    std::vector<webhook_model> webhooks_;
    std::vector<security_scheme_model> schemes_;
    route_node root_;
};

} // namespace katana::codegen
