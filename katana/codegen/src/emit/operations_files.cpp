// operation_model::emit and the helpers every operations emitter shares.
#include "emit/operations_emit.hpp"

#include <fmt/format.h>

#include <cctype>
#include <filesystem>

namespace katana::codegen {

namespace detail {

std::string cpp_string(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 2);
    out.push_back('"');
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (ch) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        default:
            if (c < 0x20 || c == 0x7f) {
                // Three octal digits always end the escape, whatever follows.
                out += fmt::format("\\{:03o}", static_cast<unsigned>(c));
            } else {
                out.push_back(ch);
            }
        }
    }
    out.push_back('"');
    return out;
}

std::string comment_text(std::string_view s, std::size_t max) {
    std::string out;
    bool space = false;
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || ch == ' ') {
            space = !out.empty();
            continue;
        }
        if (space) out.push_back(' ');
        space = false;
        out.push_back(ch);
    }
    if (out.size() > max) {
        // Cut at a UTF-8 boundary.
        std::size_t cut = max;
        while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
        out.resize(cut);
        out += "...";
    }
    while (!out.empty() && out.back() == '\\') out.pop_back();
    return out;
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

std::string method_enumerator(std::string_view method) {
    if (method == "delete") return "delete_";
    return std::string(method);
}

std::string_view style_enumerator(param_style s) {
    switch (s) {
    case param_style::simple: return "katana::api::param_style::simple";
    case param_style::form: return "katana::api::param_style::form";
    case param_style::label: return "katana::api::param_style::label";
    case param_style::matrix: return "katana::api::param_style::matrix";
    case param_style::space_delimited: return "katana::api::param_style::space_delimited";
    case param_style::pipe_delimited: return "katana::api::param_style::pipe_delimited";
    case param_style::deep_object: return "katana::api::param_style::deep_object";
    }
    return "katana::api::param_style::form";
}

} // namespace detail

void operation_model::emit(const std::string& cpp_namespace, std::vector<generated_file>& out) {
    const std::string spec_name = std::filesystem::path(spec_.root().path()).filename().string();
    const detail::ops_context c{*this, schemas_, spec_, cpp_namespace, spec_name};
    out.push_back({"operations.hpp", detail::emit_operations_header(c)});
    detail::emit_operation_shards(c, out);
    out.push_back({"router.cpp", detail::emit_router(c)});
    out.push_back({"server.hpp", detail::emit_server_header(c)});
    out.push_back({"server.cpp", detail::emit_server_source(c)});
    out.push_back({"spec.cpp", detail::emit_spec_source(c)});
}

} // namespace katana::codegen
