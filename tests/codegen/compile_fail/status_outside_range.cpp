// expect: status_2xx
// ranges declares 2XX: status_2xx<302> is outside it.
#define CASE_RANGES_HANDLER
#include "handler.hpp"

using namespace ops_test;

struct case_handler : compile_fail::handler {
    RangesResponse ranges(katana::request_context&, RangesRequest&) { return RangesResponse::status_2xx<302>(Item{}); }
};

void instantiate(case_handler& h);
void instantiate(case_handler& h) {
    ops_test::Server<case_handler> server(h);
    static_cast<void>(server);
}
