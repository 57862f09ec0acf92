// operations.hpp: one Params / Request / Response type per operation.
#include "emit/operations_emit.hpp"

#include <katana/codegen/printer.hpp>

#include <fmt/format.h>

namespace katana::codegen::detail {

namespace {

std::string body_comment(const media_model& m, bool required) {
    return fmt::format("{}{}", m.media_type, required ? ", required" : "");
}

void emit_params(printer& p, const operation& op) {
    p.emit({{"name", op.type_prefix + "Params"}}, R"(
        struct $name$ {
    )");
    p.indent();
    for (const auto& prm : op.params) {
        std::string note = fmt::format("{} \"{}\"", to_string(prm.in), comment_text(prm.name, 80));
        if (prm.shape == param_shape::array || prm.shape == param_shape::object) {
            note += fmt::format(", {}{}", to_string(prm.style), prm.explode ? " explode" : "");
        }
        if (prm.default_value != nullptr) note += ", default " + comment_text(prm.default_value->text, 40);
        if (prm.deprecated) note += ", deprecated";
        p.emit({{"type", prm.spelling}, {"field", prm.field}, {"note", note}}, R"(
            $type$ $field${}; // $note$
        )");
    }
    p.outdent();
    p.line("};");
    p.blank_line();
}

void emit_request(printer& p, const operation& op) {
    p.emit({{"name", op.type_prefix + "Request"}, {"params", op.type_prefix + "Params"}}, R"(
        struct $name$ {
            $params$ params{};
    )");
    p.indent();
    if (op.body) {
        const auto& b = *op.body;
        if (b.media.size() == 1) {
            const auto& m = b.media.front();
            const bool wrap = !b.required && !m.nullable;
            const std::string type = wrap ? "std::optional<" + m.spelling + ">" : m.spelling;
            p.emit({{"type", type}, {"note", body_comment(m, b.required)}}, R"(
                $type$ body{}; // $note$
            )");
        } else {
            std::string enumerators = "none";
            for (const auto& m : b.media) enumerators += ", " + m.enumerator;
            p.emit({{"list", enumerators}}, R"(
                // Which media type arrived (none: no body).
                enum class media : std::uint8_t { $list$ };
                media body_media = media::none;
            )");
            for (const auto& m : b.media) {
                const std::string type = m.kind == media_kind::json || m.kind == media_kind::form
                                             ? (m.nullable ? m.spelling : "std::optional<" + m.spelling + ">")
                                             : m.spelling;
                p.emit({{"type", type}, {"field", m.field}, {"note", m.media_type}}, R"(
                    $type$ $field${}; // $note$
                )");
            }
        }
    }
    p.line("katana::api::request_info info{}; // negotiated response media, Content-Type");
    p.outdent();
    p.line("};");
    p.blank_line();
}

std::string headers_arg(const response_model& r, bool with_default) {
    if (r.headers.empty()) return {};
    bool any_required = false;
    for (const auto& h : r.headers) any_required = any_required || h.required;
    return fmt::format("{}::headers_type headers{}", r.type_name, with_default && !any_required ? " = {}" : "");
}

std::string header_spelling(const header_model& h) {
    const std::string base = h.type != nullptr ? h.type->spelling : "std::pmr::string";
    return h.required ? base : "std::optional<" + base + ">";
}

void emit_response_struct(printer& p, const response_model& r, const std::string& class_name) {
    std::string body_type;
    if (r.representations.size() == 1) {
        body_type = r.representations.front().spelling;
    } else if (r.representations.size() > 1) {
        body_type = "std::variant<";
        for (std::size_t i = 0; i < r.representations.size(); ++i) {
            body_type += (i != 0 ? ", " : "") + r.representations[i].spelling;
        }
        body_type += ">";
    }
    std::string headers_decl;
    if (!r.headers.empty()) {
        headers_decl = "struct headers_type {\n";
        for (const auto& h : r.headers) {
            headers_decl += fmt::format("    {} {}; // \"{}\"{}\n", header_spelling(h), h.field, comment_text(h.name, 80),
                                        h.required ? ", required" : "");
        }
        headers_decl += "};";
    }
    const std::string doc = fmt::format("// {}: {}", r.key, comment_text(r.description));
    if (r.kind == status_kind::range) {
        std::string members;
        std::string ctor_params = "katana::http::status_code code";
        std::string ctor_init;
        if (!body_type.empty()) {
            members += body_type + " body;\n";
            ctor_params += ", " + body_type + " b";
            ctor_init += "body(std::move(b)), ";
        }
        if (!r.headers.empty()) {
            members += "headers_type headers;\n";
            ctor_params += ", headers_type h";
            ctor_init += "headers(std::move(h)), ";
        }
        ctor_init += "code_(code)";
        p.emit({{"doc", doc},
                {"name", r.type_name},
                {"headers", headers_decl},
                {"members", members},
                {"class", class_name},
                {"params", ctor_params},
                {"init", ctor_init}},
               R"(
            $doc$
            // Made only by the factory, which checks the status against the range at compile time.
            class $name$ {
            public:
                $headers$
                [[nodiscard]] katana::http::status_code code() const noexcept { return code_; }
                $members$
            private:
                friend class $class$;
                $name$($params$) : $init$ {}
                katana::http::status_code code_;
            };
        )");
        return;
    }
    std::string members;
    if (r.kind == status_kind::fallback) members += "katana::http::status_code code; // any status the handler chooses\n";
    if (!body_type.empty()) members += body_type + " body;\n";
    if (!r.headers.empty()) members += "headers_type headers;\n";
    p.emit({{"doc", doc}, {"name", r.type_name}, {"headers", headers_decl}, {"members", members}}, R"(
        $doc$
        struct $name$ {
            $headers$
            $members$
        };
    )");
}

// Factories: declared in the class (operations.hpp), defined in the operation's shard (`d`,
// null when only declaring). Range factories are templates, so they stay inline.
void emit_factories(printer& p, printer* d, const response_model& r, const std::string& class_name) {
    // One factory per body representation (or one without a body).
    std::vector<const representation_model*> reps;
    for (const auto& rep : r.representations) reps.push_back(&rep);
    if (reps.empty()) reps.push_back(nullptr);
    const std::string headers_decl = headers_arg(r, true);
    const std::string headers_def = headers_arg(r, false);
    const std::string headers_move = r.headers.empty() ? "" : ", std::move(headers)";
    for (const representation_model* rep : reps) {
        std::string params;
        std::string args;
        if (r.kind == status_kind::fallback) {
            params = "katana::http::status_code code";
            args = "code";
        }
        if (rep != nullptr) {
            if (!params.empty()) params += ", ";
            params += rep->spelling + " body";
            if (!args.empty()) args += ", ";
            args += rep->spelling == "std::string_view" ? "body" : "std::move(body)";
        }
        std::string params_def = params;
        if (!headers_decl.empty()) params += (params.empty() ? "" : ", ") + headers_decl;
        if (!headers_def.empty()) params_def += (params_def.empty() ? "" : ", ") + class_name + "::" + headers_def;
        if (!headers_move.empty()) args += args.empty() ? "std::move(headers)" : headers_move;
        if (r.kind == status_kind::range) {
            if (d != nullptr) continue;
            const int lo = r.code * 100;
            p.emit({{"class", class_name},
                    {"name", r.factory},
                    {"type", r.type_name},
                    {"params", params},
                    {"args", args.empty() ? "" : ", " + args},
                    {"lo", std::to_string(lo)},
                    {"hi", std::to_string(lo + 99)}},
                   R"(
                template <katana::http::status_code Code>
                    requires(Code >= $lo$ && Code <= $hi$)
                [[nodiscard]] static $class$ $name$($params$) {
                    return $type$(Code$args$);
                }
            )");
        } else if (d != nullptr) {
            d->emit({{"class", class_name}, {"name", r.factory}, {"type", r.type_name}, {"params", params_def}, {"args", args}},
                    R"(
                $class$ $class$::$name$($params$) {
                    return $type${$args$};
                }
            )");
            continue;
        } else {
            p.emit({{"class", class_name}, {"name", r.factory}, {"params", params}}, R"(
                [[nodiscard]] static $class$ $name$($params$);
            )");
        }
        if (rep != nullptr && rep->spelling == "std::string_view" && r.kind != status_kind::range) {
            // A view of a temporary string would dangle by the time the response is written.
            const std::string lead = r.kind == status_kind::fallback ? "katana::http::status_code, " : "";
            p.emit({{"class", class_name}, {"name", r.factory}, {"lead", lead}}, R"(
                template <class... Rest>
                static $class$ $name$($lead$std::string&&, Rest&&...) = delete; // keep text in static storage or ctx.memory
                template <class... Rest>
                static $class$ $name$($lead$std::pmr::string&&, Rest&&...) = delete;
            )");
        }
    }
}

// The response class holds exactly one of its nested response types in a tagged union. Not
// std::variant: instantiating a variant per operation made github's 700+ operations take
// minutes to compile; the switch-based members below are plain code.
void emit_response(printer& p, const operation& op) {
    const std::string name = op.type_prefix + "Response";
    p.emit({{"name", name}, {"id", comment_text(op.operation_id, 100)}}, R"(
        // The answers operation $id$ can give: one nested type per declared response, built with
        // the static factories (an undeclared status or a wrong body type does not compile).
        class $name$ {
        public:
    )");
    p.indent();
    for (const auto& r : op.responses) emit_response_struct(p, r, name);
    if (op.responses.empty()) {
        p.emit(R"(
            [[nodiscard]] std::uint16_t index() const noexcept { return 0; }
        )");
        p.outdent();
        p.line("};");
        p.blank_line();
        return;
    }
    for (const auto& r : op.responses) {
        p.emit({{"name", name}, {"type", r.type_name}}, R"(
            $name$($type$ v);
        )");
    }
    // Move-only: a copy would instantiate the copy constructors of every body type, which is
    // slow for big specs and not always possible (recursive DTOs through katana::api::box).
    p.emit({{"name", name}}, R"(
        $name$($name$&& o) noexcept;
        $name$& operator=($name$&& o) noexcept;
        $name$(const $name$&) = delete;
        $name$& operator=(const $name$&) = delete;
        ~$name$();

    )");
    for (const auto& r : op.responses) emit_factories(p, nullptr, r, name);
    // Accessors.
    std::string get_if;
    for (std::size_t i = 0; i < op.responses.size(); ++i) {
        get_if += fmt::format("{}if constexpr (std::is_same_v<T, {}>) {{\n    return index_ == {} ? &u_.r{} : nullptr;\n}}",
                              i == 0 ? "" : " else ", op.responses[i].type_name, i, i);
    }
    get_if += " else {\n    static_assert(sizeof(T) == 0, \"not a response type of this operation\");\n    return nullptr;\n}";
    p.emit({{"get_if", get_if}}, R"(
        // Which nested type is held, in declaration order.
        [[nodiscard]] std::uint16_t index() const noexcept { return index_; }
        // The held response if it is a T, else null.
        template <class T>
        [[nodiscard]] const T* get_if() const noexcept {
            $get_if$
        }
        // The status this response is sent with.
        [[nodiscard]] katana::http::status_code status() const noexcept;

    )");
    std::string members;
    for (std::size_t i = 0; i < op.responses.size(); ++i) members += fmt::format("{} r{};\n", op.responses[i].type_name, i);
    p.outdent();
    p.emit({{"name", name}, {"members", members}}, R"(
        private:
            void construct_from($name$&& o) noexcept;
            void destroy() noexcept;
            union storage {
                storage() noexcept {}
                ~storage() {}
                $members$
            } u_;
            std::uint16_t index_;
        };

    )");
}

} // namespace

void emit_response_definitions(printer& d, const operation& op) {
    if (op.responses.empty()) return;
    const std::string name = op.type_prefix + "Response";
    std::string ctors;
    std::string status;
    std::string move;
    std::string destroy;
    for (std::size_t i = 0; i < op.responses.size(); ++i) {
        const auto& r = op.responses[i];
        const auto& t = r.type_name;
        ctors += fmt::format("{0}::{0}({1} v) : index_({2}) {{ ::new (static_cast<void*>(&u_.r{2})) {1}(std::move(v)); }}\n", name,
                             t, i);
        switch (r.kind) {
        case status_kind::exact: status += fmt::format("case {}: return {};\n", i, r.code); break;
        case status_kind::range: status += fmt::format("case {}: return u_.r{}.code();\n", i, i); break;
        case status_kind::fallback: status += fmt::format("case {}: return u_.r{}.code;\n", i, i); break;
        }
        move += fmt::format("case {0}: ::new (static_cast<void*>(&u_.r{0})) {1}(std::move(o.u_.r{0})); break;\n", i, t);
        destroy += fmt::format("case {0}: u_.r{0}.~{1}(); break;\n", i, t);
    }
    d.emit({{"name", name}, {"ctors", ctors}, {"status", status}, {"move", move}, {"destroy", destroy}}, R"(
        $ctors$
        $name$::$name$($name$&& o) noexcept : index_(o.index_) { construct_from(std::move(o)); }
        $name$& $name$::operator=($name$&& o) noexcept {
            if (this != &o) {
                destroy();
                index_ = o.index_;
                construct_from(std::move(o));
            }
            return *this;
        }
        $name$::~$name$() { destroy(); }
        katana::http::status_code $name$::status() const noexcept {
            switch (index_) {
            $status$
            default: return 500;
            }
        }
        void $name$::construct_from($name$&& o) noexcept {
            switch (index_) {
            $move$
            default: break;
            }
        }
        void $name$::destroy() noexcept {
            switch (index_) {
            $destroy$
            default: break;
            }
        }
    )");
    for (const auto& r : op.responses) emit_factories(d, &d, r, name);
    d.blank_line();
}

std::string emit_operations_header(const ops_context& c) {
    const auto& ops = c.model.operations();
    printer p;
    p.emit({{"spec", c.spec_name}}, R"(
        #pragma once
        // Operations of $spec$: for each operation a Params struct (typed parameters), a Request
        // struct (params + parsed body + negotiation facts) and a Response class that can express
        // only the declared answers. Implement the handler methods listed in server.hpp.
        //
        // Binding rules (see docs/EXTENSIONS.md and the katana::api headers):
        // - A parameter that is missing, malformed or out of range answers 400 problem+json whose
        //   "errors" carry pointers "/<in>/<name>[/<index or member>]", e.g. "/query/limit".
        // - Malformed JSON answers 400; a body that breaks its schema answers 422 with JSON pointers
        //   into the body; a Content-Type the operation does not accept answers 415; a required body
        //   that is missing answers 400; an Accept that none of the success responses' media
        //   matches answers 406 (not when a success response has no body); error bodies keep their
        //   own media type. A string offered as text/* and as JSON is written in the negotiated one;
        //   bodies of different C++ types are the handler's choice (req.info.accept_media).
        // - Cookie parameters are percent-decoded (style form = RFC 6570 form expansion, which
        //   percent-encodes; '+' stays '+'); header parameters are taken as sent.
        // - A 3.1 operation without `responses` gets one `default` response without a body: the
        //   handler answers Response::default_response(<any status>).
        // Lifetime: string views and pmr containers in requests point into the request and its memory;
        // they are valid until the response has been written.
        #include "models.hpp"

        #include <katana/api/dispatch.hpp>
        #include <katana/api/policy.hpp>
        #include <katana/http/status.hpp>
        #include <katana/server/handler.hpp>

        #include <array>
        #include <cstddef>
        #include <cstdint>
        #include <memory_resource>
        #include <optional>
        #include <string>
        #include <new>
        #include <span>
        #include <string_view>
        #include <type_traits>
        #include <utility>
        #include <variant>

    )");
    p.emit({{"ns", c.ns}}, R"(
        namespace $ns$ {

    )");
    for (const auto& op : ops) {
        p.emit({{"id", comment_text(op.operation_id, 100)},
                {"method", upper(op.method)},
                {"path", comment_text(op.path, 200)},
                {"summary", op.summary.empty() ? std::string() : "\n// " + comment_text(op.summary)},
                {"dep", op.deprecated ? "\n// deprecated" : ""}},
               R"(
            // ---- $id$: $method$ $path$$summary$$dep$
        )");
        emit_params(p, op);
        emit_request(p, op);
        emit_response(p, op);
    }

    // Operation ids and the policy table.
    std::string ids;
    for (const auto& op : ops) ids += fmt::format("{}{} = {}", ids.empty() ? "" : ", ", op.handler, op.index);
    p.emit({{"ids", ids}, {"count", std::to_string(ops.size())}}, R"(
        // Every operation, in spec order (the index of its row in the tables below).
        enum class operation_id : std::uint16_t { $ids$ };
        inline constexpr std::size_t operation_count = $count$;

    )");
    p.emit({{"table", emit_policy_table(c)}}, R"(
        $table$

    )");

    // Webhooks.
    const auto& hooks = c.model.webhooks();
    std::string rows;
    for (const auto& w : hooks) {
        rows += fmt::format("    katana::api::webhook_info{{{}, {}, {}}}, // {}\n", cpp_string(w.name), cpp_string(upper(w.method)),
                            cpp_string(w.operation_id), comment_text(w.summary, 100));
    }
    p.emit({{"n", std::to_string(hooks.size())}, {"rows", rows}}, R"(
        // Webhooks the API calls (listed, not routed: katana serves requests, these are sent).
        inline constexpr std::array<katana::api::webhook_info, $n$> webhooks{{
            $rows$
        }};

    )");

    // Generated binding and writing, defined in operations_<k>.cpp; the tables in server.cpp.
    std::string decls;
    for (const auto& op : ops) {
        decls += fmt::format("bool bind_{0}(katana::request_context& ctx, {1}Request& req, std::pmr::memory_resource* memory);\n"
                             "void write_{0}(katana::request_context& ctx, const {1}Response& res, const katana::api::request_info& info);\n",
                             op.handler, op.type_prefix);
    }
    p.emit({{"decls", decls}, {"count", std::to_string(ops.size())}}, R"(
        namespace detail {
        // Parameters, security, negotiation and bodies of each operation (answers 4xx itself and
        // returns false), and the serialization of its responses.
        $decls$
        extern const std::array<katana::api::operation_info, $count$> operation_table; // server.cpp
        // router.cpp: the operation index for ctx.request with its path parameters attached to ctx,
        // or -1 after answering 404 / 405 / OPTIONS (or the spec, when serve_spec is set).
        [[nodiscard]] int route_request(katana::request_context& ctx, bool serve_spec);
        // spec.cpp: the spec as compact JSON.
        [[nodiscard]] std::string_view spec_json();
        } // namespace detail

    )");
    p.emit({{"ns", c.ns}}, R"(
        } // namespace $ns$
    )");
    return p.take();
}

} // namespace katana::codegen::detail
