// examples/hello: the two TechEmpower-style endpoints the HTTP benchmarks measure.
//   GET /plaintext -> Hello, World!
//   GET /json      -> {"message":"Hello, World!"}
#include <katana/router/router.hpp>
#include <katana/server/server.hpp>

#include <cstdio>
#include <span>
#include <string_view>

int main(int argc, char** argv) {
    katana::server_options options;
    if (auto parsed = katana::parse_server_flags(std::span<char* const>(argv, static_cast<std::size_t>(argc)), options);
        !parsed) {
        std::fprintf(stderr, "usage: hello [flags]\n%s", parsed.error().c_str());
        const std::string_view first = argc > 1 ? argv[1] : "";
        return first == "--help" || first == "-h" ? 0 : 2;
    }

    katana::router routes;
    routes.get("/plaintext", [](katana::request_context& ctx) {
        ctx.response.content_type("text/plain").body_ref("Hello, World!");
    });
    routes.get("/json", [](katana::request_context& ctx) {
        // Constant message: the serialized bytes are static, as a generated serializer would
        // produce for a constant DTO; real DTOs go through the generated JSON writer.
        ctx.response.content_type("application/json").body_ref(R"({"message":"Hello, World!"})");
    });

    katana::server server(options, routes);
    auto result = server.run([](const katana::server_info& info) {
        const std::string_view shown = info.host == "0.0.0.0" ? "127.0.0.1" : std::string_view(info.host);
        if (!info.fallback_reason.empty()) std::fprintf(stderr, "katana: %s\n", info.fallback_reason.c_str());
        std::printf("hello listening on http://%.*s:%u (%u reactors, %s)\n", static_cast<int>(shown.size()),
                    shown.data(), static_cast<unsigned>(info.port), info.reactors, info.backend.c_str());
        std::fflush(stdout);
    });
    if (!result) {
        std::fprintf(stderr, "hello: %s\n", result.error().c_str());
        return 1;
    }
    return 0;
}
