#pragma once
// The one place that knows how generated code is called: parse a datum with the generated
// read_json of `T` (strict parse fused with validation) and turn the outcome into a verdict.
// Everything else in this suite is independent of the generator's API.
#include "suite.hpp"

#include <katana/api/json_io.hpp>

#include <memory_resource>
#include <string>
#include <string_view>

namespace jsts {

template <class T>
verdict check(std::string_view json) {
    // Declared first so it outlives the value and the context that allocate from it.
    std::pmr::monotonic_buffer_resource memory;
    katana::api::validation_context ctx(&memory);
    T value{};
    katana::json::syntax_error syntax{};
    const katana::api::body_status status = katana::api::parse_body(json, value, ctx, &syntax);
    verdict v;
    switch (status) {
    case katana::api::body_status::ok:
        v.result = verdict::kind::valid;
        break;
    case katana::api::body_status::invalid:
        v.result = verdict::kind::invalid;
        if (!ctx.errors().empty()) {
            const auto& e = ctx.errors().front();
            v.detail = std::string(e.pointer.empty() ? std::string_view("(root)") : e.pointer) + ": " + std::string(e.detail);
        }
        break;
    case katana::api::body_status::malformed:
        v.result = verdict::kind::malformed;
        v.detail = std::string(katana::json::describe(syntax.code)) + " at offset " + std::to_string(syntax.offset);
        break;
    }
    return v;
}

} // namespace jsts
