// expect: operation deleteItem \(DELETE /items/\{id\}\)
// delete_item takes another operation's request.
#define CASE_DELETE_ITEM_HANDLER
#include "handler.hpp"

using namespace ops_test;

struct case_handler : compile_fail::handler {
    DeleteItemResponse delete_item(katana::request_context&, PutItemRequest&) { return DeleteItemResponse::no_content(); }
};

void instantiate(case_handler& h);
void instantiate(case_handler& h) {
    ops_test::Server<case_handler> server(h);
    static_cast<void>(server);
}
