// spec.cpp: the root document as compact JSON, for GET /openapi.json (ServerBase::serve_spec).
// YAML is converted node by node in document order, so the output is deterministic. The text is
// split into string literals below 16 KiB (the portable literal limit; -Woverlength-strings)
// and joined once, at start-up.
#include "emit/operations_emit.hpp"

#include <katana/codegen/printer.hpp>

#include <fmt/format.h>

#include <cmath>

namespace katana::codegen::detail {

namespace {

void append_json_string(std::string& out, std::string_view s) {
    out.push_back('"');
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (ch) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
            if (c < 0x20) {
                out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
            } else {
                out.push_back(ch);
            }
        }
    }
    out.push_back('"');
}

bool is_json_number(std::string_view s) {
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
        const std::size_t d = ++i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
        if (i == d) return false;
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
        const std::size_t d = i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
        if (i == d) return false;
    }
    return i == s.size();
}

void write_node(std::string& out, const node& n, int depth) {
    if (depth > 512) {
        out += "null";
        return;
    }
    switch (n.kind) {
    case node_kind::null: out += "null"; break;
    case node_kind::boolean: out += n.boolean ? "true" : "false"; break;
    case node_kind::integer: out += std::to_string(n.integer); break;
    case node_kind::number:
        if (is_json_number(n.text)) {
            out += n.text;
        } else if (std::isfinite(n.number)) {
            out += fmt::format("{}", n.number);
        } else {
            out += "null"; // .inf / .nan have no JSON spelling
        }
        break;
    case node_kind::string: append_json_string(out, n.text); break;
    case node_kind::array:
        out.push_back('[');
        for (std::size_t i = 0; i < n.items.size(); ++i) {
            if (i != 0) out.push_back(',');
            write_node(out, *n.items[i], depth + 1);
        }
        out.push_back(']');
        break;
    case node_kind::object:
        out.push_back('{');
        for (std::size_t i = 0; i < n.members.size(); ++i) {
            if (i != 0) out.push_back(',');
            append_json_string(out, n.members[i].key);
            out.push_back(':');
            write_node(out, *n.members[i].value, depth + 1);
        }
        out.push_back('}');
        break;
    }
}

} // namespace

std::string spec_to_json(const node& root) {
    std::string out;
    write_node(out, root, 0);
    return out;
}

std::string emit_spec_source(const ops_context& c) {
    const node* root = c.spec.root().root();
    const std::string json = root != nullptr ? spec_to_json(*root) : std::string("{}");
    // Literal pieces: cut only between characters (never inside a UTF-8 sequence, so each
    // piece is valid UTF-8 source text), each piece well below the limit after escaping.
    std::string pieces;
    constexpr std::size_t piece_size = 8000;
    std::size_t start = 0;
    std::size_t count = 0;
    while (start < json.size()) {
        std::size_t end = std::min(json.size(), start + piece_size);
        while (end < json.size() && (static_cast<unsigned char>(json[end]) & 0xC0) == 0x80) ++end;
        // An explicit length: string_view's constexpr strlen over megabytes of literals would
        // exceed the compiler's constexpr operation limit.
        pieces += fmt::format("    std::string_view({}, {}),\n", cpp_string(std::string_view(json).substr(start, end - start)),
                              end - start);
        start = end;
        ++count;
    }
    if (count == 0) {
        pieces = "    std::string_view(),\n";
        count = 1;
    }
    printer p;
    p.emit({{"spec", c.spec_name}}, R"(
        // $spec$ as JSON, served at GET /openapi.json when ServerBase::serve_spec(true) was called.
        #include <array>
        #include <cstddef>
        #include <string>
        #include <string_view>

    )");
    p.emit({{"ns", c.ns}, {"n", std::to_string(count)}, {"size", std::to_string(json.size())}, {"pieces", pieces}}, R"(
        namespace $ns$ {

        namespace {
        constexpr std::size_t spec_size = $size$;
        constexpr std::array<std::string_view, $n$> spec_pieces{{
        $pieces$
        }};
        } // namespace

        namespace detail {
        std::string_view spec_json();
        std::string_view spec_json() {
            // Joined on first use (serve_spec(true) does it at start-up), then immutable.
            static const std::string whole = [] {
                std::string s;
                s.reserve(spec_size);
                for (std::string_view piece : spec_pieces) s.append(piece);
                return s;
            }();
            return whole;
        }
        } // namespace detail

        } // namespace $ns$
    )");
    return p.take();
}

} // namespace katana::codegen::detail
