// expect: security requirements
// The spec declares security: the handler must provide authenticate().
#define CASE_AUTHENTICATE
#include "handler.hpp"

using namespace ops_test;

using case_handler = compile_fail::handler;

void instantiate(case_handler& h);
void instantiate(case_handler& h) {
    ops_test::Server<case_handler> server(h);
    static_cast<void>(server);
}
