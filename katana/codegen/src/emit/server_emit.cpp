// server.hpp (handler concepts, ServerBase, Server<Handler>) and server.cpp (operation and
// security tables).
#include "emit/operations_emit.hpp"

#include <katana/codegen/printer.hpp>

#include <fmt/format.h>

namespace katana::codegen::detail {

namespace {

bool has_security(const operation_model& m) {
    for (const auto& op : m.operations()) {
        if (!op.security.empty()) return true;
    }
    return false;
}

std::string signature_text(const operation& op) {
    return fmt::format("{0}Response {1}(katana::request_context&, {0}Request&)", op.type_prefix, op.handler);
}

std::string_view scheme_kind(security_scheme_model::kind k) {
    switch (k) {
    case security_scheme_model::kind::api_key: return "api_key";
    case security_scheme_model::kind::http_bearer: return "http_bearer";
    case security_scheme_model::kind::http_basic: return "http_basic";
    case security_scheme_model::kind::oauth2: return "oauth2";
    case security_scheme_model::kind::open_id_connect: return "open_id_connect";
    case security_scheme_model::kind::unsupported: return "unsupported";
    }
    return "unsupported";
}

std::string_view scheme_location(security_scheme_model::location l) {
    switch (l) {
    case security_scheme_model::location::header: return "header";
    case security_scheme_model::location::query: return "query";
    case security_scheme_model::location::cookie: return "cookie";
    }
    return "header";
}

} // namespace

std::string emit_server_header(const ops_context& c) {
    const auto& ops = c.model.operations();
    const bool secured = has_security(c.model);
    printer p;
    p.emit({{"spec", c.spec_name}}, R"(
        #pragma once
        // The server of $spec$: `Server<Handler>` routes each request to the handler method of its
        // operation, after binding parameters and body (operations.hpp) and checking security.
        //
        //   struct my_handler {
        //       GetProductResponse get_product(katana::request_context& ctx, GetProductRequest& req);
        //       katana::task<ListProductsResponse> list_products(katana::request_context&, ListProductsRequest&);
        //   };
        //   my_handler h;
        //   Server<my_handler> server(h);          // a katana::dispatcher
        //   katana::server(options, server).run();
        //
        // Every operation needs its method, plain or returning katana::task<Response>; a missing or
        // mis-typed one stops the build with a static_assert naming the operation. Methods run on
        // every reactor thread at once: shared mutable state needs its own synchronisation.
        // A method that answers through ctx.response itself (e.g. a streamed body) keeps that
        // answer: the typed response it returns is then not written.
        // When the spec declares security, the handler also provides
        //   katana::api::auth_result authenticate(katana::request_context&, const katana::api::auth_request&)
        // (or katana::task<katana::api::auth_result>), called before the operation's method whenever
        // one alternative's credentials are present (none present: 401 without calling it).
        #include "operations.hpp"

        #include <katana/api/dispatch.hpp>
        #include <katana/coro/task.hpp>
        #include <katana/server/handler.hpp>

        #include <memory>
        #include <string_view>
        #include <type_traits>

    )");
    p.emit({{"ns", c.ns}}, R"(
        namespace $ns$ {

        // One concept per operation: does Handler implement it with the right signature?
    )");
    for (const auto& op : ops) {
        p.emit({{"h", op.handler}, {"t", op.type_prefix}}, R"(
            template <class H>
            concept implements_$h$ = requires(H& h, katana::request_context& ctx, $t$Request& req) {
                { h.$h$(ctx, req) } -> katana::api::handler_result<$t$Response>;
            };
        )");
    }
    p.emit(R"(
        template <class H>
        concept implements_authenticate = requires(H& h, katana::request_context& ctx, const katana::api::auth_request& a) {
            { h.authenticate(ctx, a) } -> katana::api::auth_hook_result;
        };

        // The parts that do not depend on the handler type, compiled once in server.cpp.
        class ServerBase : public katana::dispatcher {
        public:
            // Serve this spec (as JSON) at GET /openapi.json. Off by default; the first call that
            // switches it on builds the document, so do it at start-up.
            void serve_spec(bool on) {
                if (on) static_cast<void>(detail::spec_json());
                serve_spec_ = on;
            }
            [[nodiscard]] bool serves_spec() const noexcept { return serve_spec_; }
            // The spec as compact JSON (the root document, $$refs kept as written).
            [[nodiscard]] static std::string_view spec_json() { return detail::spec_json(); }
            [[nodiscard]] static const katana::api::operation_info& operation(operation_id id) noexcept {
                return detail::operation_table[static_cast<std::size_t>(id)];
            }

        protected:
            // The operation index for ctx.request with its path parameters attached to ctx, or -1
            // after answering 404 / 405 / OPTIONS / the spec itself.
            [[nodiscard]] int route(katana::request_context& ctx) const { return detail::route_request(ctx, serve_spec_); }

        private:
            bool serve_spec_ = false;
        };

        template <class Handler>
        class Server final : public ServerBase {
    )");
    p.indent();
    for (const auto& op : ops) {
        p.emit({{"h", op.handler},
                {"msg", cpp_string(fmt::format("operation {} ({} {}): the handler must define `{}` (or return "
                                               "katana::task<{}Response>)",
                                               op.operation_id, upper(op.method), op.path, signature_text(op), op.type_prefix))}},
               R"(
            static_assert(implements_$h$<Handler>, $msg$);
        )");
    }
    if (secured) {
        p.emit(R"cpp(
            static_assert(implements_authenticate<Handler>,
                          "the spec declares security requirements: the handler must define `katana::api::auth_result "
                          "authenticate(katana::request_context&, const katana::api::auth_request&)` (or return "
                          "katana::task<katana::api::auth_result>)");
        )cpp");
    }
    p.outdent();
    std::string security_block;
    if (secured) {
        security_block = R"(const katana::api::operation_info& info = detail::operation_table[static_cast<std::size_t>(op)];
if (!info.security.empty()) {
    katana::api::auth_request request;
    switch (katana::api::prepare_security(ctx, info, request)) {
    case katana::api::security_state::answered: return {};
    case katana::api::security_state::open: break;
    case katana::api::security_state::ready:
        if constexpr (implements_authenticate<Handler>) {
            using verdict_type = decltype(handler_.authenticate(ctx, request));
            if constexpr (std::is_same_v<verdict_type, katana::api::auth_result>) {
                const katana::api::auth_result verdict = handler_.authenticate(ctx, request);
                if (verdict != katana::api::auth_result::allow) {
                    katana::api::answer_auth_failure(ctx, info, verdict);
                    return {};
                }
            } else {
                const katana::api::auth_request& kept = katana::api::keep_auth_request(ctx, request);
                return katana::api::authenticate_then(ctx, info, handler_.authenticate(ctx, kept), &invoke_thunk, this, op);
            }
        }
        break;
    }
}
)";
    }
    std::string cases;
    std::string thunks;
    for (const auto& op : ops) {
        cases += fmt::format(
            "case {0}:\n"
            "    if constexpr (implements_{1}<Handler>) {{\n"
            "        return katana::api::run_operation<{2}Request, {2}Response>(\n"
            "            ctx, detail::operation_table[{0}], &detail::bind_{1}, handler_ptr(), &call_{1}, &detail::write_{1});\n"
            "    }}\n"
            "    return {{}};\n",
            op.index, op.handler, op.type_prefix);
        thunks += fmt::format("static decltype(auto) call_{0}(void* h, katana::request_context& c, {1}Request& r) {{\n"
                              "    return static_cast<Handler*>(h)->{0}(c, r);\n"
                              "}}\n",
                              op.handler, op.type_prefix);
    }
    // Without operations the switch below has only `default`; ctx would be an unused parameter.
    const std::string ctx_attr = ops.empty() ? "[[maybe_unused]] " : "";
    p.emit({{"security", security_block}, {"cases", cases}, {"thunks", thunks}, {"ctx_attr", ctx_attr}}, R"(
        public:
            // The handler must outlive the server.
            explicit Server(Handler& handler) noexcept : handler_(handler) {}

            katana::task<void> dispatch(katana::request_context& ctx) override {
                const int op = route(ctx);
                if (op < 0) return {};
                $security$
                return invoke(ctx, op);
            }

            [[nodiscard]] Handler& handler() const noexcept { return handler_; }

        private:
            // Handler calls go through these thunks (see katana::api::call_function).
            [[nodiscard]] void* handler_ptr() const noexcept { return static_cast<void*>(std::addressof(handler_)); }
            $thunks$
            static katana::task<void> invoke_thunk(void* self, katana::request_context& ctx, int op) {
                return static_cast<Server*>(self)->invoke(ctx, op);
            }

            katana::task<void> invoke($ctx_attr$katana::request_context& ctx, int op) {
                switch (op) {
                $cases$
                default: return {};
                }
            }

            Handler& handler_;
        };

    )");
    p.emit({{"ns", c.ns}}, R"(
        } // namespace $ns$
    )");
    return p.take();
}

std::string emit_server_source(const ops_context& c) {
    const auto& ops = c.model.operations();
    const auto& schemes = c.model.security_schemes();
    printer p;
    p.emit({{"spec", c.spec_name}}, R"(
        // Operation and security tables of $spec$.
        #include "operations.hpp"

        #include <katana/api/dispatch.hpp>

        #include <array>
        #include <cstddef>
        #include <span>
        #include <string_view>

    )");
    p.emit({{"ns", c.ns}}, R"(
        namespace $ns$ {

        namespace {

    )");
    for (const auto& s : schemes) {
        p.line(fmt::format("constexpr katana::api::security_scheme {}{{{}, katana::api::security_scheme_kind::{}, "
                           "katana::api::api_key_location::{}, {}}};",
                           s.identifier, cpp_string(s.name), scheme_kind(s.type), scheme_location(s.in), cpp_string(s.key_name)));
    }
    if (!schemes.empty()) p.blank_line();
    std::string rows;
    for (const auto& op : ops) {
        const std::string k = std::to_string(op.index);
        std::string path_params = "{}";
        if (!op.path_param_names.empty()) {
            std::string list;
            for (const auto& n : op.path_param_names) list += (list.empty() ? "" : ", ") + cpp_string(n);
            p.line(fmt::format("constexpr std::string_view path_params_{}[] = {{{}}};", k, list));
            path_params = "path_params_" + k;
        }
        std::string media = "{}";
        if (!op.response_media.empty()) {
            std::string list;
            for (const auto& m : op.response_media) list += (list.empty() ? "" : ", ") + cpp_string(m);
            p.line(fmt::format("constexpr std::string_view media_{}[] = {{{}}};", k, list));
            media = "media_" + k;
        }
        std::string security = "{}";
        if (!op.security.empty()) {
            std::string alternatives;
            for (std::size_t a = 0; a < op.security.size(); ++a) {
                const auto& alt = op.security[a];
                if (alt.empty()) {
                    alternatives += (alternatives.empty() ? "" : ", ") + std::string("katana::api::security_requirement{}");
                    continue;
                }
                std::string items;
                for (std::size_t i = 0; i < alt.size(); ++i) {
                    std::string scopes = "{}";
                    if (!alt[i].scopes.empty()) {
                        std::string list;
                        for (const auto& s : alt[i].scopes) list += (list.empty() ? "" : ", ") + cpp_string(s);
                        p.line(fmt::format("constexpr std::string_view scopes_{}_{}_{}[] = {{{}}};", k, a, i, list));
                        scopes = fmt::format("scopes_{}_{}_{}", k, a, i);
                    }
                    items += fmt::format("{}katana::api::security_requirement_item{{&{}, {}}}", items.empty() ? "" : ", ",
                                         schemes[alt[i].scheme].identifier, scopes);
                }
                p.line(fmt::format("constexpr katana::api::security_requirement_item security_{}_{}[] = {{{}}};", k, a, items));
                alternatives += fmt::format("{}katana::api::security_requirement{{security_{}_{}}}", alternatives.empty() ? "" : ", ",
                                            k, a);
            }
            p.line(fmt::format("constexpr katana::api::security_requirement security_{}[] = {{{}}};", k, alternatives));
            security = "security_" + k;
        }
        rows += fmt::format("    katana::api::operation_info{{{}, {}, {}, {}, {}, {}, &route_policies[{}], {}, {}}},\n",
                            cpp_string(op.operation_id), cpp_string(upper(op.method)), cpp_string(op.path), path_params, security,
                            media, k, op.negotiable_media, op.bodiless_success ? "true" : "false");
    }
    p.emit({{"n", std::to_string(ops.size())}, {"rows", rows}}, R"(

        } // namespace

        namespace detail {
        extern const std::array<katana::api::operation_info, $n$> operation_table;
        constexpr std::array<katana::api::operation_info, $n$> operation_table{{
            $rows$
        }};
        } // namespace detail

    )");
    p.emit({{"ns", c.ns}}, R"(
        } // namespace $ns$
    )");
    return p.take();
}

} // namespace katana::codegen::detail
