#pragma once
// Model stage for Schema Objects: every schema the generator meets becomes a C++ type (a named
// struct / enum class / variant / alias, or a built-in spelling such as std::int64_t), and the
// emitters turn that model into models.hpp + models_<k>.cpp with, for every generated type T:
//
//   bool read_json(katana::json::reader&, T&, katana::api::validation_context&);  // parse + validate
//   void write_json(katana::json::writer&, const T&);                               // writeOnly omitted
//   void validate(const T&, katana::api::validation_context&);                      // in-memory checks
//   (enums also: std::string_view to_string(E); bool from_string(std::string_view, E&))
//
// Mapping (see docs of each rule in schema_model.cpp): object -> struct (optional -> std::optional,
// optional+nullable -> katana::api::tristate, required+nullable -> std::optional), allOf -> merged
// struct, oneOf/anyOf -> struct deriving from std::variant, enum -> enum class, additionalProperties
// -> `additional_properties` member, free-form / not precisely typed -> katana::json::value plus a
// generated DOM validator, array -> std::pmr::vector, string -> std::pmr::string, recursion ->
// katana::api::box where a by-value cycle would form.
//
// Lifetime: the model keeps `const node*` into the spec_set and `cpp_type` objects it owns; both
// stay valid as long as the spec_set and the schema_model live.
#include <katana/codegen/diagnostics.hpp>
#include <katana/codegen/document.hpp>
#include <katana/codegen/generate.hpp>
#include <katana/codegen/names.hpp>
#include <katana/codegen/spec.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace katana::codegen {

struct cpp_type {
    // Full C++ type as used in a declaration: "Product", "std::pmr::vector<std::pmr::string>",
    // "std::int64_t", "katana::json::value". Never includes the nullability wrapper of a slot.
    std::string spelling;
    enum class kind : std::uint8_t {
        string,
        int32,
        int64,
        uint64,
        float32,
        float64,
        boolean,
        enumeration,
        array,
        object,   // generated struct
        variant,  // generated struct deriving from std::variant<...>
        map,      // std::pmr::vector<std::pair<std::pmr::string, T>>
        any       // katana::json::value (validated by a generated DOM validator)
    } category = kind::any;
    const cpp_type* element = nullptr; // arrays/maps: element type
    bool is_string_enum = false;       // enumeration from strings (from_string/to_string exist)
    const node* schema = nullptr;      // resolved schema (null for the built-in free-form type)

    // Added by the model: array/map elements that accept null are std::optional<element>.
    bool element_nullable = false;
    // Maps only: the value is katana::api::box<element> because it leads back to a type that is
    // still being defined (std::pair, unlike std::vector, needs a complete value type).
    bool element_boxed = false;
    // Index of the generated declaration behind this type (struct, enum, variant or a named
    // alias of a component schema); -1 for built-in spellings.
    std::int32_t decl = -1;
};

class schema_model {
public:
    schema_model(spec_set& spec, diagnostics& diags);
    ~schema_model();
    schema_model(const schema_model&) = delete;
    schema_model& operator=(const schema_model&) = delete;

    // Registers a named type for every components.schemas entry (in document order) and warns
    // about schema keywords that are not validated.
    void build();

    // Type for any schema node (a $ref or inline). Inline object/enum/variant schemas become
    // named types derived from `name_hint` (e.g. "GetProductQueryFilter"). Nullability is NOT in
    // the returned spelling (callers wrap: required+nullable -> std::optional<T>, optional ->
    // std::optional<T>, optional+nullable -> katana::api::tristate<T>); use is_nullable().
    // A null `schema` (no schema given) is the free-form type katana::json::value.
    const cpp_type& type_for(const node* schema, std::string_view name_hint);
    [[nodiscard]] bool is_nullable(const node* schema) const;

    // C++ statements that validate an in-memory value `expr` (of type_for(schema)) against the
    // schema's constraints, reporting to the katana::api::validation_context named `ctx_expr`
    // (used for parameters; bodies validate while parsing). Empty when there is nothing to check.
    // The statements may refer to file-local helpers (patterns); emit() makes them available to
    // every file that includes models.hpp, so the code is valid in any generated .cpp.
    [[nodiscard]] std::string value_checks(const node* schema, std::string_view expr, std::string_view ctx_expr);

    // Request bodies whose type is not a generated struct/enum/variant (an array, a map, a
    // primitive or a DOM value, inline or through a component alias): their constraints belong
    // to the schema, not to the C++ type, so the generic read_json cannot check them. Returns the
    // name of a generated function `bool F(katana::json::reader&, T&, katana::api::validation_context&)`
    // (T = type_for(schema)) that parses and validates against exactly this schema, for
    // katana::api::parse_body_with(body, out, ctx, F); empty when katana::api::parse_body (i.e.
    // read_json of the type) already checks everything. Call before emit().
    [[nodiscard]] std::string body_reader(const node* schema);

    // Emits models.hpp (all types, declarations) and models_<k>.cpp (definitions, split so that
    // huge specs compile in parallel and fast) for every type registered so far.
    void emit(const std::string& cpp_namespace, std::vector<generated_file>& out);

    // Name of the spec file shown in the generated-file header comment (default: the root
    // document's file name).
    void set_source_name(std::string name);

    // The scope of type names in the generated namespace. Other emitters claim their type names
    // here (after build()) so that they never collide with schema types.
    [[nodiscard]] names::scope& type_names() noexcept;

    // Number of generated declarations (structs, enums, variants, aliases) so far.
    [[nodiscard]] std::size_t declaration_count() const noexcept;

    struct impl;

private:
    std::unique_ptr<impl> impl_;
};

} // namespace katana::codegen
