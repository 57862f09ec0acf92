// models.hpp + models_<k>.cpp: declarations of every schema type in one header, definitions of
// their read_json / write_json / validate (and enum conversions) split over several .cpp files
// so that huge specs compile in parallel. The parsers are straight-line code per struct: a key
// switch on length (+ one distinguishing character) and memcmp, a bit per seen field, the value
// parsed in place; the serializers write pre-rendered `,"key":` prefixes.
#include "model/schema_impl.hpp"

#include <katana/codegen/printer.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>

namespace katana::codegen {

using model::decl;
using model::decl_kind;

namespace {

constexpr std::string_view here = "katana::api::here";

std::string indent_block(std::string_view code, std::size_t spaces) {
    // Re-indents generated statements by brace depth (the snippets are built without
    // indentation). A brace opened on a `case ...: {` line indents nothing: the block's
    // statements sit one level below the label, its closing brace at the label's level.
    std::string out;
    std::vector<std::uint8_t> opened; // per open brace: levels it adds (0 for a label's brace)
    std::size_t depth = 0;
    std::size_t start = 0;
    while (start < code.size()) {
        std::size_t end = code.find('\n', start);
        if (end == std::string_view::npos) end = code.size();
        std::string_view line = code.substr(start, end - start);
        start = end + 1;
        while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
        if (line.empty()) {
            out.push_back('\n');
            continue;
        }
        std::size_t i = 0;
        bool closes_label = false;
        while (i < line.size() && line[i] == '}') {
            if (!opened.empty()) {
                depth -= opened.back();
                closes_label = opened.back() == 0;
                opened.pop_back();
            }
            ++i;
        }
        const bool is_label = line.starts_with("case ") || line.starts_with("default:");
        std::size_t level = depth;
        if ((is_label || closes_label) && level > 0) level -= 1;
        out.append(spaces + level * 4, ' ');
        out += line;
        out.push_back('\n');
        // Braces inside string/char literals and comments do not count.
        bool in_string = false;
        char quote = 0;
        for (; i < line.size(); ++i) {
            const char c = line[i];
            if (in_string) {
                if (c == '\\') {
                    ++i;
                } else if (c == quote) {
                    in_string = false;
                }
                continue;
            }
            if (c == '/' && i + 1 < line.size() && line[i + 1] == '/') break;
            if (c == '"' || c == '\'') {
                in_string = true;
                quote = c;
            } else if (c == '{') {
                const std::uint8_t adds = is_label ? 0 : 1;
                opened.push_back(adds);
                depth += adds;
            } else if (c == '}') {
                if (!opened.empty()) {
                    depth -= opened.back();
                    opened.pop_back();
                }
            }
        }
    }
    return out;
}

std::string char_label(unsigned char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
        return fmt::format("'{}'", static_cast<char>(c));
    }
    return fmt::format("{}", static_cast<unsigned>(c));
}

// Body of `int f(std::string_view k)`: index of `k` in `keys`, -1 when absent.
std::string dispatch_body(const std::vector<std::string>& keys, std::string_view var) {
    std::map<std::size_t, std::vector<std::size_t>> by_length;
    for (std::size_t i = 0; i < keys.size(); ++i) by_length[keys[i].size()].push_back(i);
    std::string out;
    if (keys.empty()) return fmt::format("(void){};\nreturn -1;\n", var);
    auto compare = [&](std::size_t i) {
        const std::string& k = keys[i];
        if (k.empty()) return fmt::format("return {};\n", i);
        return fmt::format("if (std::memcmp({}.data(), {}, {}) == 0) return {};\n", var, model::cpp_literal(k), k.size(), i);
    };
    out += fmt::format("switch ({}.size()) {{\n", var);
    for (const auto& [length, group] : by_length) {
        out += fmt::format("case {}:\n", length);
        if (group.size() <= 4 || length == 0) {
            for (std::size_t i : group) out += compare(i);
        } else {
            // Switch on the position that splits the group best, then memcmp.
            std::size_t best = 0;
            std::size_t best_distinct = 0;
            for (std::size_t p = 0; p < length; ++p) {
                std::set<char> distinct;
                for (std::size_t i : group) distinct.insert(keys[i][p]);
                if (distinct.size() > best_distinct) {
                    best_distinct = distinct.size();
                    best = p;
                }
            }
            std::map<unsigned char, std::vector<std::size_t>> by_char;
            for (std::size_t i : group) by_char[static_cast<unsigned char>(keys[i][best])].push_back(i);
            out += fmt::format("switch (static_cast<unsigned char>({}[{}])) {{\n", var, best);
            for (const auto& [c, members] : by_char) {
                out += fmt::format("case {}:\n", char_label(c));
                for (std::size_t i : members) out += compare(i);
                out += "break;\n";
            }
            out += "default:\nbreak;\n}\n";
        }
        out += "break;\n";
    }
    out += "default:\nbreak;\n}\nreturn -1;\n";
    return out;
}

std::string ns_open(const std::string& ns) { return ns.empty() ? std::string() : fmt::format("namespace {} {{\n", ns); }
std::string ns_close(const std::string& ns) {
    return ns.empty() ? std::string() : fmt::format("}} // namespace {}\n", ns);
}

} // namespace

struct emit_state {
    schema_model::impl& m;
    std::vector<std::int8_t> comparable; // per decl: -1 unknown, 0 no, 1 yes

    // operator== is generated when every member compares: the greatest fixpoint over the
    // declaration graph (members that are DOM values -- json::value has no operator== -- or boxed
    // variants make a type, and everything containing it, incomparable; cycles of otherwise
    // comparable types stay comparable).
    bool type_comparable(const cpp_type* t, int depth = 0) {
        if (t == nullptr || depth > 64) return false;
        const cpp_type* u = m.underlying(t);
        switch (u->category) {
        case cpp_type::kind::any: return false;
        case cpp_type::kind::array:
        case cpp_type::kind::map: return type_comparable(u->element, depth + 1);
        case cpp_type::kind::object:
        case cpp_type::kind::variant: return comparable[static_cast<std::size_t>(u->decl)] != 0;
        default: return true;
        }
    }
    void compute_comparable() {
        comparable.assign(m.decls.size(), 1);
        // A box of a variant is not comparable: box<T>'s implicit converting constructor from T
        // plus the variant's converting constructors make overload resolution of == recurse
        // through incomplete traits.
        auto boxed_variant = [&](bool boxed, const cpp_type* t) {
            return boxed && m.underlying(t)->category == cpp_type::kind::variant;
        };
        for (bool changed = true; changed;) {
            changed = false;
            for (std::size_t i = 0; i < m.decls.size(); ++i) {
                if (comparable[i] == 0) continue;
                const decl& d = m.decls[i];
                bool ok = true;
                if (d.kind == decl_kind::structure) {
                    for (const auto& f : d.fields) ok = ok && !boxed_variant(f.boxed, f.type) && type_comparable(f.type);
                    if (d.extra == model::extra_mode::typed) ok = ok && d.extra_type != nullptr && type_comparable(d.extra_type);
                } else if (d.kind == decl_kind::variant) {
                    for (const auto& a : d.alternatives) ok = ok && !boxed_variant(a.boxed, a.type) && type_comparable(a.type);
                } else if (d.kind == decl_kind::alias) {
                    ok = type_comparable(d.target);
                }
                if (!ok) {
                    comparable[i] = 0;
                    changed = true;
                }
            }
        }
    }
    bool decl_comparable(std::size_t i) const { return comparable[i] != 0; }

    // ---- slots: parse code

    // Statements parsing the next JSON value into `target` (an lvalue of the slot's C++ type
    // including its wrapper), reporting at `seg`. `return false` on malformed JSON.
    std::string read_slot(const std::vector<const node*>& schemas, const cpp_type* t, model::wrap w, bool null_ok,
                          bool boxed, const std::string& target, std::string_view seg, int d) {
        const std::string v = fmt::format("v{}_", d);
        auto value_ref = [&](const std::string& holder) { return boxed ? fmt::format("(*{})", holder) : holder; };
        switch (w) {
        case model::wrap::plain: {
            std::string pre;
            if (boxed) pre = fmt::format("katana::api::ensure_memory({}, ctx.memory());\n", target);
            return pre + read_value(schemas, t, value_ref(target), seg, d);
        }
        case model::wrap::optional: {
            const std::string emplace = boxed ? fmt::format("auto& {} = {}.emplace(std::allocator_arg, ctx.memory());\n", v, target)
                                              : fmt::format("auto& {} = {}.emplace();\n", v, target);
            const std::string inner = emplace + read_value(schemas, t, value_ref(v), seg, d);
            if (!null_ok) return fmt::format("{{\n{}}}\n", inner);
            return fmt::format("if (r.read_null()) {{\n{}.reset();\n}} else {{\n{}}}\n", target, inner);
        }
        case model::wrap::tristate: {
            const std::string emplace = boxed ? fmt::format("auto& {} = {}.emplace(std::allocator_arg, ctx.memory());\n", v, target)
                                              : fmt::format("auto& {} = {}.emplace();\n", v, target);
            return fmt::format("if (r.read_null()) {{\n{}.set_null();\n}} else {{\n{}{}}}\n", target, emplace,
                               read_value(schemas, t, value_ref(v), seg, d));
        }
        }
        return {};
    }

    std::string slot_checks(const std::vector<const node*>& schemas, const cpp_type* t, const std::string& x,
                            std::string_view seg, int d) {
        std::string out;
        std::set<std::string> seen;
        for (const node* s : schemas) {
            std::string c = m.checks(s, t, x, seg, false, d);
            if (!c.empty() && seen.insert(c).second) out += c;
        }
        if (schemas.empty()) out = m.checks(nullptr, t, x, seg, false, d);
        return out;
    }

    std::string push(std::string_view seg, int d) {
        if (seg == here) return {};
        return fmt::format("auto s{}_ = katana::api::enter(ctx, {});\n", d, seg);
    }

    std::string read_value(const std::vector<const node*>& schemas, const cpp_type* t, const std::string& x,
                           std::string_view seg, int d) {
        const cpp_type* u = m.underlying(t);
        switch (u->category) {
        case cpp_type::kind::string:
        case cpp_type::kind::int32:
        case cpp_type::kind::int64:
        case cpp_type::kind::uint64:
        case cpp_type::kind::float32:
        case cpp_type::kind::float64:
        case cpp_type::kind::boolean: {
            const std::string checks = slot_checks(schemas, t, x, seg, d);
            if (checks.empty()) {
                return fmt::format("if (katana::api::read_scalar(r, {}, ctx, {}) == katana::api::read_result::malformed) "
                                   "return false;\n",
                                   x, seg);
            }
            return fmt::format("if (const auto rr{0}_ = katana::api::read_scalar(r, {1}, ctx, {2}); rr{0}_ == "
                               "katana::api::read_result::ok) {{\n{3}}} else if (rr{0}_ == katana::api::read_result::malformed) {{\n"
                               "return false;\n}}\n",
                               d, x, seg, checks);
        }
        case cpp_type::kind::enumeration: {
            const decl& e = m.decls[static_cast<std::size_t>(u->decl)];
            return fmt::format("if (katana::api::{}(r, {}, ctx, {}, {}) == katana::api::read_result::malformed) return false;\n",
                               e.string_enum ? "read_string_enum" : "read_int_enum", x, seg, allowed_literal(e));
        }
        case cpp_type::kind::object:
        case cpp_type::kind::variant: {
            const std::string p = push(seg, d);
            const std::string call = fmt::format("if (!read_json(r, {}, ctx)) return false;\n", x);
            return p.empty() ? call : fmt::format("{{\n{}{}}}\n", p, call);
        }
        case cpp_type::kind::any: {
            const std::string p = push(seg, d);
            const std::string code = fmt::format("if (!katana::json::read_value(r, {})) return false;\n{}", x,
                                                 slot_checks(schemas, t, x, here, d + 1));
            return p.empty() ? code : fmt::format("{{\n{}{}}}\n", p, code);
        }
        case cpp_type::kind::array: {
            const auto es = m.element_schema.find(u);
            std::vector<const node*> element_schemas;
            if (es != m.element_schema.end() && es->second != nullptr) element_schemas.push_back(es->second);
            const std::string e = fmt::format("e{}_", d);
            const std::string i = fmt::format("i{}_", d);
            // std::vector<bool> hands out proxies, not bool&: read into a local, then append.
            const bool bits = !u->element_nullable && m.underlying(u->element)->category == cpp_type::kind::boolean;
            const std::string element =
                read_slot(element_schemas, u->element, u->element_nullable ? model::wrap::optional : model::wrap::plain,
                          u->element_nullable, false, e, i, d + 1);
            if (bits) {
                const std::string checks = slot_checks(schemas, t, x, here, d);
                return fmt::format("{{\n{0}if (katana::api::expect_array(r, ctx, katana::api::here)) {{\n"
                                   "katana::api::ensure_memory({1}, ctx.memory());\n"
                                   "std::size_t {2} = 0;\n"
                                   "while (r.next_element()) {{\n"
                                   "bool {3} = false;\n"
                                   "{4}"
                                   "{1}.push_back({3});\n"
                                   "++{2};\n"
                                   "}}\n"
                                   "if (r.failed()) return false;\n"
                                   "{5}"
                                   "}} else if (r.failed()) {{\nreturn false;\n}}\n}}\n",
                                   push(seg, d), x, i, e, element, checks);
            }
            const std::string checks = slot_checks(schemas, t, x, here, d);
            // The first element reserves room for a few more (bounded by maxItems): growing
            // 1, 2, 4, 8 in an arena wastes both time and memory.
            std::uint64_t reserve = 8;
            for (const node* sc : schemas) {
                const auto c = m.collect(sc);
                if (c.max_items) reserve = std::clamp<std::uint64_t>(*c.max_items, 1, 32);
                if (c.min_items) reserve = std::max<std::uint64_t>(reserve, std::min<std::uint64_t>(*c.min_items, 64));
            }
            return fmt::format("{{\n{0}if (katana::api::expect_array(r, ctx, katana::api::here)) {{\n"
                               "katana::api::ensure_memory({1}, ctx.memory());\n"
                               "std::size_t {2} = 0;\n"
                               "while (r.next_element()) {{\n"
                               "if ({2} == 0) {1}.reserve({6});\n"
                               "auto& {3} = {1}.emplace_back();\n"
                               "{4}"
                               "++{2};\n"
                               "}}\n"
                               "if (r.failed()) return false;\n"
                               "{5}"
                               "}} else if (r.failed()) {{\nreturn false;\n}}\n}}\n",
                               push(seg, d), x, i, e, element, checks, reserve);
        }
        case cpp_type::kind::map: {
            const auto es = m.element_schema.find(u);
            std::vector<const node*> element_schemas;
            if (es != m.element_schema.end() && es->second != nullptr) element_schemas.push_back(es->second);
            const std::string k = fmt::format("k{}_", d);
            const std::string e = fmt::format("m{}_", d);
            const std::string element =
                read_slot(element_schemas, u->element, u->element_nullable ? model::wrap::optional : model::wrap::plain,
                          u->element_nullable, u->element_boxed, e + ".second", k, d + 1);
            const std::string checks = slot_checks(schemas, t, x, here, d);
            return fmt::format("{{\n{0}if (katana::api::expect_object(r, ctx, katana::api::here)) {{\n"
                               "katana::api::ensure_memory({1}, ctx.memory());\n"
                               "std::string_view {2};\n"
                               "while (r.next_key({2})) {{\n"
                               "auto& {3} = {1}.emplace_back();\n"
                               "{3}.first.assign({2});\n"
                               "{4}"
                               "}}\n"
                               "if (r.failed()) return false;\n"
                               "models_detail::report_repeated_keys({1}, ctx);\n"
                               "{5}"
                               "}} else if (r.failed()) {{\nreturn false;\n}}\n}}\n",
                               push(seg, d), x, k, e, element, checks);
        }
        }
        return {};
    }

    std::string allowed_literal(const decl& e) {
        std::string list;
        std::size_t n = 0;
        for (const auto& en : e.enumerators) {
            if (n == 20) {
                list += fmt::format(", ... ({} values)", e.enumerators.size());
                break;
            }
            if (n != 0) list += ", ";
            list += e.string_enum ? en.text : fmt::format("{}", en.integer);
            ++n;
        }
        return model::cpp_literal(list);
    }

    // ---- slots: deep checks on in-memory values

    std::string validate_slot(const std::vector<const node*>& schemas, const cpp_type* t, model::wrap w, bool boxed,
                              const std::string& target, std::string_view seg) {
        std::string x;
        std::string guard;
        switch (w) {
        case model::wrap::plain: x = boxed ? fmt::format("(*{})", target) : target; break;
        case model::wrap::optional:
        case model::wrap::tristate:
            guard = w == model::wrap::optional ? fmt::format("{}", target) : fmt::format("{}.has_value()", target);
            x = boxed ? fmt::format("(**{})", target) : fmt::format("(*{})", target);
            break;
        }
        std::string out;
        std::set<std::string> seen;
        bool first = true;
        for (const node* s : schemas) {
            std::string c = m.checks(s, t, x, seg, first, 0);
            first = false;
            if (!c.empty() && seen.insert(c).second) out += c;
        }
        if (schemas.empty()) out = m.checks(nullptr, t, x, seg, true, 0);
        if (out.empty()) return out;
        if (!guard.empty()) return fmt::format("if ({}) {{\n{}}}\n", guard, out);
        return out;
    }

    // ---- declarations

    std::string member_type(const model::field& f) {
        std::string inner = f.type->spelling;
        if (f.boxed) inner = fmt::format("katana::api::box<{}>", inner);
        switch (f.wrapping()) {
        case model::wrap::plain: return inner;
        case model::wrap::optional: return fmt::format("std::optional<{}>", inner);
        case model::wrap::tristate: return fmt::format("katana::api::tristate<{}>", inner);
        }
        return inner;
    }

    static bool needs_value_init(const cpp_type* u) {
        switch (u->category) {
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

    std::string comment_for(const decl& d) {
        if (d.origin.empty()) return {};
        return fmt::format("// {}\n", d.origin);
    }

    std::string struct_definition(std::size_t index) {
        const decl& d = m.decls[index];
        std::string body;
        for (const auto& f : d.fields) {
            if (f.cpp_name != f.json_name) body += fmt::format("// JSON: {}\n", model::json_quoted(f.json_name));
            const bool init = f.wrapping() == model::wrap::plain && !f.boxed && needs_value_init(m.underlying(f.type));
            body += fmt::format("{} {}{};\n", member_type(f), f.cpp_name, init ? "{}" : "");
        }
        if (d.extra == model::extra_mode::typed) {
            std::string inner = d.extra_boxed ? fmt::format("katana::api::box<{}>", d.extra_type->spelling) : d.extra_type->spelling;
            if (d.extra_nullable) inner = fmt::format("std::optional<{}>", inner);
            body += fmt::format("// Members not declared in `properties` (additionalProperties), in document order.\n"
                                "std::pmr::vector<std::pair<std::pmr::string, {}>> {};\n",
                                inner, d.extra_member);
        }
        if (decl_comparable(index)) {
            if (!body.empty()) body += "\n";
            body += fmt::format("friend bool operator==(const {0}&, const {0}&) = default;\n", d.name);
        }
        return indent_block(fmt::format("{}struct {} {{\n{}}};\n", comment_for(d), d.name, body), 0);
    }

    std::string variant_base(const decl& d) {
        std::string list;
        for (const auto& a : d.alternatives) {
            if (!list.empty()) list += ", ";
            list += a.boxed ? fmt::format("katana::api::box<{}>", a.type->spelling) : a.type->spelling;
        }
        return fmt::format("std::variant<{}>", list);
    }

    std::string variant_definition(std::size_t index) {
        const decl& d = m.decls[index];
        std::string labels;
        for (std::size_t i = 0; i < d.alternatives.size(); ++i) {
            labels += fmt::format("//   {}: {}{}\n", i, d.alternatives[i].label,
                                  d.alternatives[i].tags.empty()
                                      ? std::string()
                                      : fmt::format(" ({} = {})", d.discriminator, fmt::join(d.alternatives[i].tags, ", ")));
        }
        std::string body = fmt::format("using base_type = {};\nusing base_type::base_type;\nusing base_type::operator=;\n\n"
                                       "[[nodiscard]] base_type& as_variant() noexcept {{ return *this; }}\n"
                                       "[[nodiscard]] const base_type& as_variant() const noexcept {{ return *this; }}\n",
                                       variant_base(d));
        if (decl_comparable(index)) {
            // Defined in the .cpp: comparing the alternatives needs every (boxed) type complete.
            body += fmt::format("friend bool operator==(const {0}& a, const {0}& b);\n", d.name);
        }
        return indent_block(fmt::format("{}// {} of:\n{}struct {} : {} {{\n{}}};\n", comment_for(d), d.one_of ? "oneOf" : "anyOf",
                                        labels, d.name, variant_base(d), body),
                            0);
    }

    std::string enum_definition(const decl& d) {
        std::string body;
        const std::size_t n = d.enumerators.size();
        std::string underlying = n <= 255 ? "std::uint8_t" : n <= 65535 ? "std::uint16_t" : "std::uint32_t";
        if (!d.string_enum) underlying = "std::int64_t";
        for (const auto& en : d.enumerators) {
            if (d.string_enum) {
                if (en.cpp_name != en.text) body += fmt::format("{}, // {}\n", en.cpp_name, model::json_quoted(en.text));
                else body += fmt::format("{},\n", en.cpp_name);
            } else {
                body += fmt::format("{} = {},\n", en.cpp_name,
                                    en.integer == std::numeric_limits<std::int64_t>::min() ? std::string("(-9223372036854775807 - 1)")
                                                                                           : fmt::format("{}", en.integer));
            }
        }
        std::string out = indent_block(fmt::format("{}enum class {} : {} {{\n{}}};\n", comment_for(d), d.name, underlying, body), 0);
        if (d.string_enum) {
            out += fmt::format("[[nodiscard]] std::string_view to_string({} v) noexcept;\n"
                               "[[nodiscard]] bool from_string(std::string_view s, {}& out) noexcept;\n",
                               d.name, d.name);
        } else {
            out += fmt::format("[[nodiscard]] bool from_int(std::int64_t i, {}& out) noexcept;\n", d.name);
        }
        return out;
    }

    // ---- definitions

    struct code {
        std::string helpers; // file-local (anonymous namespace)
        std::string defs;    // the declared functions
    };

    code struct_functions(std::size_t index) {
        const decl& d = m.decls[index];
        const std::string& name = d.name;
        std::string helpers;
        std::string read;
        // Field dispatch
        std::vector<std::string> keys;
        for (const auto& f : d.fields) keys.push_back(f.json_name);
        const std::size_t words = (d.fields.size() + 63) / 64;
        if (!d.fields.empty()) {
            helpers += fmt::format("[[gnu::always_inline]] inline int field_of_{}(std::string_view k) noexcept {{\n{}}}\n\n", name,
                                   indent_block(dispatch_body(keys, "k"), 4));
        }
        const model::constraints oc = m.collect(d.schema);
        const bool count_members = oc.min_properties.has_value() || oc.max_properties.has_value();
        read += "if (!katana::api::expect_object(r, ctx, katana::api::here)) return !r.failed();\n";
        // Without properties nothing is stored in `out` unless additionalProperties keeps members.
        if (d.fields.empty() && d.extra != model::extra_mode::typed) read += "(void)out;\n";
        for (std::size_t w = 0; w < words; ++w) read += fmt::format("std::uint64_t seen{}_ = 0;\n", w);
        if (count_members) read += "std::size_t others_ = 0;\n";
        if (d.extra == model::extra_mode::typed) read += fmt::format("katana::api::ensure_memory(out.{}, ctx.memory());\n", d.extra_member);
        read += "std::string_view key_;\nwhile (r.next_key(key_)) {\n";
        std::string unknown;
        switch (d.extra) {
        case model::extra_mode::ignore:
            unknown = count_members ? "++others_;\nif (!r.skip_value()) return false;\n" : "if (!r.skip_value()) return false;\n";
            break;
        case model::extra_mode::forbid:
            unknown = count_members ? "++others_;\nif (!katana::api::unknown_key(r, ctx, key_)) return false;\n"
                                    : "if (!katana::api::unknown_key(r, ctx, key_)) return false;\n";
            break;
        case model::extra_mode::typed: {
            std::vector<const node*> schemas;
            if (d.extra_schema != nullptr) schemas.push_back(d.extra_schema);
            unknown = fmt::format("auto& x_ = out.{}.emplace_back();\nx_.first.assign(key_);\n{}", d.extra_member,
                                  read_slot(schemas, d.extra_type,
                                            d.extra_nullable ? model::wrap::optional : model::wrap::plain, d.extra_nullable,
                                            d.extra_boxed, "x_.second", "key_", 1));
            break;
        }
        }
        if (d.fields.empty()) {
            read += fmt::format("{{\n{}}}\n", unknown);
        } else {
            read += fmt::format("switch (field_of_{}(key_)) {{\n", name);
            for (std::size_t i = 0; i < d.fields.size(); ++i) {
                const auto& f = d.fields[i];
                const std::string bit = fmt::format("0x{:x}ULL", std::uint64_t{1} << (i % 64));
                const std::string seen = fmt::format("seen{}_", i / 64);
                read += fmt::format("case {}: {{ // {}\n", i, model::json_quoted(f.json_name));
                read += fmt::format("if (({} & {}) != 0) {{\nif (!katana::api::duplicate_key(r, ctx, key_)) return false;\nbreak;\n}}\n",
                                    seen, bit);
                read += fmt::format("{} |= {};\n", seen, bit);
                const model::wrap w = f.wrapping();
                read += read_slot(f.schemas, f.type, w, f.nullable, f.boxed, "out." + f.cpp_name, "key_", 0);
                read += "break;\n}\n";
            }
            read += fmt::format("default: {{\n{}break;\n}}\n}}\n", unknown);
        }
        read += "}\nif (r.failed()) return false;\n";
        if (d.extra == model::extra_mode::typed) read += fmt::format("models_detail::report_repeated_keys(out.{}, ctx);\n", d.extra_member);
        // Required properties (readOnly ones are not sent in requests).
        std::vector<std::uint64_t> masks(words, 0);
        for (std::size_t i = 0; i < d.fields.size(); ++i) {
            if (d.fields[i].required && !d.fields[i].read_only) masks[i / 64] |= std::uint64_t{1} << (i % 64);
        }
        for (std::size_t w = 0; w < words; ++w) {
            if (masks[w] == 0) continue;
            std::string missing;
            for (std::size_t i = w * 64; i < std::min(d.fields.size(), (w + 1) * 64); ++i) {
                if ((masks[w] >> (i % 64) & 1) == 0) continue;
                missing += fmt::format("if ((seen{}_ & 0x{:x}ULL) == 0) katana::api::report(ctx, katana::api::here, {});\n", w,
                                       std::uint64_t{1} << (i % 64),
                                       model::cpp_literal(fmt::format("missing required property \"{}\"", d.fields[i].json_name)));
            }
            read += fmt::format("if ((seen{0}_ & 0x{1:x}ULL) != 0x{1:x}ULL) {{\n{2}}}\n", w, masks[w], missing);
        }
        if (count_members) {
            std::string count = "others_";
            for (std::size_t w = 0; w < words; ++w) count += fmt::format(" + static_cast<std::size_t>(std::popcount(seen{}_))", w);
            if (d.extra == model::extra_mode::typed) count += fmt::format(" + out.{}.size()", d.extra_member);
            read += fmt::format("{{\nconst std::size_t count_ = {};\n", count);
            if (oc.min_properties) {
                read += fmt::format("if (count_ < {}u) katana::api::report(ctx, katana::api::here, {});\n", *oc.min_properties,
                                    model::cpp_literal(fmt::format("must have at least {} properties", *oc.min_properties)));
            }
            if (oc.max_properties) {
                read += fmt::format("if (count_ > {}u) katana::api::report(ctx, katana::api::here, {});\n", *oc.max_properties,
                                    model::cpp_literal(fmt::format("must have at most {} properties", *oc.max_properties)));
            }
            read += "}\n";
        }
        read += "return true;\n";

        // write_json
        std::string write;
        std::size_t estimate = 2;
        enum class sep_state { nothing, something, dynamic } state = sep_state::nothing;
        bool uses_sep = false;
        std::string wbody;
        auto emit_key = [&](const std::string& json_key, bool always) -> std::string {
            // Returns the statements that write the separator + key; updates the state.
            std::string code;
            if (state == sep_state::something) {
                code = fmt::format("w.raw({});\n", model::cpp_literal("," + json_key + ":"));
            } else if (state == sep_state::nothing && always) {
                code = fmt::format("w.raw({});\n", model::cpp_literal("{" + json_key + ":"));
            } else {
                uses_sep = true;
                code = fmt::format("w.raw_char(sep_);\nsep_ = ',';\nw.raw({});\n", model::cpp_literal(json_key + ":"));
            }
            return code;
        };
        for (const auto& f : d.fields) {
            if (f.write_only) continue;
            const std::string key = model::json_quoted(f.json_name);
            estimate += key.size() + 2 + 8;
            const std::string member = "v." + f.cpp_name;
            switch (f.wrapping()) {
            case model::wrap::plain:
                wbody += emit_key(key, true) + fmt::format("write_json(w, {});\n", member);
                if (state == sep_state::nothing) state = sep_state::something;
                else if (state == sep_state::dynamic) state = sep_state::something;
                break;
            case model::wrap::optional:
                if (f.nullable) {
                    wbody += emit_key(key, true) +
                             fmt::format("if ({0}) {{\nwrite_json(w, *{0});\n}} else {{\nw.null();\n}}\n", member);
                    state = sep_state::something;
                } else {
                    const std::string k = emit_key(key, false);
                    wbody += fmt::format("if ({}) {{\n{}write_json(w, *{});\n}}\n", member, k, member);
                    if (state == sep_state::nothing) state = sep_state::dynamic;
                }
                break;
            case model::wrap::tristate: {
                const std::string k = emit_key(key, false);
                wbody += fmt::format("if (!{0}.is_absent()) {{\n{1}if ({0}.has_value()) {{\nwrite_json(w, *{0});\n}} else {{\n"
                                     "w.null();\n}}\n}}\n",
                                     member, k);
                if (state == sep_state::nothing) state = sep_state::dynamic;
                break;
            }
            }
        }
        if (d.extra == model::extra_mode::typed) {
            std::string sep_code;
            if (state == sep_state::something) {
                sep_code = "w.raw_char(',');\n";
            } else {
                uses_sep = true;
                sep_code = "w.raw_char(sep_);\nsep_ = ',';\n";
            }
            wbody += fmt::format("for (const auto& [k_, x_] : v.{}) {{\n{}w.string(k_);\nw.raw_char(':');\nwrite_json(w, x_);\n}}\n",
                                 d.extra_member, sep_code);
            if (state == sep_state::nothing) state = sep_state::dynamic;
        }
        switch (state) {
        case sep_state::nothing: wbody += "w.raw(\"{}\");\n"; break;
        case sep_state::something: wbody += "w.raw_char('}');\n"; break;
        case sep_state::dynamic:
            uses_sep = true;
            wbody += "if (sep_ == '{') w.raw_char('{');\nw.raw_char('}');\n";
            break;
        }
        write += fmt::format("w.reserve({});\n", std::min<std::size_t>(estimate, 4096));
        if (uses_sep) write += "char sep_ = '{';\n";
        write += wbody;
        if (d.fields.empty() && d.extra != model::extra_mode::typed) write = "w.raw(\"{}\");\n(void)v;\n";

        // validate
        std::string valid;
        for (const auto& f : d.fields) {
            valid += validate_slot(f.schemas, f.type, f.wrapping(), f.boxed, "v." + f.cpp_name,
                                   model::cpp_literal(f.json_name));
        }
        if (d.extra == model::extra_mode::typed) {
            std::vector<const node*> schemas;
            if (d.extra_schema != nullptr) schemas.push_back(d.extra_schema);
            const std::string inner = validate_slot(schemas, d.extra_type,
                                                    d.extra_nullable ? model::wrap::optional : model::wrap::plain,
                                                    d.extra_boxed, "x_", "k_");
            if (!inner.empty()) valid += fmt::format("for (const auto& [k_, x_] : v.{}) {{\n{}}}\n", d.extra_member, inner);
        }
        if (count_members) {
            std::string count = "0";
            for (const auto& f : d.fields) {
                switch (f.wrapping()) {
                case model::wrap::plain: count += " + 1"; break;
                case model::wrap::optional: count += fmt::format(" + (v.{} ? 1 : 0)", f.cpp_name); break;
                case model::wrap::tristate: count += fmt::format(" + (v.{}.is_absent() ? 0 : 1)", f.cpp_name); break;
                }
            }
            if (d.extra == model::extra_mode::typed) count += fmt::format(" + v.{}.size()", d.extra_member);
            valid += fmt::format("{{\nconst std::size_t count_ = {};\n", count);
            if (oc.min_properties) {
                valid += fmt::format("if (count_ < {}u) katana::api::report(ctx, katana::api::here, {});\n", *oc.min_properties,
                                     model::cpp_literal(fmt::format("must have at least {} properties", *oc.min_properties)));
            }
            if (oc.max_properties) {
                valid += fmt::format("if (count_ > {}u) katana::api::report(ctx, katana::api::here, {});\n", *oc.max_properties,
                                     model::cpp_literal(fmt::format("must have at most {} properties", *oc.max_properties)));
            }
            valid += "}\n";
        }
        if (valid.empty()) valid = "(void)v;\n(void)ctx;\n";

        code out;
        out.helpers = helpers;
        out.defs += fmt::format("bool read_json(katana::json::reader& r, {}& out, katana::api::validation_context& ctx) {{\n{}}}\n\n",
                                name, indent_block(read, 4));
        out.defs += fmt::format("void write_json(katana::json::writer& w, const {}& v) {{\n{}}}\n\n", name, indent_block(write, 4));
        out.defs += fmt::format("void validate(const {}& v, katana::api::validation_context& ctx) {{\n{}}}\n\n", name,
                                indent_block(valid, 4));
        return out;
    }

    // Bit set of JSON kinds a value of `t` can have: object 1, array 2, string 4, number 8,
    // boolean 16, null 32; everything for DOM values.
    unsigned kind_mask(const cpp_type* t, int depth) {
        if (t == nullptr || depth > 16) return 63;
        const cpp_type* u = m.underlying(t);
        switch (u->category) {
        case cpp_type::kind::object:
        case cpp_type::kind::map: return 1;
        case cpp_type::kind::array: return 2;
        case cpp_type::kind::string: return 4;
        case cpp_type::kind::enumeration: return u->is_string_enum ? 4 : 8;
        case cpp_type::kind::int32:
        case cpp_type::kind::int64:
        case cpp_type::kind::uint64:
        case cpp_type::kind::float32:
        case cpp_type::kind::float64: return 8;
        case cpp_type::kind::boolean: return 16;
        case cpp_type::kind::variant: {
            unsigned mask = 0;
            for (const auto& a : m.decls[static_cast<std::size_t>(u->decl)].alternatives) mask |= kind_mask(a.type, depth + 1);
            return mask;
        }
        case cpp_type::kind::any: return 63;
        }
        return 63;
    }

    // write_json of alternative `i`. With a discriminator declared as a string (or string enum)
    // property of the alternative's struct, a value whose tag does not select this alternative
    // is written with the alternative's first tag (on a copy), so that what is written reads
    // back as the same alternative.
    std::string discriminated_write(const decl& d, std::size_t i) {
        const auto& a = d.alternatives[i];
        const std::string plain = fmt::format("case {0}:\nwrite_json(w, std::get<{0}>(v.as_variant()));\nbreak;\n", i);
        if (d.discriminator.empty() || a.tags.empty()) return plain;
        const cpp_type* u = m.underlying(a.type);
        if (u->category != cpp_type::kind::object || u->decl < 0) return plain;
        const decl& s = m.decls[static_cast<std::size_t>(u->decl)];
        const auto f = std::find_if(s.fields.begin(), s.fields.end(),
                                    [&](const model::field& x) { return x.json_name == d.discriminator && !x.write_only; });
        if (f == s.fields.end() || f->type == nullptr) return plain;
        const cpp_type* ft = m.underlying(f->type);
        const bool is_enum = ft->category == cpp_type::kind::enumeration && ft->is_string_enum;
        if (ft->category != cpp_type::kind::string && !is_enum) return plain;
        const model::wrap w = f->wrapping();
        const std::string member = "a_." + f->cpp_name;
        const std::string value = w == model::wrap::plain ? member : fmt::format("(*{})", member);
        const std::string text = is_enum ? fmt::format("to_string({})", value) : fmt::format("std::string_view({})", value);
        std::string matches;
        for (const auto& t : a.tags) {
            matches += fmt::format("{}{} == std::string_view({}, {})", matches.empty() ? "" : " || ", text, model::cpp_literal(t),
                                   t.size());
        }
        const std::string present = w == model::wrap::plain      ? std::string()
                                    : w == model::wrap::optional ? fmt::format("{} && ", member)
                                                                 : fmt::format("{}.has_value() && ", member);
        const std::string tag = fmt::format("std::string_view({}, {})", model::cpp_literal(a.tags.front()), a.tags.front().size());
        const std::string target = "c_." + f->cpp_name;
        std::string set;
        if (w != model::wrap::plain) set = fmt::format("{}.emplace();\n", target);
        const std::string slot = w == model::wrap::plain ? target : fmt::format("(*{})", target);
        set += is_enum ? fmt::format("(void)from_string({}, {});\n", tag, slot) : fmt::format("{}.assign({});\n", slot, tag);
        return fmt::format("case {0}: {{\nconst {1}& a_ = {2}std::get<{0}>(v.as_variant());\n"
                           "if ({3}({4})) {{\nwrite_json(w, a_);\n}} else {{\n{1} c_ = a_;\n{5}write_json(w, c_);\n}}\nbreak;\n}}\n",
                           i, a.type->spelling, a.boxed ? "*" : "", present, matches, set);
    }

    code variant_functions(std::size_t index) {
        const decl& d = m.decls[index];
        const std::string& name = d.name;
        code result;
        std::string& out = result.helpers;
        std::vector<std::string> alt_types;
        for (std::size_t i = 0; i < d.alternatives.size(); ++i) {
            const auto& a = d.alternatives[i];
            const std::string spelled = a.boxed ? fmt::format("katana::api::box<{}>", a.type->spelling) : a.type->spelling;
            alt_types.push_back(spelled);
            std::vector<const node*> schemas{a.schema};
            out += fmt::format("bool read_{}_{}(katana::json::reader& r, {}& out, katana::api::validation_context& ctx) {{\n{}}}\n\n",
                               name, i, spelled,
                               indent_block("(void)ctx; // alternatives without constraints never report\n" +
                                                read_slot(schemas, a.type, model::wrap::plain, false, a.boxed, "out", here, 0) +
                                                "return true;\n",
                                            4));
        }
        std::string labels;
        for (const auto& a : d.alternatives) {
            if (!labels.empty()) labels += ", ";
            labels += a.label;
        }
        std::string read;
        auto emplace = [&](std::size_t i) {
            return d.alternatives[i].boxed ? fmt::format("out.emplace<{}>(std::allocator_arg, ctx.memory())", i)
                                           : fmt::format("out.emplace<{}>()", i);
        };
        // JSON kinds each alternative can start with: when they do not overlap, the next value's
        // kind picks the only candidate and nothing is parsed speculatively.
        std::vector<unsigned> kinds;
        for (const auto& a : d.alternatives) kinds.push_back(kind_mask(a.type, 0));
        bool disjoint = true;
        for (std::size_t i = 0; i < kinds.size(); ++i) {
            for (std::size_t j = i + 1; j < kinds.size(); ++j) disjoint = disjoint && (kinds[i] & kinds[j]) == 0;
        }
        if (d.discriminator.empty() && disjoint) {
            static constexpr std::pair<unsigned, const char*> kind_names[] = {
                {1u << 0, "object"}, {1u << 1, "array"}, {1u << 2, "string"}, {1u << 3, "number"}, {1u << 4, "boolean"},
                {1u << 5, "null"}};
            std::string expected;
            read += "const auto kind_ = r.peek();\nif (!kind_) return r.skip_value();\nswitch (*kind_) {\n";
            for (std::size_t i = 0; i < d.alternatives.size(); ++i) {
                std::vector<std::string> labels_of;
                for (const auto& [bit, kind_name] : kind_names) {
                    if ((kinds[i] & bit) == 0) continue;
                    labels_of.push_back(fmt::format("case katana::json::value_kind::{}:", kind_name));
                    expected += (expected.empty() ? "" : " or ") + std::string(kind_name);
                }
                if (labels_of.empty()) continue;
                labels_of.back() += " {";
                read += fmt::format("{}\nauto& a_ = {};\nreturn read_{}_{}(r, a_, ctx);\n}}\n", fmt::join(labels_of, "\n"),
                                    emplace(i), name, i);
            }
            read += fmt::format("default:\nreturn katana::api::wrong_kind(r, ctx, {});\n}}\n", model::cpp_literal(expected));
        } else if (!d.discriminator.empty()) {
            std::vector<std::string> tags;
            std::vector<std::size_t> tag_alt;
            for (std::size_t i = 0; i < d.alternatives.size(); ++i) {
                for (const auto& t : d.alternatives[i].tags) {
                    tags.push_back(t);
                    tag_alt.push_back(i);
                }
            }
            std::string allowed;
            for (const auto& t : tags) allowed += (allowed.empty() ? "" : ", ") + t;
            const std::string prop = model::cpp_literal(d.discriminator);
            read += fmt::format("std::string_view tag_;\n"
                                "const auto found_ = katana::api::find_discriminator(r, {}, tag_);\n"
                                "if (found_ != katana::api::discriminator_result::found) {{\n"
                                "return katana::api::discriminator_failed(r, ctx, found_, {}, {});\n}}\n",
                                prop, prop, model::cpp_literal(allowed));
            read += fmt::format("switch (tag_of_{}(tag_)) {{\n", name);
            for (std::size_t t = 0; t < tags.size(); ++t) {
                read += fmt::format("case {}: {{\nauto& a_ = {};\nreturn read_{}_{}(r, a_, ctx);\n}}\n", t, emplace(tag_alt[t]), name,
                                    tag_alt[t]);
            }
            read += fmt::format("default:\nreturn katana::api::discriminator_unknown(r, ctx, {}, tag_, {});\n}}\n", prop,
                                model::cpp_literal(allowed));
            out = fmt::format("[[gnu::always_inline]] inline int tag_of_{}(std::string_view k) noexcept {{\n{}}}\n\n", name,
                              indent_block(dispatch_body(tags, "k"), 4)) +
                  out;
        } else {
            read += "katana::api::speculation guard_(katana::api::speculation::budget_for(r.document().size()));\n"
                    "if (!guard_) {\nkatana::api::report(ctx, katana::api::here, \"alternatives nested too deeply to validate\");\n"
                    "return r.skip_value();\n}\n"
                    "std::size_t matched_ = 0;\nkatana::json::reader end_ = r;\nconst auto mark_ = ctx.mark();\n";
            for (std::size_t i = 0; i < d.alternatives.size(); ++i) {
                const bool boxed = d.alternatives[i].boxed;
                const std::string init = boxed ? "(std::allocator_arg, ctx.memory())" : "{}";
                // A boxed variant is swapped in: constructing box<V> from a box<V> rvalue makes
                // overload resolution consider V's converting constructors, which recurse. Other
                // boxes move (a pointer steal; swap would instantiate T's whole move machinery).
                const bool boxed_variant = boxed && m.underlying(d.alternatives[i].type)->category == cpp_type::kind::variant;
                const std::string store = boxed_variant
                                              ? fmt::format("out.emplace<{}>(std::allocator_arg, ctx.memory()).swap(a_);", i)
                                              : fmt::format("out.emplace<{}>(std::move(a_));", i);
                std::string block = fmt::format("{{\nkatana::json::reader t_ = r;\n{} a_{};\n"
                                                "const bool ok_ = read_{}_{}(t_, a_, ctx) && ctx.errors_since(mark_) == 0;\n"
                                                "katana::api::speculation::charge(t_.offset() - r.offset());\n"
                                                "ctx.rollback(mark_);\n"
                                                "if (ok_ && matched_++ == 0) {{\n{}\nend_ = t_;\n}}\n}}\n",
                                                alt_types[i], init, name, i, store);
                if (!d.one_of && i > 0) block = fmt::format("if (matched_ == 0) {}", block);
                read += block;
            }
            read += fmt::format("if (matched_ {}) {{\nr = end_;\nreturn true;\n}}\n", d.one_of ? "== 1" : ">= 1");
            if (d.one_of) {
                read += fmt::format("if (matched_ == 0) {{\nkatana::api::report(ctx, katana::api::here, {});\n}} else {{\n"
                                    "ctx.addf({}, matched_);\n}}\n",
                                    model::cpp_literal(fmt::format("must match exactly one of: {} (matched none)", labels)),
                                    model::cpp_literal(fmt::format("must match exactly one of: {} (matched {{}})", labels)));
            } else {
                read += fmt::format("katana::api::report(ctx, katana::api::here, {});\n",
                                    model::cpp_literal(fmt::format("must match at least one of: {}", labels)));
            }
            read += "return r.skip_value();\n";
        }
        std::string write = "switch (v.index()) {\n";
        std::string valid = "switch (v.index()) {\n";
        for (std::size_t i = 0; i < d.alternatives.size(); ++i) {
            const auto& a = d.alternatives[i];
            write += discriminated_write(d, i);
            const std::string checks = validate_slot({a.schema}, a.type, model::wrap::plain, a.boxed, "a_", here);
            if (checks.empty()) {
                valid += fmt::format("case {}:\nbreak;\n", i);
            } else {
                valid += fmt::format("case {0}: {{\nconst auto& a_ = std::get<{0}>(v.as_variant());\n{1}break;\n}}\n", i, checks);
            }
        }
        write += "default:\nw.null();\nbreak;\n}\n";
        valid += "default:\nbreak;\n}\n(void)ctx;\n";
        std::string& defs = result.defs;
        if (decl_comparable(index)) {
            defs += fmt::format("bool operator==(const {0}& a, const {0}& b) {{\n    return a.as_variant() == b.as_variant();\n}}\n\n",
                                name);
        }
        defs += fmt::format("bool read_json(katana::json::reader& r, {}& out, katana::api::validation_context& ctx) {{\n{}}}\n\n",
                            name, indent_block(read, 4));
        defs += fmt::format("void write_json(katana::json::writer& w, const {}& v) {{\n{}}}\n\n", name, indent_block(write, 4));
        defs += fmt::format("void validate(const {}& v, katana::api::validation_context& ctx) {{\n{}}}\n\n", name,
                            indent_block(valid, 4));
        return result;
    }

    // Aliases of arrays/maps/primitives/DOM values: the generic read_json of the C++ type knows
    // nothing of the component's constraints, read_<Alias> / validate_<Alias> check them.
    code alias_functions(std::size_t index) {
        const decl& d = m.decls[index];
        code result;
        const std::vector<const node*> schemas{d.schema};
        result.defs += fmt::format("bool read_{0}(katana::json::reader& r, {0}& out, katana::api::validation_context& ctx) {{\n{1}}}\n\n",
                                   d.name,
                                   indent_block("(void)ctx;\n" +
                                                    read_slot(schemas, d.type, model::wrap::plain, false, false, "out", here, 0) +
                                                    "return true;\n",
                                                4));
        std::string valid = validate_slot(schemas, d.type, model::wrap::plain, false, "v", here);
        if (valid.empty()) valid = "(void)v;\n(void)ctx;\n";
        result.defs += fmt::format("void validate_{0}(const {0}& v, katana::api::validation_context& ctx) {{\n{1}}}\n\n", d.name,
                                   indent_block(valid, 4));
        return result;
    }

    bool alias_has_functions(const decl& d) {
        if (d.kind != decl_kind::alias) return false;
        const cpp_type* u = m.underlying(d.type);
        return u->category != cpp_type::kind::object && u->category != cpp_type::kind::variant &&
               u->category != cpp_type::kind::enumeration;
    }

    code enum_functions(std::size_t index) {
        const decl& d = m.decls[index];
        const std::string& name = d.name;
        code result;
        std::string& out = result.defs;
        if (d.string_enum) {
            std::vector<std::string> keys;
            std::string values;
            for (const auto& en : d.enumerators) {
                keys.push_back(en.text);
                values += fmt::format("{}::{}, ", name, en.cpp_name);
            }
            result.helpers += fmt::format("[[gnu::always_inline]] inline int value_of_{}(std::string_view k) noexcept {{\n{}}}\n\n",
                                          name, indent_block(dispatch_body(keys, "k"), 4));
            std::string to;
            std::string write;
            for (const auto& en : d.enumerators) {
                to += fmt::format("case {}::{}:\nreturn std::string_view({}, {});\n", name, en.cpp_name, model::cpp_literal(en.text),
                                  en.text.size());
                write += fmt::format("case {}::{}:\nw.raw({});\nreturn;\n", name, en.cpp_name,
                                     model::cpp_literal(model::json_quoted(en.text)));
            }
            out += fmt::format("std::string_view to_string({} v) noexcept {{\n{}}}\n\n", name,
                               indent_block(fmt::format("switch (v) {{\n{}}}\nreturn {{}};\n", to), 4));
            out += fmt::format("bool from_string(std::string_view s, {}& out) noexcept {{\n{}}}\n\n", name,
                               indent_block(fmt::format("static constexpr {} values[] = {{{}}};\nconst int i = value_of_{}(s);\n"
                                                        "if (i < 0) return false;\nout = values[i];\nreturn true;\n",
                                                        name, values, name),
                                            4));
            out += fmt::format("bool read_json(katana::json::reader& r, {}& out, katana::api::validation_context& ctx) {{\n"
                               "    return katana::api::read_string_enum(r, out, ctx, katana::api::here, {}) != "
                               "katana::api::read_result::malformed;\n}}\n\n",
                               name, allowed_literal(d));
            out += fmt::format("void write_json(katana::json::writer& w, {} v) {{\n{}}}\n\n", name,
                               indent_block(fmt::format("switch (v) {{\n{}}}\nw.null();\n", write), 4));
        } else {
            std::string cases;
            for (const auto& en : d.enumerators) {
                cases += fmt::format("case {}:\nout = {}::{};\nreturn true;\n",
                                     en.integer == std::numeric_limits<std::int64_t>::min() ? std::string("(-9223372036854775807 - 1)")
                                                                                            : fmt::format("{}", en.integer),
                                     name, en.cpp_name);
            }
            out += fmt::format("bool from_int(std::int64_t i, {}& out) noexcept {{\n{}}}\n\n", name,
                               indent_block(fmt::format("switch (i) {{\n{}default:\nreturn false;\n}}\n", cases), 4));
            out += fmt::format("bool read_json(katana::json::reader& r, {}& out, katana::api::validation_context& ctx) {{\n"
                               "    return katana::api::read_int_enum(r, out, ctx, katana::api::here, {}) != "
                               "katana::api::read_result::malformed;\n}}\n\n",
                               name, allowed_literal(d));
            out += fmt::format("void write_json(katana::json::writer& w, {} v) {{\n    w.int64(static_cast<std::int64_t>(v));\n}}\n\n",
                               name);
        }
        return result;
    }
};

void schema_model::emit(const std::string& cpp_namespace, std::vector<generated_file>& out) {
    auto& m = *impl_;
    m.finalize();
    emit_state st{m, {}};
    st.compute_comparable();

    // Shards: declarations with functions, in registration order, contiguous ranges.
    std::vector<std::size_t> with_functions;
    for (std::size_t i = 0; i < m.decls.size(); ++i) {
        if (m.decls[i].kind != decl_kind::alias || st.alias_has_functions(m.decls[i])) with_functions.push_back(i);
    }
    const std::size_t shard_count = std::clamp<std::size_t>((with_functions.size() + 59) / 60, 1, 16);
    std::vector<std::string> shard_helpers(shard_count);
    std::vector<std::string> shard_code(shard_count);
    for (std::size_t k = 0; k < with_functions.size(); ++k) {
        const std::size_t shard = k * shard_count / std::max<std::size_t>(with_functions.size(), 1);
        const std::size_t i = with_functions[k];
        m.decls[i].shard = shard;
        emit_state::code fn;
        switch (m.decls[i].kind) {
        case decl_kind::structure: fn = st.struct_functions(i); break;
        case decl_kind::variant: fn = st.variant_functions(i); break;
        case decl_kind::enumeration: fn = st.enum_functions(i); break;
        case decl_kind::alias: fn = st.alias_functions(i); break;
        }
        shard_helpers[shard] += fn.helpers;
        shard_code[shard] += fn.defs;
    }
    // Readers of inline body schemas (registered by the operations model).
    std::vector<std::string> dom_code(shard_count);
    for (std::size_t i = 0; i < m.body_readers.size(); ++i) {
        const auto& [schema, type] = m.body_readers[i];
        dom_code[i % shard_count] += fmt::format(
            "bool read_body_{}(katana::json::reader& r, {}& out, katana::api::validation_context& ctx) {{\n{}}}\n\n", i,
            type->spelling,
            "(void)ctx;\n" + st.read_slot({schema}, type, model::wrap::plain, false, false, "out", here, 0) + "return true;\n");
    }
    // DOM validators (they may register more validators and patterns while being generated).
    for (std::size_t id = 0; id < m.dom_order.size(); ++id) {
        dom_code[id % shard_count] += m.dom_function(id) + "\n";
    }
    m.emitted = true;

    const std::string banner = fmt::format("// Generated by katana gen openapi from {}. Do not edit.\n", m.source_name);

    const bool any_map = std::any_of(m.decls.begin(), m.decls.end(), [](const decl& d) {
        return d.kind == decl_kind::structure && d.extra == model::extra_mode::typed;
    }) || std::any_of(m.types.begin(), m.types.end(), [](const cpp_type& t) { return t.category == cpp_type::kind::map; });

    // ---- models.hpp
    std::string h = banner;
    h += "// Schema types of the spec: one C++ type per schema, with read_json (parse + validate in one pass),\n"
         "// write_json and validate found by ADL. Definitions are in models_<k>.cpp.\n"
         "#pragma once\n\n"
         "#include <katana/api/json_io.hpp>\n\n";
    if (any_map) h += "#include <algorithm>\n"; // report_repeated_keys
    h += "#include <cstdint>\n#include <memory_resource>\n#include <optional>\n#include <string>\n"
         "#include <string_view>\n#include <utility>\n#include <variant>\n#include <vector>\n\n";
    h += ns_open(cpp_namespace);
    // forward declarations
    std::string forward;
    for (const auto& d : m.decls) {
        if (d.kind == decl_kind::structure || d.kind == decl_kind::variant) forward += fmt::format("struct {};\n", d.name);
    }
    if (!forward.empty()) h += "\n" + forward;
    for (const auto& d : m.decls) {
        if (d.kind == decl_kind::enumeration) h += "\n" + st.enum_definition(d);
    }
    // aliases, dependencies first
    {
        std::vector<std::uint8_t> state(m.decls.size(), 0);
        std::string aliases;
        std::function<void(std::size_t)> visit = [&](std::size_t i) {
            if (state[i] != 0) return;
            state[i] = 1;
            std::function<void(const cpp_type*)> deps = [&](const cpp_type* t) {
                for (int guard = 0; t != nullptr && guard < 64; ++guard) {
                    if (t->decl >= 0 && m.decls[static_cast<std::size_t>(t->decl)].kind == decl_kind::alias &&
                        static_cast<std::size_t>(t->decl) != i) {
                        visit(static_cast<std::size_t>(t->decl));
                        return;
                    }
                    t = t->element;
                }
            };
            deps(m.decls[i].target);
            state[i] = 2;
            const auto& d = m.decls[i];
            aliases += fmt::format("{}using {} = {};\n", st.comment_for(d), d.name, d.target->spelling);
        };
        for (std::size_t i = 0; i < m.decls.size(); ++i) {
            if (m.decls[i].kind == decl_kind::alias) visit(i);
        }
        if (!aliases.empty()) h += "\n" + aliases;
    }
    for (std::size_t i : m.order) {
        const auto& d = m.decls[i];
        h += "\n";
        h += d.kind == decl_kind::structure ? st.struct_definition(i) : st.variant_definition(i);
    }
    // functions
    std::string fns;
    for (const auto& d : m.decls) {
        switch (d.kind) {
        case decl_kind::structure:
        case decl_kind::variant:
            fns += fmt::format("bool read_json(katana::json::reader& r, {0}& out, katana::api::validation_context& ctx);\n"
                               "void write_json(katana::json::writer& w, const {0}& v);\n"
                               "void validate(const {0}& v, katana::api::validation_context& ctx);\n",
                               d.name);
            break;
        case decl_kind::enumeration:
            fns += fmt::format("bool read_json(katana::json::reader& r, {0}& out, katana::api::validation_context& ctx);\n"
                               "void write_json(katana::json::writer& w, {0} v);\n"
                               "inline void validate({0}, katana::api::validation_context&) noexcept {{}}\n",
                               d.name);
            break;
        case decl_kind::alias:
            if (st.alias_has_functions(d)) {
                fns += fmt::format("bool read_{0}(katana::json::reader& r, {0}& out, katana::api::validation_context& ctx);\n"
                                   "void validate_{0}(const {0}& v, katana::api::validation_context& ctx);\n",
                                   d.name);
            }
            break;
        }
    }
    if (!fns.empty()) h += "\n" + fns;
    // internals shared by the .cpp files (and by parameter checks in other generated files)
    std::string detail;
    std::vector<std::pair<std::size_t, std::string>> patterns;
    for (const auto& [source, id] : m.patterns) patterns.emplace_back(id, source);
    std::sort(patterns.begin(), patterns.end());
    for (const auto& [id, source] : patterns) {
        detail += fmt::format("extern const katana::api::regex_pattern pattern_{}; // {}\n", id, model::cpp_literal(source));
    }
    for (std::size_t i = 0; i < m.body_readers.size(); ++i) {
        detail += fmt::format("bool read_body_{}(katana::json::reader& r, {}& out, katana::api::validation_context& ctx);\n", i,
                              m.body_readers[i].second->spelling);
    }
    for (std::size_t id = 0; id < m.dom_order.size(); ++id) {
        detail += fmt::format("void dom_{}(const katana::json::value& v, katana::api::validation_context& ctx);\n", id);
    }
    if (any_map) {
        // JSON objects read into a list of (key, value) pairs: a repeated key is rejected as it is
        // for struct members. Sorting a copy of the keys keeps hostile bodies with many members
        // O(n log n).
        detail += "template <class Entries>\n"
                  "void report_repeated_keys(const Entries& entries, katana::api::validation_context& ctx) {\n"
                  "    const std::size_t n = entries.size();\n"
                  "    if (n < 2) return;\n"
                  "    if (n <= 8) {\n"
                  "        for (std::size_t i = 1; i < n; ++i) {\n"
                  "            for (std::size_t j = 0; j < i; ++j) {\n"
                  "                if (entries[i].first != entries[j].first) continue;\n"
                  "                katana::api::report(ctx, std::string_view(entries[i].first), \"duplicate property\");\n"
                  "                break;\n"
                  "            }\n"
                  "        }\n"
                  "        return;\n"
                  "    }\n"
                  "    std::pmr::vector<std::string_view> keys(ctx.memory());\n"
                  "    keys.reserve(n);\n"
                  "    for (const auto& entry : entries) keys.emplace_back(entry.first);\n"
                  "    std::sort(keys.begin(), keys.end());\n"
                  "    for (std::size_t i = 1; i < n; ++i) {\n"
                  "        if (keys[i] == keys[i - 1]) katana::api::report(ctx, keys[i], \"duplicate property\");\n"
                  "    }\n"
                  "}\n";
    }
    if (!detail.empty()) {
        h += "\n// Internals of the generated validators.\nnamespace models_detail {\n" + detail + "} // namespace models_detail\n";
    }
    h += "\n" + ns_close(cpp_namespace);
    out.push_back({"models.hpp", std::move(h)});

    // ---- models_<k>.cpp
    for (std::size_t k = 0; k < shard_count; ++k) {
        std::string c = banner;
        c += "#include \"models.hpp\"\n\n#include <bit>\n#include <cstring>\n\n";
        c += ns_open(cpp_namespace);
        c += "\n// Built-in read_json/write_json/validate overloads (numbers, strings, vectors, optionals...).\n"
             "using katana::api::read_json;\nusing katana::api::validate;\nusing katana::api::write_json;\n\n";
        if (k == 0 && !patterns.empty()) {
            c += "namespace models_detail {\n";
            for (const auto& [id, source] : patterns) {
                c += fmt::format("const katana::api::regex_pattern pattern_{}{{std::string_view({}, {})}};\n", id,
                                 model::cpp_literal(source), source.size());
            }
            c += "} // namespace models_detail\n\n";
        }
        if (!shard_helpers[k].empty()) c += "namespace {\n\n" + shard_helpers[k] + "} // namespace\n\n";
        c += shard_code[k];
        if (!dom_code[k].empty()) {
            c += "\nnamespace models_detail {\n\n" + indent_block(dom_code[k], 0) + "} // namespace models_detail\n";
        }
        c += "\n" + ns_close(cpp_namespace);
        out.push_back({fmt::format("models_{}.cpp", k), std::move(c)});
    }
}

} // namespace katana::codegen
