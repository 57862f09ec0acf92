#include <katana/router/router.hpp>

#include <algorithm>
#include <cstring>

namespace katana {

struct router::search {
    http::method method = http::method::get;
    std::uint16_t allowed = 0;   // union of the methods of every terminal reached
    std::uint32_t route = 0;     // selected route index plus one
    std::uint8_t count = 0;      // parameter values captured along the current branch
    // A trivial type, deliberately left uninitialised: only values[0, count) are ever read, and
    // std::string_view's constructor would zero 256 bytes on every request.
    struct raw_view {
        const char* data;
        std::size_t size;
    };
    std::array<raw_view, request_context::max_path_params> values;
    void push(std::string_view v) noexcept { values[count++] = raw_view{v.data(), v.size()}; }
    [[nodiscard]] std::string_view value(std::size_t i) const noexcept { return {values[i].data, values[i].size}; }
};

namespace {

constexpr std::uint16_t bit(http::method m) noexcept {
    return static_cast<std::uint16_t>(1u << static_cast<unsigned>(m));
}

// The order methods appear in `Allow`.
constexpr std::array<http::method, 9> allow_order{
    http::method::get,   http::method::head,    http::method::post,  http::method::put,     http::method::delete_,
    http::method::patch, http::method::options, http::method::trace, http::method::connect};

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_hex(char c) noexcept { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

bool accepts(param_kind kind, std::string_view seg) noexcept {
    if (seg.empty()) return false;
    const char* const first = seg.data();
    const char* const last = first + seg.size();
    switch (kind) {
    case param_kind::integer: {
        // from_chars alone would do, but rejecting the obvious non-numbers first keeps the
        // common "a word where a number might be" case cheap.
        if (!is_digit(seg.back())) return false;
        std::int64_t v;
        const auto r = std::from_chars(first, last, v);
        return r.ec == std::errc{} && r.ptr == last;
    }
    case param_kind::unsigned_integer: {
        if (!is_digit(seg.front()) || !is_digit(seg.back())) return false;
        std::uint64_t v;
        const auto r = std::from_chars(first, last, v);
        return r.ec == std::errc{} && r.ptr == last;
    }
    case param_kind::uuid: {
        if (seg.size() != 36) return false;
        for (std::size_t i = 0; i < 36; ++i) {
            const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
            if (dash_position ? seg[i] != '-' : !is_hex(seg[i])) return false;
        }
        return true;
    }
    case param_kind::any: return true;
    case param_kind::catch_all: return true;
    }
    return false;
}

// Segments and literals are short (a few to a dozen bytes): inline byte loops beat the libc
// calls std::string_view::find and memcmp end up in (measured: a quarter of a static hit).
std::size_t find_slash(std::string_view s) noexcept {
    const char* const p = s.data();
    const std::size_t n = s.size();
    for (std::size_t i = 0; i < n; ++i) {
        if (p[i] == '/') return i;
    }
    return std::string_view::npos;
}
bool same_bytes(const char* a, const char* b, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i) {
        if (a[i] != b[i]) return false;
    }
    return true;
}

bool literal_less(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return a.size() < b.size();
    return a < b;
}

// Writes `text` for a problem detail: printable ASCII as is, everything else as %XX, so the
// detail stays valid UTF-8 whatever bytes the client sent. Stops (with "...") at `end`.
char* put_sanitized(char* p, char* end, std::string_view text) noexcept {
    static constexpr char hex[] = "0123456789ABCDEF";
    constexpr std::size_t ellipsis = 3;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        const bool plain = c > 0x20 && c < 0x7f;
        const std::size_t need = plain ? 1 : 3;
        const bool last = i + 1 == text.size();
        if (static_cast<std::size_t>(end - p) < need + (last ? 0 : ellipsis)) {
            std::memcpy(p, "...", ellipsis);
            return p + ellipsis;
        }
        if (plain) {
            *p++ = static_cast<char>(c);
        } else {
            *p++ = '%';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 15];
        }
    }
    return p;
}

// "GET, HEAD, OPTIONS"; HEAD is implied by GET and OPTIONS is always answered.
std::size_t format_allow(std::uint16_t mask, char* out) noexcept {
    if ((mask & bit(http::method::get)) != 0) mask |= bit(http::method::head);
    mask |= bit(http::method::options);
    char* p = out;
    for (http::method m : allow_order) {
        if ((mask & bit(m)) == 0) continue;
        if (p != out) {
            *p++ = ',';
            *p++ = ' ';
        }
        const std::string_view name = http::to_string(m);
        std::memcpy(p, name.data(), name.size());
        p += name.size();
    }
    return static_cast<std::size_t>(p - out);
}
// Upper bound of format_allow's output: every method name plus ", " between them.
constexpr std::size_t allow_capacity = 3 + 4 + 4 + 3 + 6 + 5 + 7 + 5 + 7 + 8 * 2;

std::string template_error(std::string_view path_template, std::size_t column, std::string_view what) {
    std::string message = "invalid route template \"";
    message.append(path_template);
    message.append("\" at column ");
    message.append(std::to_string(column + 1));
    message.append(": ");
    message.append(what);
    return message;
}

bool is_identifier(std::string_view s) noexcept {
    if (s.empty()) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        if (!(alpha || (i > 0 && is_digit(c)))) return false;
    }
    return true;
}

struct parsed_segment {
    bool is_param = false;
    param_kind kind = param_kind::any;
    std::string_view text; // literal bytes or parameter name (views into the route's own copy)
};

// Splits a template into segments; returns an error message or nothing.
std::optional<std::string> parse_template(std::string_view t, std::vector<parsed_segment>& out) {
    if (t.empty() || t.front() != '/') return template_error(t, 0, "must start with '/'");
    if (t == "/") return std::nullopt;
    std::size_t pos = 1;
    std::size_t params = 0;
    while (true) {
        const std::size_t slash = t.find('/', pos);
        const std::size_t end = slash == std::string_view::npos ? t.size() : slash;
        const std::string_view seg = t.substr(pos, end - pos);
        const bool last = slash == std::string_view::npos;
        if (seg.empty() && !last) return template_error(t, pos, "empty segment (\"//\")");
        if (!out.empty() && out.back().is_param && out.back().kind == param_kind::catch_all) {
            return template_error(t, pos, "a catch-all {name:*} must be the last segment");
        }
        if (!seg.empty() && seg.front() == '{') {
            if (seg.back() != '}') {
                const std::size_t close = seg.find('}');
                if (close == std::string_view::npos) return template_error(t, pos, "unterminated '{'");
                return template_error(t, pos + close + 1, "a parameter must be the whole segment");
            }
            const std::string_view inner = seg.substr(1, seg.size() - 2);
            if (const std::size_t brace = inner.find_first_of("{}"); brace != std::string_view::npos) {
                return template_error(t, pos + 1 + brace, "unexpected brace inside a parameter");
            }
            const std::size_t colon = inner.find(':');
            const std::string_view name = inner.substr(0, colon);
            if (!is_identifier(name)) {
                return template_error(t, pos + 1, "parameter name must be an identifier ([A-Za-z_][A-Za-z0-9_]*)");
            }
            param_kind kind = param_kind::any;
            if (colon != std::string_view::npos) {
                const std::string_view type = inner.substr(colon + 1);
                if (type == "int") {
                    kind = param_kind::integer;
                } else if (type == "uint") {
                    kind = param_kind::unsigned_integer;
                } else if (type == "uuid") {
                    kind = param_kind::uuid;
                } else if (type == "*") {
                    kind = param_kind::catch_all;
                } else {
                    return template_error(t, pos + 2 + colon,
                                          "unknown parameter type (expected int, uint, uuid or *)");
                }
            }
            for (const parsed_segment& s : out) {
                if (s.is_param && s.text == name) return template_error(t, pos + 1, "duplicate parameter name");
            }
            if (++params > request_context::max_path_params) {
                return template_error(t, pos, "more than 16 parameters");
            }
            out.push_back(parsed_segment{true, kind, name});
        } else {
            for (std::size_t i = 0; i < seg.size(); ++i) {
                const auto c = static_cast<unsigned char>(seg[i]);
                if (c == '{' || c == '}') {
                    return template_error(t, pos + i, "a parameter must be the whole segment");
                }
                if (c <= 0x20 || c >= 0x7f || c == '?' || c == '#') {
                    return template_error(t, pos + i,
                                          "literal byte not allowed (no query or fragment; percent-encode "
                                          "spaces, controls and non-ASCII as clients send them)");
                }
            }
            out.push_back(parsed_segment{false, param_kind::any, seg});
        }
        if (last) return std::nullopt;
        pos = slash + 1;
    }
}

} // namespace

router::route_entry::route_entry(http::method m, std::unique_ptr<char[]> owned, std::size_t size,
                                 erased_handler h) noexcept
    : text(std::move(owned)), path_template(text.get(), size), method(m), handler(h) {}

router::route_entry::~route_entry() {
    if (handler.destroy != nullptr) handler.destroy(handler.object);
}

router::route_entry::route_entry(route_entry&& other) noexcept
    : text(std::move(other.text)),
      path_template(other.path_template),
      names(other.names),
      param_count(other.param_count),
      method(other.method),
      handler(std::exchange(other.handler, erased_handler{})) {}

router::router() { nodes_.emplace_back(); }
router::~router() = default;
router::router(router&&) noexcept = default;
router& router::operator=(router&&) noexcept = default;

expected<void, std::string> router::add(http::method m, std::string_view path_template, erased_handler h) {
    // The handler is owned from the first line on, so every exit below (errors, bad_alloc)
    // releases it: first by the guard, then by `entry`.
    struct handler_guard {
        erased_handler h;
        ~handler_guard() {
            if (h.destroy != nullptr) h.destroy(h.object);
        }
    } guard{h};
    auto owned = std::make_unique_for_overwrite<char[]>(path_template.size());
    std::memcpy(owned.get(), path_template.data(), path_template.size());
    route_entry entry(m, std::move(owned), path_template.size(), std::exchange(guard.h, erased_handler{}));
    if (nodes_.empty()) nodes_.emplace_back(); // a moved-from router becomes usable again

    if (m == http::method::other) {
        return unexpected(std::string("route method must be a known HTTP method, not method::other"));
    }

    std::vector<parsed_segment> segments;
    if (auto error = parse_template(entry.path_template, segments)) return unexpected(std::move(*error));

    // Find (or create) the node for this shape.
    std::uint32_t current = 0;
    for (const parsed_segment& seg : segments) {
        if (!seg.is_param) {
            auto& literals = nodes_[current].literals;
            auto it = std::lower_bound(literals.begin(), literals.end(), seg.text,
                                       [](const node::literal_edge& e, std::string_view key) {
                                           return literal_less(e.segment, key);
                                       });
            if (it != literals.end() && it->segment == seg.text) {
                current = it->child;
                continue;
            }
            const auto child = static_cast<std::uint32_t>(nodes_.size());
            const auto offset = it - literals.begin();
            nodes_.emplace_back(); // invalidates `literals`
            auto& fresh = nodes_[current].literals;
            fresh.insert(fresh.begin() + offset, node::literal_edge{std::string(seg.text), child});
            current = child;
        } else {
            auto& params = nodes_[current].params;
            auto it = std::lower_bound(params.begin(), params.end(), seg.kind,
                                       [](const node::param_edge& e, param_kind k) { return e.kind < k; });
            if (it != params.end() && it->kind == seg.kind) {
                current = it->child;
            } else {
                const auto child = static_cast<std::uint32_t>(nodes_.size());
                const auto offset = it - params.begin();
                nodes_.emplace_back();
                auto& fresh = nodes_[current].params;
                fresh.insert(fresh.begin() + offset, node::param_edge{seg.kind, child});
                current = child;
            }
            entry.names[entry.param_count++] = seg.text;
        }
    }

    node& target = nodes_[current];
    const auto slot = static_cast<std::size_t>(m);
    if (target.route_of[slot] != 0) {
        const route_entry& existing = routes_[target.route_of[slot] - 1];
        std::string message = "route ";
        message.append(http::to_string(m));
        message.append(" \"");
        message.append(entry.path_template);
        message.append("\" conflicts with the already registered \"");
        message.append(existing.path_template);
        message.append("\" (same method and template shape)");
        return unexpected(std::move(message));
    }
    routes_.push_back(std::move(entry));
    target.route_of[slot] = static_cast<std::uint32_t>(routes_.size());
    target.methods |= bit(m);
    all_methods_ |= bit(m);
    return {};
}

bool router::accept_terminal(search& s, const node& n) const noexcept {
    if (n.methods == 0) return false;
    s.allowed |= n.methods;
    std::uint32_t r = n.route_of[static_cast<std::size_t>(s.method)];
    if (r == 0 && s.method == http::method::head) r = n.route_of[static_cast<std::size_t>(http::method::get)];
    if (r == 0) return false;
    s.route = r;
    return true;
}

// `rest` is empty (the path ends at this node) or starts with '/'. Recursion depth is bounded by
// the trie's depth (+1 for a catch-all), not by the request, so a hostile path cannot blow the
// stack.
bool router::descend(search& s, std::uint32_t node_index, std::string_view rest) const noexcept {
    const node& n = nodes_[node_index];
    if (rest.empty()) return accept_terminal(s, n);
    const std::string_view after = rest.substr(1);
    const std::size_t slash = find_slash(after);
    const std::string_view seg = after.substr(0, slash);
    const std::string_view next = slash == std::string_view::npos ? std::string_view{} : after.substr(slash);

    const std::size_t literal_count = n.literals.size();
    if (literal_count != 0) {
        const node::literal_edge* edges = n.literals.data();
        const node::literal_edge* hit = nullptr;
        if (literal_count <= 8) {
            for (std::size_t i = 0; i < literal_count; ++i) {
                const std::string& key = edges[i].segment;
                if (key.size() > seg.size()) break; // sorted by length first
                if (key.size() == seg.size() && same_bytes(key.data(), seg.data(), seg.size())) {
                    hit = &edges[i];
                    break;
                }
            }
        } else {
            const auto* it = std::lower_bound(edges, edges + literal_count, seg,
                                              [](const node::literal_edge& e, std::string_view key) {
                                                  return literal_less(e.segment, key);
                                              });
            if (it != edges + literal_count && it->segment == seg) hit = it;
        }
        if (hit != nullptr && descend(s, hit->child, next)) return true;
    }

    for (const node::param_edge& e : n.params) {
        if (s.count == s.values.size()) return false; // unreachable: templates hold at most 16
        if (e.kind == param_kind::catch_all) {
            if (after.empty()) continue;
            s.push(after);
            if (accept_terminal(s, nodes_[e.child])) return true;
            --s.count;
            continue;
        }
        if (!accepts(e.kind, seg)) continue;
        s.push(seg);
        if (descend(s, e.child, next)) return true;
        --s.count;
    }
    return false;
}

bool router::find(search& s, std::string_view path) const noexcept {
    // "/" is the root itself; any other path walks one segment per '/'. Anything that is not an
    // origin-form path ("*", an absolute-form URI left unresolved) matches nothing.
    if (nodes_.empty()) return false; // moved-from
    if (path == "/") return descend(s, 0, {});
    if (path.empty() || path.front() != '/') return false;
    return descend(s, 0, path);
}

router::match_result router::match(http::method m, std::string_view path, request_context& ctx) const noexcept {
    search s;
    s.method = m;
    match_result result;
    const bool found = find(s, path);
    result.allowed = s.allowed;
    if (!found) {
        result.result = s.allowed != 0 ? match_result::outcome::method_not_allowed : match_result::outcome::not_found;
        return result;
    }
    const route_entry& r = routes_[s.route - 1];
    for (std::size_t i = 0; i < s.count; ++i) {
        if (!ctx.push_param(r.names[i], s.value(i))) break;
    }
    result.result = match_result::outcome::found;
    result.path_template = r.path_template;
    return result;
}

task<void> router::dispatch(request_context& ctx) {
    const http::request& req = ctx.request;
    const std::string_view path = req.path;
    search s;
    s.method = req.method;
    if (find(s, path)) {
        const route_entry& r = routes_[s.route - 1];
        for (std::size_t i = 0; i < s.count; ++i) {
            if (!ctx.push_param(r.names[i], s.value(i))) {
                // Only possible when an outer dispatcher already filled the table.
                ctx.response.problem(500, "too many path parameters");
                return task<void>{};
            }
        }
        return r.handler.invoke(r.handler.object, ctx);
    }

    std::uint16_t allowed = s.allowed;
    // "OPTIONS *" asks about the server as a whole (RFC 9110 §9.3.7).
    if (req.method == http::method::options && path == "*") allowed = all_methods_;

    if (allowed == 0) {
        constexpr std::string_view prefix = "no route for ";
        char detail[prefix.size() + 100];
        std::memcpy(detail, prefix.data(), prefix.size());
        char* end = put_sanitized(detail + prefix.size(), detail + sizeof detail, path);
        ctx.response.problem(404, std::string_view(detail, static_cast<std::size_t>(end - detail)));
        return task<void>{};
    }

    char allow[allow_capacity];
    const std::string_view allow_value(allow, format_allow(allowed, allow));
    if (req.method == http::method::options) {
        ctx.response.status(204).header("Allow", allow_value).finish();
        return task<void>{};
    }
    constexpr std::string_view prefix = "allowed methods: ";
    char detail[prefix.size() + allow_capacity];
    std::memcpy(detail, prefix.data(), prefix.size());
    std::memcpy(detail + prefix.size(), allow_value.data(), allow_value.size());
    ctx.response.header("Allow", allow_value);
    ctx.response.problem(405, std::string_view(detail, prefix.size() + allow_value.size()));
    return task<void>{};
}

} // namespace katana
