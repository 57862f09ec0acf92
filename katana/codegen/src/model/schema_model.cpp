// Schema Object -> C++ type. The rules (all from issue #3):
//  - object with properties -> struct; allOf -> one merged struct (properties, required and
//    additionalProperties of every part; a property whose parts disagree on its type is an error)
//  - oneOf/anyOf -> struct deriving from std::variant (null alternatives make the slot nullable;
//    a single non-null alternative is that alternative's type)
//  - enum of strings / integers -> enum class
//  - additionalProperties schema (or true) beside properties -> `additional_properties` member;
//    an object with only additionalProperties -> std::pmr::vector<std::pair<std::pmr::string, T>>
//  - anything without one precise C++ type (several types, `not`, if/then/else, constraint-only
//    schemas, boolean schemas, free-form objects) -> katana::json::value + generated DOM validator
//  - components that are not structs/enums/variants get a `using Name = ...;` alias.
// Nothing is rejected: what has no typed form is still validated through the DOM path.
#include "model/schema_impl.hpp"

#include <katana/codegen/names.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <functional>

namespace katana::codegen {

using model::decl;
using model::decl_kind;

namespace {

constexpr int max_schema_depth = 64;

bool has(const node* n, std::string_view key) { return n != nullptr && n->get(key) != nullptr; }

bool is_true(const node* n, std::string_view key) {
    const node* v = n != nullptr ? n->get(key) : nullptr;
    return v != nullptr && v->is_bool() && v->boolean;
}

// Keywords that only annotate (or that the model reads elsewhere) -- never a reason for a
// warning and never "structure".
bool is_annotation(std::string_view k) {
    static constexpr std::string_view words[] = {
        "title",       "description",   "default",     "example",    "examples",  "deprecated",
        "readOnly",    "writeOnly",     "xml",         "externalDocs", "$comment", "$schema",
        "$id",         "$anchor",       "$defs",       "definitions", "contentMediaType",
        "contentEncoding", "contentSchema", "discriminator", "nullable", "format"};
    if (k.starts_with("x-")) return true;
    return std::find(std::begin(words), std::end(words), k) != std::end(words);
}

// Keywords the typed model validates.
bool is_typed_keyword(std::string_view k) {
    static constexpr std::string_view words[] = {
        "type",     "enum",         "const",        "properties",  "required",        "additionalProperties",
        "items",    "allOf",        "oneOf",        "anyOf",       "minimum",         "maximum",
        "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "pattern",
        "minItems", "maxItems",     "uniqueItems",  "minProperties", "maxProperties", "$ref"};
    return std::find(std::begin(words), std::end(words), k) != std::end(words);
}

// Keywords only the DOM validator implements: a schema using one becomes katana::json::value.
bool is_dom_keyword(std::string_view k) {
    static constexpr std::string_view words[] = {"not",           "if",         "then",        "else",
                                                 "patternProperties", "prefixItems", "contains", "minContains",
                                                 "maxContains",   "dependentRequired", "propertyNames",
                                                 "additionalItems"};
    return std::find(std::begin(words), std::end(words), k) != std::end(words);
}

} // namespace

namespace model {

std::string cpp_literal(std::string_view bytes) {
    std::string out = "\"";
    for (unsigned char c : bytes) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        default:
            if (c < 0x20 || c >= 0x7f) {
                // Octal escapes stop after three digits, unlike \x which would swallow a
                // following hex digit.
                out += fmt::format("\\{:03o}", c);
            } else {
                out.push_back(static_cast<char>(c));
            }
        }
    }
    out.push_back('"');
    return out;
}

std::string json_quoted(std::string_view bytes) {
    std::string out = "\"";
    for (unsigned char c : bytes) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
            if (c < 0x20) {
                out += fmt::format("\\u{:04x}", c);
            } else {
                out.push_back(static_cast<char>(c));
            }
        }
    }
    out.push_back('"');
    return out;
}

std::string last_segment(std::string_view ref) {
    const auto slash = ref.rfind('/');
    std::string_view tail = slash == std::string_view::npos ? ref : ref.substr(slash + 1);
    const auto hash = tail.rfind('#');
    if (hash != std::string_view::npos) tail = tail.substr(hash + 1);
    // Percent-decoding of the common case ("%7B") is the front's business for resolution; for a
    // display name the unescaped pointer token is enough.
    return unescape_pointer_token(tail);
}

std::uint8_t declared_types(const node* schema, spec_version v) {
    if (schema == nullptr || !schema->is_object()) return t_all;
    auto bit = [](std::string_view t) -> std::uint8_t {
        if (t == "null") return t_null;
        if (t == "boolean") return t_boolean;
        if (t == "integer") return t_integer;
        if (t == "number") return t_number | t_integer;
        if (t == "string") return t_string;
        if (t == "array") return t_array;
        if (t == "object") return t_object;
        return 0;
    };
    std::uint8_t bits = 0;
    const node* t = schema->get("type");
    if (t == nullptr) {
        bits = t_all;
    } else if (t->is_string()) {
        bits = bit(t->text);
    } else if (t->is_array()) {
        for (const node* item : t->items) {
            if (item->is_string()) bits |= bit(item->text);
        }
    } else {
        bits = t_all;
    }
    if (v == spec_version::v3_0 && is_true(schema, "nullable")) bits |= t_null;
    return bits;
}

} // namespace model

// ---------------------------------------------------------------------------------------------
// schema_model (public face)

schema_model::schema_model(spec_set& spec, diagnostics& diags) : impl_(std::make_unique<impl>(spec, diags)) {
    // Names the generated code itself uses in the user's namespace.
    impl_->type_names.reserve("models_detail");
    impl_->type_names.reserve("Server");
    const auto& root = spec.root().path();
    const auto slash = root.find_last_of("/\\");
    impl_->source_name = slash == std::string::npos ? root : root.substr(slash + 1);
}

schema_model::~schema_model() = default;

void schema_model::set_source_name(std::string name) { impl_->source_name = std::move(name); }

std::size_t schema_model::declaration_count() const noexcept { return impl_->decls.size(); }

names::scope& schema_model::type_names() noexcept { return impl_->type_names; }

void schema_model::build() {
    auto& m = *impl_;
    if (m.built) return;
    m.built = true;
    const node* root = m.spec.root().root();
    const node* components = root != nullptr ? root->get("components") : nullptr;
    const node* schemas = components != nullptr ? components->get("schemas") : nullptr;
    if (schemas == nullptr || !schemas->is_object()) return;
    // Claim every component name first so that inline types never take a component's name.
    std::vector<std::pair<const node*, std::string>> named;
    for (const auto& member : schemas->members) {
        named.emplace_back(member.value, m.type_names.claim(names::pascal_case(member.key)));
    }
    for (const auto& [n, name] : named) m.component_names.emplace(n, name);
    // A component that only refers to a schema outside components.schemas (another file) names
    // that schema: `Order: {$ref: 'order.yaml#/Order'}` declares `struct Order`, not Order_2.
    for (const auto& [n, name] : named) {
        if (spec_set::ref_of(n).empty()) continue;
        const node* target = m.resolve(n);
        if (target != nullptr && target != n && !m.component_names.contains(target)) m.component_names.emplace(target, name);
    }
    // allOf polymorphism (a base with a discriminator that subtypes extend through allOf) has no
    // dispatch here: a value of the base type is parsed as the base, and the properties only a
    // subtype declares are not kept. Say so where the construct is, with the way out.
    std::unordered_map<const node*, std::vector<std::string>> extended_by; // allOf $ref target -> components
    for (const auto& [n, name] : named) {
        const node* all = n->is_object() ? n->get("allOf") : nullptr;
        if (all == nullptr || !all->is_array()) continue;
        for (const node* part : all->items) {
            const node* base = spec_set::ref_of(part).empty() ? nullptr : m.resolve(part);
            const node* disc = base != nullptr && base->is_object() ? base->get("discriminator") : nullptr;
            if (disc == nullptr) continue;
            auto& list = extended_by[base];
            if (std::find(list.begin(), list.end(), name) == list.end()) list.push_back(name);
        }
    }
    for (const auto& [n, name] : named) {
        const node* disc = n->is_object() ? n->get("discriminator") : nullptr;
        if (disc == nullptr || has(n, "oneOf") || has(n, "anyOf")) continue;
        const auto found = extended_by.find(n);
        if (found == extended_by.end()) continue;
        const std::vector<std::string>& subtypes = found->second;
        m.diags.warning(*disc, fmt::format("allOf polymorphism is not dispatched: a value of {} is read as {} only and the "
                                           "properties of its subtypes ({}) are dropped; use a oneOf of the subtypes (with "
                                           "this discriminator) where any subtype may appear",
                                           name, name, fmt::join(subtypes, ", ")));
    }
    std::vector<std::pair<const node*, std::string>> references;
    for (const auto& [n, name] : named) {
        m.check_keywords(n);
        // A component that is only a $ref: references to it resolve to the target, so it is
        // declared last, as `using Name = Target;`, once every target has its type.
        if (!spec_set::ref_of(n).empty()) {
            references.emplace_back(n, name);
            continue;
        }
        (void)m.type_for(n, name);
    }
    for (const auto& [n, name] : references) {
        const cpp_type& t = m.type_for(n, name);
        if (t.spelling == name || m.by_node.contains(n)) continue; // 3.1 $ref with siblings: declared already
        decl& d = m.new_decl(decl_kind::alias, name, n);
        d.target = &t;
        cpp_type& alias = m.types.emplace_back(t);
        alias.spelling = name;
        alias.schema = n;
        alias.decl = static_cast<std::int32_t>(m.decls.size() - 1);
        d.type = &alias;
        m.by_node[n] = &alias;
        if (const auto es = m.element_schema.find(&t); es != m.element_schema.end()) m.element_schema[&alias] = es->second;
    }
}

const cpp_type& schema_model::type_for(const node* schema, std::string_view name_hint) {
    impl_->check_keywords(schema);
    return impl_->type_for(schema, name_hint);
}

bool schema_model::is_nullable(const node* schema) const { return impl_->nullable(schema); }

std::string schema_model::value_checks(const node* schema, std::string_view expr, std::string_view ctx_expr) {
    auto& m = *impl_;
    const cpp_type& t = m.type_for(schema, "Param");
    const std::string saved = m.ctx_name;
    m.ctx_name = std::string(ctx_expr);
    std::string code = m.checks(schema, &t, expr, "katana::api::here", true, 0);
    m.ctx_name = saved;
    return code;
}

std::string schema_model::body_reader(const node* schema) {
    auto& m = *impl_;
    const cpp_type& t = m.type_for(schema, "Body");
    const cpp_type* u = m.underlying(&t);
    if (u->category == cpp_type::kind::object || u->category == cpp_type::kind::variant ||
        u->category == cpp_type::kind::enumeration) {
        return {};
    }
    // A reference to a component alias, without sibling constraints: the alias's own reader.
    const node* resolved = m.resolve(schema);
    if (t.decl >= 0 && m.decls[static_cast<std::size_t>(t.decl)].kind == decl_kind::alias &&
        m.decls[static_cast<std::size_t>(t.decl)].schema == resolved) {
        return "read_" + m.decls[static_cast<std::size_t>(t.decl)].name;
    }
    for (std::size_t i = 0; i < m.body_readers.size(); ++i) {
        if (m.body_readers[i].first == schema) return fmt::format("models_detail::read_body_{}", i);
    }
    if (m.emitted) {
        m.diags.error_at(m.source_name, 0, 0,
                         "internal: a body reader was requested after models were emitted (call body_reader() before "
                         "schema_model::emit)");
    }
    m.body_readers.emplace_back(schema, &t);
    return fmt::format("models_detail::read_body_{}", m.body_readers.size() - 1);
}

// ---------------------------------------------------------------------------------------------
// impl: classification

const node* schema_model::impl::resolve(const node* n) {
    if (n == nullptr || spec_set::ref_of(n).empty()) return n;
    if (const auto it = resolved.find(n); it != resolved.end()) return it->second;
    const node* target = spec.resolve(n, diags);
    resolved.emplace(n, target);
    return target;
}

std::string schema_model::impl::component_name(const node* resolved_node) const {
    const auto it = component_names.find(resolved_node);
    return it == component_names.end() ? std::string() : it->second;
}

const cpp_type* schema_model::impl::underlying(const cpp_type* t) const {
    for (int guard = 0; t != nullptr && t->decl >= 0 && guard < 64; ++guard) {
        const decl& d = decls[static_cast<std::size_t>(t->decl)];
        if (d.kind != decl_kind::alias) return t;
        t = d.target;
    }
    return t;
}

const cpp_type* schema_model::impl::builtin(cpp_type::kind k, std::string spelling, const node* schema) {
    cpp_type& t = types.emplace_back();
    t.category = k;
    t.spelling = std::move(spelling);
    t.schema = schema;
    return &t;
}

const cpp_type* schema_model::impl::array_of(const node* schema, const cpp_type* element, bool element_nullable) {
    std::string inner = element_nullable ? fmt::format("std::optional<{}>", element->spelling) : element->spelling;
    cpp_type& t = types.emplace_back();
    t.category = cpp_type::kind::array;
    t.spelling = fmt::format("std::pmr::vector<{}>", inner);
    t.element = element;
    t.element_nullable = element_nullable;
    t.schema = schema;
    return &t;
}

bool schema_model::impl::defining(const cpp_type* t) const {
    const cpp_type* u = underlying(t);
    if (u == nullptr || u->decl < 0) return false;
    const decl& d = decls[static_cast<std::size_t>(u->decl)];
    if (d.kind != decl_kind::structure && d.kind != decl_kind::variant) return false;
    return in_progress.contains(d.schema);
}

const cpp_type* schema_model::impl::map_of(const node* schema, const cpp_type* element, bool element_nullable,
                                           bool element_boxed) {
    std::string inner = element_boxed ? fmt::format("katana::api::box<{}>", element->spelling) : element->spelling;
    if (element_nullable) inner = fmt::format("std::optional<{}>", inner);
    cpp_type& t = types.emplace_back();
    t.element_boxed = element_boxed;
    t.category = cpp_type::kind::map;
    t.spelling = fmt::format("std::pmr::vector<std::pair<std::pmr::string, {}>>", inner);
    t.element = element;
    t.element_nullable = element_nullable;
    t.schema = schema;
    return &t;
}

decl& schema_model::impl::new_decl(decl_kind kind, std::string name, const node* schema) {
    decl& d = decls.emplace_back();
    d.kind = kind;
    d.name = std::move(name);
    d.schema = schema;
    if (schema != nullptr) d.origin = spec.canonical_id(schema);
    return d;
}

bool schema_model::impl::nullable(const node* n, int depth) {
    if (n == nullptr || depth > max_schema_depth) return false;
    if (n->is_bool()) return n->boolean; // `true` accepts null
    if (!n->is_object()) return false;
    const bool v31 = spec.version() == spec_version::v3_1;
    if (!spec_set::ref_of(n).empty()) {
        // 3.0 ignores $ref siblings; 3.1 combines them (both must accept null).
        const node* target = resolve(n);
        if (!nullable(target, depth + 1)) return false;
        if (!v31) return true;
        const node* t = n->get("type");
        return t == nullptr || (model::declared_types(n, spec.version()) & model::t_null) != 0;
    }
    if (const node* t = n->get("type"); t != nullptr) {
        if ((model::declared_types(n, spec.version()) & model::t_null) == 0) return false;
    } else if (!v31 && is_true(n, "nullable")) {
        return true;
    }
    if ((model::declared_types(n, spec.version()) & model::t_null) != 0 && n->get("type") != nullptr) {
        // `type` admits null; an enum must list it too.
        if (const node* e = n->get("enum"); e != nullptr && e->is_array()) {
            return std::any_of(e->items.begin(), e->items.end(), [](const node* x) { return x->is_null(); });
        }
        return true;
    }
    if (const node* e = n->get("enum"); e != nullptr && e->is_array()) {
        const bool lists_null = std::any_of(e->items.begin(), e->items.end(), [](const node* x) { return x->is_null(); });
        if (lists_null && n->get("type") == nullptr && v31) return true;
    }
    for (const char* key : {"oneOf", "anyOf"}) {
        if (const node* alts = n->get(key); alts != nullptr && alts->is_array()) {
            for (const node* a : alts->items) {
                const node* r = resolve(a);
                if (r != nullptr && r->is_object() && r->get("type") != nullptr &&
                    model::declared_types(r, spec.version()) == model::t_null) {
                    return true;
                }
                if (r != nullptr && r->is_object() && r->get("type") == nullptr && is_true(r, "nullable") &&
                    r->members.size() == 1) {
                    return true;
                }
            }
        }
    }
    if (const node* all = n->get("allOf"); all != nullptr && all->is_array() && !all->items.empty()) {
        if (!v31 && is_true(n, "nullable")) return true;
        return std::all_of(all->items.begin(), all->items.end(),
                           [&](const node* a) { return nullable(a, depth + 1); });
    }
    return false;
}

namespace {

// A schema that only says "null" (an alternative that makes a oneOf nullable).
bool is_null_schema(const node* r, spec_version v) {
    if (r == nullptr || !r->is_object()) return false;
    if (r->get("type") != nullptr) return model::declared_types(r, v) == model::t_null;
    if (const node* e = r->get("enum"); e != nullptr && e->is_array()) {
        return !e->items.empty() &&
               std::all_of(e->items.begin(), e->items.end(), [](const node* x) { return x->is_null(); });
    }
    if (const node* c = r->get("const"); c != nullptr) return c->is_null();
    return false;
}

// Parts whose keywords together define a schema: the schema itself, every allOf member
// (flattened), and for 3.1 the target of a $ref with siblings.
void flatten(schema_model::impl& m, const node* n, std::vector<const node*>& parts, int depth) {
    if (n == nullptr || depth > max_schema_depth) return;
    if (!spec_set::ref_of(n).empty()) {
        flatten(m, m.resolve(n), parts, depth + 1);
        if (m.spec.version() == spec_version::v3_0) return;
    }
    if (std::find(parts.begin(), parts.end(), n) != parts.end()) return;
    parts.push_back(n);
    if (!n->is_object()) return;
    if (const node* all = n->get("allOf"); all != nullptr && all->is_array()) {
        for (const node* a : all->items) flatten(m, a, parts, depth + 1);
    }
}

// Keywords of `n` that shape a C++ type (beyond annotations and $ref/allOf plumbing).
bool structural(const node* n) {
    if (n == nullptr) return false;
    if (n->is_bool()) return !n->boolean;
    for (const auto& mem : n->members) {
        if (mem.key == "$ref" || mem.key == "allOf") continue;
        if (is_annotation(mem.key)) continue;
        return true;
    }
    return false;
}

bool has_object_keywords(const node* n) {
    return has(n, "properties") || has(n, "additionalProperties") || has(n, "required") ||
           has(n, "minProperties") || has(n, "maxProperties");
}

} // namespace

const cpp_type& schema_model::impl::type_for(const node* schema, std::string_view hint) {
    if (schema == nullptr) {
        if (free_form == nullptr) free_form = builtin(cpp_type::kind::any, "katana::json::value");
        return *free_form;
    }
    const node* n = schema;
    // A pure reference (3.0: always; 3.1: when it has no sibling keywords that add structure)
    // is the type of its target.
    if (!spec_set::ref_of(n).empty()) {
        bool siblings = false;
        if (spec.version() == spec_version::v3_1) {
            for (const auto& mem : n->members) {
                if (mem.key != "$ref" && !is_annotation(mem.key)) siblings = true;
            }
        }
        const node* target = resolve(n);
        if (target == nullptr) return type_for(nullptr, hint);
        if (!siblings) {
            std::string target_hint = component_name(target);
            if (target_hint.empty()) target_hint = names::pascal_case(model::last_segment(spec_set::ref_of(n)));
            return type_for(target, target_hint);
        }
    }
    if (const auto it = by_node.find(n); it != by_node.end()) return *it->second;
    const cpp_type& t = classify(n, hint);
    const std::string component = component_name(n);
    if (component.empty() || (t.decl >= 0 && decls[static_cast<std::size_t>(t.decl)].schema == n)) return t;
    if (in_progress.contains(n)) return t;
    // A component that is not a declaration of its own (primitive, array, map, free-form, or
    // another schema's type through allOf): its name becomes a `using` alias.
    decl& d = new_decl(decl_kind::alias, component, n);
    d.target = &t;
    cpp_type& alias = types.emplace_back(t);
    alias.spelling = component;
    alias.schema = n;
    alias.decl = static_cast<std::int32_t>(decls.size() - 1);
    d.type = &alias;
    by_node[n] = &alias;
    if (const auto es = element_schema.find(&t); es != element_schema.end()) element_schema[&alias] = es->second;
    return alias;
}

const cpp_type& schema_model::impl::classify(const node* n, std::string_view hint) {
    // Components are named after themselves even when first reached from elsewhere.
    std::string name = component_name(n);
    if (name.empty()) name = names::pascal_case(hint.empty() ? std::string_view("Anonymous") : hint);
    if (!in_progress.insert(n).second) {
        // A schema that contains itself without passing through a struct/variant (e.g. an array
        // of itself): no C++ type can spell that, the DOM path can.
        const cpp_type* t = builtin(cpp_type::kind::any, "katana::json::value", n);
        return *t;
    }
    struct progress_guard {
        impl& m;
        const node* n;
        ~progress_guard() { m.in_progress.erase(n); }
    } guard{*this, n};

    const spec_version v = spec.version();
    auto remember = [&](const cpp_type* t) -> const cpp_type& {
        by_node[n] = t;
        return *t;
    };
    auto any = [&]() -> const cpp_type& { return remember(builtin(cpp_type::kind::any, "katana::json::value", n)); };
    auto claim_name = [&]() {
        const std::string own = component_name(n);
        return own.empty() ? type_names.claim(name) : own;
    };

    if (n->is_bool() || !n->is_object()) return any();

    std::vector<const node*> parts;
    flatten(*this, n, parts, 0);

    std::uint8_t types_allowed = model::t_all;
    bool dom_only = false;
    const node* one_of = nullptr;
    const node* any_of = nullptr;
    int composite_parts = 0;
    const node* enum_node = nullptr;
    int enum_parts = 0;
    const node* const_node = nullptr;
    bool object_keywords = false;
    const node* items = nullptr;
    const node* format = nullptr;
    std::vector<const node*> structural_parts;
    for (const node* p : parts) {
        if (p->is_bool()) {
            if (!p->boolean) dom_only = true;
            continue;
        }
        if (!p->is_object()) continue;
        std::uint8_t declared = model::declared_types(p, v);
        if (p->get("type") != nullptr || (v == spec_version::v3_0 && is_true(p, "nullable"))) {
            if (p->get("type") == nullptr) declared = model::t_all;
            types_allowed &= declared;
        }
        for (const auto& mem : p->members) {
            if (is_dom_keyword(mem.key)) dom_only = true;
        }
        if (const node* tuple = p->get("items"); tuple != nullptr && tuple->is_array()) dom_only = true; // draft-4 tuples
        if (const node* o = p->get("oneOf"); o != nullptr) {
            one_of = p;
            ++composite_parts;
            (void)o;
        }
        if (const node* a = p->get("anyOf"); a != nullptr) {
            any_of = p;
            ++composite_parts;
            (void)a;
        }
        if (const node* e = p->get("enum"); e != nullptr) {
            enum_node = e;
            ++enum_parts;
        }
        if (const node* c = p->get("const"); c != nullptr) const_node = c;
        if (has_object_keywords(p)) object_keywords = true;
        if (const node* it = p->get("items"); it != nullptr && items == nullptr) items = it;
        if (const node* f = p->get("format"); f != nullptr && f->is_string() && format == nullptr) format = f;
        if (structural(p)) structural_parts.push_back(p);
    }
    if (dom_only) return any();

    // oneOf / anyOf -> variant
    if (composite_parts > 0) {
        if (composite_parts > 1 || object_keywords || enum_node != nullptr) return any();
        const node* owner = one_of != nullptr ? one_of : any_of;
        const bool is_one_of = one_of != nullptr;
        const node* alts = owner->get(is_one_of ? "oneOf" : "anyOf");
        if (alts == nullptr || !alts->is_array()) return any();
        std::vector<const node*> kept;
        for (const node* a : alts->items) {
            if (is_null_schema(resolve(a), v)) continue;
            kept.push_back(a);
        }
        if (kept.empty()) return any();
        // Alternatives that only constrain (e.g. {required: [a]}) are not types.
        for (const node* a : kept) {
            const node* r = resolve(a);
            if (r == nullptr || (r->is_object() && !structural(r) && !has(r, "allOf"))) return any();
            if (r->is_object() && r->get("type") == nullptr && !has(r, "properties") && !has(r, "items") &&
                !has(r, "enum") && !has(r, "const") && !has(r, "oneOf") && !has(r, "anyOf") && !has(r, "allOf") &&
                !has(r, "additionalProperties")) {
                return any();
            }
        }
        if (kept.size() == 1) {
            const cpp_type& only = type_for(kept.front(), name);
            by_node[n] = &only;
            return only;
        }
        const std::string vname = claim_name();
        decl& d = new_decl(decl_kind::variant, vname, n);
        const auto index = static_cast<std::int32_t>(decls.size() - 1);
        cpp_type& t = types.emplace_back();
        t.category = cpp_type::kind::variant;
        t.spelling = vname;
        t.schema = n;
        t.decl = index;
        d.type = &t;
        d.one_of = is_one_of;
        by_node[n] = &t;
        std::size_t i = 0;
        std::vector<model::alternative> built;
        for (const node* a : kept) {
            ++i;
            model::alternative alt;
            alt.schema = a;
            const std::string_view ref = spec_set::ref_of(a);
            std::string alt_hint = vname + "Option" + std::to_string(i);
            if (!ref.empty()) {
                const std::string target_name = component_name(resolve(a));
                alt.label = model::last_segment(ref);
                if (!target_name.empty()) alt_hint = target_name;
            } else {
                alt.label = fmt::format("option {}", i);
            }
            alt.type = &type_for(a, alt_hint);
            built.push_back(std::move(alt));
        }
        // Discriminator: explicit mapping plus implicit schema names of $ref alternatives.
        const node* disc = owner->get("discriminator");
        if (disc == nullptr && owner != n) disc = n->get("discriminator");
        if (disc != nullptr && disc->is_object()) {
            const std::string_view prop = disc->get_string("propertyName");
            if (prop.empty()) {
                diags.warning(*disc, "discriminator without propertyName is ignored");
            } else {
                d.discriminator = std::string(prop);
                std::vector<bool> explicitly(built.size(), false);
                // Inline alternatives outside the mapping have no tag value.
                const bool any_selectable = std::any_of(built.begin(), built.end(), [](const auto& alt) {
                    return !spec_set::ref_of(alt.schema).empty();
                });
                if (const node* mapping = disc->get("mapping"); mapping != nullptr && mapping->is_object()) {
                    for (const auto& entry : mapping->members) {
                        if (!entry.value->is_string()) continue;
                        // The front already warned about an entry that leads nowhere.
                        diagnostics already_reported;
                        const node* target = spec.resolve_mapping(entry.key, *entry.value, already_reported);
                        bool matched = false;
                        for (std::size_t k = 0; k < built.size() && target != nullptr; ++k) {
                            if (resolve(built[k].schema) == target) {
                                built[k].tags.push_back(entry.key);
                                explicitly[k] = true;
                                matched = true;
                                break;
                            }
                        }
                        if (!matched && target != nullptr) {
                            diags.warning(*entry.value, fmt::format("discriminator mapping \"{}\" names a schema that "
                                                                    "is not one of the alternatives; ignored",
                                                                    entry.key));
                        }
                    }
                }
                const bool none_tagged = !any_selectable && std::none_of(explicitly.begin(), explicitly.end(),
                                                                         [](bool e) { return e; });
                if (none_tagged) {
                    // No alternative has a tag value (inline alternatives, mapping unusable): a
                    // dispatch on the tag could select nothing, so the alternatives are tried instead.
                    diags.warning(*disc, "discriminator ignored: no alternative can be selected by its \"" +
                                             std::string(prop) + "\" value (inline alternatives and no usable mapping); "
                                                                 "the alternatives are validated in turn instead");
                    d.discriminator.clear();
                }
                for (std::size_t k = 0; k < built.size() && !none_tagged; ++k) {
                    if (explicitly[k]) continue;
                    if (!spec_set::ref_of(built[k].schema).empty()) {
                        built[k].tags.push_back(model::last_segment(spec_set::ref_of(built[k].schema)));
                    } else {
                        diags.warning(*built[k].schema,
                                      "this alternative has no discriminator value (not a $ref and not in the "
                                      "mapping) and can never be selected");
                    }
                }
            }
        }
        decls[static_cast<std::size_t>(index)].alternatives = std::move(built);
        return t;
    }

    // enum -> enum class (strings or integers), else the DOM path
    if (enum_node != nullptr) {
        if (enum_parts > 1 || !enum_node->is_array()) return any();
        bool all_strings = true;
        bool all_integers = true;
        std::size_t count = 0;
        for (const node* e : enum_node->items) {
            if (e->is_null()) continue;
            ++count;
            all_strings = all_strings && e->is_string();
            all_integers = all_integers && e->kind == node_kind::integer;
        }
        const bool strings_ok = all_strings && (types_allowed & model::t_string) != 0;
        const bool integers_ok = all_integers && (types_allowed & model::t_integer) != 0;
        if (count == 0 || (!strings_ok && !integers_ok) || object_keywords) return any();
        const std::string ename = claim_name();
        decl& d = new_decl(decl_kind::enumeration, ename, n);
        d.string_enum = strings_ok;
        names::scope enumerators;
        for (const node* e : enum_node->items) {
            if (e->is_null()) continue;
            model::enumerator en;
            if (strings_ok) {
                en.text = e->text;
                bool seen = false;
                for (const auto& prev : d.enumerators) seen = seen || prev.text == en.text;
                if (seen) continue;
                std::string base = names::snake_case(e->text);
                if (base == "_" && !e->text.empty()) base = "value";
                if (e->text.empty()) base = "empty";
                en.cpp_name = enumerators.claim(base);
            } else {
                en.integer = e->integer;
                bool seen = false;
                for (const auto& prev : d.enumerators) seen = seen || prev.integer == en.integer;
                if (seen) continue;
                en.cpp_name = enumerators.claim(e->integer < 0 ? fmt::format("value_minus_{}", static_cast<std::uint64_t>(-(e->integer + 1)) + 1)
                                                               : fmt::format("value_{}", e->integer));
            }
            d.enumerators.push_back(std::move(en));
        }
        cpp_type& t = types.emplace_back();
        t.category = cpp_type::kind::enumeration;
        t.is_string_enum = strings_ok;
        t.spelling = ename;
        t.schema = n;
        t.decl = static_cast<std::int32_t>(decls.size() - 1);
        d.type = &t;
        return remember(&t);
    }

    std::uint8_t non_null = types_allowed & static_cast<std::uint8_t>(~model::t_null);
    if (const_node != nullptr && non_null == (model::t_all & ~model::t_null)) {
        switch (const_node->kind) {
        case node_kind::string: non_null = model::t_string; break;
        case node_kind::integer: non_null = model::t_integer | model::t_number; break;
        case node_kind::boolean: non_null = model::t_boolean; break;
        default: return any();
        }
    }
    if (non_null == (model::t_all & ~model::t_null)) {
        // No type: infer object / array from the keywords that only make sense there; a schema
        // with other constraints but no type stays a DOM value (it also accepts other types).
        if (has_object_keywords(n) || std::any_of(parts.begin(), parts.end(), [](const node* p) {
                return has(p, "properties") || has(p, "additionalProperties");
            })) {
            non_null = model::t_object;
        } else if (items != nullptr) {
            non_null = model::t_array;
        } else if (structural_parts.size() == 1 && structural_parts.front() != n) {
            // allOf with one structural part (plus annotations/constraints elsewhere): that part's type.
            const node* only = structural_parts.front();
            const cpp_type* shared = nullptr;
            // Find the reference that led to `only` so that named types are reused.
            if (const node* all = n->get("allOf"); all != nullptr && all->is_array()) {
                for (const node* a : all->items) {
                    std::vector<const node*> sub;
                    flatten(*this, a, sub, 0);
                    if (std::find(sub.begin(), sub.end(), only) != sub.end()) {
                        shared = &type_for(a, name);
                        break;
                    }
                }
            }
            if (shared != nullptr) {
                by_node[n] = shared;
                return *shared;
            }
            return any();
        } else {
            return any();
        }
    }
    if (non_null == (model::t_integer | model::t_number)) {
        // number
    } else if (std::popcount(static_cast<unsigned>(non_null)) != 1) {
        return any();
    }

    // A single structural allOf part that is a named type (struct/enum/variant) with nothing
    // else to add is that type (allOf: [$ref] + description is the 3.0 way to annotate a ref).
    if (structural_parts.size() == 1 && structural_parts.front() != n && !has(n, "properties")) {
        if (const node* all = n->get("allOf"); all != nullptr && all->is_array()) {
            for (const node* a : all->items) {
                std::vector<const node*> sub;
                flatten(*this, a, sub, 0);
                if (std::find(sub.begin(), sub.end(), structural_parts.front()) != sub.end()) {
                    const cpp_type& shared = type_for(a, name);
                    by_node[n] = &shared;
                    return shared;
                }
            }
        }
    }

    auto format_is = [&](std::string_view f) { return format != nullptr && format->text == f; };
    switch (non_null) {
    case model::t_boolean: return remember(builtin(cpp_type::kind::boolean, "bool", n));
    case model::t_integer:
        if (format_is("int32")) return remember(builtin(cpp_type::kind::int32, "std::int32_t", n));
        if (format_is("uint64") || format_is("uint32")) {
            return remember(builtin(cpp_type::kind::uint64, "std::uint64_t", n));
        }
        return remember(builtin(cpp_type::kind::int64, "std::int64_t", n));
    case model::t_integer | model::t_number:
        if (format_is("float")) return remember(builtin(cpp_type::kind::float32, "float", n));
        return remember(builtin(cpp_type::kind::float64, "double", n));
    case model::t_string: return remember(builtin(cpp_type::kind::string, "std::pmr::string", n));
    case model::t_array: {
        if (items == nullptr || items->is_bool()) {
            const cpp_type* t = array_of(n, &type_for(nullptr, ""), false);
            element_schema[t] = items;
            return remember(t);
        }
        // Register nothing before the element: arrays need no declaration, and a cycle through
        // an array is caught by in_progress above.
        const cpp_type& element = type_for(items, name + "Item");
        const cpp_type* t = array_of(n, &element, nullable(items));
        element_schema[t] = items;
        return remember(t);
    }
    case model::t_object: break;
    default: return any();
    }

    // Object: struct when there are properties (or additionalProperties: false), a map when
    // there is only an additionalProperties schema, free-form otherwise.
    bool any_properties = false;
    bool forbid = false;
    const node* extra = nullptr;
    bool extra_true = false;
    bool required_without_properties = false;
    for (const node* p : parts) {
        if (!p->is_object()) continue;
        if (const node* props = p->get("properties"); props != nullptr && props->is_object() && !props->members.empty()) {
            any_properties = true;
        }
        if (const node* ap = p->get("additionalProperties"); ap != nullptr) {
            if (ap->is_bool()) {
                if (!ap->boolean) forbid = true;
                else extra_true = true;
            } else if (ap->is_object()) {
                if (ap->members.empty()) {
                    extra_true = true;
                } else if (extra == nullptr) {
                    extra = ap;
                }
            }
        }
        if (has(p, "required")) required_without_properties = true;
    }
    if (!any_properties && !forbid) {
        if (extra != nullptr && !required_without_properties) {
            const cpp_type& element = type_for(extra, name + "Value");
            const cpp_type* t = map_of(n, &element, nullable(extra), defining(&element));
            element_schema[t] = extra;
            return remember(t);
        }
        return any(); // free-form object (with a DOM validator for whatever it constrains)
    }

    const std::string sname = claim_name();
    decl& d = new_decl(decl_kind::structure, sname, n);
    const auto index = static_cast<std::size_t>(decls.size() - 1);
    cpp_type& t = types.emplace_back();
    t.category = cpp_type::kind::object;
    t.spelling = sname;
    t.schema = n;
    t.decl = static_cast<std::int32_t>(index);
    d.type = &t;
    d.parts = parts;
    by_node[n] = &t;
    if (forbid) {
        d.extra = model::extra_mode::forbid;
    } else if (extra != nullptr || extra_true) {
        d.extra = model::extra_mode::typed;
        d.extra_schema = extra;
    }

    std::vector<model::field> fields;
    std::vector<std::string> required;
    for (const node* p : parts) {
        if (!p->is_object()) continue;
        if (const node* req = p->get("required"); req != nullptr && req->is_array()) {
            for (const node* r : req->items) {
                if (r->is_string() && std::find(required.begin(), required.end(), r->text) == required.end()) {
                    required.push_back(r->text);
                }
            }
        }
    }
    for (const node* p : parts) {
        if (!p->is_object()) continue;
        const node* props = p->get("properties");
        if (props == nullptr || !props->is_object()) continue;
        for (const auto& mem : props->members) {
            auto existing = std::find_if(fields.begin(), fields.end(),
                                         [&](const model::field& f) { return f.json_name == mem.key; });
            const node* prop_schema = mem.value;
            const node* resolved_prop = resolve(prop_schema);
            if (existing != fields.end()) {
                existing->schemas.push_back(prop_schema);
                if (is_true(resolved_prop, "readOnly")) existing->read_only = true;
                if (is_true(resolved_prop, "writeOnly")) existing->write_only = true;
                continue;
            }
            model::field f;
            f.json_name = mem.key;
            f.schemas.push_back(prop_schema);
            f.nullable = nullable(prop_schema);
            f.read_only = is_true(resolved_prop, "readOnly") || is_true(prop_schema, "readOnly");
            f.write_only = is_true(resolved_prop, "writeOnly") || is_true(prop_schema, "writeOnly");
            fields.push_back(std::move(f));
        }
    }
    // Required names without a declared property are free-form members (their presence is
    // what the schema checks).
    for (const auto& r : required) {
        if (std::none_of(fields.begin(), fields.end(), [&](const model::field& f) { return f.json_name == r; })) {
            model::field f;
            f.json_name = r;
            fields.push_back(std::move(f));
        }
    }
    for (auto& f : fields) {
        f.required = std::find(required.begin(), required.end(), f.json_name) != required.end();
    }
    // Types last: an inline property type takes its name after its parent.
    for (auto& f : fields) {
        f.type = f.schemas.empty() ? &type_for(nullptr, "") : &type_for(f.schemas.front(), sname + names::pascal_case(f.json_name));
    }
    // allOf parts that declare the same property must agree on its type: different JSON types
    // can never both hold (an error); two different object types are merged by neither, the
    // first one is used (a warning: values valid for the other may be rejected).
    for (auto& f : fields) {
        for (std::size_t k = 1; k < f.schemas.size(); ++k) {
            const node* later = f.schemas[k];
            if (!structural(resolve(later)) && spec_set::ref_of(later).empty()) continue;
            const cpp_type* a = underlying(f.type);
            const cpp_type* b = underlying(&type_for(later, sname + names::pascal_case(f.json_name)));
            if (a == b || a->category == cpp_type::kind::any || b->category == cpp_type::kind::any) continue;
            auto json_kind = [](cpp_type::kind c) {
                switch (c) {
                case cpp_type::kind::int32:
                case cpp_type::kind::int64:
                case cpp_type::kind::uint64:
                case cpp_type::kind::float32:
                case cpp_type::kind::float64: return 1;
                case cpp_type::kind::string: return 2;
                case cpp_type::kind::enumeration: return 2;
                case cpp_type::kind::boolean: return 3;
                case cpp_type::kind::array: return 4;
                default: return 5; // objects, maps, variants
                }
            };
            const bool enum_vs_string = a->category != b->category && json_kind(a->category) == 2 && json_kind(b->category) == 2;
            if (json_kind(a->category) != json_kind(b->category) && !enum_vs_string) {
                diags.error(*later, fmt::format("allOf: property \"{}\" has incompatible types in the merged schemas ({} "
                                                "here, {} before)",
                                                f.json_name, b->spelling, a->spelling));
            } else if (a->category != b->category || a->spelling != b->spelling) {
                if (a->category == cpp_type::kind::enumeration || b->category == cpp_type::kind::enumeration ||
                    json_kind(a->category) == 1) {
                    continue; // same JSON type; each part's constraints are still checked
                }
                diags.warning(*later, fmt::format("allOf: property \"{}\" is declared with different types in the merged "
                                                  "schemas ({} here, {} before); the first is used",
                                                  f.json_name, b->spelling, a->spelling));
            }
        }
    }
    if (d.extra == model::extra_mode::typed) {
        decls[index].extra_type = &type_for(extra, sname + "Value");
        decls[index].extra_nullable = extra != nullptr && nullable(extra);
        decls[index].extra_boxed = defining(decls[index].extra_type);
    }
    decls[index].fields = std::move(fields);
    return t;
}

// ---------------------------------------------------------------------------------------------
// keyword warnings

void schema_model::impl::check_keywords(const node* schema, int depth) {
    if (schema == nullptr || depth > max_schema_depth || !schema->is_object()) return;
    if (!checked_keywords.insert(schema).second) return;
    if (!spec_set::ref_of(schema).empty()) {
        check_keywords(resolve(schema), depth + 1);
    }
    for (const auto& mem : schema->members) {
        const std::string_view k = mem.key;
        if (is_annotation(k) || is_typed_keyword(k) || is_dom_keyword(k)) continue;
        diags.warning(*mem.value, fmt::format("unsupported schema keyword \"{}\" is not validated", k));
    }
    auto each = [&](std::string_view key) {
        const node* c = schema->get(key);
        if (c == nullptr) return;
        if (c->is_array()) {
            for (const node* x : c->items) check_keywords(x, depth + 1);
        } else if (c->is_object()) {
            check_keywords(c, depth + 1);
        }
    };
    for (const char* key : {"items", "allOf", "oneOf", "anyOf", "not", "if", "then", "else", "additionalProperties",
                            "prefixItems", "contains", "propertyNames"}) {
        each(key);
    }
    for (const char* key : {"properties", "patternProperties"}) {
        if (const node* props = schema->get(key); props != nullptr && props->is_object()) {
            for (const auto& mem : props->members) check_keywords(mem.value, depth + 1);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// finalize: field names, by-value cycles -> box, declaration order

void schema_model::impl::finalize() {
    // Field identifiers: the JSON name when it is a valid identifier, never a type name of this
    // namespace (a member named like a type would change that name's meaning inside the struct).
    for (auto& d : decls) {
        if (d.kind != decl_kind::structure) continue;
        names::scope fields_scope;
        fields_scope.reserve("operator");
        auto pick = [&](std::string_view wanted) {
            const std::string base = names::identifier(wanted);
            std::string id = base;
            // One trailing '_' first (a member named like a type), then numbers: appending more
            // underscores would form the reserved "__".
            if ((type_names.taken(id) || fields_scope.taken(id)) && !base.ends_with('_')) id = base + "_";
            for (int n = 2; type_names.taken(id) || fields_scope.taken(id); ++n) id = names::numbered(base, n);
            fields_scope.reserve(id);
            return id;
        };
        for (auto& f : d.fields) {
            if (f.cpp_name.empty()) f.cpp_name = pick(f.json_name);
            else fields_scope.reserve(f.cpp_name);
        }
        if (d.extra == model::extra_mode::typed && d.extra_member.empty()) d.extra_member = pick("additional_properties");
    }
    // By-value edges: struct fields (plain/optional/tristate) and variant alternatives whose type
    // is a struct or variant. A DFS back edge is a cycle: that edge becomes a box.
    const std::size_t count = decls.size();
    std::vector<std::uint8_t> color(count, 0);
    auto target_of = [&](const cpp_type* t) -> std::int32_t {
        const cpp_type* u = underlying(t);
        if (u == nullptr || u->decl < 0) return -1;
        const decl& d = decls[static_cast<std::size_t>(u->decl)];
        return d.kind == decl_kind::structure || d.kind == decl_kind::variant ? u->decl : -1;
    };
    order.clear();
    // Cycles through a variant are broken on the variant's side (box<Alternative> inside the
    // std::variant) rather than by boxing the variant in a struct: box<T>'s converting
    // constructor from T combined with a variant's converting constructors would make the
    // compiler's constructibility checks recurse. Strongly connected components (Tarjan) tell
    // which alternatives lead back to their variant.
    {
        std::vector<std::int32_t> index_of(count, -1), low(count, 0), component(count, -1);
        std::vector<std::size_t> stack;
        std::vector<bool> on_stack(count, false);
        std::int32_t next_index = 0;
        std::int32_t components = 0;
        auto targets = [&](std::size_t i) {
            std::vector<std::size_t> out_edges;
            const decl& d = decls[i];
            if (d.kind == decl_kind::structure) {
                for (const auto& f : d.fields) {
                    if (const std::int32_t j = target_of(f.type); j >= 0) out_edges.push_back(static_cast<std::size_t>(j));
                }
            } else if (d.kind == decl_kind::variant) {
                for (const auto& a : d.alternatives) {
                    if (const std::int32_t j = target_of(a.type); j >= 0) out_edges.push_back(static_cast<std::size_t>(j));
                }
            }
            return out_edges;
        };
        std::function<void(std::size_t)> strong = [&](std::size_t v) {
            index_of[v] = low[v] = next_index++;
            stack.push_back(v);
            on_stack[v] = true;
            for (std::size_t w : targets(v)) {
                if (index_of[w] < 0) {
                    strong(w);
                    low[v] = std::min(low[v], low[w]);
                } else if (on_stack[w]) {
                    low[v] = std::min(low[v], index_of[w]);
                }
            }
            if (low[v] == index_of[v]) {
                for (;;) {
                    const std::size_t w = stack.back();
                    stack.pop_back();
                    on_stack[w] = false;
                    component[w] = components;
                    if (w == v) break;
                }
                ++components;
            }
        };
        for (std::size_t i = 0; i < count; ++i) {
            if (index_of[i] < 0) strong(i);
        }
        for (std::size_t i = 0; i < count; ++i) {
            if (decls[i].kind != decl_kind::variant) continue;
            for (auto& a : decls[i].alternatives) {
                const std::int32_t j = target_of(a.type);
                if (j >= 0 && component[static_cast<std::size_t>(j)] == component[i]) a.boxed = true;
            }
        }
    }
    std::function<void(std::size_t)> visit = [&](std::size_t i) {
        color[i] = 1;
        decl& d = decls[i];
        auto edge = [&](const cpp_type* t, bool& boxed) {
            if (boxed) return;
            const std::int32_t j = target_of(t);
            if (j < 0) return;
            const auto ju = static_cast<std::size_t>(j);
            if (color[ju] == 1) {
                boxed = true;
            } else if (color[ju] == 0) {
                visit(ju);
            }
        };
        if (d.kind == decl_kind::structure) {
            for (auto& f : d.fields) edge(f.type, f.boxed);
        } else if (d.kind == decl_kind::variant) {
            for (auto& a : d.alternatives) edge(a.type, a.boxed);
        }
        // Containers whose element sits by value in a class template that needs it complete
        // (std::pair of a map entry, std::optional of a nullable element): that element's type
        // is defined first when it can be. Such an element that leads back here was boxed when
        // the map was classified; plain vectors accept incomplete elements and add no edge.
        auto soft = [&](const cpp_type* t) {
            bool needs_complete = false;
            for (int guard = 0; t != nullptr && guard < 64; ++guard) {
                const cpp_type* u = underlying(t);
                if (u->category != cpp_type::kind::array && u->category != cpp_type::kind::map) {
                    const std::int32_t j = target_of(u);
                    if (needs_complete && j >= 0 && color[static_cast<std::size_t>(j)] == 0) visit(static_cast<std::size_t>(j));
                    return;
                }
                if (u->element_boxed) return;
                needs_complete = needs_complete || u->category == cpp_type::kind::map || u->element_nullable;
                t = u->element;
            }
        };
        if (d.kind == decl_kind::structure) {
            for (auto& f : d.fields) soft(f.type);
            if (d.extra == model::extra_mode::typed && !d.extra_boxed && d.extra_type != nullptr) {
                const std::int32_t j = target_of(d.extra_type);
                if (j >= 0 && color[static_cast<std::size_t>(j)] == 0) visit(static_cast<std::size_t>(j));
                soft(d.extra_type);
            }
        } else if (d.kind == decl_kind::variant) {
            for (auto& a : d.alternatives) soft(a.type);
        }
        color[i] = 2;
        order.push_back(i);
    };
    for (std::size_t i = 0; i < count; ++i) {
        if (color[i] == 0 && (decls[i].kind == decl_kind::structure || decls[i].kind == decl_kind::variant)) visit(i);
    }
}

} // namespace katana::codegen
