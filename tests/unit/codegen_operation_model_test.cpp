// The operations model of `katana gen openapi` (operation_model), inspected directly: operations
// and their names, parameters (locations, styles, shapes, defaults, C++ spelling), bodies,
// responses (ordering, factories, representations, negotiation media), security, x-katana-*
// policies with their diagnostics, the route tree, webhooks, and deterministic emission.
#include <katana/codegen/diagnostics.hpp>
#include <katana/codegen/operation_model.hpp>
#include <katana/codegen/schema_model.hpp>
#include <katana/codegen/spec.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace cg = katana::codegen;

// Loads a spec from text and builds both models (as generate() does).
struct built {
    cg::diagnostics diags;
    std::unique_ptr<cg::spec_set> spec;
    std::unique_ptr<cg::schema_model> schemas;
    std::unique_ptr<cg::operation_model> ops;

    [[nodiscard]] const cg::operation& op(std::string_view id) const {
        for (const auto& o : ops->operations()) {
            if (o.operation_id == id) return o;
        }
        ADD_FAILURE() << "no operation " << id;
        return ops->operations().front();
    }
    [[nodiscard]] bool has_diag(std::string_view text, cg::severity level) const {
        return std::any_of(diags.all().begin(), diags.all().end(),
                           [&](const cg::diagnostic& d) { return d.level == level && d.message.find(text) != std::string::npos; });
    }
    [[nodiscard]] const cg::diagnostic* find_diag(std::string_view text) const {
        for (const auto& d : diags.all()) {
            if (d.message.find(text) != std::string::npos) return &d;
        }
        return nullptr;
    }
};

std::unique_ptr<built> build(std::string_view paths_and_more, std::string_view version = "3.1.0") {
    auto b = std::make_unique<built>();
    const std::string text = "openapi: " + std::string(version) + "\ninfo: {title: T, version: '1'}\n" + std::string(paths_and_more);
    b->spec = cg::spec_set::load_from_string("api.yaml", text, b->diags);
    if (!b->spec) {
        ADD_FAILURE() << b->diags.to_string();
        return b;
    }
    b->schemas = std::make_unique<cg::schema_model>(*b->spec, b->diags);
    b->schemas->build();
    b->ops = std::make_unique<cg::operation_model>(*b->spec, *b->schemas, b->diags);
    b->ops->build();
    return b;
}

const cg::parameter_model& param(const cg::operation& op, std::string_view name) {
    for (const auto& p : op.params) {
        if (p.name == name) return p;
    }
    ADD_FAILURE() << "no parameter " << name;
    return op.params.front();
}

constexpr std::string_view ok_response = "      responses: {'204': {description: ok}}\n";

TEST(CodegenOperationModel, NamesFromOperationIdOrMethodAndPath) {
    auto b = build(std::string(R"(paths:
  /products/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
    get:
      operationId: getProductByID
)") + std::string(ok_response) + R"(    delete:
)" + std::string(ok_response));
    ASSERT_EQ(b->ops->operations().size(), 2U);
    const auto& get = b->ops->operations()[0];
    EXPECT_EQ(get.operation_id, "getProductByID");
    EXPECT_EQ(get.handler, "get_product_by_id");
    EXPECT_EQ(get.type_prefix, "GetProductById");
    EXPECT_EQ(get.method, "get");
    EXPECT_FALSE(get.derived_id);
    const auto& del = b->ops->operations()[1];
    EXPECT_TRUE(del.derived_id);
    EXPECT_EQ(del.operation_id, "delete /products/{id}");
    EXPECT_EQ(del.handler, "delete_products_id");
    EXPECT_EQ(del.type_prefix, "DeleteProductsId");
    EXPECT_EQ(del.index, 1U);
    EXPECT_EQ(del.path_param_names, std::vector<std::string>{"id"});
    EXPECT_FALSE(b->diags.failed()) << b->diags.to_string();
}

TEST(CodegenOperationModel, NameCollisionsAreResolvedAndDuplicateIdsDiagnosed) {
    auto b = build(std::string(R"(components:
  schemas:
    ListItemsResponse: {type: object}
paths:
  /a:
    get:
      operationId: listItems
)") + std::string(ok_response) + R"(  /b:
    get:
      operationId: list_items
)" + std::string(ok_response) + R"(  /c:
    get:
      operationId: listItems
)" + std::string(ok_response));
    const auto& ops = b->ops->operations();
    ASSERT_EQ(ops.size(), 3U);
    EXPECT_EQ(ops[0].handler, "list_items");
    EXPECT_EQ(ops[1].handler, "list_items_2");
    // The component schema ListItemsResponse would collide with the operation's Response type.
    EXPECT_NE(ops[0].type_prefix, "ListItems");
    EXPECT_NE(ops[0].type_prefix, ops[1].type_prefix);
    EXPECT_TRUE(b->has_diag("operationId 'listItems' is used twice", cg::severity::error)) << b->diags.to_string();
    EXPECT_TRUE(b->has_diag("handler name 'list_items' is taken", cg::severity::warning));
}

TEST(CodegenOperationModel, ParameterLocationsStylesAndShapes) {
    auto b = build(std::string(R"(paths:
  /items/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: integer, format: int64}}
      - {name: q, in: query, schema: {type: string}}
    get:
      operationId: getItem
      parameters:
        - {name: q, in: query, required: true, schema: {type: string}}
        - {name: id, in: query, schema: {type: integer, format: int32, default: 7}}
        - {name: tags, in: query, schema: {type: array, items: {type: string}}}
        - {name: ids, in: query, style: pipeDelimited, schema: {type: array, items: {type: integer}, default: [1, 2]}}
        - name: filter
          in: query
          style: deepObject
          schema: {type: object, properties: {min: {type: number}, on: {type: boolean}, names: {type: array, items: {type: string}}}}
        - {name: X-Trace, in: header, schema: {type: string}}
        - {name: Accept, in: header, schema: {type: string}}
        - {name: sid, in: cookie, schema: {type: string}}
        - name: doc
          in: query
          content: {application/json: {schema: {type: object, properties: {a: {type: integer}}}}}
        - {name: any, in: query, schema: {}}
)") + std::string(ok_response));
    const auto& op = b->op("getItem");
    EXPECT_EQ(op.params.size(), 10U) << "Accept is dropped, path-level q overridden";
    const auto& id = param(op, "id");
    EXPECT_EQ(id.in, cg::param_location::path);
    EXPECT_EQ(id.style, cg::param_style::simple);
    EXPECT_FALSE(id.explode);
    EXPECT_EQ(id.spelling, "std::int64_t");
    EXPECT_EQ(id.field, "id");
    const auto& q = param(op, "q");
    EXPECT_TRUE(q.required) << "the operation-level q replaces the path-level one";
    EXPECT_EQ(q.spelling, "std::pmr::string");
    const auto query_id = std::find_if(op.params.begin(), op.params.end(),
                                       [](const cg::parameter_model& p) { return p.name == "id" && p.in == cg::param_location::query; });
    ASSERT_NE(query_id, op.params.end());
    EXPECT_EQ(query_id->field, "query_id") << "same name in two locations";
    EXPECT_EQ(query_id->spelling, "std::int32_t") << "a default makes the member a plain value";
    ASSERT_NE(query_id->default_value, nullptr);
    const auto& tags = param(op, "tags");
    EXPECT_EQ(tags.shape, cg::param_shape::array);
    EXPECT_EQ(tags.style, cg::param_style::form);
    EXPECT_TRUE(tags.explode);
    EXPECT_EQ(tags.spelling, "std::optional<std::pmr::vector<std::pmr::string>>");
    const auto& ids = param(op, "ids");
    EXPECT_EQ(ids.style, cg::param_style::pipe_delimited);
    EXPECT_FALSE(ids.explode);
    EXPECT_EQ(ids.spelling, "std::pmr::vector<std::int64_t>");
    const auto& filter = param(op, "filter");
    EXPECT_EQ(filter.shape, cg::param_shape::object);
    ASSERT_EQ(filter.object_fields.size(), 3U);
    EXPECT_EQ(filter.object_fields[0], (std::pair<std::string, std::string>{"min", "number"}));
    EXPECT_EQ(filter.object_fields[1], (std::pair<std::string, std::string>{"on", "boolean"}));
    EXPECT_EQ(filter.object_fields[2], (std::pair<std::string, std::string>{"names", "string_array"}));
    EXPECT_EQ(param(op, "X-Trace").field, "x_trace");
    EXPECT_EQ(param(op, "sid").in, cg::param_location::cookie);
    EXPECT_EQ(param(op, "doc").shape, cg::param_shape::json_content);
    EXPECT_EQ(param(op, "any").shape, cg::param_shape::scalar_json);
    EXPECT_TRUE(b->has_diag("header parameter 'Accept' is ignored", cg::severity::warning));
    EXPECT_FALSE(b->diags.failed()) << b->diags.to_string();
}

TEST(CodegenOperationModel, ParameterErrorsAreAllReportedWithLocations) {
    auto b = build(std::string(R"(paths:
  /x/{a}:
    get:
      parameters:
        - {name: a, in: path, schema: {type: string}}
        - {name: b, in: path, required: true, schema: {type: string}}
        - {name: c, in: query, style: matrix, schema: {type: string}}
        - {name: e, in: query}
        - {name: f, in: query, style: sideways, schema: {type: string}}
        - {name: g, in: query, schema: {type: integer, default: "seven"}}
)") + std::string(ok_response));
    EXPECT_TRUE(b->has_diag("path parameter 'a' must have required: true", cg::severity::error));
    EXPECT_TRUE(b->has_diag("path parameter 'b' does not appear in the template /x/{a}", cg::severity::error));
    EXPECT_TRUE(b->has_diag("parameter 'c': style 'matrix' is not allowed in query", cg::severity::error));
    EXPECT_TRUE(b->has_diag("parameter 'e' needs a 'schema' or a 'content'", cg::severity::error));
    EXPECT_TRUE(b->has_diag("parameter 'f': unknown style 'sideways'", cg::severity::error));
    EXPECT_TRUE(b->has_diag("parameter 'g': the default does not fit the schema", cg::severity::warning));
    const cg::diagnostic* c = b->find_diag("style 'matrix'");
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->line, 9U);
    EXPECT_EQ(c->pointer, "/paths/~1x~1{a}/get/parameters/2");
    EXPECT_EQ(b->find_diag("unknown style 'sideways'")->line, 11U);
}

TEST(CodegenOperationModel, RequestBodiesMostSpecificMediaFirst) {
    auto b = build(std::string(R"(paths:
  /up:
    post:
      operationId: up
      requestBody:
        required: true
        content:
          '*/*': {}
          text/*: {}
          application/vnd.api+json: {schema: {type: object, properties: {a: {type: string}}}}
          application/x-www-form-urlencoded: {schema: {type: object, properties: {n: {type: integer}}}}
          application/octet-stream: {}
)") + std::string(ok_response));
    const auto& op = b->op("up");
    ASSERT_TRUE(op.body.has_value());
    EXPECT_TRUE(op.body->required);
    std::vector<std::string> order;
    for (const auto& m : op.body->media) order.push_back(m.media_type);
    EXPECT_EQ(order, (std::vector<std::string>{"application/vnd.api+json", "application/x-www-form-urlencoded",
                                               "application/octet-stream", "text/*", "*/*"}));
    EXPECT_EQ(op.body->media[0].kind, cg::media_kind::json);
    EXPECT_EQ(op.body->media[0].field, "application_vnd_api_json");
    EXPECT_EQ(op.body->media[1].kind, cg::media_kind::form);
    ASSERT_EQ(op.body->media[1].form_fields.size(), 1U);
    EXPECT_EQ(op.body->media[1].form_fields[0].second, "number");
    EXPECT_EQ(op.body->media[2].kind, cg::media_kind::binary);
    EXPECT_EQ(op.body->media[2].spelling, "std::string_view");
    EXPECT_EQ(op.body->media[3].kind, cg::media_kind::text);
    EXPECT_EQ(op.body->media[4].field, "any");
}

TEST(CodegenOperationModel, ResponsesOrderFactoriesAndNegotiationMedia) {
    auto b = build(R"(paths:
  /r:
    get:
      operationId: r
      responses:
        default: {description: other, content: {application/problem+json: {schema: {type: object}}}}
        4XX: {description: client}
        '404': {description: missing, content: {application/problem+json: {schema: {type: object}}}}
        '200':
          description: ok
          headers:
            Content-Type: {schema: {type: string}}
            X-Rate-Limit: {required: true, schema: {type: integer}}
          content:
            application/json: {schema: {type: string}}
            text/csv: {schema: {type: string}}
            application/vnd.x+json: {schema: {type: string}}
        '299': {description: odd}
        '2xx': {description: range}
        '600': {description: bad}
)");
    const auto& op = b->op("r");
    std::vector<std::string> keys;
    std::vector<std::string> factories;
    std::vector<std::string> types;
    for (const auto& r : op.responses) {
        keys.push_back(r.key);
        factories.push_back(r.factory);
        types.push_back(r.type_name);
    }
    EXPECT_EQ(keys, (std::vector<std::string>{"200", "299", "404", "2xx", "4XX", "default"}));
    EXPECT_EQ(factories, (std::vector<std::string>{"ok", "status_299", "not_found", "status_2xx", "status_4xx", "default_response"}));
    EXPECT_EQ(types, (std::vector<std::string>{"response_200", "response_299", "response_404", "response_2xx", "response_4xx",
                                               "response_default"}));
    const auto& ok = op.responses[0];
    ASSERT_EQ(ok.headers.size(), 1U) << "Content-Type is not a response header in OpenAPI";
    EXPECT_EQ(ok.headers[0].field, "x_rate_limit");
    EXPECT_TRUE(ok.headers[0].required);
    // JSON media share the string type, text/csv is a view: two representations. Both hold the
    // same string, so each can also be written in the other's media (Accept decides).
    ASSERT_EQ(ok.representations.size(), 2U);
    EXPECT_EQ(ok.representations[0].spelling, "std::pmr::string");
    EXPECT_EQ(ok.representations[0].media, (std::vector<int>{0, 2, 1}));
    EXPECT_EQ(ok.representations[0].media_json, (std::vector<bool>{true, true, false}));
    EXPECT_EQ(ok.representations[1].spelling, "std::string_view");
    EXPECT_EQ(ok.representations[1].media, (std::vector<int>{1, 0, 2}));
    EXPECT_EQ(ok.representations[1].media_json, (std::vector<bool>{false, true, true}));
    // Offered to Accept negotiation in response order (success first), whatever the spec's order;
    // only the success media decide 406.
    EXPECT_EQ(op.response_media,
              (std::vector<std::string>{"application/json", "text/csv", "application/vnd.x+json", "application/problem+json"}));
    EXPECT_EQ(op.negotiable_media, 3U);
    EXPECT_TRUE(op.bodiless_success) << "299 and 2xx have no body";
    EXPECT_TRUE(b->has_diag("response key '600' is not a status code", cg::severity::error));
}

TEST(CodegenOperationModel, SecurityDefaultsOverridesAndUnknownSchemes) {
    auto b = build(std::string(R"(components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
    key: {type: apiKey, in: cookie, name: sid}
    oidc: {type: openIdConnect, openIdConnectUrl: https://x}
    digest: {type: http, scheme: digest}
security: [{bearer: []}]
paths:
  /a:
    get:
      operationId: inherits
)") + std::string(ok_response) + R"(    post:
      operationId: open
      security: []
)" + std::string(ok_response) + R"(    put:
      operationId: both
      security: [{key: [], oidc: [read, write]}, {}]
)" + std::string(ok_response) + R"(    delete:
      operationId: unknown
      security: [{nope: []}, {digest: []}]
)" + std::string(ok_response));
    const auto& schemes = b->ops->security_schemes();
    ASSERT_EQ(schemes.size(), 4U);
    EXPECT_EQ(schemes[1].type, cg::security_scheme_model::kind::api_key);
    EXPECT_EQ(schemes[1].in, cg::security_scheme_model::location::cookie);
    EXPECT_EQ(schemes[1].key_name, "sid");
    EXPECT_EQ(schemes[2].type, cg::security_scheme_model::kind::open_id_connect);
    EXPECT_EQ(schemes[3].type, cg::security_scheme_model::kind::unsupported);
    ASSERT_EQ(b->op("inherits").security.size(), 1U);
    EXPECT_EQ(b->op("inherits").security[0][0].scheme, 0U);
    EXPECT_TRUE(b->op("open").security.empty());
    const auto& both = b->op("both").security;
    ASSERT_EQ(both.size(), 2U);
    ASSERT_EQ(both[0].size(), 2U);
    EXPECT_EQ(both[0][1].scopes, (std::vector<std::string>{"read", "write"}));
    EXPECT_TRUE(both[1].empty()) << "{} = anonymous alternative";
    EXPECT_TRUE(b->has_diag("security requirement names 'nope'", cg::severity::error));
    EXPECT_TRUE(b->has_diag("HTTP scheme 'digest' is not supported", cg::severity::warning));
}

TEST(CodegenOperationModel, PolicyExtensionsParsed) {
    auto b = build(R"(paths:
  /p:
    post:
      operationId: p
      x-katana-cache: {ttl: 90, stale-while-revalidate: 2m, jitter: 500ms, vary: [Accept, X-Tenant]}
      x-katana-rate-limit: {requests: 5, window: 1s, burst: 2, key: user}
      x-katana-idempotency: true
      x-katana-alloc: {mode: pmr, size-hint: 4KiB}
      x-katana-serializer: dom
      responses: {'204': {description: ok}}
    get:
      operationId: g
      x-katana-alloc: heap
      responses: {'204': {description: ok}}
)");
    const auto& p = b->op("p").policy;
    EXPECT_TRUE(p.cache);
    EXPECT_EQ(p.cache_ttl_ms, 90'000U);
    EXPECT_EQ(p.cache_swr_ms, 120'000U);
    EXPECT_EQ(p.cache_jitter_ms, 500U);
    EXPECT_EQ(p.cache_vary, (std::vector<std::string>{"Accept", "X-Tenant"}));
    EXPECT_TRUE(p.rate_limit);
    EXPECT_EQ(p.rate_requests, 5U);
    EXPECT_EQ(p.rate_window_ms, 1000U);
    EXPECT_EQ(p.rate_burst, 2U);
    EXPECT_EQ(p.rate_key, "user");
    EXPECT_TRUE(p.idempotency);
    EXPECT_EQ(p.idempotency_header, "Idempotency-Key");
    EXPECT_EQ(p.alloc_mode, cg::policy_model::alloc::pmr);
    EXPECT_EQ(p.alloc_size_hint, 4096U);
    EXPECT_TRUE(p.dom_serializer);
    EXPECT_EQ(b->op("g").policy.alloc_mode, cg::policy_model::alloc::heap);
    EXPECT_FALSE(b->diags.failed()) << b->diags.to_string();
    // Parsed but not enforced yet: the generator says so.
    EXPECT_TRUE(b->has_diag("x-katana-cache is parsed into the route policy but has no runtime effect yet", cg::severity::warning));
    EXPECT_TRUE(b->has_diag("x-katana-rate-limit is parsed", cg::severity::warning));
    EXPECT_TRUE(b->has_diag("x-katana-idempotency is parsed", cg::severity::warning));
}

TEST(CodegenOperationModel, MalformedPolicyExtensionsAreLocatedErrors) {
    auto b = build(R"(paths:
  /p:
    post:
      operationId: p
      x-katana-cache: {ttl: soon, vary: [not a header], colour: red}
      x-katana-rate-limit: {requests: 0, window: 0s, key: everyone}
      x-katana-idempotency: {header: 5}
      x-katana-alloc: {mode: stack, size-hint: lots}
      x-katana-serializer: fast
      x-katana-teleport: true
      responses: {'204': {description: ok}}
)");
    for (std::string_view text : {"x-katana-cache: 'ttl' must be a duration", "x-katana-cache: 'vary' entries must be header names",
                                  "x-katana-cache: unknown key 'colour'", "x-katana-rate-limit: 'requests' must be an integer >= 1",
                                  "x-katana-rate-limit: 'window' must be > 0", "x-katana-rate-limit: 'key' must be",
                                  "x-katana-idempotency: 'header' must be a header name", "x-katana-alloc: 'mode' must be arena, pmr or heap",
                                  "x-katana-alloc: 'size-hint' must be a size", "x-katana-serializer: expected \"zero-copy\" or \"dom\""}) {
        EXPECT_TRUE(b->has_diag(text, cg::severity::error)) << text << "\n" << b->diags.to_string();
    }
    EXPECT_TRUE(b->has_diag("unknown extension 'x-katana-teleport'", cg::severity::warning));
    const cg::diagnostic* ttl = b->find_diag("'ttl' must be a duration");
    ASSERT_NE(ttl, nullptr);
    EXPECT_EQ(ttl->line, 7U);
    EXPECT_EQ(ttl->pointer, "/paths/~1p/post/x-katana-cache/ttl");
    EXPECT_FALSE(b->op("p").policy.cache) << "an invalid policy is not half-applied";
}

TEST(CodegenOperationModel, RouteTreeMergesBySegmentShape) {
    auto b = build(std::string(R"(paths:
  /users/me:
    get: {operationId: me, responses: {'204': {description: ok}}}
  /users/{id}:
    get: {operationId: user, parameters: [{name: id, in: path, required: true, schema: {type: string}}], responses: {'204': {description: ok}}}
  /users/{userId}/posts:
    get: {operationId: posts, parameters: [{name: userId, in: path, required: true, schema: {type: string}}], responses: {'204': {description: ok}}}
  /files/{name}.{ext}:
    get:
      operationId: file
      parameters:
        - {name: name, in: path, required: true, schema: {type: string}}
        - {name: ext, in: path, required: true, schema: {type: string}}
      responses: {'204': {description: ok}}
  /:
    get: {operationId: root, responses: {'204': {description: ok}}}
  /café menu/:
    get: {operationId: menu, responses: {'204': {description: ok}}}
)"));
    const cg::route_node& root = b->ops->routes();
    EXPECT_EQ(root.methods.at("get"), b->op("root").index);
    auto child = [](const cg::route_node& n, cg::route_node::segment_kind k, std::string_view lit = {}) -> const cg::route_node* {
        for (const auto& c : n.children) {
            if (c->kind == k && (k != cg::route_node::segment_kind::literal || c->literal == lit)) return c.get();
        }
        return nullptr;
    };
    const auto* users = child(root, cg::route_node::segment_kind::literal, "users");
    ASSERT_NE(users, nullptr);
    ASSERT_EQ(users->children.size(), 2U) << "{id} and {userId} share one parameter node";
    const auto* param_node = child(*users, cg::route_node::segment_kind::parameter);
    ASSERT_NE(param_node, nullptr);
    EXPECT_EQ(param_node->methods.at("get"), b->op("user").index);
    EXPECT_NE(child(*param_node, cg::route_node::segment_kind::literal, "posts"), nullptr);
    const auto* files = child(root, cg::route_node::segment_kind::literal, "files");
    ASSERT_NE(files, nullptr);
    const auto* pattern = child(*files, cg::route_node::segment_kind::pattern);
    ASSERT_NE(pattern, nullptr);
    EXPECT_EQ(pattern->pattern, (std::vector<std::string>{"", ".", ""}));
    // Literals are compared with the raw request path, so they are stored percent-encoded.
    const auto* menu = child(root, cg::route_node::segment_kind::literal, "caf%C3%A9%20menu");
    ASSERT_NE(menu, nullptr);
    EXPECT_NE(child(*menu, cg::route_node::segment_kind::literal, ""), nullptr) << "a trailing slash is an empty last segment";
    EXPECT_FALSE(b->diags.failed()) << b->diags.to_string();
}

TEST(CodegenOperationModel, DuplicateAndMalformedRoutesAreErrors) {
    auto b = build(R"(paths:
  /a/{x}:
    get: {operationId: one, parameters: [{name: x, in: path, required: true, schema: {type: string}}], responses: {'204': {description: ok}}}
  /a/{y}:
    get: {operationId: two, parameters: [{name: y, in: path, required: true, schema: {type: string}}], responses: {'204': {description: ok}}}
  /b/{unclosed:
    get: {operationId: three, responses: {'204': {description: ok}}}
  /c/{p}{q}:
    get: {operationId: four, responses: {'204': {description: ok}}}
)");
    EXPECT_TRUE(b->has_diag("get /a/{y} matches the same requests as get /a/{x} (operation 'one')", cg::severity::error))
        << b->diags.to_string();
    EXPECT_TRUE(b->has_diag("malformed path template '/b/{unclosed': unclosed '{'", cg::severity::error));
    EXPECT_TRUE(b->has_diag("two parameters without a literal between them", cg::severity::error));
}

TEST(CodegenOperationModel, MalformedTemplateIsOneErrorNotOnePerParameter) {
    auto b = build(R"(paths:
  /c/{p}{q}:
    get:
      operationId: four
      parameters: [{name: p, in: path, required: true, schema: {type: string}}, {name: q, in: path, required: true, schema: {type: string}}]
      responses: {'204': {description: ok}}
)");
    EXPECT_TRUE(b->has_diag("two parameters without a literal between them", cg::severity::error));
    EXPECT_FALSE(b->has_diag("does not appear in the template", cg::severity::error)) << b->diags.to_string();
}

TEST(CodegenOperationModel, ResponsesAreOptionalInOpenApi31Only) {
    auto b = build(R"(paths:
  /:
    get: {operationId: bare}
  /x:
    get: {operationId: ext, responses: {x-note: 1}}
)");
    const auto& bare = b->op("bare");
    ASSERT_EQ(bare.responses.size(), 1U) << b->diags.to_string();
    EXPECT_EQ(bare.responses[0].kind, cg::status_kind::fallback);
    EXPECT_EQ(bare.responses[0].factory, "default_response");
    EXPECT_TRUE(bare.responses[0].representations.empty());
    EXPECT_TRUE(bare.response_media.empty());
    EXPECT_FALSE(b->has_diag("'responses' must declare", cg::severity::error)) << b->diags.to_string();
    EXPECT_TRUE(b->has_diag("get /x: 'responses' holds only extensions", cg::severity::error)) << b->diags.to_string();

    // 3.0 requires them: the spec is refused before any model is built.
    cg::diagnostics diags;
    const auto v30 = cg::spec_set::load_from_string(
        "api.yaml", "openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths:\n  /:\n    get: {operationId: bare}\n", diags);
    EXPECT_EQ(v30, nullptr);
    EXPECT_NE(diags.to_string().find("needs \"responses\" in OpenAPI 3.0"), std::string::npos) << diags.to_string();
}

TEST(CodegenOperationModel, OnlyDefaultOrOnlyErrorsAreNegotiatedThemselves) {
    auto b = build(R"(paths:
  /d:
    get:
      operationId: d
      responses: {default: {description: any, content: {application/json: {schema: {type: integer}}}}}
  /e:
    get:
      operationId: e
      responses:
        '404': {description: missing, content: {application/problem+json: {schema: {type: object}}}}
        '500': {description: broken, content: {text/plain: {schema: {type: string}}}}
)");
    EXPECT_EQ(b->op("d").negotiable_media, 1U);
    EXPECT_FALSE(b->op("d").bodiless_success);
    EXPECT_EQ(b->op("e").negotiable_media, 2U);
    EXPECT_FALSE(b->op("e").bodiless_success);
}

TEST(CodegenOperationModel, WebhooksAreListedNotRouted) {
    auto b = build(R"(paths: {}
webhooks:
  petAdded:
    post:
      operationId: onPetAdded
      summary: a pet arrived
      responses: {'200': {description: ok}}
)");
    ASSERT_EQ(b->ops->webhooks().size(), 1U);
    EXPECT_EQ(b->ops->webhooks()[0].name, "petAdded");
    EXPECT_EQ(b->ops->webhooks()[0].method, "post");
    EXPECT_EQ(b->ops->webhooks()[0].operation_id, "onPetAdded");
    EXPECT_EQ(b->ops->webhooks()[0].summary, "a pet arrived");
    EXPECT_TRUE(b->ops->operations().empty());
    EXPECT_TRUE(b->ops->routes().children.empty());
}

TEST(CodegenOperationModel, EmitIsDeterministicAndSharded) {
    std::string spec = "paths:\n";
    for (int i = 0; i < 60; ++i) {
        spec += "  /r" + std::to_string(i) + "/{id}:\n    get:\n      operationId: op" + std::to_string(i) +
                "\n      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]\n"
                "      responses: {'200': {description: ok, content: {application/json: {schema: {type: integer}}}}}\n";
    }
    auto emit = [&] {
        auto b = build(spec);
        std::vector<cg::generated_file> files;
        b->ops->emit("shop::v1", files);
        return files;
    };
    const auto first = emit();
    const auto second = emit();
    ASSERT_EQ(first.size(), second.size());
    std::vector<std::string> names;
    for (std::size_t i = 0; i < first.size(); ++i) {
        EXPECT_EQ(first[i].path, second[i].path);
        EXPECT_EQ(first[i].contents, second[i].contents) << first[i].path;
        names.push_back(first[i].path);
    }
    EXPECT_EQ(names, (std::vector<std::string>{"operations.hpp", "operations_0.cpp", "operations_1.cpp", "router.cpp", "server.hpp",
                                               "server.cpp", "spec.cpp"}));
    for (const auto& f : first) {
        EXPECT_NE(f.contents.find("namespace shop::v1"), std::string::npos) << f.path;
        EXPECT_EQ(f.contents.find("/tmp"), std::string::npos) << "no absolute paths in " << f.path;
    }
}

} // namespace
