#pragma once
// Deterministic benchmark inputs: Products generated from a fixed seed, the JSON text for them
// (written here by an independent little printer, not by any contestant), and the Products a
// correct parser must produce from that text.
#include "product.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace katana::bench {

// A JSON document with the values it encodes. `single`: one Product object, else an array.
class dataset {
public:
    dataset(std::string name, std::string json, product_list expected, bool single);

    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    [[nodiscard]] bool single() const noexcept { return single_; }
    [[nodiscard]] std::string_view text() const noexcept { return {buffer_.get(), size_}; }
    // The text with simdjson's padding behind it (zero bytes, never part of the document).
    [[nodiscard]] json_input input() const noexcept { return {text(), size_ + padding}; }
    [[nodiscard]] const product_list& expected() const noexcept { return expected_; }

    static constexpr std::size_t padding = 64;

private:
    std::string name_;
    std::unique_ptr<char[]> buffer_;
    std::size_t size_;
    product_list expected_;
    bool single_;
};

// The i-th generated Product (heap-backed strings). Product 0 has every member present.
[[nodiscard]] Product make_product(std::size_t i);
// Compact JSON for `p`, members in declaration order, absent members left out.
void append_product_json(std::string& out, const Product& p, bool escape_non_ascii);

[[nodiscard]] dataset make_single_product();             // ~400 bytes, 10 tags
[[nodiscard]] dataset make_product_array(std::size_t n); // [ n Products ]
// An array of as many Products as fit in `bytes` (2,380 for 1 MiB).
[[nodiscard]] dataset make_document_of(std::size_t bytes);

} // namespace katana::bench
