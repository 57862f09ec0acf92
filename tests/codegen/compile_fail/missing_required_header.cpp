// expect: GetItemResponse::ok
// X-Total is a required header of the 200 answer of getItem.
#define CASE_GET_ITEM_HANDLER
#include "handler.hpp"

using namespace ops_test;

struct case_handler : compile_fail::handler {
    GetItemResponse get_item(katana::request_context&, GetItemRequest&) { return GetItemResponse::ok(Item{}); }
};

void instantiate(case_handler& h);
void instantiate(case_handler& h) {
    ops_test::Server<case_handler> server(h);
    static_cast<void>(server);
}
