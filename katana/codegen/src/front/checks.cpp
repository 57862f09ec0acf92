#include "front/checks.hpp"

#include <fmt/format.h>

#include <array>
#include <string>
#include <string_view>
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
        sub_map(n, "properties");
        sub(n, "items");
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
};

} // namespace

void check_structure(spec_set& spec, diagnostics& diags) { checker(spec, diags).run(); }

} // namespace katana::codegen::detail
