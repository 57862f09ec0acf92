#pragma once
// The seam between the HTTP connection and everything that answers requests: the hand-written
// router, the generated router and the built-in endpoints all implement `dispatcher`.
#include <katana/coro/task.hpp>
#include <katana/http/request.hpp>
#include <katana/http/response.hpp>

#include <array>
#include <cstdint>
#include <memory_resource>
#include <span>
#include <string_view>

namespace katana {

class reactor;

struct path_param {
    std::string_view name;  // from the route template (static storage of the router)
    std::string_view value; // raw path segment, still percent-encoded, a view into the request
};

// Everything a handler sees for one request. Lifetime: the context, the request views and
// `memory` are valid until the response has been written; a coroutine handler may keep them
// across co_await, but nothing may keep them longer.
class request_context {
public:
    static constexpr std::size_t max_path_params = 16;

    request_context(const http::request& req, http::response& res, std::pmr::memory_resource* memory,
                    katana::reactor* owner) noexcept
        : request(req), response(res), memory(memory), owner(owner) {}
    request_context(const request_context&) = delete;
    request_context& operator=(const request_context&) = delete;

    const http::request& request;
    http::response& response;
    std::pmr::memory_resource* memory; // request-scoped; released in one step after the response
    katana::reactor* owner;            // the reactor running this request; null in unit tests

    [[nodiscard]] std::span<const path_param> params() const noexcept { return {params_.data(), param_count_}; }
    [[nodiscard]] std::string_view param(std::string_view name) const noexcept {
        for (std::size_t i = 0; i < param_count_; ++i) {
            if (params_[i].name == name) return params_[i].value;
        }
        return {};
    }
    // Used by routers while matching; returns false when the table is full.
    bool push_param(std::string_view name, std::string_view value) noexcept {
        if (param_count_ == max_path_params) return false;
        params_[param_count_++] = path_param{name, value};
        return true;
    }
    void clear_params() noexcept { param_count_ = 0; }
    void truncate_params(std::size_t count) noexcept {
        if (count < param_count_) param_count_ = static_cast<std::uint8_t>(count);
    }

private:
    std::array<path_param, max_path_params> params_{};
    std::uint8_t param_count_ = 0;
};

// Answers a request: either synchronously through ctx.response, returning an empty task, or
// by returning a task that answers when it completes. The connection keeps later pipelined
// requests waiting until this one is answered, so responses leave in order.
class dispatcher {
public:
    virtual ~dispatcher() = default;
    virtual task<void> dispatch(request_context& ctx) = 0;
};

} // namespace katana
