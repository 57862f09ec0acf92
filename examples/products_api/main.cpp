// examples/products_api: the service generated from openapi.yaml. Everything about HTTP --
// routing, parameter binding, body parsing and validation (400/415/422), content negotiation
// (406), typed responses -- is generated; this file holds only the business logic.
#include "catalogue.hpp"
#include "server.hpp" // generated

#include <katana/api/rebind.hpp>
#include <katana/server/server.hpp>

#include <charconv>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>

namespace {

using namespace products_example;

products::ProductStatus to_dto(status s) {
    switch (s) {
    case status::active: return products::ProductStatus::active;
    case status::discontinued: return products::ProductStatus::discontinued;
    case status::draft: return products::ProductStatus::draft;
    }
    return products::ProductStatus::active;
}

status from_dto(products::ProductStatus s) {
    switch (s) {
    case products::ProductStatus::active: return status::active;
    case products::ProductStatus::discontinued: return status::discontinued;
    case products::ProductStatus::draft: return status::draft;
    }
    return status::active;
}

// Response DTOs are built in request memory, so answering allocates nothing from the heap.
products::Product to_dto(const product_record& r, std::pmr::memory_resource* memory) {
    products::Product p;
    p.id = r.id;
    katana::api::rebind(p.sku, memory);
    p.sku = r.sku;
    katana::api::rebind(p.name, memory);
    p.name = r.name;
    if (r.description) p.description.emplace(*r.description, memory);
    p.price.amount = r.amount;
    katana::api::rebind(p.price.currency, memory);
    p.price.currency = r.currency;
    p.status = to_dto(r.state);
    katana::api::rebind(p.tags, memory);
    for (const auto& t : r.tags) p.tags.emplace_back(t);
    katana::api::rebind(p.created_at, memory);
    p.created_at = r.created_at;
    return p;
}

products::Problem problem(int code, std::string_view title, std::string_view detail) {
    products::Problem p;
    p.type = "about:blank";
    p.title = title;
    p.status = code;
    p.detail.emplace(detail);
    return p;
}

products::Problem not_found(std::int64_t id) {
    return problem(404, "Not Found", "no product with id " + std::to_string(id));
}

products::Problem sku_conflict(std::string_view sku) {
    return problem(409, "Conflict", "a product with SKU " + std::string(sku) + " already exists");
}

// The handler: one method per operationId of openapi.yaml, with exactly the generated
// signatures; leaving one out, or returning an undeclared status, does not compile.
class products_handler {
public:
    products::ListProductsResponse list_products(katana::request_context& ctx, products::ListProductsRequest& req) {
        const auto& in = req.params;
        list_query q;
        q.limit = static_cast<std::size_t>(in.limit);
        if (in.cursor) {
            // The pattern ^[0-9]+$ was checked by the generated binding; only the range is left.
            const auto* end = in.cursor->data() + in.cursor->size();
            if (std::from_chars(in.cursor->data(), end, q.after_id).ptr != end) {
                return products::ListProductsResponse::bad_request(
                    problem(400, "Bad Request", "cursor out of range"));
            }
        }
        if (in.q) q.name_contains = std::string(*in.q);
        if (in.status) q.state = from_dto(*in.status);
        if (in.tag) {
            for (const auto& t : *in.tag) q.tags.emplace_back(t);
        }
        switch (in.sort) {
        case products::ListProductsQuerySort::name: q.order = sort_order::name; break;
        case products::ListProductsQuerySort::price: q.order = sort_order::price; break;
        case products::ListProductsQuerySort::price_2: q.order = sort_order::price_desc; break;
        case products::ListProductsQuerySort::created_at: q.order = sort_order::created_at; break;
        }
        const list_page found = store_.list(q);
        products::ProductPage page;
        katana::api::rebind(page.items, ctx.memory);
        for (const auto& r : found.items) page.items.push_back(to_dto(r, ctx.memory));
        if (found.next_after_id) page.next_cursor.emplace(std::to_string(*found.next_after_id), ctx.memory);
        return products::ListProductsResponse::ok(std::move(page));
    }

    products::CreateProductResponse create_product(katana::request_context& ctx, products::CreateProductRequest& req) {
        const auto& body = req.body;
        product_record r;
        r.sku = body.sku;
        r.name = body.name;
        if (body.description.has_value()) r.description = std::string(body.description.value());
        r.amount = body.price.amount;
        r.currency = body.price.currency;
        r.state = body.status ? from_dto(*body.status) : status::active;
        if (body.tags) {
            for (const auto& t : *body.tags) r.tags.emplace_back(t);
        }
        if (store_.create(r) == write_result::sku_taken) {
            return products::CreateProductResponse::conflict(sku_conflict(r.sku));
        }
        products::CreateProductResponse::response_201::headers_type headers;
        headers.location = "/products/" + std::to_string(r.id);
        return products::CreateProductResponse::created(to_dto(r, ctx.memory), std::move(headers));
    }

    products::GetProductResponse get_product(katana::request_context& ctx, products::GetProductRequest& req) {
        auto found = store_.find(req.params.id);
        if (!found) return products::GetProductResponse::not_found(not_found(req.params.id));
        return products::GetProductResponse::ok(to_dto(*found, ctx.memory));
    }

    products::UpdateProductResponse update_product(katana::request_context& ctx, products::UpdateProductRequest& req) {
        const auto& patch = req.body;
        product_record updated;
        // Absent fields stay; `"description": null` clears the description (tri-state).
        const auto result = store_.update(req.params.id, [&](product_record& r) {
            if (patch.sku) r.sku = *patch.sku;
            if (patch.name) r.name = *patch.name;
            if (patch.description.is_null()) r.description.reset();
            if (patch.description.has_value()) r.description = std::string(patch.description.value());
            if (patch.price) {
                r.amount = patch.price->amount;
                r.currency = patch.price->currency;
            }
            if (patch.status) r.state = from_dto(*patch.status);
            if (patch.tags) r.tags.assign(patch.tags->begin(), patch.tags->end());
        }, updated);
        switch (result) {
        case write_result::not_found: return products::UpdateProductResponse::not_found(not_found(req.params.id));
        case write_result::sku_taken: return products::UpdateProductResponse::conflict(sku_conflict(*patch.sku));
        case write_result::ok: break;
        }
        return products::UpdateProductResponse::ok(to_dto(updated, ctx.memory));
    }

    products::DeleteProductResponse delete_product(katana::request_context&, products::DeleteProductRequest& req) {
        if (!store_.erase(req.params.id)) return products::DeleteProductResponse::not_found(not_found(req.params.id));
        return products::DeleteProductResponse::no_content();
    }

private:
    catalogue store_;
};

} // namespace

int main(int argc, char** argv) {
    katana::server_options options;
    if (auto parsed = katana::parse_server_flags(std::span<char* const>(argv, static_cast<std::size_t>(argc)), options);
        !parsed) {
        std::fprintf(stderr, "usage: products_api [flags]\n%s", parsed.error().c_str());
        const std::string_view first = argc > 1 ? argv[1] : "";
        return first == "--help" || first == "-h" ? 0 : 2;
    }

    products_handler handler;
    products::Server<products_handler> api(handler);
    api.serve_spec(true); // GET /openapi.json

    katana::server server(options, api);
    auto result = server.run([](const katana::server_info& info) {
        const std::string_view shown = info.host == "0.0.0.0" ? "127.0.0.1" : std::string_view(info.host);
        if (!info.fallback_reason.empty()) std::fprintf(stderr, "katana: %s\n", info.fallback_reason.c_str());
        std::printf("products_api listening on http://%.*s:%u (%u reactors, %s)\n", static_cast<int>(shown.size()),
                    shown.data(), static_cast<unsigned>(info.port), info.reactors, info.backend.c_str());
        std::fflush(stdout);
    });
    if (!result) {
        std::fprintf(stderr, "products_api: %s\n", result.error().c_str());
        return 1;
    }
    return 0;
}
