// Uses KATANA from outside the repository: header-only parts (status, method) and a compiled part
// (the request parser lives in libkatana_core), so both the include path and the library link are
// exercised. run.sh compares the output with what it expects.
#include <katana/http/method.hpp>
#include <katana/http/parser.hpp>
#include <katana/http/request.hpp>
#include <katana/http/status.hpp>

#include <array>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>

namespace {

void print(std::string_view label, std::string_view value) {
    std::printf("%.*s: %.*s\n", static_cast<int>(label.size()), label.data(), static_cast<int>(value.size()),
                value.data());
}

} // namespace

int main() {
    using namespace katana::http;
    print("method", to_string(method_from_token("DELETE")));
    print("status", reason_phrase(404));

    std::string bytes = "GET /items/42?verbose=1 HTTP/1.1\r\nHost: consumer.example\r\n\r\n";
    request_parser parser;
    request req;
    std::array<header, 16> headers{};
    const parse_state state = parser.parse(std::span<char>(bytes.data(), bytes.size()), req, headers);
    if (state != parse_state::complete) {
        std::printf("parse failed\n");
        return 1;
    }
    print("parsed", to_string(req.method));
    print("path", req.path);
    print("query", req.query);
    print("host", req.header_value("host"));
    return 0;
}
