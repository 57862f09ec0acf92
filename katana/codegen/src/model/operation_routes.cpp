// The static route tree: path templates split into segments, merged by segment shape.
#include "model/operation_internal.hpp"

#include <fmt/format.h>

namespace katana::codegen::detail {

namespace {

struct segment {
    route_node::segment_kind kind = route_node::segment_kind::literal;
    std::string literal;
    std::vector<std::string> pattern; // literal parts around parameters (parameters + 1 entries)
    std::vector<std::string> params;
};

bool is_path_safe(unsigned char c) noexcept {
    // RFC 3986 pchar without pct-encoded: unreserved / sub-delims / ":" / "@".
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    switch (c) {
    case '-': case '.': case '_': case '~': case '!': case '$': case '&': case '\'': case '(': case ')':
    case '*': case '+': case ',': case ';': case '=': case ':': case '@': case '%':
        return true;
    default: return false;
    }
}

// Splits one segment of a template into literal parts and parameter names.
bool parse_segment(std::string_view text, segment& out, std::string& error) {
    if (text.find('{') == std::string_view::npos) {
        if (text.find('}') != std::string_view::npos) {
            error = "unmatched '}'";
            return false;
        }
        out.kind = route_node::segment_kind::literal;
        out.literal = encode_path_literal(text);
        return true;
    }
    std::string current;
    std::size_t i = 0;
    while (i < text.size()) {
        const char c = text[i];
        if (c == '}') {
            error = "unmatched '}'";
            return false;
        }
        if (c != '{') {
            current.push_back(c);
            ++i;
            continue;
        }
        const std::size_t close = text.find('}', i + 1);
        if (close == std::string_view::npos) {
            error = "unclosed '{'";
            return false;
        }
        const std::string_view name = text.substr(i + 1, close - i - 1);
        if (name.empty() || name.find('{') != std::string_view::npos) {
            error = "empty or nested parameter name";
            return false;
        }
        if (!out.params.empty() && current.empty()) {
            error = "two parameters without a literal between them cannot be told apart";
            return false;
        }
        out.pattern.push_back(encode_path_literal(current));
        current.clear();
        out.params.emplace_back(name);
        i = close + 1;
    }
    out.pattern.push_back(encode_path_literal(current));
    if (out.params.size() == 1 && out.pattern.size() == 2 && out.pattern[0].empty() && out.pattern[1].empty()) {
        out.kind = route_node::segment_kind::parameter;
        out.pattern.clear();
    } else {
        out.kind = route_node::segment_kind::pattern;
    }
    return true;
}

bool split_template(std::string_view path, std::vector<segment>& out, std::string& error) {
    if (path.empty() || path.front() != '/') {
        error = "a path must start with '/'";
        return false;
    }
    if (path == "/") return true; // the root: no segments
    std::size_t pos = 1;
    while (true) {
        const std::size_t slash = path.find('/', pos);
        const std::string_view text = path.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos);
        segment s;
        if (text.empty() && slash != std::string_view::npos) {
            error = "empty segment ('//')";
            return false;
        }
        if (!parse_segment(text, s, error)) return false;
        out.push_back(std::move(s));
        if (slash == std::string_view::npos) break;
        pos = slash + 1;
    }
    return true;
}

route_node* child_for(route_node& parent, const segment& s) {
    for (auto& c : parent.children) {
        if (c->kind != s.kind) continue;
        if (s.kind == route_node::segment_kind::literal && c->literal != s.literal) continue;
        if (s.kind == route_node::segment_kind::pattern && c->pattern != s.pattern) continue;
        return c.get();
    }
    auto node = std::make_unique<route_node>();
    node->kind = s.kind;
    node->literal = s.literal;
    node->pattern = s.pattern;
    parent.children.push_back(std::move(node));
    return parent.children.back().get();
}

void number(route_node& n, std::size_t& next) {
    n.id = next++;
    for (auto& c : n.children) number(*c, next);
}

} // namespace

std::string encode_path_literal(std::string_view literal) {
    std::string out;
    for (char ch : literal) {
        const auto c = static_cast<unsigned char>(ch);
        if (is_path_safe(c)) {
            out.push_back(ch);
        } else {
            out += fmt::format("%{:02X}", static_cast<unsigned>(c));
        }
    }
    return out;
}

bool template_parameters(std::string_view path, std::vector<std::string>& names) {
    std::vector<segment> segs;
    std::string error;
    if (!split_template(path, segs, error)) return false;
    for (const auto& s : segs) {
        for (const auto& p : s.params) names.push_back(p);
    }
    return true;
}

bool insert_route(route_node& root, const operation& op, const std::vector<operation>& all, diagnostics& diags) {
    std::vector<segment> segs;
    std::string error;
    if (!split_template(op.path, segs, error)) {
        diags.error(*op.at, fmt::format("malformed path template '{}': {}", op.path, error));
        return false;
    }
    route_node* n = &root;
    for (const auto& s : segs) n = child_for(*n, s);
    auto [it, inserted] = n->methods.emplace(op.method, op.index);
    if (!inserted) {
        const operation& other = all[it->second];
        diags.error(*op.at, fmt::format("{} {} matches the same requests as {} {} (operation '{}'): path templates that "
                                        "differ only in parameter names are the same route",
                                        op.method, op.path, other.method, other.path, other.operation_id));
        return false;
    }
    return true;
}

void number_routes(route_node& root) {
    std::size_t next = 0;
    number(root, next);
}

} // namespace katana::codegen::detail
