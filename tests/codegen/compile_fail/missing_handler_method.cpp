// expect: operation deleteItem \(DELETE /items/\{id\}\)
// No delete_item method: the static_assert names the operation.
#define CASE_DELETE_ITEM_HANDLER
#include "handler.hpp"

using namespace ops_test;

using case_handler = compile_fail::handler;

void instantiate(case_handler& h);
void instantiate(case_handler& h) {
    ops_test::Server<case_handler> server(h);
    static_cast<void>(server);
}
