#pragma once
// A complete handler for tests/codegen/operations/operations.yaml. Each compile-fail case
// changes exactly one thing about it (macros below), so the only error is the one under test;
// ok.cpp compiles it unchanged to prove the include paths and the handler are sound.
#include "ops_test/server.hpp"

namespace compile_fail {

using namespace ops_test;

struct handler {
#ifndef CASE_AUTHENTICATE
    katana::api::auth_result authenticate(katana::request_context&, const katana::api::auth_request&) {
        return katana::api::auth_result::allow;
    }
#endif
#ifndef CASE_GET_ITEM_HANDLER
    GetItemResponse get_item(katana::request_context&, GetItemRequest& r) {
        return GetItemResponse::ok(Item{r.params.id, "x", std::nullopt}, {.x_total = 1, .x_note = std::nullopt});
    }
#endif
    PutItemResponse put_item(katana::request_context&, PutItemRequest&) { return PutItemResponse::no_content(); }
#ifndef CASE_DELETE_ITEM_HANDLER
    DeleteItemResponse delete_item(katana::request_context&, DeleteItemRequest&) { return DeleteItemResponse::no_content(); }
#endif
    LabelStyleResponse label_style(katana::request_context&, LabelStyleRequest& r) { return LabelStyleResponse::ok(r.params.values); }
    MatrixStyleResponse matrix_style(katana::request_context&, MatrixStyleRequest&) { return MatrixStyleResponse::ok({}); }
    SimpleStyleResponse simple_style(katana::request_context&, SimpleStyleRequest&) { return SimpleStyleResponse::ok("s"); }
    MoreStylesResponse more_styles(katana::request_context&, MoreStylesRequest&) { return MoreStylesResponse::ok("m"); }
    GetFileResponse get_file(katana::request_context&, GetFileRequest&) { return GetFileResponse::ok("f"); }
#ifndef CASE_GET_ME_HANDLER
    GetMeResponse get_me(katana::request_context&, GetMeRequest&) { return GetMeResponse::ok("me"); }
#endif
    GetUserResponse get_user(katana::request_context&, GetUserRequest&) { return GetUserResponse::ok("u"); }
    BasicOnlyResponse basic_only(katana::request_context&, BasicOnlyRequest&) { return BasicOnlyResponse::no_content(); }
    KeysAndScopesResponse keys_and_scopes(katana::request_context&, KeysAndScopesRequest&) {
        return KeysAndScopesResponse::no_content();
    }
    OptionalAuthResponse optional_auth(katana::request_context&, OptionalAuthRequest&) {
        return OptionalAuthResponse::no_content();
    }
    katana::task<AsyncEchoResponse> async_echo(katana::request_context&, AsyncEchoRequest& r) {
        co_return AsyncEchoResponse::ok(r.params.n);
    }
#ifndef CASE_RANGES_HANDLER
    RangesResponse ranges(katana::request_context&, RangesRequest&) { return RangesResponse::status_2xx<204>(Item{}); }
#endif
    NegotiateResponse negotiate(katana::request_context&, NegotiateRequest&) { return NegotiateResponse::ok(Item{}); }
    UploadResponse upload(katana::request_context&, UploadRequest&) { return UploadResponse::ok(0); }
    HeapRouteResponse heap_route(katana::request_context&, HeapRouteRequest& r) { return HeapRouteResponse::ok(r.body); }
    PmrRouteResponse pmr_route(katana::request_context&, PmrRouteRequest& r) { return PmrRouteResponse::ok(std::move(r.body)); }
    ArenaHintResponse arena_hint(katana::request_context&, ArenaHintRequest&) { return ArenaHintResponse::no_content(); }
    BareResponse bare(katana::request_context&, BareRequest&) { return BareResponse::default_response(204); }
    TextOrJsonResponse text_or_json(katana::request_context&, TextOrJsonRequest&) {
        return TextOrJsonResponse::ok(std::string_view("t"));
    }
    BodilessSuccessResponse bodiless_success(katana::request_context&, BodilessSuccessRequest&) {
        return BodilessSuccessResponse::no_content();
    }
};

} // namespace compile_fail
