// Non-template runtime of generated servers: answers, security, negotiation, parameters.
#include <katana/api/dispatch.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <memory_resource>
#include <unordered_map>
#include <unordered_set>

namespace katana::api {

namespace {

using pmr_buffer = fmt::basic_memory_buffer<char, 256, std::pmr::polymorphic_allocator<char>>;

// Copies a formatted buffer into `memory` so it outlives the buffer.
std::string_view keep(const pmr_buffer& buf, std::pmr::memory_resource* memory) {
    if (buf.size() == 0) return {};
    char* p = static_cast<char*>(memory->allocate(buf.size(), 1));
    std::memcpy(p, buf.data(), buf.size());
    return {p, buf.size()};
}

constexpr std::array<http::method, 8> allow_order = {http::method::get,    http::method::head,  http::method::post,
                                                     http::method::put,    http::method::patch, http::method::delete_,
                                                     http::method::options, http::method::trace};

// A JSON number literal exactly as RFC 8259 spells it.
bool is_json_number(std::string_view s) noexcept {
    std::size_t i = 0;
    if (i < s.size() && s[i] == '-') ++i;
    if (i == s.size()) return false;
    if (s[i] == '0') {
        ++i;
    } else if (s[i] >= '1' && s[i] <= '9') {
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    } else {
        return false;
    }
    if (i < s.size() && s[i] == '.') {
        ++i;
        const std::size_t digits = i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
        if (i == digits) return false;
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
        const std::size_t digits = i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
        if (i == digits) return false;
    }
    return i == s.size();
}

void append_json_string(pmr_buffer& out, std::string_view s) {
    out.push_back('"');
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(c);
        } else if (u < 0x20) {
            fmt::format_to(fmt::appender(out), "\\u{:04x}", static_cast<unsigned>(u));
        } else {
            out.push_back(c);
        }
    }
    out.push_back('"');
}

void append_field_value(pmr_buffer& out, field_kind kind, std::string_view value) {
    switch (kind) {
    case field_kind::number:
    case field_kind::number_array:
        if (is_json_number(value)) {
            out.append(value);
            return;
        }
        break;
    case field_kind::boolean:
    case field_kind::boolean_array:
        if (value == "true" || value == "false") {
            out.append(value);
            return;
        }
        break;
    default: break;
    }
    append_json_string(out, value);
}

bool is_array_kind(field_kind k) noexcept {
    return k == field_kind::string_array || k == field_kind::number_array || k == field_kind::boolean_array;
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Routing

bool match_segment_template(std::string_view segment, std::span<const std::string_view> literals,
                            route_match& m) noexcept {
    const std::size_t params = literals.size() - 1;
    if (literals.empty() || params == 0 || params > route_match::max_params - m.count) return false;
    std::string_view rest = segment;
    if (!rest.starts_with(literals.front())) return false;
    rest.remove_prefix(literals.front().size());
    if (rest.size() < literals.back().size() || !rest.ends_with(literals.back())) return false;
    rest.remove_suffix(literals.back().size());
    // Right to left, one pass: each parameter but the first ends at the LAST occurrence of the
    // literal before it ("{name}.{ext}" on "a.b.txt": name "a.b", ext "txt"). No backtracking, so
    // the cost stays linear whatever the segment.
    std::array<std::string_view, route_match::max_params> found{};
    for (std::size_t i = params; i > 1; --i) {
        const std::string_view lit = literals[i - 1];
        const std::size_t at = rest.rfind(lit);
        if (at == std::string_view::npos || at + lit.size() >= rest.size()) return false;
        found[i - 1] = rest.substr(at + lit.size());
        rest = rest.substr(0, at);
    }
    if (rest.empty()) return false;
    found[0] = rest;
    for (std::size_t i = 0; i < params; ++i) static_cast<void>(m.push(found[i]));
    return true;
}

void write_allow_header(http::response& res, std::uint16_t allow) {
    if ((allow & method_bit(http::method::get)) != 0) allow |= method_bit(http::method::head);
    allow |= method_bit(http::method::options);
    char buf[96];
    std::size_t n = 0;
    for (http::method m : allow_order) {
        if ((allow & method_bit(m)) == 0) continue;
        const std::string_view name = http::to_string(m);
        if (n != 0) {
            buf[n++] = ',';
            buf[n++] = ' ';
        }
        std::memcpy(buf + n, name.data(), name.size());
        n += name.size();
    }
    res.header("Allow", std::string_view(buf, n));
}

void answer_not_found(request_context& ctx) {
    pmr_buffer buf{std::pmr::polymorphic_allocator<char>(ctx.memory)};
    buf.append(std::string_view("no route for "));
    const std::string_view path = ctx.request.path;
    const std::size_t shown = std::min<std::size_t>(path.size(), 100);
    for (std::size_t i = 0; i < shown; ++i) {
        const auto c = static_cast<unsigned char>(path[i]);
        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
            fmt::format_to(fmt::appender(buf), "%{:02X}", static_cast<unsigned>(c));
        } else {
            buf.push_back(static_cast<char>(c));
        }
    }
    if (shown < path.size()) buf.append(std::string_view("..."));
    write_problem(ctx.response, 404, keep(buf, ctx.memory));
}

void answer_method_not_allowed(request_context& ctx, std::uint16_t allow) {
    write_allow_header(ctx.response, allow);
    write_problem(ctx.response, 405, "method not allowed for this path");
}

void answer_options(request_context& ctx, std::uint16_t allow) {
    write_allow_header(ctx.response, allow);
    ctx.response.status(204);
    ctx.response.finish();
}

// ---------------------------------------------------------------------------------------------
// Security

namespace {

std::optional<credential> find_credential(request_context& ctx, const security_scheme& scheme,
                                          std::span<const raw_pair> query) {
    credential c{};
    c.scheme_name = scheme.name;
    switch (scheme.kind) {
    case security_scheme_kind::api_key: {
        c.kind = credential_kind::api_key;
        std::optional<std::string_view> v;
        switch (scheme.in) {
        case api_key_location::header:
            if (ctx.request.has_header(scheme.key_name)) v = ctx.request.header_value(scheme.key_name);
            break;
        case api_key_location::query: v = find_query(query, scheme.key_name, ctx.memory); break;
        case api_key_location::cookie:
            v = find_cookie(ctx.request.header_value("Cookie"), scheme.key_name);
            break;
        }
        if (!v || v->empty()) return std::nullopt;
        c.value = *v;
        return c;
    }
    case security_scheme_kind::http_basic: {
        c.kind = credential_kind::basic;
        auto up = basic_credentials(ctx.request, ctx.memory);
        if (!up) return std::nullopt;
        c.user = up->first;
        c.password = up->second;
        return c;
    }
    case security_scheme_kind::unsupported: return std::nullopt;
    case security_scheme_kind::http_bearer:
    case security_scheme_kind::oauth2:
    case security_scheme_kind::open_id_connect: {
        c.kind = credential_kind::bearer;
        auto token = bearer_token(ctx.request);
        if (!token || token->empty()) return std::nullopt;
        c.value = *token;
        return c;
    }
    }
    return std::nullopt;
}

bool needs_query(const operation_info& op) noexcept {
    for (const auto& alt : op.security) {
        for (const auto& item : alt.items) {
            if (item.scheme->kind == security_scheme_kind::api_key && item.scheme->in == api_key_location::query) {
                return true;
            }
        }
    }
    return false;
}

} // namespace

security_state prepare_security(request_context& ctx, const operation_info& op, auth_request& out) {
    if (op.security.empty()) return security_state::open;
    std::pmr::vector<raw_pair> query(ctx.memory);
    if (needs_query(op)) query = split_query(ctx.request.query, ctx.memory);
    bool anonymous = false;
    for (const auto& alt : op.security) {
        if (alt.items.empty()) {
            anonymous = true;
            continue;
        }
        auto* creds = static_cast<credential*>(ctx.memory->allocate(sizeof(credential) * alt.items.size(),
                                                                    alignof(credential)));
        bool complete = true;
        for (std::size_t i = 0; i < alt.items.size(); ++i) {
            auto c = find_credential(ctx, *alt.items[i].scheme, query);
            if (!c) {
                complete = false;
                break;
            }
            ::new (static_cast<void*>(creds + i)) credential(*c);
        }
        if (complete) {
            out.operation = &op;
            out.requirement = &alt;
            out.credentials = std::span<const credential>(creds, alt.items.size());
            return security_state::ready;
        }
    }
    if (anonymous) return security_state::open;
    answer_auth_failure(ctx, op, auth_result::unauthenticated);
    return security_state::answered;
}

task<void> authenticate_then(request_context& ctx, const operation_info& op, task<auth_result> verdict,
                             task<void> (*next)(void* self, request_context&, int), void* self, int op_index) {
    const auth_result result = co_await std::move(verdict);
    if (result != auth_result::allow) {
        answer_auth_failure(ctx, op, result);
        co_return;
    }
    co_await next(self, ctx, op_index);
}

const auth_request& keep_auth_request(request_context& ctx, const auth_request& request) {
    void* p = ctx.memory->allocate(sizeof(auth_request), alignof(auth_request));
    return *::new (p) auth_request(request);
}

void answer_auth_failure(request_context& ctx, const operation_info& op, auth_result result) {
    if (result == auth_result::forbidden) {
        write_problem(ctx.response, 403, "the credentials do not allow this operation");
        return;
    }
    // One challenge per scheme the operation accepts, each once (RFC 9110 §11.6.1).
    pmr_buffer buf{std::pmr::polymorphic_allocator<char>(ctx.memory)};
    bool bearer = false;
    bool basic = false;
    bool missing = true;
    for (const auto& alt : op.security) {
        for (const auto& item : alt.items) {
            const security_scheme& s = *item.scheme;
            std::string_view challenge;
            switch (s.kind) {
            case security_scheme_kind::unsupported: continue;
            case security_scheme_kind::http_basic:
                if (basic) continue;
                basic = true;
                challenge = "Basic realm=\"api\"";
                break;
            case security_scheme_kind::http_bearer:
            case security_scheme_kind::oauth2:
            case security_scheme_kind::open_id_connect:
                if (bearer) continue;
                bearer = true;
                challenge = "Bearer realm=\"api\"";
                break;
            case security_scheme_kind::api_key: {
                // There is no registered challenge for API keys; say where the key goes.
                if (buf.size() != 0) buf.append(std::string_view(", "));
                const std::string_view where = s.in == api_key_location::header  ? "header"
                                               : s.in == api_key_location::query ? "query"
                                                                                  : "cookie";
                fmt::format_to(fmt::appender(buf), "ApiKey realm=\"api\", in=\"{}\", name=\"{}\"", where, s.key_name);
                missing = false;
                continue;
            }
            }
            if (buf.size() != 0) buf.append(std::string_view(", "));
            buf.append(challenge);
            missing = false;
        }
    }
    if (!missing) ctx.response.header("WWW-Authenticate", keep(buf, ctx.memory));
    write_problem(ctx.response, 401,
                  result == auth_result::unauthenticated ? "missing or invalid credentials" : "unauthenticated");
}

// ---------------------------------------------------------------------------------------------
// Binding

route_memory::route_memory(const alloc_policy& policy, std::pmr::memory_resource* request_memory)
    : resource_(request_memory) {
    switch (policy.mode) {
    case alloc_mode::arena:
        if (policy.size_hint != 0) {
            // One block of the hinted size up front keeps the route's DTOs contiguous; more
            // comes from the request memory when the hint was too small.
            void* block = request_memory->allocate(policy.size_hint, alignof(std::max_align_t));
            mono_.emplace(block, policy.size_hint, request_memory);
            resource_ = &*mono_;
        }
        break;
    case alloc_mode::pmr:
        mono_.emplace(policy.size_hint != 0 ? policy.size_hint : std::size_t{1024}, std::pmr::new_delete_resource());
        resource_ = &*mono_;
        break;
    case alloc_mode::heap:
        heap_.emplace();
        resource_ = &*heap_;
        break;
    }
}

route_memory::~route_memory() = default;

bool has_body(const http::request& req) noexcept {
    return !req.body.empty() || req.has_header("Content-Type");
}

int match_content_type(std::string_view content_type, std::span<const std::string_view> media) noexcept {
    if (content_type.empty()) return -1;
    for (std::size_t i = 0; i < media.size(); ++i) {
        if (media_type_matches(content_type, media[i])) return static_cast<int>(i);
    }
    return -1;
}

bool negotiate_accept(request_context& ctx, const operation_info& op, request_info& info) {
    if (op.response_media.empty()) {
        info.accept = -1;
        return true;
    }
    const std::string_view accept = ctx.request.header_value("Accept");
    std::span<const std::string_view> success = op.response_media;
    if (op.negotiable_media != 0 && op.negotiable_media < success.size()) success = success.first(op.negotiable_media);
    int best = negotiate(accept, success);
    if (best < 0 && op.bodiless_success) {
        // The handler may still answer without a body; an error body then takes what fits.
        best = negotiate(accept, op.response_media);
    } else if (best < 0) {
        pmr_buffer buf{std::pmr::polymorphic_allocator<char>(ctx.memory)};
        buf.append(std::string_view("no acceptable media type; this operation produces "));
        for (std::size_t i = 0; i < success.size(); ++i) {
            if (i != 0) buf.append(std::string_view(", "));
            buf.append(success[i]);
        }
        write_problem(ctx.response, 406, keep(buf, ctx.memory));
        return false;
    }
    info.accept = static_cast<std::int16_t>(best);
    info.accept_media = best >= 0 ? op.response_media[static_cast<std::size_t>(best)] : std::string_view();
    return true;
}

void answer_bad_request(request_context& ctx, const validation_context& vc, std::string_view detail) {
    write_problem(ctx.response, 400, detail, vc);
}

void answer_unprocessable(request_context& ctx, const validation_context& vc) {
    write_problem(ctx.response, 422, "the request body does not match the schema", vc);
}

void answer_unsupported_media(request_context& ctx, std::span<const std::string_view> media) {
    pmr_buffer buf{std::pmr::polymorphic_allocator<char>(ctx.memory)};
    buf.append(std::string_view("Content-Type must be one of: "));
    for (std::size_t i = 0; i < media.size(); ++i) {
        if (i != 0) buf.append(std::string_view(", "));
        buf.append(media[i]);
    }
    write_problem(ctx.response, 415, keep(buf, ctx.memory));
}

void answer_missing_body(request_context& ctx) {
    write_problem(ctx.response, 400, "this operation requires a request body");
}

void answer_malformed_json(request_context& ctx, const json::syntax_error& error) {
    pmr_buffer buf{std::pmr::polymorphic_allocator<char>(ctx.memory)};
    fmt::format_to(fmt::appender(buf), "malformed JSON at byte {}: {}", error.offset, json::describe(error.code));
    write_problem(ctx.response, 400, keep(buf, ctx.memory));
}

void answer_malformed_form(request_context& ctx) {
    write_problem(ctx.response, 400, "malformed application/x-www-form-urlencoded body");
}

std::string_view text_to_json(std::string_view text, std::pmr::memory_resource* memory) {
    if (is_json_number(text) || text == "true" || text == "false" || text == "null") return text;
    pmr_buffer out{std::pmr::polymorphic_allocator<char>(memory)};
    append_json_string(out, text);
    return keep(out, memory);
}

param_source::param_source(request_context& ctx, std::pmr::memory_resource* memory, bool split)
    : ctx_(ctx), memory_(memory), query_(memory), names_(memory) {
    if (!split) return;
    query_ = split_query(ctx.request.query, memory);
    // Decoded once, so presence checks of every parameter do not decode (and allocate) again.
    names_.reserve(query_.size());
    for (const raw_pair& p : query_) {
        if (p.name.find_first_of("%+") == std::string_view::npos) {
            names_.push_back(p.name);
        } else {
            const auto decoded = decode_component(p.name, true, memory);
            names_.push_back(decoded ? *decoded : std::string_view());
        }
    }
}

std::optional<std::string_view> param_source::path(std::string_view name) const noexcept {
    for (const auto& p : ctx_.params()) {
        if (p.name == name) return p.value;
    }
    return std::nullopt;
}

std::optional<std::string_view> param_source::header(std::string_view name) const noexcept {
    for (const auto& h : ctx_.request.headers) {
        if (http::iequals(h.name, name)) return h.value;
    }
    return std::nullopt;
}

std::optional<std::string_view> param_source::cookie(std::string_view name) const noexcept {
    for (const auto& h : ctx_.request.headers) {
        if (!http::iequals(h.name, "Cookie")) continue;
        if (auto v = find_cookie(h.value, name)) return v;
    }
    return std::nullopt;
}

bool param_source::query_has(std::string_view name, bool deep) const noexcept {
    for (std::string_view n : names_) {
        if (n == name) return true;
        // "name[member]" (deepObject).
        if (deep && n.size() > name.size() && n.starts_with(name) && n[name.size()] == '[') return true;
    }
    return false;
}

bool param_source::query_has_any(std::span<const std::string_view> names) const noexcept {
    for (std::string_view n : names) {
        if (query_has(n)) return true;
    }
    return false;
}

std::string_view pairs_to_json(std::span<const std::pair<std::string_view, std::string_view>> pairs,
                               std::span<const form_field> fields, std::pmr::memory_resource* memory) {
    // One pass over the pairs (a 1 MiB form can hold half a million of them): each declared field
    // keeps a chain of its pair indexes; undeclared names are deduplicated through a hash set.
    constexpr std::size_t none = static_cast<std::size_t>(-1);
    std::pmr::unordered_map<std::string_view, std::size_t> field_of(memory);
    field_of.reserve(fields.size());
    for (std::size_t k = 0; k < fields.size(); ++k) field_of.emplace(fields[k].name, k);
    std::pmr::vector<std::size_t> first(fields.size(), none, memory);
    std::pmr::vector<std::size_t> last(fields.size(), none, memory);
    std::pmr::vector<std::size_t> next(pairs.size(), none, memory);
    std::pmr::vector<bool> declared(pairs.size(), false, memory);
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        const auto it = field_of.find(pairs[i].first);
        if (it == field_of.end()) continue;
        declared[i] = true;
        const std::size_t k = it->second;
        if (first[k] == none) {
            first[k] = i;
        } else {
            next[last[k]] = i;
        }
        last[k] = i;
    }

    pmr_buffer out{std::pmr::polymorphic_allocator<char>(memory)};
    out.push_back('{');
    bool first_member = true;
    auto key = [&](std::string_view name) {
        if (!first_member) out.push_back(',');
        first_member = false;
        append_json_string(out, name);
        out.push_back(':');
    };
    // Declared fields in declaration order; arrays gather every pair with their name, other
    // fields take their first pair.
    for (std::size_t k = 0; k < fields.size(); ++k) {
        if (first[k] == none || field_of.find(fields[k].name)->second != k) continue;
        key(fields[k].name);
        if (!is_array_kind(fields[k].kind)) {
            append_field_value(out, fields[k].kind, pairs[first[k]].second);
            continue;
        }
        out.push_back('[');
        for (std::size_t i = first[k]; i != none; i = next[i]) {
            if (i != first[k]) out.push_back(',');
            append_field_value(out, fields[k].kind, pairs[i].second);
        }
        out.push_back(']');
    }
    // Undeclared names as strings, first occurrence only (the type decides whether they are allowed).
    std::pmr::unordered_set<std::string_view> seen(memory);
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        if (declared[i] || !seen.insert(pairs[i].first).second) continue;
        key(pairs[i].first);
        append_json_string(out, pairs[i].second);
    }
    out.push_back('}');
    return keep(out, memory);
}

std::optional<std::pmr::vector<std::pair<std::string_view, std::string_view>>>
decode_form(std::string_view body, std::pmr::memory_resource* memory) {
    std::pmr::vector<std::pair<std::string_view, std::string_view>> out(memory);
    for (const raw_pair& p : split_query(body, memory)) {
        auto name = decode_component(p.name, true, memory);
        auto value = decode_component(p.value, true, memory);
        if (!name || !value) return std::nullopt;
        out.emplace_back(*name, *value);
    }
    return out;
}

bool check_status(request_context& ctx, http::status_code code) {
    if (code >= 100 && code <= 599) return true;
    write_problem(ctx.response, 500, "the handler chose an invalid status code");
    return false;
}

bool serve_spec_document(request_context& ctx, std::string_view json) {
    if (ctx.request.path != "/openapi.json") return false;
    if (ctx.request.method != http::method::get && ctx.request.method != http::method::head) return false;
    ctx.response.content_type("application/json");
    ctx.response.body_ref(json);
    return true;
}

} // namespace katana::api
