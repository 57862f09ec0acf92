#include "front/checks.hpp"

#include <katana/api/pattern.hpp>

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace katana::codegen::detail {

namespace {

// What a value is expected to be where the walk meets it; a $ref target is checked as the same
// kind as the reference it replaces.
enum class kind : std::uint8_t {
    schema,
    parameter,
    request_body,
    response,
    header,
    path_item,
    example,
    link,
    security_scheme,
    callback,
    count_
};

constexpr std::array<std::string_view, 8> http_methods{"get", "put", "post", "delete", "options", "head", "patch", "trace"};

template <class Range>
bool contains(const Range& set, std::string_view v) noexcept {
    for (const std::string_view s : set) {
        if (s == v) return true;
    }
    return false;
}

std::string_view describe(const node& n) noexcept {
    switch (n.kind) {
    case node_kind::null: return "null";
    case node_kind::boolean: return "a boolean";
    case node_kind::integer:
    case node_kind::number: return "a number";
    case node_kind::string: return "a string";
    case node_kind::array: return "an array";
    case node_kind::object: return "an object";
    }
    return "a value";
}

// A value as the user wrote it, for messages: scalars verbatim (strings quoted), containers by kind.
std::string shown(const node& n) {
    switch (n.kind) {
    case node_kind::string: return fmt::format("\"{}\"", n.text);
    case node_kind::array:
    case node_kind::object: return std::string(describe(n));
    case node_kind::null: return "null";
    default: return n.text.empty() ? std::string(describe(n)) : n.text;
    }
}

// JSON types a schema's "type" admits, as a bit set; 0 when "type" is absent or unusable.
enum json_type : std::uint8_t {
    t_null = 1,
    t_boolean = 2,
    t_integer = 4,
    t_number = 8,
    t_string = 16,
    t_array = 32,
    t_object = 64,
};

std::uint8_t type_bit(std::string_view name) noexcept {
    if (name == "null") return t_null;
    if (name == "boolean") return t_boolean;
    if (name == "integer") return t_integer;
    if (name == "number") return t_number | t_integer;
    if (name == "string") return t_string;
    if (name == "array") return t_array;
    if (name == "object") return t_object;
    return 0;
}

bool integral(const node& v) noexcept {
    if (v.kind == node_kind::integer) return true;
    return v.kind == node_kind::number && std::isfinite(v.number) && std::floor(v.number) == v.number;
}

// The JSON Schema type of an instance value (1.0 is an integer, as JSON Schema says).
std::uint8_t value_type(const node& v) noexcept {
    switch (v.kind) {
    case node_kind::null: return t_null;
    case node_kind::boolean: return t_boolean;
    case node_kind::integer: return t_integer;
    case node_kind::number: return integral(v) ? t_integer : t_number;
    case node_kind::string: return t_string;
    case node_kind::array: return t_array;
    case node_kind::object: return t_object;
    }
    return 0;
}

// Format names that mean something: OpenAPI's own, JSON Schema 2020-12's, and the OpenAPI
// Format Registry's. Anything else is accepted by JSON Schema but checks nothing here.
constexpr std::string_view known_formats[] = {
    "int32", "int64", "float", "double", "byte", "binary", "password",
    "date-time", "date", "time", "duration", "email", "idn-email", "hostname", "idn-hostname", "ipv4", "ipv6",
    "uri", "uri-reference", "iri", "iri-reference", "uuid", "uri-template", "json-pointer",
    "relative-json-pointer", "regex",
    "int8", "int16", "uint8", "uint16", "uint32", "uint64", "double-int", "decimal", "decimal128", "char",
    "base64url", "commonmark", "html", "http-date", "media-range", "date-time-local", "time-local",
    "sf-binary", "sf-boolean", "sf-decimal", "sf-integer", "sf-string", "sf-token"};

class checker {
public:
    checker(spec_set& spec, diagnostics& diags) : spec_(spec), diags_(diags), v31_(spec.version() == spec_version::v3_1) {}

    void run() {
        root(*spec_.root().root());
        // Targets of $refs, checked once each as the kind of value they stand for. A worklist
        // rather than recursion: chains of schemas referring to schemas can be long.
        while (!pending_.empty()) {
            const auto [k, n] = pending_.back();
            pending_.pop_back();
            check(k, *n);
        }
    }

private:
    void check(kind k, const node& n) {
        switch (k) {
        case kind::schema: schema(n); break;
        case kind::parameter: parameter(n); break;
        case kind::request_body: request_body(n); break;
        case kind::response: response(n); break;
        case kind::header: header(n); break;
        case kind::path_item: path_item(n); break;
        case kind::example: example(n); break;
        case kind::link: link(n); break;
        case kind::security_scheme: security_scheme(n); break;
        case kind::callback: callback(n); break;
        case kind::count_: break;
        }
    }

    // False when `n` was checked as `k` already (shared YAML aliases, refs to one target).
    bool first_visit(kind k, const node& n) { return visited_[static_cast<std::size_t>(k)].insert(&n).second; }

    // Handles a Reference Object: resolves it (reporting failures) and queues the target.
    // Returns true when `n` is a reference.
    bool reference(kind k, const node& n) {
        const node* r = n.get("$ref");
        if (r == nullptr) return false;
        if (!r->is_string()) {
            diags_.error(*r, fmt::format("\"$ref\" must be a string, not {}", describe(*r)));
            return true;
        }
        if (r->text.empty()) {
            // ref_of() cannot tell "" from "not a reference", so the resolver would pass it by.
            diags_.error(*r, "\"$ref\" must not be empty");
            return true;
        }
        if (const node* target = spec_.resolve(&n, diags_); target != nullptr) pending_.emplace_back(k, target);
        return true;
    }

    bool expect_object(const node& n, std::string_view what) {
        if (n.is_object()) return true;
        diags_.error(n, fmt::format("{} must be an object, not {}", what, describe(n)));
        return false;
    }

    // An object whose member values are all `k` (components.schemas, responses, headers ...).
    void map_of(kind k, const node* n, std::string_view what) {
        if (n == nullptr || !expect_object(*n, what)) return;
        for (const auto& m : n->members) check(k, *m.value);
    }

    void array_of(kind k, const node* n, std::string_view what) {
        if (n == nullptr) return;
        if (!n->is_array()) {
            diags_.error(*n, fmt::format("{} must be an array, not {}", what, describe(*n)));
            return;
        }
        for (const node* item : n->items) check(k, *item);
    }

    void root(const node& r) {
        static constexpr std::array<std::string_view, 8> known30 = {
            "openapi", "info", "servers", "paths", "components", "security", "tags", "externalDocs"};
        for (const auto& m : r.members) {
            if (m.key.starts_with("x-") || contains(known30, m.key)) continue;
            if (v31_ && (m.key == "webhooks" || m.key == "jsonSchemaDialect")) continue;
            diags_.error(*m.value, fmt::format("unknown top-level field \"{}\"{}", m.key,
                                               m.key == "webhooks" ? " (webhooks need OpenAPI 3.1)" : ""));
        }

        if (const node* dialect = r.get("jsonSchemaDialect"); v31_ && dialect != nullptr) {
            static constexpr std::string_view oas_dialect = "https://spec.openapis.org/oas/3.1/dialect/base";
            if (!dialect->is_string()) {
                diags_.error(*dialect, fmt::format("\"jsonSchemaDialect\" must be a URI string, not {}", describe(*dialect)));
            } else if (dialect->text != oas_dialect) {
                diags_.warning(*dialect, fmt::format("unsupported: jsonSchemaDialect \"{}\"; schemas are read as the "
                                                     "OpenAPI 3.1 dialect ({})",
                                                     dialect->text, oas_dialect));
            }
        }

        const node* info = r.get("info");
        if (info == nullptr) {
            diags_.error(r, "missing required field \"info\" (an object with \"title\" and \"version\")");
        } else if (expect_object(*info, "\"info\"")) {
            const node* title = info->get("title");
            if (title == nullptr) {
                diags_.error(*info, "\"info\" is missing the required field \"title\"");
            } else if (!title->is_string()) {
                diags_.error(*title, fmt::format("\"title\" must be a string, not {}", describe(*title)));
            }
            const node* version = info->get("version");
            if (version == nullptr) {
                diags_.error(*info, "\"info\" is missing the required field \"version\"");
            } else if (version->is_number()) {
                // `version: 1.0` is common and harmless (its spelling is kept); say how to be exact.
                diags_.warning(*version, fmt::format("\"version\" should be a string; quote it: \"{}\"", version->text));
            } else if (!version->is_string()) {
                diags_.error(*version, fmt::format("\"version\" must be a string, not {}", describe(*version)));
            }
        }

        const node* paths = r.get("paths");
        if (!v31_ && paths == nullptr) {
            diags_.error(r, "missing required field \"paths\" (OpenAPI 3.0 requires it; use \"paths: {}\" for none)");
        }
        if (v31_ && paths == nullptr && r.get("components") == nullptr && r.get("webhooks") == nullptr) {
            diags_.error(r, "an OpenAPI 3.1 document needs at least one of \"paths\", \"components\" or \"webhooks\"");
        }
        servers(r.get("servers"));
        if (paths != nullptr && expect_object(*paths, "\"paths\"")) {
            for (const auto& m : paths->members) {
                if (m.key.starts_with("x-")) continue;
                if (!m.key.starts_with('/')) {
                    diags_.error(*m.value, fmt::format("path \"{}\" must start with '/'", m.key));
                }
                path_item(*m.value);
            }
        }
        if (v31_) map_of(kind::path_item, r.get("webhooks"), "\"webhooks\"");
        components(r.get("components"));
        if (const node* security = r.get("security"); security != nullptr && !security->is_array()) {
            diags_.error(*security, fmt::format("\"security\" must be an array, not {}", describe(*security)));
        }
        if (const node* tags = r.get("tags"); tags != nullptr && !tags->is_array()) {
            diags_.error(*tags, fmt::format("\"tags\" must be an array, not {}", describe(*tags)));
        }
    }

    void servers(const node* list) {
        if (list == nullptr) return;
        if (!list->is_array()) {
            diags_.error(*list, fmt::format("\"servers\" must be an array of Server Objects, not {}", describe(*list)));
            return;
        }
        for (const node* s : list->items) {
            if (!expect_object(*s, "a Server Object")) continue;
            const node* url = s->get("url");
            if (url == nullptr) {
                diags_.error(*s, "a Server Object needs a \"url\"");
            } else if (!url->is_string()) {
                diags_.error(*url, fmt::format("\"url\" must be a string, not {}", describe(*url)));
            }
            const node* vars = s->get("variables");
            if (vars == nullptr || !expect_object(*vars, "\"variables\"")) continue;
            for (const auto& var : vars->members) server_variable(var.key, *var.value);
        }
    }

    void server_variable(std::string_view name, const node& var) {
        if (!expect_object(var, fmt::format("server variable \"{}\"", name))) return;
        const node* def = var.get("default");
        if (def == nullptr) {
            diags_.error(var, fmt::format("server variable \"{}\" needs a \"default\"", name));
        } else if (!def->is_string()) {
            diags_.error(*def, fmt::format("the \"default\" of server variable \"{}\" must be a string", name));
        }
        const node* values = var.get("enum");
        if (values == nullptr) return;
        if (!values->is_array()) {
            diags_.error(*values, fmt::format("the \"enum\" of server variable \"{}\" must be an array", name));
            return;
        }
        if (values->items.empty()) {
            diags_.error(*values, fmt::format("the \"enum\" of server variable \"{}\" must not be empty", name));
            return;
        }
        bool has_default = false;
        for (const node* v : values->items) {
            if (!v->is_string()) {
                diags_.error(*v, fmt::format("the \"enum\" values of server variable \"{}\" must be strings", name));
            } else if (def != nullptr && def->is_string() && v->text == def->text) {
                has_default = true;
            }
        }
        if (def != nullptr && def->is_string() && !has_default) {
            diags_.error(*values, fmt::format("the \"enum\" of server variable \"{}\" does not contain its default \"{}\"",
                                              name, def->text));
        }
    }

    void components(const node* c) {
        if (c == nullptr || !expect_object(*c, "\"components\"")) return;
        map_of(kind::schema, c->get("schemas"), "\"components.schemas\"");
        map_of(kind::response, c->get("responses"), "\"components.responses\"");
        map_of(kind::parameter, c->get("parameters"), "\"components.parameters\"");
        map_of(kind::example, c->get("examples"), "\"components.examples\"");
        map_of(kind::request_body, c->get("requestBodies"), "\"components.requestBodies\"");
        map_of(kind::header, c->get("headers"), "\"components.headers\"");
        map_of(kind::security_scheme, c->get("securitySchemes"), "\"components.securitySchemes\"");
        map_of(kind::link, c->get("links"), "\"components.links\"");
        map_of(kind::callback, c->get("callbacks"), "\"components.callbacks\"");
        if (v31_) map_of(kind::path_item, c->get("pathItems"), "\"components.pathItems\"");
    }

    void path_item(const node& n) {
        if (!first_visit(kind::path_item, n)) return;
        if (!expect_object(n, "a Path Item")) return;
        // 3.0 leaves sibling fields of a path item $ref undefined, 3.1 merges them; either way
        // the siblings are checked like any path item field.
        reference(kind::path_item, n);
        servers(n.get("servers"));
        array_of(kind::parameter, n.get("parameters"), "\"parameters\"");
        for (const std::string_view method : http_methods) {
            if (const node* op = n.get(method); op != nullptr) operation(*op);
        }
    }

    void operation(const node& op) {
        if (!expect_object(op, "an Operation")) return;
        array_of(kind::parameter, op.get("parameters"), "\"parameters\"");
        if (const node* body = op.get("requestBody"); body != nullptr) request_body(*body);
        const node* responses = op.get("responses");
        if (responses == nullptr) {
            if (!v31_) diags_.error(op, "an Operation needs \"responses\" in OpenAPI 3.0");
        } else if (expect_object(*responses, "\"responses\"")) {
            for (const auto& m : responses->members) {
                if (!m.key.starts_with("x-")) response(*m.value);
            }
        }
        if (const node* cbs = op.get("callbacks"); cbs != nullptr) {
            map_of(kind::callback, cbs, "\"callbacks\"");
        }
        servers(op.get("servers"));
        if (const node* security = op.get("security"); security != nullptr && !security->is_array()) {
            diags_.error(*security, fmt::format("\"security\" must be an array, not {}", describe(*security)));
        }
    }

    void callback(const node& n) {
        if (!first_visit(kind::callback, n)) return;
        if (!expect_object(n, "a Callback Object")) return;
        // The generator has no client side to call them from: parse, check, say so, go on.
        diags_.warning(n, "callbacks are not generated");
        if (reference(kind::callback, n)) return;
        for (const auto& m : n.members) {
            if (!m.key.starts_with("x-")) path_item(*m.value);
        }
    }

    void parameter(const node& n) {
        if (!first_visit(kind::parameter, n)) return;
        if (!expect_object(n, "a Parameter Object")) return;
        if (reference(kind::parameter, n)) return;
        const node* name = n.get("name");
        if (name == nullptr || !name->is_string()) {
            diags_.error(name != nullptr ? *name : n, "a Parameter Object needs a string \"name\"");
        }
        const node* in = n.get("in");
        if (in == nullptr || !in->is_string()) {
            diags_.error(in != nullptr ? *in : n,
                         "a Parameter Object needs \"in\": one of \"path\", \"query\", \"header\", \"cookie\"");
        } else if (!contains(std::array<std::string_view, 4>{"path", "query", "header", "cookie"}, in->text)) {
            diags_.error(*in, fmt::format("unknown parameter location \"in: {}\" (expected path, query, header or cookie)",
                                          in->text));
        }
        if (const node* s = n.get("schema"); s != nullptr) schema(*s);
        content(n.get("content"));
        map_of(kind::example, n.get("examples"), "\"examples\"");
    }

    void request_body(const node& n) {
        if (!first_visit(kind::request_body, n)) return;
        if (!expect_object(n, "a Request Body Object")) return;
        if (reference(kind::request_body, n)) return;
        if (n.get("content") == nullptr) {
            diags_.error(n, "a Request Body Object needs \"content\"");
        }
        content(n.get("content"));
    }

    void response(const node& n) {
        if (!first_visit(kind::response, n)) return;
        if (!expect_object(n, "a Response Object")) return;
        if (reference(kind::response, n)) return;
        map_of(kind::header, n.get("headers"), "\"headers\"");
        content(n.get("content"));
        map_of(kind::link, n.get("links"), "\"links\"");
    }

    void header(const node& n) {
        if (!first_visit(kind::header, n)) return;
        if (!expect_object(n, "a Header Object")) return;
        if (reference(kind::header, n)) return;
        if (const node* s = n.get("schema"); s != nullptr) schema(*s);
        content(n.get("content"));
        map_of(kind::example, n.get("examples"), "\"examples\"");
    }

    void example(const node& n) {
        if (!first_visit(kind::example, n)) return;
        if (!expect_object(n, "an Example Object")) return;
        reference(kind::example, n);
    }

    void link(const node& n) {
        if (!first_visit(kind::link, n)) return;
        if (!expect_object(n, "a Link Object")) return;
        reference(kind::link, n);
    }

    void security_scheme(const node& n) {
        if (!first_visit(kind::security_scheme, n)) return;
        if (!expect_object(n, "a Security Scheme Object")) return;
        if (reference(kind::security_scheme, n)) return;
        const node* type = n.get("type");
        if (type == nullptr || !type->is_string()) {
            diags_.error(type != nullptr ? *type : n, "a Security Scheme Object needs a string \"type\"");
        }
    }

    // Media type map ("application/json": {schema, examples, encoding}).
    void content(const node* n) {
        if (n == nullptr || !expect_object(*n, "\"content\"")) return;
        for (const auto& m : n->members) {
            const node& media = *m.value;
            if (!expect_object(media, fmt::format("media type \"{}\"", m.key))) continue;
            if (const node* s = media.get("schema"); s != nullptr) schema(*s);
            map_of(kind::example, media.get("examples"), "\"examples\"");
            if (const node* enc = media.get("encoding"); enc != nullptr && expect_object(*enc, "\"encoding\"")) {
                for (const auto& e : enc->members) {
                    if (expect_object(*e.value, "an Encoding Object")) {
                        map_of(kind::header, e.value->get("headers"), "\"headers\"");
                    }
                }
            }
        }
    }

    void schema_type(const node& type) {
        static constexpr std::array<std::string_view, 6> known = {"string", "number", "integer",
                                                                  "boolean", "array", "object"};
        const auto check_name = [&](const node& t) {
            if (!t.is_string()) {
                diags_.error(t, fmt::format("a schema \"type\" must be a type name, not {}", describe(t)));
            } else if (contains(known, t.text) || (v31_ && t.text == "null")) {
                // fine
            } else if (t.text == "null") {
                diags_.error(t, "\"type: null\" needs OpenAPI 3.1; in 3.0 write \"nullable: true\"");
            } else {
                diags_.error(t, fmt::format("unknown schema type \"{}\" (expected one of string, number, integer, "
                                            "boolean, array, object{})",
                                            t.text, v31_ ? ", null" : ""));
            }
        };
        if (type.is_array()) {
            if (!v31_) {
                diags_.error(type, "a list of types needs OpenAPI 3.1; in 3.0 \"type\" is a single name");
                return;
            }
            if (type.items.empty()) diags_.error(type, "\"type\" must not be an empty list");
            for (const node* t : type.items) check_name(*t);
            return;
        }
        check_name(type);
    }

    void schema(const node& n) {
        if (!first_visit(kind::schema, n)) return;
        if (n.is_bool()) {
            if (!v31_) diags_.error(n, "a Schema Object must be an object (boolean schemas need OpenAPI 3.1)");
            return;
        }
        if (!n.is_object()) {
            diags_.error(n, fmt::format("a Schema Object must be an object{}, not {}", v31_ ? " or a boolean" : "",
                                        describe(n)));
            return;
        }
        // 3.0 ignores the siblings of a schema $ref; 3.1 applies them too, so check them.
        if (reference(kind::schema, n) && !v31_) return;
        if (const node* type = n.get("type"); type != nullptr) schema_type(*type);
        for (const auto& m : n.members) keyword(m.key, *m.value);
        keyword_combinations(n);
        sub_map(n, "properties");
        items(n);
        sub(n, "not");
        if (const node* ap = n.get("additionalProperties"); ap != nullptr && !ap->is_bool()) schema(*ap);
        for (const std::string_view list : {"allOf", "oneOf", "anyOf"}) {
            const node* l = n.get(list);
            if (l == nullptr) continue;
            if (!l->is_array()) {
                diags_.error(*l, fmt::format("\"{}\" must be an array of schemas, not {}", list, describe(*l)));
                continue;
            }
            if (l->items.empty()) diags_.error(*l, fmt::format("\"{}\" must not be empty", list));
            for (const node* s : l->items) schema(*s);
        }
        if (!v31_) return;
        // JSON Schema 2020-12 applicators that 3.1 schemas may use.
        for (const std::string_view k : {"contains", "propertyNames", "if", "then", "else", "unevaluatedItems",
                                          "unevaluatedProperties", "contentSchema"}) {
            sub(n, k);
        }
        for (const std::string_view k : {"$defs", "patternProperties", "dependentSchemas"}) sub_map(n, k);
        if (const node* prefix = n.get("prefixItems"); prefix != nullptr) {
            if (!prefix->is_array()) {
                diags_.error(*prefix, fmt::format("\"prefixItems\" must be an array of schemas, not {}", describe(*prefix)));
            } else {
                for (const node* s : prefix->items) schema(*s);
            }
        }
    }

    // ---- values of single schema keywords (JSON Schema validation vocabulary + OpenAPI's own) ----

    // "the string \"abc\"" / "an object": what was found instead of the expected shape.
    static std::string found(const node& v) {
        if (v.is_string()) return fmt::format("the string \"{}\"", v.text);
        return std::string(describe(v));
    }

    bool expect_string(const node& v, std::string_view k) {
        if (v.is_string()) return true;
        diags_.error(v, fmt::format("\"{}\" must be a string, not {}", k, found(v)));
        return false;
    }

    bool expect_bool(const node& v, std::string_view k) {
        if (v.is_bool()) return true;
        diags_.error(v, fmt::format("\"{}\" must be true or false, not {}", k, v.is_string() || v.is_number() ? shown(v)
                                                                                                       : found(v)));
        return false;
    }

    bool finite_number(const node& v, std::string_view k) {
        if (!v.is_number()) {
            diags_.error(v, fmt::format("\"{}\" must be a number, not {}", k, found(v)));
            return false;
        }
        if (!std::isfinite(v.number)) {
            diags_.error(v, fmt::format("\"{}\" is out of range: {}", k, v.text));
            return false;
        }
        return true;
    }

    // minLength, maxItems, ...: a count. Values past int64 cannot be a real limit and would not
    // fit the generated checks.
    bool non_negative_integer(const node& v, std::string_view k) {
        if (!v.is_number()) {
            diags_.error(v, fmt::format("\"{}\" must be a non-negative integer, not {}", k, found(v)));
            return false;
        }
        if (!integral(v) || v.number < 0) {
            diags_.error(v, fmt::format("\"{}\" must be a non-negative integer, not {}", k, v.text));
            return false;
        }
        if (v.kind != node_kind::integer &&
            v.number >= static_cast<double>(std::numeric_limits<std::int64_t>::max())) {
            diags_.error(v, fmt::format("\"{}\" is too large: {} (at most {})", k, v.text,
                                        std::numeric_limits<std::int64_t>::max()));
            return false;
        }
        return true;
    }

    // Compiled exactly as the generated validators compile it (ECMA-262 -> PCRE2), so a pattern
    // accepted here cannot turn into "every value is invalid" at run time.
    void regex(const node& at, const std::string& source, std::string_view where) {
        auto it = regex_ok_.find(source);
        if (it == regex_ok_.end()) it = regex_ok_.emplace(source, katana::api::is_regex(source)).first;
        if (it->second) return;
        diags_.error(at, fmt::format("{} \"{}\" is not a valid regular expression (ECMA-262 syntax, as the generated "
                                     "code compiles it)",
                                     where, source));
    }

    void keyword(std::string_view k, const node& v) {
        if (k == "title" || k == "description") {
            expect_string(v, k);
        } else if (v31_ && (k == "$comment" || k == "$id" || k == "$schema" || k == "$anchor" ||
                            k == "$dynamicAnchor" || k == "$dynamicRef" || k == "contentEncoding" ||
                            k == "contentMediaType")) {
            expect_string(v, k);
        } else if (k == "multipleOf") {
            if (finite_number(v, k) && v.number <= 0) {
                diags_.error(v, fmt::format("\"multipleOf\" must be greater than 0, not {}", v.text));
            }
        } else if (k == "minimum" || k == "maximum") {
            finite_number(v, k);
        } else if (k == "exclusiveMinimum" || k == "exclusiveMaximum") {
            exclusive_bound(k, v);
        } else if (k == "minLength" || k == "maxLength" || k == "minItems" || k == "maxItems" ||
                   k == "minProperties" || k == "maxProperties" || (v31_ && (k == "minContains" || k == "maxContains"))) {
            non_negative_integer(v, k);
        } else if (k == "pattern") {
            if (expect_string(v, k)) regex(v, v.text, "\"pattern\"");
        } else if (k == "uniqueItems" || k == "readOnly" || k == "writeOnly" || k == "deprecated" ||
                   k == "nullable") {
            expect_bool(v, k);
        } else if (k == "required") {
            required(v);
        } else if (k == "enum") {
            enum_values(v);
        } else if (k == "format") {
            format(v);
        } else if (k == "discriminator") {
            discriminator(v);
        } else if (k == "xml") {
            xml(v);
        } else if (k == "externalDocs") {
            external_docs(v);
        } else if (v31_ && k == "examples") {
            if (!v.is_array()) {
                diags_.error(v, fmt::format("\"examples\" in a schema must be an array of values, not {}", found(v)));
            }
        } else if (v31_ && k == "dependentRequired") {
            dependent_required(v);
        } else if (v31_ && k == "patternProperties" && v.is_object()) {
            for (const auto& m : v.members) regex(*m.value, m.key, "the patternProperties key");
        }
    }

    void exclusive_bound(std::string_view k, const node& v) {
        const std::string_view bound = k == "exclusiveMinimum" ? "minimum" : "maximum";
        if (v31_) {
            if (v.is_bool()) {
                diags_.error(v, fmt::format("in OpenAPI 3.1 \"{0}\" is the limit itself (a number), not a boolean: write "
                                            "\"{0}: <limit>\" instead of the 3.0 form \"{1}: <limit>, {0}: true\"",
                                            k, bound));
                return;
            }
            finite_number(v, k);
            return;
        }
        if (v.is_number()) {
            diags_.error(v, fmt::format("in OpenAPI 3.0 \"{0}\" is a boolean that makes \"{1}\" exclusive: write "
                                        "\"{1}: {2}, {0}: true\" (a numeric {0} needs OpenAPI 3.1)",
                                        k, bound, v.text));
            return;
        }
        expect_bool(v, k);
    }

    void required(const node& v) {
        if (v.is_bool()) {
            diags_.error(v, "\"required\" in a schema is a list of property names, not a boolean: list the property in "
                            "the \"required\" array of the object that holds it");
            return;
        }
        if (!v.is_array()) {
            diags_.error(v, fmt::format("\"required\" must be an array of property names, not {}", found(v)));
            return;
        }
        std::unordered_set<std::string_view> seen;
        for (const node* name : v.items) {
            if (!name->is_string()) {
                diags_.error(*name, fmt::format("\"required\" must list property names (strings), not {}", found(*name)));
            } else if (!seen.insert(name->text).second) {
                diags_.warning(*name, fmt::format("\"required\" lists \"{}\" twice", name->text));
            }
        }
    }

    void enum_values(const node& v) {
        if (!v.is_array()) {
            diags_.error(v, fmt::format("\"enum\" must be an array of values, not {}", found(v)));
            return;
        }
        if (v.items.empty()) {
            diags_.error(v, "\"enum\" must list at least one value (an empty enum accepts nothing)");
            return;
        }
        // Keyed by type and value so that 1 and 1.0 collide and "1" and 1 do not.
        std::unordered_set<std::string> seen;
        for (const node* item : v.items) {
            std::string key;
            switch (item->kind) {
            case node_kind::integer:
            case node_kind::number: key = fmt::format("n{}", item->number); break;
            case node_kind::string: key = "s" + item->text; break;
            case node_kind::boolean: key = item->boolean ? "t" : "f"; break;
            case node_kind::null: key = "0"; break;
            default: continue; // containers: rare, and comparing them is not worth it here
            }
            if (!seen.insert(std::move(key)).second) {
                diags_.warning(*item, fmt::format("\"enum\" lists {} twice", shown(*item)));
            }
        }
    }

    void format(const node& v) {
        if (!v.is_string()) {
            diags_.error(v, fmt::format("\"format\" must be a string (a format name), not {}", shown(v)));
            return;
        }
        if (contains(known_formats, v.text)) return;
        // Custom formats are legal (JSON Schema ignores them): say so once per name, not once per use.
        if (!unknown_formats_.insert(v.text).second) return;
        diags_.warning(v, fmt::format("unknown format \"{}\" is not checked (further uses of it are not reported)",
                                      v.text));
    }

    void discriminator(const node& v) {
        if (!expect_object(v, "\"discriminator\"")) return;
        const node* prop = v.get("propertyName");
        if (prop == nullptr) {
            diags_.error(v, "a discriminator needs \"propertyName\" (the property whose value selects the schema)");
        } else {
            expect_string(*prop, "propertyName");
        }
        const node* mapping = v.get("mapping");
        if (mapping == nullptr || !expect_object(*mapping, "the discriminator \"mapping\"")) return;
        for (const auto& m : mapping->members) {
            const node& target = *m.value;
            if (!target.is_string()) {
                diags_.error(target, fmt::format("discriminator mapping \"{}\" must name a schema (a string), not {}",
                                                 m.key, found(target)));
                continue;
            }
            if (const node* s = spec_.resolve_mapping(m.key, target, diags_); s != nullptr) {
                pending_.emplace_back(kind::schema, s);
            }
        }
    }

    void xml(const node& v) {
        if (!expect_object(v, "\"xml\"")) return;
        for (const auto& m : v.members) {
            if (m.key == "name" || m.key == "namespace" || m.key == "prefix") expect_string(*m.value, m.key);
            if (m.key == "attribute" || m.key == "wrapped") expect_bool(*m.value, m.key);
        }
    }

    void external_docs(const node& v) {
        if (!expect_object(v, "\"externalDocs\"")) return;
        const node* url = v.get("url");
        if (url == nullptr) {
            diags_.error(v, "\"externalDocs\" needs a \"url\"");
        } else {
            expect_string(*url, "url");
        }
    }

    void dependent_required(const node& v) {
        if (!expect_object(v, "\"dependentRequired\"")) return;
        for (const auto& m : v.members) {
            if (!m.value->is_array()) {
                diags_.error(*m.value, fmt::format("\"dependentRequired\" maps \"{}\" to {}; it must be an array of "
                                                   "property names",
                                                   m.key, found(*m.value)));
                continue;
            }
            for (const node* name : m.value->items) {
                if (!name->is_string()) {
                    diags_.error(*name, fmt::format("\"dependentRequired\" must list property names (strings), not {}",
                                                    found(*name)));
                }
            }
        }
    }

    // ---- keywords that only make sense together ----

    void keyword_combinations(const node& n) {
        bounds(n, "minLength", "maxLength", "no string");
        bounds(n, "minItems", "maxItems", "no array");
        bounds(n, "minProperties", "maxProperties", "no object");
        if (v31_) bounds(n, "minContains", "maxContains", "no array");
        bounds(n, "minimum", "maximum", "no number");

        const node* type = n.get("type");
        std::uint8_t allowed = 0;
        if (type != nullptr && type->is_string()) {
            allowed = type_bit(type->text);
        } else if (type != nullptr && type->is_array() && v31_) {
            for (const node* t : type->items) {
                if (!t->is_string()) continue;
                const std::uint8_t bit = type_bit(t->text);
                if (bit == 0) { // unknown name, reported by schema_type: check nothing against it
                    allowed = 0;
                    break;
                }
                allowed |= bit;
            }
        }
        if (allowed != 0) {
            if (const node* nullable = n.get("nullable"); !v31_ && nullable != nullptr && nullable->is_bool() &&
                                                          nullable->boolean) {
                allowed |= t_null;
            }
            const std::string type_text = type->is_string() ? type->text : fmt::format("[{}]", [&] {
                std::string names;
                for (const node* t : type->items) {
                    if (!names.empty()) names += ", ";
                    names += t->text;
                }
                return names;
            }());
            if (const node* values = n.get("enum"); values != nullptr && values->is_array()) {
                for (const node* item : values->items) {
                    if ((value_type(*item) & allowed) != 0) continue;
                    diags_.error(*item, fmt::format("{} does not match \"type: {}\"{}",
                                                    item->is_array() || item->is_object()
                                                        ? fmt::format("an enum value that is {}", describe(*item))
                                                        : fmt::format("enum value {}", shown(*item)),
                                                    type_text,
                                                    item->is_null() && !v31_ ? " (add \"nullable: true\")" : ""));
                }
            }
        }

        if (!v31_ && type != nullptr && type->is_string() && type->text == "array" && n.get("items") == nullptr) {
            diags_.error(*type, "\"type: array\" needs \"items\" in OpenAPI 3.0 (\"items: {}\" accepts any item)");
        }

        const node* ro = n.get("readOnly");
        const node* wo = n.get("writeOnly");
        if (ro != nullptr && wo != nullptr && ro->is_bool() && wo->is_bool() && ro->boolean && wo->boolean) {
            diags_.error(*wo, "a schema cannot be both readOnly and writeOnly");
        }
        if (!v31_) {
            for (const std::string_view k : {"exclusiveMinimum", "exclusiveMaximum"}) {
                const node* flag = n.get(k);
                const std::string_view bound = k == "exclusiveMinimum" ? "minimum" : "maximum";
                if (flag != nullptr && flag->is_bool() && flag->boolean && n.get(bound) == nullptr) {
                    diags_.warning(*flag, fmt::format("\"{}: true\" has no effect without \"{}\"", k, bound));
                }
            }
        }
    }

    // "minX" above "maxX": the schema accepts nothing. Legal JSON Schema, almost surely a typo.
    void bounds(const node& n, std::string_view lo_key, std::string_view hi_key, std::string_view nothing) {
        const node* lo = n.get(lo_key);
        const node* hi = n.get(hi_key);
        if (lo == nullptr || hi == nullptr || !lo->is_number() || !hi->is_number()) return;
        if (!std::isfinite(lo->number) || !std::isfinite(hi->number) || !(lo->number > hi->number)) return;
        diags_.warning(*lo, fmt::format("\"{}: {}\" is greater than \"{}: {}\": {} can be valid", lo_key, lo->text,
                                        hi_key, hi->text, nothing));
    }

    void items(const node& n) {
        const node* it = n.get("items");
        if (it == nullptr) return;
        if (it->is_array()) {
            diags_.error(*it, v31_ ? "\"items\" must be a single schema; for a tuple use \"prefixItems\""
                                   : "\"items\" must be a single schema (the tuple form is not part of OpenAPI 3.0)");
            return;
        }
        schema(*it);
    }

    void sub(const node& parent, std::string_view keyword) {
        if (const node* s = parent.get(keyword); s != nullptr) schema(*s);
    }
    void sub_map(const node& parent, std::string_view keyword) {
        const node* m = parent.get(keyword);
        if (m == nullptr) return;
        if (!m->is_object()) {
            diags_.error(*m, fmt::format("\"{}\" must be an object of schemas, not {}", keyword, describe(*m)));
            return;
        }
        for (const auto& member : m->members) schema(*member.value);
    }

    spec_set& spec_;
    diagnostics& diags_;
    bool v31_;
    std::array<std::unordered_set<const node*>, static_cast<std::size_t>(kind::count_)> visited_;
    std::vector<std::pair<kind, const node*>> pending_;
    std::unordered_map<std::string, bool> regex_ok_;   // pattern source -> compiles
    std::unordered_set<std::string> unknown_formats_; // reported once each
};

} // namespace

void check_structure(spec_set& spec, diagnostics& diags) { checker(spec, diags).run(); }

} // namespace katana::codegen::detail
