// product_server: the "validated JSON POST" contestant of benchmarks/http/bench_http.py.
//   POST /products  body: a Product (benchmarks/codegen/product.yaml)
//     -> 200 application/json, the Product serialized again (parse + validate + serialize)
//     -> 400 problem+json for malformed JSON, 422 for a Product the schema rejects
//
// --impl generated  (the default when the generated code is built) serves with the code `katana
//                   gen openapi` generates from product.yaml: its Server<Handler> routes, checks
//                   Content-Type/Accept, parses + validates the body (422 problem+json with every
//                   error's JSON pointer), and serializes the handler's answer; the handler only
//                   moves the parsed Product into the 200 answer;
// --impl handwritten uses the hand-written simdjson On-Demand parser and hand-written writer of
//                   codegen_benchmark (the body is copied into request memory first, because
//                   simdjson needs 64 readable bytes past the end).
// Every other flag is katana's (parse_server_flags: --port, --threads, --backend, ...).
#include "checks.hpp"
#include "contestants.hpp"
#include "generated_contestant.hpp"
#if KATANA_BENCH_HAVE_GENERATED
#include "server.hpp"
#endif

#include <katana/router/router.hpp>
#include <katana/server/server.hpp>

#include <cstdio>
#include <cstring>
#include <new>
#include <span>
#include <string_view>
#include <vector>

namespace {

using namespace katana::bench;

// The response body must outlive the handler (body_ref), so the string object itself lives in
// request memory and is never destroyed: the arena releases its bytes after the response.
std::pmr::string& request_string(std::pmr::memory_resource* memory) {
    void* slot = memory->allocate(sizeof(std::pmr::string), alignof(std::pmr::string));
    return *new (slot) std::pmr::string(memory);
}

void answer_error(katana::request_context& ctx, parse_status st) {
    if (st == parse_status::malformed) {
        ctx.response.problem(400, "the body is not valid JSON");
    } else {
        ctx.response.problem(422, "the body is not a valid Product");
    }
}

void echo_handwritten(katana::request_context& ctx) {
    // One simdjson parser per reactor thread; it keeps its buffers between requests.
    thread_local simdjson_contestant parser;
    const std::string_view body = ctx.request.body;
    constexpr std::size_t padding = 64;
    auto* copy = static_cast<char*>(ctx.memory->allocate(body.size() + padding, 64));
    if (!body.empty()) std::memcpy(copy, body.data(), body.size()); // an empty body may have no data()
    std::memset(copy + body.size(), 0, padding);

    Product p;
    const parse_status st = parser.parse(json_input{{copy, body.size()}, body.size() + padding}, p, ctx.memory);
    if (st != parse_status::ok) return answer_error(ctx, st);
    std::pmr::string& out = request_string(ctx.memory);
    handwritten_writer::serialize(p, out);
    ctx.response.content_type("application/json").body_ref(out);
}

#if KATANA_BENCH_HAVE_GENERATED
struct echo_handler {
    product_gen::EchoProductResponse echo_product(katana::request_context&, product_gen::EchoProductRequest& req) {
        return product_gen::EchoProductResponse::ok(std::move(req.body));
    }
};
#endif

} // namespace

int main(int argc, char** argv) {
    bool generated = KATANA_BENCH_HAVE_GENERATED != 0;
    std::vector<char*> rest;
    for (int i = 0; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--impl" && i + 1 < argc) {
            const std::string_view v = argv[++i];
            if (v == "generated" && KATANA_BENCH_HAVE_GENERATED) {
                generated = true;
            } else if (v == "handwritten") {
                generated = false;
            } else {
                std::fprintf(stderr, "product_server: --impl handwritten%s\n",
                             KATANA_BENCH_HAVE_GENERATED ? "|generated" : " (generated code not built)");
                return 2;
            }
        } else {
            rest.push_back(argv[i]);
        }
    }

    katana::server_options options;
    if (auto parsed = katana::parse_server_flags(std::span<char* const>(rest.data(), rest.size()), options); !parsed) {
        std::fprintf(stderr, "usage: product_server [--impl handwritten|generated] [flags]\n%s",
                     parsed.error().c_str());
        return 2;
    }

    katana::router routes;
    routes.post("/products", [](katana::request_context& ctx) { echo_handwritten(ctx); });
    katana::dispatcher* dispatcher = &routes;
#if KATANA_BENCH_HAVE_GENERATED
    echo_handler handler;
    product_gen::Server<echo_handler> api(handler);
    if (generated) dispatcher = &api;
#endif

    katana::server server(options, *dispatcher);
    auto result = server.run([generated](const katana::server_info& info) {
        if (!info.fallback_reason.empty()) std::fprintf(stderr, "katana: %s\n", info.fallback_reason.c_str());
        std::printf("product_server listening on port %u (%u reactors, %s, %s code)\n",
                    static_cast<unsigned>(info.port), info.reactors, info.backend.c_str(),
                    generated ? "generated" : "hand-written");
        std::fflush(stdout);
    });
    if (!result) {
        std::fprintf(stderr, "product_server: %s\n", result.error().c_str());
        return 1;
    }
    return 0;
}
