// expect: success
// The complete handler compiles: the failures of the other cases come from what they change.
#include "handler.hpp"

using namespace ops_test;

using case_handler = compile_fail::handler;

void instantiate(case_handler& h);
void instantiate(case_handler& h) {
    ops_test::Server<case_handler> server(h);
    static_cast<void>(server);
}
