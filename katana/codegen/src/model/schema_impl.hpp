#pragma once
// Private state of schema_model, shared by the model (src/model/schema_*.cpp) and the emitters
// (src/emit/models_*.cpp).
#include <katana/codegen/names.hpp>
#include <katana/codegen/schema_model.hpp>

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace katana::codegen {

namespace model {

enum class decl_kind : std::uint8_t { structure, enumeration, variant, alias };

// How a JSON value sits in its C++ slot (a struct field, array element, variant alternative).
enum class wrap : std::uint8_t {
    plain,    // T
    optional, // std::optional<T>
    tristate, // katana::api::tristate<T>
};

struct field {
    std::string json_name;
    std::string cpp_name;                  // assigned when the model is finalized
    std::vector<const node*> schemas;      // every schema declaring this property (allOf parts)
    const cpp_type* type = nullptr;
    bool required = false;
    bool nullable = false;
    bool read_only = false;
    bool write_only = false;
    bool boxed = false;                    // katana::api::box<T> breaks a by-value cycle
    // required -> T (std::optional<T> when nullable); optional -> std::optional<T>
    // (katana::api::tristate<T> when nullable: absent, null and a value differ).
    [[nodiscard]] model::wrap wrapping() const noexcept {
        if (required) return nullable ? wrap::optional : wrap::plain;
        return nullable ? wrap::tristate : wrap::optional;
    }
};

enum class extra_mode : std::uint8_t { ignore, forbid, typed };

struct alternative {
    const node* schema = nullptr;
    const cpp_type* type = nullptr;
    bool boxed = false;
    std::string label;                     // for messages: schema name or "option N"
    std::vector<std::string> tags;         // discriminator values selecting this alternative
};

struct enumerator {
    std::string cpp_name;
    std::string text;                      // string enums
    std::int64_t integer = 0;              // integer enums
};

struct decl {
    decl_kind kind = decl_kind::structure;
    std::string name;
    const node* schema = nullptr;          // resolved schema this declaration comes from
    std::string origin;                    // canonical id, for the comment above the declaration
    const cpp_type* type = nullptr;        // the type this declaration defines
    // structure
    std::vector<field> fields;
    extra_mode extra = extra_mode::ignore;
    const cpp_type* extra_type = nullptr;
    bool extra_nullable = false;
    bool extra_boxed = false;              // additionalProperties values are katana::api::box<T>
    const node* extra_schema = nullptr;
    std::string extra_member;              // "additional_properties" unless taken
    std::vector<const node*> parts;        // object schemas merged into this struct (allOf)
    // enumeration
    bool string_enum = true;
    std::vector<enumerator> enumerators;
    // variant
    bool one_of = true;
    std::vector<alternative> alternatives;
    std::string discriminator;             // property name, empty without discriminator
    // alias
    const cpp_type* target = nullptr;
    // emission
    std::size_t shard = 0;
};

// Constraints gathered from a schema and everything it inherits (allOf, $ref targets).
struct bound {
    std::string text;                      // C++ literal
    std::string shown;                     // as the spec writes it, for messages
    double value = 0;
    bool is_integer = false;
    std::int64_t integer = 0;
};
struct constraints {
    struct limit {
        bound value;
        bool exclusive = false;
    };
    std::vector<limit> minimum, maximum;
    std::vector<bound> multiple_of;
    std::optional<std::uint64_t> min_length, max_length;
    std::vector<std::string> patterns;     // ECMA sources
    std::vector<std::string> formats;      // known string formats (H2 names)
    std::optional<std::uint64_t> min_items, max_items;
    bool unique_items = false;
    std::optional<std::uint64_t> min_properties, max_properties;
    std::vector<const node*> consts;       // `const` values
    [[nodiscard]] bool empty() const noexcept {
        return minimum.empty() && maximum.empty() && multiple_of.empty() && !min_length && !max_length && patterns.empty() &&
               formats.empty() && !min_items && !max_items && !unique_items && !min_properties &&
               !max_properties && consts.empty();
    }
};

} // namespace model

struct schema_model::impl {
    impl(spec_set& s, diagnostics& d) : spec(s), diags(d) {}

    spec_set& spec;
    diagnostics& diags;
    std::string source_name;
    bool built = false;

    std::deque<cpp_type> types;                                   // stable addresses
    std::deque<model::decl> decls;
    std::unordered_map<const node*, const cpp_type*> by_node;     // resolved schema -> type
    std::unordered_set<const node*> in_progress;                  // cycle guard while classifying
    std::unordered_map<std::string, const cpp_type*> builtins;    // spelling -> shared type
    names::scope type_names;
    std::unordered_map<const node*, std::string> component_names; // components.schemas entry -> type name
    std::unordered_map<const node*, const node*> resolved;        // $ref node -> target (null: failed)
    std::unordered_map<const cpp_type*, const node*> element_schema; // array/map type -> items / value schema
    std::vector<std::size_t> order;                               // structs/variants, dependencies first
    std::unordered_set<const node*> checked_keywords;             // keyword warnings issued once
    const cpp_type* free_form = nullptr;

    // Emitter-side registries (patterns and DOM validators are global to the generated code).
    std::map<std::string, std::size_t> patterns;                  // ECMA source -> id
    std::unordered_map<const node*, std::size_t> dom_ids;         // schema -> dom validator id
    std::vector<const node*> dom_order;                           // id -> schema
    std::vector<std::pair<const node*, const cpp_type*>> body_readers; // inline body schemas -> read_body_<i>
    std::string ctx_name = "ctx";
    bool emitted = false;

    // --- model (schema_model.cpp)
    const cpp_type& type_for(const node* schema, std::string_view hint);
    const cpp_type& classify(const node* resolved_schema, std::string_view hint);
    const node* resolve(const node* n);
    [[nodiscard]] bool nullable(const node* n, int depth = 0);
    const cpp_type* builtin(cpp_type::kind k, std::string spelling, const node* schema = nullptr);
    const cpp_type* array_of(const node* schema, const cpp_type* element, bool element_nullable);
    const cpp_type* map_of(const node* schema, const cpp_type* element, bool element_nullable, bool element_boxed);
    // True when `t` is a struct/variant whose schema is still being classified: holding it by
    // value in a std::pair (map entries) would need it complete.
    [[nodiscard]] bool defining(const cpp_type* t) const;
    model::decl& new_decl(model::decl_kind kind, std::string name, const node* schema);
    void check_keywords(const node* schema, int depth = 0);
    void finalize();
    [[nodiscard]] std::string component_name(const node* resolved) const;
    // Type category behind aliases.
    [[nodiscard]] const cpp_type* underlying(const cpp_type* t) const;

    // --- constraints (schema_constraints.cpp)
    model::constraints collect(const node* schema);
    void collect_into(const node* schema, model::constraints& c, int depth);

    // --- checks and DOM validators (emit/models_checks.cpp)
    // Statements validating the in-memory value `expr` of type `t`; errors at `segment`
    // (a C++ expression: string literal key, index variable, or "katana::api::here").
    // `deep` also descends into elements and nested generated types.
    std::string checks(const node* schema, const cpp_type* t, std::string_view expr, std::string_view segment,
                       bool deep, int depth);
    std::size_t pattern_id(const std::string& source);
    std::size_t dom_validator(const node* schema);
    std::string dom_function(std::size_t id);
    [[nodiscard]] bool needs_dom_validator(const node* schema);
};

namespace model {
// C++ string literal (with quotes) for arbitrary bytes.
[[nodiscard]] std::string cpp_literal(std::string_view bytes);
// JSON string (with quotes) for arbitrary bytes, as the writer would produce it.
[[nodiscard]] std::string json_quoted(std::string_view bytes);
// Name after the last '/' of a $ref or pointer, unescaped.
[[nodiscard]] std::string last_segment(std::string_view ref);
// The `type` keyword as a set: bit per JSON type.
enum type_bits : std::uint8_t {
    t_null = 1,
    t_boolean = 2,
    t_integer = 4,
    t_number = 8,
    t_string = 16,
    t_array = 32,
    t_object = 64,
    t_all = 127
};
[[nodiscard]] std::uint8_t declared_types(const node* schema, spec_version v);
} // namespace model

} // namespace katana::codegen
