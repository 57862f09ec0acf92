// expect: GetItemResponse.*created|created.*GetItemResponse
// getItem declares 200, 404 and default: a 201 factory does not exist.
#define CASE_GET_ITEM_HANDLER
#include "handler.hpp"

using namespace ops_test;

struct case_handler : compile_fail::handler {
    GetItemResponse get_item(katana::request_context&, GetItemRequest&) { return GetItemResponse::created(Item{}); }
};

void instantiate(case_handler& h);
void instantiate(case_handler& h) {
    ops_test::Server<case_handler> server(h);
    static_cast<void>(server);
}
