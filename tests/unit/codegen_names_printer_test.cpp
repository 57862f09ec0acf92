#include <katana/codegen/names.hpp>
#include <katana/codegen/printer.hpp>

#include <gtest/gtest.h>

#include <stdexcept>

namespace names = katana::codegen::names;
using katana::codegen::printer;

TEST(CodegenNames, IdentifierEscapesKeywordsAndInvalidCharacters) {
    EXPECT_EQ(names::identifier("class"), "class_");
    EXPECT_EQ(names::identifier("namespace"), "namespace_");
    EXPECT_EQ(names::identifier("std"), "std_");
    EXPECT_EQ(names::identifier("default"), "default_");
    EXPECT_EQ(names::identifier("i"), "i");
    EXPECT_EQ(names::identifier("Type"), "Type");
    EXPECT_EQ(names::identifier("type"), "type");
    EXPECT_EQ(names::identifier("first-name"), "first_name");
    EXPECT_EQ(names::identifier("2fa"), "_2fa");
    EXPECT_EQ(names::identifier(""), "_");
    EXPECT_EQ(names::identifier("@type"), "_type");
    EXPECT_EQ(names::identifier("$ref"), "_ref");
    // reserved to the implementation: "__x", "_X"
    EXPECT_EQ(names::identifier("__proto__"), "_proto_");
    EXPECT_EQ(names::identifier("_Private"), "x_Private");
}

TEST(CodegenNames, SymbolOnlyNamesSpellTheirCodePoints) {
    // QA 12: "✓" used to become "_" and then "__" (reserved) on a collision.
    EXPECT_EQ(names::identifier("\u2713"), "u2713");
    EXPECT_EQ(names::identifier("\u65e5\u4ed8"), "u65e5_u4ed8");
    EXPECT_EQ(names::identifier("$\u2713!"), "u2713");
    EXPECT_EQ(names::identifier("\xff"), "xff"); // not UTF-8
    EXPECT_EQ(names::pascal_case("\u2713"), "u2713");
    EXPECT_EQ(names::snake_case("\u2713"), "u2713");
    EXPECT_EQ(names::identifier("a\u2713"), "a_"); // ASCII letters present: invalid bytes are '_'
}

TEST(CodegenNames, CollisionsNeverFormReservedIdentifiers) {
    EXPECT_EQ(names::numbered("id", 2), "id_2");
    EXPECT_EQ(names::numbered("a_b_", 2), "a_b_2");
    EXPECT_EQ(names::numbered("_", 3), "_3");
    names::scope s;
    EXPECT_EQ(s.claim("x_"), "x_");
    EXPECT_EQ(s.claim("x_"), "x_2");
    EXPECT_EQ(s.claim("_"), "_");
    EXPECT_EQ(s.claim(""), "_2");
    for (const char* raw : {"a-b", "a_b", "a b", "a__b", "__", "_", "", "\u2713", "\u2713", "_A", "A__"}) {
        const std::string id = s.claim(raw);
        EXPECT_EQ(id.find("__"), std::string::npos) << raw << " -> " << id;
        EXPECT_FALSE(id.size() > 1 && id[0] == '_' && id[1] >= 'A' && id[1] <= 'Z') << raw << " -> " << id;
    }
}

TEST(CodegenNames, CaseConversions) {
    EXPECT_EQ(names::pascal_case("get-product by_ID"), "GetProductById");
    EXPECT_EQ(names::pascal_case("HTTPServer"), "HttpServer");
    EXPECT_EQ(names::pascal_case("product"), "Product");
    EXPECT_EQ(names::pascal_case("2xx"), "_2xx");
    EXPECT_EQ(names::snake_case("getProductByID"), "get_product_by_id");
    EXPECT_EQ(names::snake_case("repos/get-content"), "repos_get_content");
    EXPECT_EQ(names::snake_case("listHTTPServers2"), "list_http_servers2");
    EXPECT_EQ(names::snake_case("delete"), "delete_");
}

TEST(CodegenNames, ScopeResolvesCollisions) {
    names::scope s;
    EXPECT_EQ(s.claim("name"), "name");
    EXPECT_EQ(s.claim("name"), "name_2");
    EXPECT_EQ(s.claim("name"), "name_3");
    EXPECT_EQ(s.claim("Name"), "Name"); // C++ is case-sensitive
    s.reserve("id");
    EXPECT_EQ(s.claim("id"), "id_2");
    EXPECT_TRUE(s.taken("name_2"));
    EXPECT_FALSE(s.taken("other"));
}

TEST(CodegenPrinter, SubstitutesAndStripsCommonIndentation) {
    printer p;
    p.emit({{"name", "Product"}, {"type", "std::int64_t"}}, R"(
        struct $name$ {
            $type$ id; // costs $$5
        };
    )");
    EXPECT_EQ(p.str(), "struct Product {\n    std::int64_t id; // costs $5\n};\n");
}

TEST(CodegenPrinter, IndentsBlocksAndNestedEmits) {
    printer p;
    p.indent();
    p.emit({{"body", "a();\nif (x) {\n    b();\n}\n"}}, R"(
        void f() {
            $body$
        }
    )");
    EXPECT_EQ(p.str(), "    void f() {\n        a();\n        if (x) {\n            b();\n        }\n    }\n");
}

TEST(CodegenPrinter, EmptyBlockLeavesNoLineAndUnknownVariableThrows) {
    printer p;
    p.emit({{"members", ""}}, R"(
        struct X {
            $members$
        };
    )");
    EXPECT_EQ(p.str(), "struct X {\n};\n");
    EXPECT_THROW(p.emit({}, "$missing$"), std::logic_error);
    EXPECT_THROW(p.emit({}, "a $ b"), std::logic_error);
}
