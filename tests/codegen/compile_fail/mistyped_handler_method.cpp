// expect: operation deleteItem \(DELETE /items/\{id\}\)
// delete_item returns the wrong type.
#define CASE_DELETE_ITEM_HANDLER
#include "handler.hpp"

using namespace ops_test;

struct case_handler : compile_fail::handler {
    int delete_item(katana::request_context&, DeleteItemRequest&) { return 204; }
};

void instantiate(case_handler& h);
void instantiate(case_handler& h) {
    ops_test::Server<case_handler> server(h);
    static_cast<void>(server);
}
