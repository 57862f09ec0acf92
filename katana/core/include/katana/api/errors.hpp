#pragma once
// Validation errors located by JSON pointer, and RFC 9457 problem+json answers.
//
// Generated validators walk a parsed DTO and report every violated constraint at the JSON
// pointer (RFC 6901) of the offending value. The context keeps the current pointer as a stack
// of segments; errors copy the pointer and their text into `memory`. Lifetime: the views in
// validation_error are valid while the context lives (its destructor hands the bytes back to
// `memory`, a no-op for the request arena) and never beyond a reset of `memory`.
//
// Bounds: at most `max_errors` errors are stored (more are only counted, see truncated()), and
// the pointer is at most max_depth segments deep (deeper pushes are counted and ignored, so
// push/pop stay balanced; the JSON reader's depth limit is below it anyway).
// Threading: one context per request, single-threaded.
#include <katana/http/response.hpp>
#include <katana/http/status.hpp>

#include <fmt/format.h>

#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <span>
#include <string_view>
#include <utility>

namespace katana::api {

struct validation_error {
    std::string_view pointer; // e.g. "/items/3/name"; "" is the whole document
    std::string_view detail;  // human-readable, e.g. "must be at most 10 characters"
};

class validation_context {
public:
    static constexpr std::size_t max_depth = 256;

    explicit validation_context(std::pmr::memory_resource* memory, std::size_t max_errors = 64) noexcept
        : memory_(memory), max_errors_(max_errors) {}
    ~validation_context();
    validation_context(const validation_context&) = delete;
    validation_context& operator=(const validation_context&) = delete;

    [[nodiscard]] std::pmr::memory_resource* memory() const noexcept { return memory_; }

    // JSON pointer of the value being validated. Keys are escaped (~ -> ~0, / -> ~1).
    void push_key(std::string_view key) noexcept;
    void push_index(std::size_t i) noexcept;
    void pop() noexcept;

    // RAII push/pop: `auto s = ctx.key("name");`. Neither copyable nor movable (returned by
    // guaranteed copy elision), so it cannot outlive the statement block it was made in.
    class [[nodiscard]] scope {
    public:
        scope(const scope&) = delete;
        scope& operator=(const scope&) = delete;
        ~scope() { ctx_->pop(); }

    private:
        friend class validation_context;
        explicit scope(validation_context& ctx) noexcept : ctx_(&ctx) {}
        validation_context* ctx_;
    };
    [[nodiscard]] scope key(std::string_view k) noexcept {
        push_key(k);
        return scope(*this);
    }
    [[nodiscard]] scope index(std::size_t i) noexcept {
        push_index(i);
        return scope(*this);
    }

    // The current pointer, "" at the root. Valid until the next push/pop.
    [[nodiscard]] std::string_view pointer() const noexcept { return {path_, path_size_}; }
    [[nodiscard]] std::size_t depth() const noexcept { return depth_; }

    // Records an error at the current pointer; `detail` is copied.
    void add(std::string_view detail);
    // Same with a fmt 9 format string; formatted into request memory (nothing is formatted once
    // the error list is full).
    template <class... A>
    void addf(fmt::format_string<A...> f, A&&... a) {
        if (count_ >= max_errors_) {
            ++count_;
            return;
        }
        fmt::basic_memory_buffer<char, 128, std::pmr::polymorphic_allocator<char>> buf{
            std::pmr::polymorphic_allocator<char>(memory_)};
        fmt::format_to(fmt::appender(buf), f, std::forward<A>(a)...);
        add({buf.data(), buf.size()});
    }

    [[nodiscard]] bool ok() const noexcept { return count_ == 0; }
    // Every error reported, including those not stored because the list was full.
    [[nodiscard]] std::size_t error_count() const noexcept { return count_; }
    [[nodiscard]] std::span<const validation_error> errors() const noexcept { return {errors_, stored_}; }
    [[nodiscard]] bool truncated() const noexcept { return count_ > stored_; }

    // Speculative validation (oneOf/anyOf branches): errors added after mark() can be dropped
    // again with rollback(mark).
    [[nodiscard]] std::size_t mark() const noexcept { return count_; }
    void rollback(std::size_t mark) noexcept;
    [[nodiscard]] std::size_t errors_since(std::size_t mark) const noexcept { return count_ - mark; }

private:
    void append_segment(std::string_view escaped_or_raw, bool escape) noexcept;
    bool reserve_path(std::size_t extra) noexcept;

    std::pmr::memory_resource* memory_;
    std::size_t max_errors_;
    // Current pointer text in `memory_`, grown by doubling; segment start offsets in a fixed table.
    char* path_ = nullptr;
    std::size_t path_size_ = 0;
    std::size_t path_capacity_ = 0;
    std::uint32_t segment_start_[max_depth]{};
    std::size_t depth_ = 0;       // pushes not yet popped, including ignored ones
    // Errors: array in `memory_` sized max_errors on first use.
    validation_error* errors_ = nullptr;
    std::size_t stored_ = 0;
    std::size_t count_ = 0;
};

// Writes an application/problem+json answer (RFC 9457):
//   {"type":"about:blank","title":<reason phrase>,"status":N,"detail":...,"errors":[{"pointer":...,
//    "detail":...},...]}
// "detail" is omitted when empty, "errors" when there are none. Does nothing if the response
// was already started. Used for 400 (malformed JSON, bad parameter), 401, 403, 406, 415, 422.
void write_problem(http::response& res, http::status_code code, std::string_view detail,
                   std::span<const validation_error> errors = {});

// write_problem with the context's errors; adds "errors_truncated":true when some were dropped.
void write_problem(http::response& res, http::status_code code, std::string_view detail,
                   const validation_context& ctx);

} // namespace katana::api
