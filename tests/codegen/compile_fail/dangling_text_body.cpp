// expect: GetMeResponse::ok
// A text body is a view: a temporary std::string would dangle.
#define CASE_GET_ME_HANDLER
#include "handler.hpp"

using namespace ops_test;

struct case_handler : compile_fail::handler {
    GetMeResponse get_me(katana::request_context&, GetMeRequest&) { return GetMeResponse::ok(std::string("me")); }
};

void instantiate(case_handler& h);
void instantiate(case_handler& h) {
    ops_test::Server<case_handler> server(h);
    static_cast<void>(server);
}
