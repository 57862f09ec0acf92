// expect: response_201.*GetItemResponse|GetItemResponse.*response_201
// Nor does a nested response_201 type.
#define CASE_GET_ITEM_HANDLER
#include "handler.hpp"

using namespace ops_test;

struct case_handler : compile_fail::handler {
    GetItemResponse get_item(katana::request_context&, GetItemRequest&) { return GetItemResponse::response_201{Item{}}; }
};

void instantiate(case_handler& h);
void instantiate(case_handler& h) {
    ops_test::Server<case_handler> server(h);
    static_cast<void>(server);
}
