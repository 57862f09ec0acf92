// operation_model::build(): the spec's paths (and webhooks) as operations, parameters, bodies,
// responses, security and policies. Decisions taken here are documented in docs/EXTENSIONS.md
// (x-katana-*) and at the top of the generated operations.hpp.
#include <katana/codegen/names.hpp>
#include <katana/codegen/operation_model.hpp>

#include "model/operation_internal.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

namespace katana::codegen {

std::string_view to_string(param_location l) noexcept {
    switch (l) {
    case param_location::path: return "path";
    case param_location::query: return "query";
    case param_location::header: return "header";
    case param_location::cookie: return "cookie";
    }
    return "query";
}

std::string_view to_string(param_style s) noexcept {
    switch (s) {
    case param_style::simple: return "simple";
    case param_style::form: return "form";
    case param_style::label: return "label";
    case param_style::matrix: return "matrix";
    case param_style::space_delimited: return "spaceDelimited";
    case param_style::pipe_delimited: return "pipeDelimited";
    case param_style::deep_object: return "deepObject";
    }
    return "form";
}

namespace {

constexpr std::array<std::string_view, 8> http_methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};

bool is_http_method(std::string_view key) {
    return std::find(http_methods.begin(), http_methods.end(), key) != http_methods.end();
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// "application/json; charset=utf-8" -> "application/json" (lower case).
std::string essence(std::string_view media) {
    const auto semi = media.find(';');
    std::string_view s = media.substr(0, semi);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    return lower(s);
}

media_kind kind_of_media(std::string_view media) {
    const std::string m = essence(media);
    if (m == "application/json" || (m.ends_with("+json") && m.find('*') == std::string::npos)) return media_kind::json;
    if (m == "application/x-www-form-urlencoded") return media_kind::form;
    if (m.starts_with("text/")) return media_kind::text;
    return media_kind::binary;
}

// 0: exact type/subtype, 1: type/*, 2: */* (Content-Type matching tries the most specific first).
int wildcard_rank(std::string_view media) {
    const std::string m = essence(media);
    if (m == "*/*" || m == "*") return 2;
    if (m.ends_with("/*")) return 1;
    return 0;
}

bool is_primitive(cpp_type::kind k) {
    switch (k) {
    case cpp_type::kind::string:
    case cpp_type::kind::int32:
    case cpp_type::kind::int64:
    case cpp_type::kind::uint64:
    case cpp_type::kind::float32:
    case cpp_type::kind::float64:
    case cpp_type::kind::boolean:
    case cpp_type::kind::enumeration: return true;
    default: return false;
    }
}

// The form_field kind (katana::api::field_kind) of a property schema.
std::string field_kind_of(const node* schema, spec_set& spec, diagnostics& diags) {
    const node* s = schema != nullptr ? spec.resolve(schema, diags) : nullptr;
    if (s == nullptr || !s->is_object()) return "string";
    auto type_name = [](const node* t) -> std::string_view {
        if (t == nullptr) return {};
        if (t->is_string()) return t->text;
        if (t->is_array()) {
            // 3.1 type arrays: the first non-null type decides.
            for (const node* e : t->items) {
                if (e->is_string() && e->text != "null") return e->text;
            }
        }
        return {};
    };
    const std::string_view t = type_name(s->get("type"));
    if (t == "integer" || t == "number") return "number";
    if (t == "boolean") return "boolean";
    if (t == "array") {
        const node* items = s->get("items");
        const node* it = items != nullptr ? spec.resolve(items, diags) : nullptr;
        const std::string_view et = it != nullptr && it->is_object() ? type_name(it->get("type")) : std::string_view();
        if (et == "integer" || et == "number") return "number_array";
        if (et == "boolean") return "boolean_array";
        return "string_array";
    }
    return "string";
}

// Property names of an object schema (own `properties`, and those of allOf parts).
void collect_properties(const node* schema, spec_set& spec, diagnostics& diags,
                        std::vector<std::pair<std::string, std::string>>& out, int depth = 0) {
    const node* s = schema != nullptr ? spec.resolve(schema, diags) : nullptr;
    if (s == nullptr || !s->is_object() || depth > 16) return;
    if (const node* props = s->get("properties"); props != nullptr && props->is_object()) {
        for (const auto& m : props->members) {
            const bool seen = std::any_of(out.begin(), out.end(), [&](const auto& p) { return p.first == m.key; });
            if (!seen) out.emplace_back(m.key, field_kind_of(m.value, spec, diags));
        }
    }
    if (const node* all = s->get("allOf"); all != nullptr && all->is_array()) {
        for (const node* part : all->items) collect_properties(part, spec, diags, out, depth + 1);
    }
}

std::string factory_for_status(int code) {
    switch (code) {
    case 100: return "continue_";
    case 200: return "ok";
    case 201: return "created";
    case 202: return "accepted";
    case 203: return "non_authoritative_information";
    case 204: return "no_content";
    case 205: return "reset_content";
    case 206: return "partial_content";
    case 207: return "multi_status";
    case 301: return "moved_permanently";
    case 302: return "found";
    case 303: return "see_other";
    case 304: return "not_modified";
    case 307: return "temporary_redirect";
    case 308: return "permanent_redirect";
    case 400: return "bad_request";
    case 401: return "unauthorized";
    case 402: return "payment_required";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 406: return "not_acceptable";
    case 408: return "request_timeout";
    case 409: return "conflict";
    case 410: return "gone";
    case 411: return "length_required";
    case 412: return "precondition_failed";
    case 413: return "content_too_large";
    case 414: return "uri_too_long";
    case 415: return "unsupported_media_type";
    case 416: return "range_not_satisfiable";
    case 417: return "expectation_failed";
    case 422: return "unprocessable_content";
    case 423: return "locked";
    case 424: return "failed_dependency";
    case 428: return "precondition_required";
    case 429: return "too_many_requests";
    case 431: return "request_header_fields_too_large";
    case 451: return "unavailable_for_legal_reasons";
    case 500: return "internal_server_error";
    case 501: return "not_implemented";
    case 502: return "bad_gateway";
    case 503: return "service_unavailable";
    case 504: return "gateway_timeout";
    default: return fmt::format("status_{}", code);
    }
}

std::string concrete_content_type(const media_model& m) {
    if (wildcard_rank(m.media_type) == 0) return m.media_type;
    switch (m.kind) {
    case media_kind::json: return "application/json";
    case media_kind::text: return "text/plain";
    default: return "application/octet-stream";
    }
}

} // namespace

struct operation_model::builder {
    operation_model& self;
    names::scope handler_names;
    names::scope type_names;
    std::set<std::string> component_types; // PascalCase component schema names
    bool template_malformed = false;        // of the operation being added

    spec_set& spec() { return self.spec_; }
    diagnostics& diags() { return self.diags_; }
    schema_model& schemas() { return self.schemas_; }

    const node* resolve(const node* n) { return n == nullptr ? nullptr : spec().resolve(n, diags()); }

    void reserve_names() {
        for (std::string_view r : {"authenticate", "dispatch", "serve_spec", "route", "handler"}) handler_names.reserve(r);
        for (std::string_view r : {"Server", "ServerBase"}) type_names.reserve(r);
        const node* root = spec().root().root();
        const node* components = root != nullptr ? resolve(root->get("components")) : nullptr;
        const node* schemas_node = components != nullptr ? components->get("schemas") : nullptr;
        if (schemas_node != nullptr && schemas_node->is_object()) {
            for (const auto& m : schemas_node->members) component_types.insert(names::pascal_case(m.key));
        }
    }

    // A PascalCase prefix whose Params/Request/Response names collide with nothing else.
    std::string claim_prefix(std::string_view wanted) {
        std::string base = names::pascal_case(wanted);
        if (base.empty() || base == "_") base = "Operation";
        if (base.starts_with('_')) base = "Op" + base.substr(1);
        for (int n = 1;; ++n) {
            const std::string candidate = n == 1 ? base : fmt::format("{}Op{}", base, n);
            const bool clash = type_names.taken(candidate) || component_types.contains(candidate + "Params") ||
                               component_types.contains(candidate + "Request") ||
                               component_types.contains(candidate + "Response");
            if (!clash) {
                type_names.reserve(candidate);
                return candidate;
            }
        }
    }

    void security_schemes() {
        const node* root = spec().root().root();
        const node* components = root != nullptr ? resolve(root->get("components")) : nullptr;
        const node* ss = components != nullptr ? resolve(components->get("securitySchemes")) : nullptr;
        if (ss == nullptr || !ss->is_object()) return;
        names::scope ids;
        for (const auto& m : ss->members) {
            const node* s = resolve(m.value);
            if (s == nullptr || !s->is_object()) continue;
            security_scheme_model model;
            model.name = m.key;
            model.identifier = ids.claim("scheme_" + names::snake_case(m.key));
            model.at = s;
            const std::string_view type = s->get_string("type");
            if (type == "apiKey") {
                model.type = security_scheme_model::kind::api_key;
                const std::string_view in = s->get_string("in");
                model.key_name = std::string(s->get_string("name"));
                if (in == "header") model.in = security_scheme_model::location::header;
                else if (in == "query") model.in = security_scheme_model::location::query;
                else if (in == "cookie") model.in = security_scheme_model::location::cookie;
                else diags().error(*s, fmt::format("security scheme '{}': apiKey 'in' must be header, query or cookie", m.key));
                if (model.key_name.empty()) diags().error(*s, fmt::format("security scheme '{}': apiKey needs a 'name'", m.key));
            } else if (type == "http") {
                const std::string scheme = lower(s->get_string("scheme"));
                if (scheme == "bearer") {
                    model.type = security_scheme_model::kind::http_bearer;
                } else if (scheme == "basic") {
                    model.type = security_scheme_model::kind::http_basic;
                } else {
                    diags().warning(*s, fmt::format("security scheme '{}': HTTP scheme '{}' is not supported; operations "
                                                    "that require only it always answer 401",
                                                    m.key, scheme));
                    model.type = security_scheme_model::kind::unsupported;
                }
            } else if (type == "oauth2") {
                model.type = security_scheme_model::kind::oauth2;
            } else if (type == "openIdConnect") {
                model.type = security_scheme_model::kind::open_id_connect;
            } else {
                diags().warning(*s, fmt::format("security scheme '{}' of type '{}' is not supported; operations that "
                                                "require only it always answer 401",
                                                m.key, type));
                model.type = security_scheme_model::kind::unsupported;
            }
            self.schemes_.push_back(std::move(model));
        }
    }

    std::vector<security_alternative> security_of(const node* list) {
        std::vector<security_alternative> out;
        if (list == nullptr) return out;
        list = resolve(list);
        if (list == nullptr || !list->is_array()) {
            if (list != nullptr) diags().error(*list, "'security' must be an array of security requirement objects");
            return out;
        }
        for (const node* req : list->items) {
            if (!req->is_object()) {
                diags().error(*req, "a security requirement must be an object");
                continue;
            }
            security_alternative alt;
            for (const auto& m : req->members) {
                auto it = std::find_if(self.schemes_.begin(), self.schemes_.end(),
                                       [&](const security_scheme_model& s) { return s.name == m.key; });
                if (it == self.schemes_.end()) {
                    diags().error(*m.value, fmt::format("security requirement names '{}', which is not in "
                                                        "components.securitySchemes",
                                                        m.key));
                    continue;
                }
                security_item_model item;
                item.scheme = static_cast<std::size_t>(it - self.schemes_.begin());
                if (m.value->is_array()) {
                    for (const node* scope : m.value->items) {
                        if (scope->is_string()) item.scopes.push_back(scope->text);
                    }
                }
                alt.push_back(std::move(item));
            }
            out.push_back(std::move(alt));
        }
        return out;
    }

    // Reads a Parameter Object into `out`; false (diagnosed) when unusable.
    bool read_parameter(const node& p, const operation& op, parameter_model& out) {
        out.at = &p;
        const node* name = p.get("name");
        const node* in = p.get("in");
        if (name == nullptr || !name->is_string() || name->text.empty()) {
            diags().error(p, "a parameter needs a non-empty string 'name'");
            return false;
        }
        out.name = name->text;
        const std::string_view in_text = in != nullptr && in->is_string() ? std::string_view(in->text) : std::string_view();
        if (in_text == "path") out.in = param_location::path;
        else if (in_text == "query") out.in = param_location::query;
        else if (in_text == "header") out.in = param_location::header;
        else if (in_text == "cookie") out.in = param_location::cookie;
        else {
            diags().error(p, fmt::format("parameter '{}': 'in' must be path, query, header or cookie", out.name));
            return false;
        }
        if (const node* r = p.get("required"); r != nullptr && r->is_bool()) out.required = r->boolean;
        if (out.in == param_location::path && !out.required) {
            diags().error(p, fmt::format("path parameter '{}' must have required: true", out.name));
            out.required = true;
        }
        if (const node* d = p.get("deprecated"); d != nullptr && d->is_bool()) out.deprecated = d->boolean;
        out.description = std::string(p.get_string("description"));
        out.style = out.in == param_location::path || out.in == param_location::header ? param_style::simple
                                                                                      : param_style::form;
        if (const node* st = p.get("style")) {
            const std::string_view s = st->is_string() ? std::string_view(st->text) : std::string_view();
            if (s == "simple") out.style = param_style::simple;
            else if (s == "form") out.style = param_style::form;
            else if (s == "label") out.style = param_style::label;
            else if (s == "matrix") out.style = param_style::matrix;
            else if (s == "spaceDelimited") out.style = param_style::space_delimited;
            else if (s == "pipeDelimited") out.style = param_style::pipe_delimited;
            else if (s == "deepObject") out.style = param_style::deep_object;
            else {
                diags().error(*st, fmt::format("parameter '{}': unknown style '{}'", out.name, s));
                return false;
            }
        }
        const bool allowed = [&] {
            switch (out.in) {
            case param_location::path:
                return out.style == param_style::simple || out.style == param_style::label || out.style == param_style::matrix;
            case param_location::query:
                return out.style == param_style::form || out.style == param_style::space_delimited ||
                       out.style == param_style::pipe_delimited || out.style == param_style::deep_object;
            case param_location::header: return out.style == param_style::simple;
            case param_location::cookie: return out.style == param_style::form;
            }
            return false;
        }();
        if (!allowed) {
            diags().error(p, fmt::format("parameter '{}': style '{}' is not allowed in {}", out.name, to_string(out.style),
                                         to_string(out.in)));
            return false;
        }
        out.explode = out.style == param_style::form;
        if (const node* ex = p.get("explode"); ex != nullptr && ex->is_bool()) out.explode = ex->boolean;
        if (const node* ar = p.get("allowReserved"); ar != nullptr && ar->is_bool() && ar->boolean) {
            diags().warning(*ar, "allowReserved: reserved characters are accepted as sent; values are percent-decoded either way");
        }

        const std::string hint = op_type_hint(op, out);
        if (const node* content = p.get("content")) {
            const node* c = resolve(content);
            if (c == nullptr || !c->is_object() || c->members.size() != 1) {
                diags().error(p, fmt::format("parameter '{}': 'content' must hold exactly one media type", out.name));
                return false;
            }
            const auto& media = c->members.front();
            const node* mo = resolve(media.value);
            const node* schema = mo != nullptr && mo->is_object() ? mo->get("schema") : nullptr;
            out.schema = resolve(schema);
            if (kind_of_media(media.key) == media_kind::json) {
                out.shape = param_shape::json_content;
                out.type = &schemas().type_for(schema, hint);
            } else {
                out.shape = param_shape::raw;
            }
        } else {
            const node* schema = p.get("schema");
            if (schema == nullptr) {
                diags().error(p, fmt::format("parameter '{}' needs a 'schema' or a 'content'", out.name));
                return false;
            }
            out.schema = resolve(schema);
            out.type = &schemas().type_for(schema, hint);
            classify(out);
        }
        if (out.schema != nullptr && out.schema->is_object()) out.default_value = out.schema->get("default");
        spell(out);
        return true;
    }

    static std::string op_type_hint(const operation& op, const parameter_model& p) {
        return op.type_prefix + names::pascal_case(to_string(p.in)) + names::pascal_case(p.name);
    }

    void classify(parameter_model& p) {
        const cpp_type& t = *p.type;
        if (is_primitive(t.category)) {
            p.shape = param_shape::primitive;
            if (p.style == param_style::deep_object) {
                diags().error(*p.at, fmt::format("parameter '{}': deepObject needs an object schema", p.name));
            }
        } else if (t.category == cpp_type::kind::array && t.element != nullptr && is_primitive(t.element->category) &&
                   !t.element_nullable) {
            p.shape = param_shape::array;
            p.element = t.element;
        } else if (t.category == cpp_type::kind::object || t.category == cpp_type::kind::map) {
            p.shape = param_shape::object;
            collect_properties(p.schema, spec(), diags(), p.object_fields);
            if (p.in == param_location::query && p.style == param_style::form && p.explode && p.object_fields.empty()) {
                diags().warning(*p.at, fmt::format("parameter '{}': an exploded form object without declared properties "
                                                   "takes every query pair as a member",
                                                   p.name));
            }
        } else if (t.category == cpp_type::kind::any || t.category == cpp_type::kind::variant) {
            p.shape = param_shape::scalar_json;
        } else {
            p.shape = param_shape::raw;
            diags().warning(*p.at, fmt::format("parameter '{}': arrays of non-primitive values are not bound; the "
                                               "handler gets the decoded text",
                                               p.name));
        }
    }

    void spell(parameter_model& p) {
        std::string base;
        switch (p.shape) {
        case param_shape::raw: base = "std::string_view"; break;
        default: base = p.type->spelling; break;
        }
        bool has_default = false;
        if (p.default_value != nullptr) {
            has_default = usable_default(p);
            if (!has_default) p.default_value = nullptr;
        }
        p.spelling = p.required || has_default ? base : "std::optional<" + base + ">";
    }

    // Defaults are applied to primitives and arrays of primitives when they fit the schema.
    bool usable_default(const parameter_model& p) {
        const node& d = *p.default_value;
        auto fits = [&](const node& v, const cpp_type& t) {
            switch (t.category) {
            case cpp_type::kind::boolean: return v.is_bool();
            case cpp_type::kind::int32:
            case cpp_type::kind::int64:
            case cpp_type::kind::uint64: return v.kind == node_kind::integer;
            case cpp_type::kind::float32:
            case cpp_type::kind::float64: return v.is_number();
            case cpp_type::kind::string: return v.is_string();
            case cpp_type::kind::enumeration: {
                if (t.is_string_enum ? !v.is_string() : v.kind != node_kind::integer) return false;
                const node* values = t.schema != nullptr ? t.schema->get("enum") : nullptr;
                if (values == nullptr || !values->is_array()) return true;
                return std::any_of(values->items.begin(), values->items.end(),
                                   [&](const node* e) { return e->kind == v.kind && e->text == v.text; });
            }
            default: return false;
            }
        };
        bool ok = false;
        if (p.shape == param_shape::primitive) {
            ok = fits(d, *p.type);
        } else if (p.shape == param_shape::array) {
            ok = d.is_array() && std::all_of(d.items.begin(), d.items.end(), [&](const node* e) { return fits(*e, *p.element); });
        } else {
            diags().warning(d, fmt::format("parameter '{}': defaults are applied to primitives and arrays of primitives "
                                           "only; this one is ignored",
                                           p.name));
            return false;
        }
        if (!ok) diags().warning(d, fmt::format("parameter '{}': the default does not fit the schema and is ignored", p.name));
        return ok;
    }

    void parameters(operation& op, const node* path_params, const node& op_node) {
        std::vector<const node*> declared;
        auto add_list = [&](const node* list) {
            list = resolve(list);
            if (list == nullptr) return;
            if (!list->is_array()) {
                diags().error(*list, "'parameters' must be an array");
                return;
            }
            for (const node* item : list->items) {
                const node* p = resolve(item);
                if (p != nullptr && p->is_object()) declared.push_back(p);
            }
        };
        add_list(path_params);
        const std::size_t path_level = declared.size();
        add_list(op_node.get("parameters"));
        // Operation-level parameters override path-level ones with the same name and location.
        std::vector<const node*> effective;
        for (std::size_t i = 0; i < declared.size(); ++i) {
            const node* p = declared[i];
            const std::string_view name = p->get_string("name");
            const std::string_view in = p->get_string("in");
            bool overridden = false;
            if (i < path_level) {
                for (std::size_t j = path_level; j < declared.size(); ++j) {
                    overridden = overridden || (declared[j]->get_string("name") == name && declared[j]->get_string("in") == in);
                }
            } else {
                for (std::size_t j = path_level; j < i; ++j) {
                    if (declared[j]->get_string("name") == name && declared[j]->get_string("in") == in) {
                        diags().error(*p, fmt::format("parameter '{}' in {} is declared twice", name, in));
                        overridden = true;
                    }
                }
            }
            if (!overridden) effective.push_back(p);
        }
        names::scope fields;
        for (std::string_view r : {"params", "body", "info"}) fields.reserve(r);
        for (const node* p : effective) {
            parameter_model model;
            if (!read_parameter(*p, op, model)) continue;
            // Header names are case-insensitive; Accept, Content-Type and Authorization are ignored (spec rule).
            if (model.in == param_location::header) {
                const std::string l = lower(model.name);
                if (l == "accept" || l == "content-type" || l == "authorization") {
                    diags().warning(*p, fmt::format("header parameter '{}' is ignored (OpenAPI: Accept, Content-Type and "
                                                    "Authorization are described elsewhere)",
                                                    model.name));
                    continue;
                }
            }
            std::string wanted = names::snake_case(model.name);
            if (fields.taken(names::identifier(wanted))) wanted = std::string(to_string(model.in)) + "_" + wanted;
            model.field = fields.claim(wanted);
            op.params.push_back(std::move(model));
        }
        // Every template parameter must be declared in the path, and every path parameter used.
        for (const auto& name : op.path_param_names) {
            const bool found = std::any_of(op.params.begin(), op.params.end(), [&](const parameter_model& m) {
                return m.in == param_location::path && m.name == name;
            });
            if (!found) {
                diags().warning(*op.at, fmt::format("{} {}: path parameter '{}' is not declared; it is matched but not "
                                                    "bound",
                                                    op.method, op.path, name));
            }
        }
        for (auto it = op.params.begin(); it != op.params.end();) {
            const bool used = it->in != param_location::path ||
                              std::find(op.path_param_names.begin(), op.path_param_names.end(), it->name) !=
                                  op.path_param_names.end();
            if (!used) {
                // A malformed template is diagnosed once by insert_route; its parameters are not
                // "missing" from it.
                if (!template_malformed) {
                    diags().error(*it->at, fmt::format("path parameter '{}' does not appear in the template {}", it->name,
                                                       op.path));
                }
                it = op.params.erase(it);
            } else {
                ++it;
            }
        }
    }

    media_model read_media(std::string_view media_type, const node* media_object, const std::string& hint, bool request) {
        media_model m;
        m.media_type = std::string(media_type);
        m.kind = kind_of_media(media_type);
        const node* mo = resolve(media_object);
        const node* schema = mo != nullptr && mo->is_object() ? mo->get("schema") : nullptr;
        m.schema = resolve(schema);
        if (m.kind == media_kind::form) {
            if (!request) {
                m.kind = media_kind::binary;
            } else if (m.schema == nullptr) {
                m.kind = media_kind::binary;
                if (mo != nullptr) diags().warning(*mo, "a form body without a schema is passed as raw bytes");
            } else {
                m.type = &schemas().type_for(schema, hint);
                if (m.type->category != cpp_type::kind::object && m.type->category != cpp_type::kind::map) {
                    diags().warning(*m.schema, "a form body must be an object; it is passed as raw bytes");
                    m.kind = media_kind::binary;
                    m.type = nullptr;
                } else {
                    collect_properties(schema, spec(), diags(), m.form_fields);
                }
            }
        }
        if (m.kind == media_kind::json) {
            m.type = &schemas().type_for(schema, hint);
            m.nullable = schema != nullptr && schemas().is_nullable(m.schema);
            // Arrays, maps, primitives and DOM values carry no constraints in their C++ type.
            if (request && schema != nullptr) m.reader = schemas().body_reader(schema);
        }
        if (essence(media_type).starts_with("multipart/") && mo != nullptr) {
            diags().warning(*mo, fmt::format("{} bodies are not parsed; the handler gets the raw bytes", media_type));
        }
        if (m.type != nullptr) {
            m.spelling = m.nullable ? "std::optional<" + m.type->spelling + ">" : m.type->spelling;
        } else {
            m.spelling = "std::string_view";
        }
        m.content_type = concrete_content_type(m);
        return m;
    }

    void request_body(operation& op, const node& op_node) {
        const node* raw = op_node.get("requestBody");
        if (raw == nullptr) return;
        const node* rb = resolve(raw);
        if (rb == nullptr || !rb->is_object()) return;
        request_body_model body;
        body.at = rb;
        if (const node* r = rb->get("required"); r != nullptr && r->is_bool()) body.required = r->boolean;
        const node* content = resolve(rb->get("content"));
        if (content == nullptr || !content->is_object() || content->members.empty()) {
            diags().error(*rb, "a requestBody needs a non-empty 'content'");
            return;
        }
        for (const auto& m : content->members) body.media.push_back(read_media(m.key, m.value, op.type_prefix + "Body", true));
        std::stable_sort(body.media.begin(), body.media.end(), [](const media_model& a, const media_model& b) {
            return wildcard_rank(a.media_type) < wildcard_rank(b.media_type);
        });
        names::scope fields;
        for (std::string_view r : {"params", "info", "media", "body_media"}) fields.reserve(r);
        for (auto& m : body.media) {
            m.enumerator = names::identifier(names::snake_case(essence(m.media_type) == "*/*" ? "any" : essence(m.media_type)));
            m.field = body.media.size() == 1 ? "body" : fields.claim(m.enumerator);
            m.enumerator = m.field;
        }
        op.body = std::move(body);
    }

    int media_index(operation& op, const std::string& media) {
        auto it = std::find(op.response_media.begin(), op.response_media.end(), media);
        if (it != op.response_media.end()) return static_cast<int>(it - op.response_media.begin());
        op.response_media.push_back(media);
        return static_cast<int>(op.response_media.size() - 1);
    }

    void responses(operation& op, const node& op_node) {
        const node* raw = op_node.get("responses");
        if (raw == nullptr && spec().version() == spec_version::v3_1) {
            // OpenAPI 3.1 makes `responses` optional: nothing is promised about the answer. The
            // handler gets one `default`-like response without a body (any status it chooses,
            // e.g. Response::default_response(204)); no media, so any Accept is acceptable.
            response_model r;
            r.key = "default";
            r.kind = status_kind::fallback;
            r.type_name = "response_default";
            r.factory = "default_response";
            r.description = "no responses declared (OpenAPI 3.1): any status, no body";
            op.responses.push_back(std::move(r));
            return;
        }
        const node* rs = resolve(raw);
        if (rs == nullptr || !rs->is_object() || rs->members.empty()) {
            diags().error(op_node, fmt::format("{} {}: 'responses' must declare at least one response", op.method, op.path));
            return;
        }
        for (const auto& m : rs->members) {
            if (m.key.starts_with("x-")) continue;
            response_model r;
            r.key = m.key;
            if (m.key == "default") {
                r.kind = status_kind::fallback;
                r.type_name = "response_default";
                r.factory = "default_response";
            } else if (m.key.size() == 3 && m.key[0] >= '1' && m.key[0] <= '5' &&
                       ((m.key[1] == 'X' && m.key[2] == 'X') || (m.key[1] == 'x' && m.key[2] == 'x'))) {
                r.kind = status_kind::range;
                r.code = m.key[0] - '0';
                r.type_name = fmt::format("response_{}xx", r.code);
                r.factory = fmt::format("status_{}xx", r.code);
            } else if (m.key.size() == 3 && std::all_of(m.key.begin(), m.key.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
                       m.key[0] >= '1' && m.key[0] <= '5') {
                r.kind = status_kind::exact;
                r.code = std::stoi(m.key);
                r.type_name = fmt::format("response_{}", r.code);
                r.factory = factory_for_status(r.code);
            } else {
                diags().error(*m.value, fmt::format("response key '{}' is not a status code (100-599), a range like 2XX, "
                                                    "or default",
                                                    m.key));
                continue;
            }
            const node* ro = resolve(m.value);
            if (ro == nullptr || !ro->is_object()) continue;
            r.at = ro;
            r.description = std::string(ro->get_string("description"));
            const std::string hint = op.type_prefix + names::pascal_case(m.key == "default" ? "Default" : m.key) + "Body";
            if (const node* content = resolve(ro->get("content")); content != nullptr && content->is_object()) {
                for (const auto& c : content->members) r.media.push_back(read_media(c.key, c.value, hint, false));
            }
            if (const node* headers = resolve(ro->get("headers")); headers != nullptr && headers->is_object()) {
                names::scope fields;
                for (const auto& h : headers->members) {
                    if (lower(h.key) == "content-type") continue; // OpenAPI: ignored
                    const node* ho = resolve(h.value);
                    if (ho == nullptr || !ho->is_object()) continue;
                    header_model hm;
                    hm.name = h.key;
                    hm.field = fields.claim(names::snake_case(h.key));
                    if (const node* req = ho->get("required"); req != nullptr && req->is_bool()) hm.required = req->boolean;
                    const node* schema = ho->get("schema");
                    hm.schema = resolve(schema);
                    if (schema == nullptr) {
                        diags().warning(*ho, fmt::format("response header '{}' without a schema is a string", h.key));
                    }
                    hm.type = &schemas().type_for(schema, op.type_prefix + names::pascal_case(h.key) + "Header");
                    const bool ok = schema == nullptr || is_primitive(hm.type->category) ||
                                    (hm.type->category == cpp_type::kind::array && hm.type->element != nullptr &&
                                     is_primitive(hm.type->element->category) && !hm.type->element_nullable);
                    if (schema == nullptr) hm.type = nullptr;
                    if (!ok) {
                        diags().warning(*ho, fmt::format("response header '{}': only primitives and arrays of primitives "
                                                         "are supported; it is omitted",
                                                         h.key));
                        continue;
                    }
                    r.headers.push_back(std::move(hm));
                }
            }
            op.responses.push_back(std::move(r));
        }
        if (op.responses.empty()) {
            // Only extensions or keys already diagnosed: a Response class nobody can build.
            const bool diagnosed = std::any_of(rs->members.begin(), rs->members.end(),
                                               [](const auto& m) { return !m.key.starts_with("x-"); });
            if (!diagnosed) {
                diags().error(*rs, fmt::format("{} {}: 'responses' holds only extensions; declare at least one response",
                                               op.method, op.path));
            }
            return;
        }
        // Exact codes ascending, then ranges, then default.
        std::stable_sort(op.responses.begin(), op.responses.end(), [](const response_model& a, const response_model& b) {
            auto rank = [](const response_model& r) {
                return r.kind == status_kind::exact ? r.code : r.kind == status_kind::range ? 1000 + r.code : 2000;
            };
            return rank(a) < rank(b);
        });
        // The responses whose media Accept negotiates (see operation::negotiable_media): their
        // media come first in response_media, so they also win ties ("*/*").
        auto success = [](const response_model& r) {
            return (r.kind == status_kind::exact && r.code < 400) || (r.kind == status_kind::range && r.code < 4);
        };
        const bool any_success = std::any_of(op.responses.begin(), op.responses.end(), success);
        const bool any_default = std::any_of(op.responses.begin(), op.responses.end(),
                                             [](const response_model& r) { return r.kind == status_kind::fallback; });
        auto negotiable = [&](const response_model& r) {
            if (any_success) return success(r);
            if (any_default) return r.kind == status_kind::fallback;
            return true;
        };
        for (const bool first_pass : {true, false}) {
            for (auto& r : op.responses) {
                if (negotiable(r) != first_pass) continue;
                if (first_pass && r.media.empty()) op.bodiless_success = true;
                for (const auto& media : r.media) {
                    const int index = media_index(op, media.media_type);
                    add_representation(r, media.spelling, index, media.kind == media_kind::json);
                }
            }
            if (first_pass) op.negotiable_media = op.response_media.size();
        }
        for (auto& r : op.responses) cross_text_and_json_strings(r, op);
    }

    static void add_representation(response_model& r, const std::string& spelling, int index, bool json) {
        auto rep = std::find_if(r.representations.begin(), r.representations.end(),
                                [&](const representation_model& x) { return x.spelling == spelling; });
        if (rep == r.representations.end()) {
            representation_model x;
            x.spelling = spelling;
            r.representations.push_back(std::move(x));
            rep = r.representations.end() - 1;
        }
        if (std::find(rep->media.begin(), rep->media.end(), index) != rep->media.end()) return;
        rep->media.push_back(index);
        rep->media_json.push_back(json);
        rep->json = rep->json || json;
    }

    // A response offering text/* and a JSON media whose schema is a plain string carries the
    // same value either way: whichever of the two C++ types the handler returns can be written
    // in every one of those media (a JSON string or the raw text), so Accept decides instead of
    // the type the handler happened to pick.
    void cross_text_and_json_strings(response_model& r, operation& op) {
        std::vector<int> text_media;
        std::vector<int> json_string_media;
        std::string json_string_spelling;
        for (const auto& m : r.media) {
            const int index = media_index(op, m.media_type);
            if (m.kind == media_kind::text && m.spelling == "std::string_view") {
                text_media.push_back(index);
            } else if (m.kind == media_kind::json && m.type != nullptr && !m.nullable &&
                       m.type->category == cpp_type::kind::string && m.spelling == "std::pmr::string") {
                json_string_media.push_back(index);
                json_string_spelling = m.spelling;
            }
        }
        if (text_media.empty() || json_string_media.empty()) return;
        for (int index : json_string_media) add_representation(r, "std::string_view", index, true);
        for (int index : text_media) add_representation(r, json_string_spelling, index, false);
    }

    void add_operation(const std::string& path, const std::string& method, const node& op_node, const node* path_params,
                       const node* global_security) {
        operation op;
        op.index = self.operations_.size();
        op.method = method;
        op.path = path;
        op.at = &op_node;
        op.summary = std::string(op_node.get_string("summary"));
        if (const node* d = op_node.get("deprecated"); d != nullptr && d->is_bool()) op.deprecated = d->boolean;
        const std::string_view id = op_node.get_string("operationId");
        if (!id.empty()) {
            op.operation_id = std::string(id);
        } else {
            op.operation_id = method + " " + path;
            op.derived_id = true;
        }
        for (const auto& other : self.operations_) {
            if (!op.derived_id && !other.derived_id && other.operation_id == op.operation_id) {
                diags().error(op_node, fmt::format("operationId '{}' is used twice (also {} {})", op.operation_id,
                                                   other.method, other.path));
            }
        }
        std::string wanted = op.derived_id ? names::snake_case(method + " " + path) : names::snake_case(op.operation_id);
        // Generated names are built as prefix_<handler>: a leading '_' (an id of symbols only, or
        // starting with a digit) would make reserved "__" identifiers.
        if (wanted == "_") wanted = names::snake_case(method + " " + path);
        if (wanted.starts_with('_')) wanted = "op" + wanted;
        op.handler = handler_names.claim(wanted);
        if (op.handler != names::identifier(wanted)) {
            diags().warning(op_node, fmt::format("operation '{}': handler name '{}' is taken; using '{}'", op.operation_id,
                                                 names::identifier(wanted), op.handler));
        }
        const bool symbols_only = names::pascal_case(op.operation_id) == "_";
        op.type_prefix = claim_prefix(op.derived_id || symbols_only ? method + " " + path : op.operation_id);
        template_malformed = !detail::template_parameters(path, op.path_param_names);
        if (template_malformed) {
            // insert_route diagnoses the template.
            op.path_param_names.clear();
        }
        parameters(op, path_params, op_node);
        request_body(op, op_node);
        responses(op, op_node);
        if (const node* sec = op_node.get("security")) {
            op.security = security_of(sec);
        } else {
            op.security = security_of(global_security);
        }
        detail::parse_policy_extensions(op_node, spec(), diags(), op.policy);
        self.operations_.push_back(std::move(op));
    }

    void paths() {
        const node* root = spec().root().root();
        if (root == nullptr) return;
        const node* global_security = root->get("security");
        const node* paths_node = resolve(root->get("paths"));
        if (paths_node != nullptr && paths_node->is_object()) {
            for (const auto& m : paths_node->members) {
                if (m.key.starts_with("x-")) continue;
                const node* item = resolve(m.value);
                if (item == nullptr || !item->is_object()) continue;
                for (const auto& k : item->members) {
                    if (!is_http_method(k.key)) {
                        const bool known = k.key == "summary" || k.key == "description" || k.key == "servers" ||
                                           k.key == "parameters" || k.key == "$ref" || k.key.starts_with("x-");
                        if (!known) {
                            diags().warning(*k.value, fmt::format("path item key '{}' is not supported and ignored", k.key));
                        }
                        continue;
                    }
                    const node* op_node = resolve(k.value);
                    if (op_node == nullptr || !op_node->is_object()) continue;
                    add_operation(m.key, k.key, *op_node, item->get("parameters"), global_security);
                }
            }
        }
        const node* webhooks = resolve(root->get("webhooks"));
        if (webhooks != nullptr && webhooks->is_object()) {
            for (const auto& m : webhooks->members) {
                const node* item = resolve(m.value);
                if (item == nullptr || !item->is_object()) continue;
                for (const auto& k : item->members) {
                    if (!is_http_method(k.key)) continue;
                    const node* op_node = resolve(k.value);
                    if (op_node == nullptr || !op_node->is_object()) continue;
                    webhook_model w;
                    w.name = m.key;
                    w.method = k.key;
                    w.operation_id = std::string(op_node->get_string("operationId"));
                    w.summary = std::string(op_node->get_string("summary"));
                    self.webhooks_.push_back(std::move(w));
                }
            }
        }
    }
};

operation_model::operation_model(spec_set& spec, schema_model& schemas, diagnostics& diags)
    : spec_(spec), schemas_(schemas), diags_(diags) {}

operation_model::~operation_model() = default;

void operation_model::build() {
    builder b{*this, {}, {}, {}, false};
    b.reserve_names();
    b.security_schemes();
    b.paths();
    for (const auto& op : operations_) detail::insert_route(root_, op, operations_, diags_);
    detail::number_routes(root_);
}

} // namespace katana::codegen
