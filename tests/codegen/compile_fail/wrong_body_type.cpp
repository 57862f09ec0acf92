// expect: GetItemResponse::ok
// The 200 body of getItem is an Item, not a Problem.
#define CASE_GET_ITEM_HANDLER
#include "handler.hpp"

using namespace ops_test;

struct case_handler : compile_fail::handler {
    GetItemResponse get_item(katana::request_context&, GetItemRequest&) {
        return GetItemResponse::ok(Problem{}, {.x_total = 1, .x_note = std::nullopt});
    }
};

void instantiate(case_handler& h);
void instantiate(case_handler& h) {
    ops_test::Server<case_handler> server(h);
    static_cast<void>(server);
}
