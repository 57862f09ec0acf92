// katana::codegen front, stage 2: spec_set -- version detection and the Swagger 2.0 refusal,
// $ref resolution (local, escaped, percent-encoded, into any part of the document, external
// files with fragments, chains, cycles, missing targets) and the structural checks, which must
// report every problem of a document in one run.
#include <katana/codegen/diagnostics.hpp>
#include <katana/codegen/spec.hpp>

#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace cg = katana::codegen;
namespace fs = std::filesystem;

struct loaded {
    cg::diagnostics diags;
    std::unique_ptr<cg::spec_set> spec;
    explicit loaded(bool strict = false) : diags(strict) {}
};

std::unique_ptr<loaded> load(std::string_view text, bool strict = false) {
    auto l = std::make_unique<loaded>(strict);
    l->spec = cg::spec_set::load_from_string("api.yaml", text, l->diags);
    return l;
}

constexpr std::string_view header30 = "openapi: 3.0.3\ninfo: {title: T, version: '1'}\n";
constexpr std::string_view header31 = "openapi: 3.1.0\ninfo: {title: T, version: '1'}\n";

std::string spec30(std::string_view rest) { return std::string(header30) + std::string(rest); }
std::string spec31(std::string_view rest) { return std::string(header31) + std::string(rest); }

// Diagnostics whose message contains `needle`.
std::vector<cg::diagnostic> find(const cg::diagnostics& d, std::string_view needle) {
    std::vector<cg::diagnostic> out;
    for (const auto& x : d.all()) {
        if (x.message.find(needle) != std::string::npos) out.push_back(x);
    }
    return out;
}

const cg::node* at(const cg::spec_set& s, std::string_view pointer) { return s.root().at_pointer(pointer); }

void write(const fs::path& p, std::string_view text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
}

// ---- versions ---------------------------------------------------------------------------------

TEST(CodegenSpec, DetectsTheOpenApiVersion) {
    const auto a = load(spec30("paths: {}\n"));
    ASSERT_TRUE(a->spec) << a->diags.to_string();
    EXPECT_EQ(a->spec->version(), cg::spec_version::v3_0);
    EXPECT_EQ(a->diags.all().size(), 0u);

    const auto b = load(spec31("components: {}\n"));
    ASSERT_TRUE(b->spec) << b->diags.to_string();
    EXPECT_EQ(b->spec->version(), cg::spec_version::v3_1);
    EXPECT_EQ(b->spec->root().path(), "api.yaml");
}

TEST(CodegenSpec, RefusesSwagger2WithHowToConvert) {
    const auto l = load("swagger: \"2.0\"\ninfo: {title: T, version: '1'}\npaths: {}\n");
    EXPECT_FALSE(l->spec);
    ASSERT_EQ(l->diags.error_count(), 1u);
    const cg::diagnostic& d = l->diags.all()[0];
    EXPECT_EQ(d.line, 1u);
    EXPECT_EQ(d.pointer, "/swagger");
    EXPECT_NE(d.message.find("Swagger 2.0 documents are not supported"), std::string::npos) << d.message;
    EXPECT_NE(d.message.find("swagger2openapi"), std::string::npos) << d.message;
    EXPECT_NE(d.message.find("https://converter.swagger.io"), std::string::npos) << d.message;
}

TEST(CodegenSpec, RefusesMissingOrUnsupportedVersions) {
    struct bad {
        std::string_view text;
        std::string_view needle;
        std::uint32_t line;
    };
    const bad cases[] = {
        {"info: {title: T, version: '1'}\npaths: {}\n", "missing \"openapi\"", 1},
        {"openapi: 2.0.0\ninfo: {title: T, version: '1'}\npaths: {}\n", "unsupported OpenAPI version \"2.0.0\"", 1},
        {"paths: {}\nopenapi: 3.2.0\n", "unsupported OpenAPI version \"3.2.0\"", 2},
        {"openapi: 3.10.0\npaths: {}\n", "unsupported OpenAPI version", 1},
        {"openapi: 3.0\npaths: {}\n", "quote it", 1},
        {"openapi: [3]\npaths: {}\n", "must be a version string", 1},
        {"- openapi: 3.0.0\n", "must be an object", 1},
        {"just text\n", "must be an object", 1},
    };
    for (const auto& c : cases) {
        const auto l = load(c.text);
        EXPECT_FALSE(l->spec) << c.text;
        ASSERT_EQ(l->diags.error_count(), 1u) << c.text << l->diags.to_string();
        EXPECT_NE(l->diags.all()[0].message.find(c.needle), std::string::npos) << l->diags.all()[0].message;
        EXPECT_EQ(l->diags.all()[0].line, c.line) << c.text;
    }
}

// ---- local $ref -------------------------------------------------------------------------------

constexpr std::string_view refs_doc = R"(paths:
  /v2/apps/{app_id}:
    get:
      parameters:
        - $ref: '#/components/parameters/Id'
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  slash/and~tilde: {type: string}
  /v2/other:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/paths/~1v2~1apps~1%7Bapp_id%7D/get/responses/200/content/application~1json/schema'
components:
  parameters:
    Id: {name: app_id, in: path, required: true, schema: {type: string}}
  schemas:
    Escaped:
      $ref: '#/paths/~1v2~1apps~1{app_id}/get/responses/200/content/application~1json/schema/properties/slash~1and~0tilde'
    Node:
      type: object
      properties:
        next: {$ref: '#/components/schemas/Node'}
        children: {type: array, items: {$ref: '#/components/schemas/Node'}}
    A: {$ref: '#/components/schemas/B'}
    B: {$ref: '#/components/schemas/C'}
    C: {type: integer}
    First: {$ref: '#/components/parameters/Id/schema'}
    Item: {$ref: '#/components/schemas/Node/properties/children/items'}
)";

TEST(CodegenSpec, ResolvesLocalRefsIntoAnyPartOfTheDocument) {
    const auto l = load(spec30(refs_doc));
    ASSERT_TRUE(l->spec) << l->diags.to_string();
    EXPECT_EQ(l->diags.all().size(), 0u) << l->diags.to_string();
    cg::spec_set& s = *l->spec;
    cg::diagnostics d;

    // Percent-encoded braces and ~1 in a pointer into `paths` (DigitalOcean does this).
    const cg::node* other = at(s, "/paths/~1v2~1other/get/responses/200/content/application~1json/schema");
    ASSERT_NE(other, nullptr);
    EXPECT_FALSE(cg::spec_set::ref_of(other).empty());
    const cg::node* target = s.resolve(other, d);
    ASSERT_NE(target, nullptr) << d.to_string();
    EXPECT_EQ(target->pointer, "/paths/~1v2~1apps~1{app_id}/get/responses/200/content/application~1json/schema");
    EXPECT_EQ(target->get_string("type"), "object");

    // ~0 and ~1 inside a token.
    const cg::node* escaped = s.resolve(at(s, "/components/schemas/Escaped"), d);
    ASSERT_NE(escaped, nullptr) << d.to_string();
    EXPECT_EQ(escaped->get_string("type"), "string");
    EXPECT_EQ(escaped->pointer, "/paths/~1v2~1apps~1{app_id}/get/responses/200/content/application~1json/schema/"
                                "properties/slash~1and~0tilde");

    // Chains are followed to the end; a non-ref node resolves to itself.
    const cg::node* a = at(s, "/components/schemas/A");
    const cg::node* c = at(s, "/components/schemas/C");
    EXPECT_EQ(s.resolve(a, d), c);
    EXPECT_EQ(s.resolve(c, d), c);
    EXPECT_EQ(s.resolve(nullptr, d), nullptr);

    // A recursive schema is fine: resolve() follows one chain, not the schema's properties.
    const cg::node* node_schema = at(s, "/components/schemas/Node");
    EXPECT_EQ(s.resolve(at(s, "/components/schemas/Node/properties/next"), d), node_schema);
    EXPECT_EQ(s.resolve(at(s, "/components/schemas/Item"), d), node_schema) << "ref to a ref to Node";

    // Into a parameter, and the same answer again from the cache.
    const cg::node* first = s.resolve(at(s, "/components/schemas/First"), d);
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(first->pointer, "/components/parameters/Id/schema");
    EXPECT_EQ(s.resolve(at(s, "/components/schemas/First"), d), first);

    // resolve_ref directly, with an array index.
    const cg::node* param = s.resolve_ref("#/paths/~1v2~1apps~1{app_id}/get/parameters/0", *a, d);
    ASSERT_NE(param, nullptr);
    EXPECT_EQ(cg::spec_set::ref_of(param), "#/components/parameters/Id");
    EXPECT_EQ(s.resolve_ref("#", *a, d), s.root().root());
    EXPECT_EQ(d.all().size(), 0u) << d.to_string();

    EXPECT_EQ(s.canonical_id(node_schema), "api.yaml#/components/schemas/Node");
    EXPECT_EQ(s.files(), std::vector<std::string>{"api.yaml"});
}

TEST(CodegenSpec, RefOfOnlyRecognisesReferenceObjects) {
    const auto l = load(spec30("paths: {}\ncomponents:\n  schemas:\n"
                               "    S: {type: object, properties: {$ref: {type: string}}}\n"));
    ASSERT_TRUE(l->spec) << l->diags.to_string();
    // A property *named* "$ref" is not a reference.
    const cg::node* props = at(*l->spec, "/components/schemas/S/properties");
    ASSERT_NE(props, nullptr);
    EXPECT_TRUE(cg::spec_set::ref_of(props).empty());
    cg::diagnostics d;
    EXPECT_EQ(l->spec->resolve(props, d), props);
    EXPECT_TRUE(cg::spec_set::ref_of(nullptr).empty());
}

TEST(CodegenSpec, MissingTargetsAreReportedAtTheRefOnce) {
    const auto l = load(spec30("paths: {}\ncomponents:\n  schemas:\n"
                               "    Pet: {type: object}\n"
                               "    Bad: {$ref: '#/components/schemas/Pett'}\n"
                               "    Deep: {$ref: '#/components/nothing/here'}\n"));
    EXPECT_FALSE(l->spec);
    ASSERT_EQ(l->diags.error_count(), 2u) << l->diags.to_string();
    const cg::diagnostic& bad = l->diags.all()[0];
    EXPECT_EQ(bad.line, 7u);
    EXPECT_EQ(bad.pointer, "/components/schemas/Bad/$ref");
    EXPECT_NE(bad.message.find("no \"Pett\" in /components/schemas"), std::string::npos) << bad.message;
    EXPECT_NE(l->diags.all()[1].message.find("no \"nothing\" in /components"), std::string::npos)
        << l->diags.all()[1].message;
}

TEST(CodegenSpec, RefCyclesAreDiagnosedNotFollowedForever) {
    const auto l = load(spec30("paths: {}\ncomponents:\n  schemas:\n"
                               "    A: {$ref: '#/components/schemas/B'}\n"
                               "    B: {$ref: '#/components/schemas/A'}\n"
                               "    Self: {$ref: '#/components/schemas/Self'}\n"
                               "    ToCycle: {$ref: '#/components/schemas/A'}\n"));
    EXPECT_FALSE(l->spec);
    const auto cycles = find(l->diags, "$ref cycle");
    ASSERT_GE(cycles.size(), 3u) << l->diags.to_string();
    EXPECT_EQ(l->diags.error_count(), cycles.size());
    bool saw_self = false;
    for (const auto& c : cycles) {
        EXPECT_GT(c.line, 0u);
        if (c.pointer == "/components/schemas/Self/$ref") saw_self = true;
    }
    EXPECT_TRUE(saw_self) << l->diags.to_string();
}

TEST(CodegenSpec, UnsupportedRefFormsAreNamed) {
    const auto l = load(spec31("components:\n  schemas:\n"
                               "    Remote: {$ref: 'https://example.com/s.yaml#/X'}\n"
                               "    Anchor: {$ref: '#node'}\n"
                               "    NotString: {$ref: 42}\n"
                               "    Empty: {$ref: ''}\n"));
    EXPECT_FALSE(l->spec);
    EXPECT_EQ(find(l->diags, "remote or absolute URI").size(), 1u) << l->diags.to_string();
    EXPECT_EQ(find(l->diags, "$anchor").size(), 1u) << l->diags.to_string();
    EXPECT_EQ(find(l->diags, "\"$ref\" must be a string").size(), 1u) << l->diags.to_string();
    EXPECT_EQ(find(l->diags, "\"$ref\" must not be empty").size(), 1u) << l->diags.to_string();
    EXPECT_EQ(l->diags.error_count(), 4u);
}

// ---- external $ref ----------------------------------------------------------------------------

TEST(CodegenSpec, ResolvesExternalFilesRelativeToTheReferringFile) {
    katana::test::temp_dir dir("katana-spec");
    write(dir.path() / "api.yaml", spec30(R"(paths:
  /pets:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: 'schemas/common.yaml#/components/schemas/Pet'}
        '404': {$ref: 'schemas/common.yaml#/components/responses/NotFound'}
components:
  schemas:
    Whole: {$ref: 'schemas/error.json'}
    Encoded: {$ref: 'schemas/my%20file.yaml#/Thing'}
    Again: {$ref: './schemas/../schemas/common.yaml#/components/schemas/Pet'}
)"));
    write(dir.path() / "schemas/common.yaml", R"(components:
  schemas:
    Pet:
      type: object
      properties:
        owner: {$ref: 'owner.yaml#/Owner'}
        error: {$ref: '#/components/schemas/Local'}
    Local: {type: string}
  responses:
    NotFound: {description: missing, content: {application/json: {schema: {$ref: 'error.json'}}}}
)");
    write(dir.path() / "schemas/owner.yaml", "Owner: {type: object, properties: {back: {$ref: 'common.yaml#/components/schemas/Pet'}}}\n");
    write(dir.path() / "schemas/error.json", "{\n  \"type\": \"object\",\n  \"required\": [\"code\"]\n}\n");
    write(dir.path() / "schemas/my file.yaml", "Thing: {type: boolean}\n");

    const std::string root = (dir.path() / "api.yaml").string();
    cg::diagnostics diags;
    const auto spec = cg::spec_set::load(root, diags);
    ASSERT_TRUE(spec) << diags.to_string();
    EXPECT_EQ(diags.all().size(), 0u) << diags.to_string();
    cg::diagnostics d;

    const cg::node* pet = spec->resolve(
        spec->root().at_pointer("/paths/~1pets/get/responses/200/content/application~1json/schema"), d);
    ASSERT_NE(pet, nullptr) << d.to_string();
    EXPECT_EQ(pet->get_string("type"), "object");
    const std::string common = (dir.path() / "schemas/common.yaml").lexically_normal().generic_string();
    EXPECT_EQ(pet->doc->path(), common) << "paths are reported as given, joined to the referring file's folder";
    EXPECT_EQ(pet->pointer, "/components/schemas/Pet");
    EXPECT_EQ(pet->location.line, 4u);
    EXPECT_EQ(spec->canonical_id(pet), "schemas/common.yaml#/components/schemas/Pet");

    // Refs inside the external file resolve relative to it, local ones within it.
    const cg::node* owner = spec->resolve(pet->get("properties")->get("owner"), d);
    ASSERT_NE(owner, nullptr) << d.to_string();
    EXPECT_EQ(spec->canonical_id(owner), "schemas/owner.yaml#/Owner");
    const cg::node* back = spec->resolve(owner->get("properties")->get("back"), d);
    EXPECT_EQ(back, pet) << "the same file is loaded once, so the same node comes back";
    const cg::node* local = spec->resolve(pet->get("properties")->get("error"), d);
    ASSERT_NE(local, nullptr);
    EXPECT_EQ(spec->canonical_id(local), "schemas/common.yaml#/components/schemas/Local");

    // A whole file (JSON here, located like YAML), a percent-encoded file name, ./ and ../.
    const cg::node* whole = spec->resolve(spec->root().at_pointer("/components/schemas/Whole"), d);
    ASSERT_NE(whole, nullptr) << d.to_string();
    EXPECT_EQ(whole->pointer, "");
    EXPECT_EQ(spec->canonical_id(whole), "schemas/error.json#");
    EXPECT_EQ(whole->get("required")->location.line, 3u);
    const cg::node* thing = spec->resolve(spec->root().at_pointer("/components/schemas/Encoded"), d);
    ASSERT_NE(thing, nullptr) << d.to_string();
    EXPECT_TRUE(thing->get("type") != nullptr && thing->get("type")->text == "boolean");
    EXPECT_EQ(spec->resolve(spec->root().at_pointer("/components/schemas/Again"), d), pet);
    EXPECT_EQ(d.all().size(), 0u) << d.to_string();

    // Every file read, root first, each once.
    const std::vector<std::string> files = spec->files();
    ASSERT_EQ(files.size(), 5u);
    EXPECT_EQ(files[0], root);
    for (const char* name : {"schemas/common.yaml", "schemas/owner.yaml", "schemas/error.json", "schemas/my file.yaml"}) {
        const std::string want = (dir.path() / name).lexically_normal().generic_string();
        EXPECT_EQ(std::count(files.begin(), files.end(), want), 1) << want;
    }
}

TEST(CodegenSpec, ExternalFileProblemsAreLocatedInTheRightFile) {
    katana::test::temp_dir dir("katana-spec");
    write(dir.path() / "api.yaml", spec30(R"(paths: {}
components:
  schemas:
    Missing: {$ref: 'nope.yaml#/X'}
    Broken: {$ref: 'broken.yaml#/X'}
    NoTarget: {$ref: 'ok.yaml#/Y'}
    BadType: {$ref: 'ok.yaml#/X'}
)"));
    write(dir.path() / "broken.yaml", "X:\n  type: [unclosed\n");
    write(dir.path() / "ok.yaml", "X: {type: strin}\n");
    cg::diagnostics diags;
    EXPECT_FALSE(cg::spec_set::load(dir.path() / "api.yaml", diags));
    const std::string api = (dir.path() / "api.yaml").string();
    const std::string broken = (dir.path() / "broken.yaml").lexically_normal().generic_string();
    const std::string ok = (dir.path() / "ok.yaml").lexically_normal().generic_string();

    const auto missing = find(diags, "nope.yaml\" could not be read");
    ASSERT_EQ(missing.size(), 1u) << diags.to_string();
    EXPECT_EQ(missing[0].file, api);
    EXPECT_EQ(missing[0].line, 6u);
    EXPECT_EQ(missing[0].pointer, "/components/schemas/Missing/$ref");

    const auto syntax = find(diags, "YAML syntax error");
    ASSERT_EQ(syntax.size(), 1u) << diags.to_string();
    EXPECT_EQ(syntax[0].file, broken);
    EXPECT_GE(syntax[0].line, 2u);

    const auto no_target = find(diags, "no \"Y\"");
    ASSERT_EQ(no_target.size(), 1u) << diags.to_string();
    EXPECT_EQ(no_target[0].file, api);
    EXPECT_NE(no_target[0].message.find(ok), std::string::npos) << "names the file searched";

    // Schemas reached through a ref into another file are checked there.
    const auto bad_type = find(diags, "unknown schema type \"strin\"");
    ASSERT_EQ(bad_type.size(), 1u) << diags.to_string();
    EXPECT_EQ(bad_type[0].file, ok);
    EXPECT_EQ(bad_type[0].line, 1u);
    EXPECT_EQ(bad_type[0].pointer, "/X/type");
}

TEST(CodegenSpec, RelativeRefUnderAnIdWarnsThatIdIsUnsupported) {
    const auto l = load(spec31("components:\n  schemas:\n"
                               "    S:\n      $id: https://example.com/schemas/s\n"
                               "      properties:\n        t: {$ref: 'other.json'}\n"));
    EXPECT_FALSE(l->spec);
    EXPECT_EQ(find(l->diags, "unsupported: $id base URI").size(), 1u) << l->diags.to_string();
    EXPECT_EQ(l->diags.warning_count(), 1u);
    EXPECT_EQ(find(l->diags, "other.json\" could not be read").size(), 1u) << l->diags.to_string();
}

TEST(CodegenSpec, RepeatedResolutionOfABrokenRefReportsOnce) {
    const auto l = load(spec30("paths: {}\ncomponents:\n  schemas:\n    Ok: {type: string}\n"));
    ASSERT_TRUE(l->spec) << l->diags.to_string();
    // Build a broken reference inside a second document the test controls.
    cg::diagnostics scratch;
    const auto other = cg::spec_set::load_from_string(
        "other.yaml", spec30("paths: {}\nx-broken: {$ref: '#/components/schemas/Gone'}\n"), scratch);
    ASSERT_TRUE(other) << scratch.to_string() << " (x- extensions are not walked)";
    const cg::node* broken = other->root().at_pointer("/x-broken");
    cg::diagnostics d;
    EXPECT_EQ(other->resolve(broken, d), nullptr);
    EXPECT_EQ(other->resolve(broken, d), nullptr);
    EXPECT_EQ(d.error_count(), 1u) << d.to_string();
    cg::diagnostics fresh;
    EXPECT_EQ(other->resolve(broken, fresh), nullptr);
    EXPECT_EQ(fresh.error_count(), 1u) << "a different diagnostics object hears about it too";
}

// ---- structural checks ------------------------------------------------------------------------

TEST(CodegenSpec, StructuralErrorsAreAllCollectedInOneRun) {
    const auto l = load(R"(openapi: 3.0.3
info:
  version: 1.0
servers:
  - description: no url
  - url: https://{region}.example.com
    variables:
      region:
        default: eu
        enum: [us, ap]
      zone:
        enum: [a]
overlays: {}
x-fine: {}
paths:
  pets:
    get:
      parameters:
        - {name: q, in: body}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  a: {type: strng}
                  b: {type: array, items: {type: [string, "null"]}}
                  c: {allOf: [{type: object}, true]}
                  d: {additionalProperties: {type: nul}}
                  e: {oneOf: []}
components:
  schemas:
    Num: 3
    Nested: {not: {properties: {x: {items: {type: date}}}}}
)");
    EXPECT_FALSE(l->spec);
    const std::string all = l->diags.to_string();
    const std::pair<std::string_view, std::string_view> expected[] = {
        {"missing the required field \"title\"", "/info"},
        {"\"version\" should be a string", "/info/version"},
        {"needs a \"url\"", "/servers/0"},
        {"does not contain its default \"eu\"", "/servers/1/variables/region/enum"},
        {"server variable \"zone\" needs a \"default\"", "/servers/1/variables/zone"},
        {"unknown top-level field \"overlays\"", "/overlays"},
        {"path \"pets\" must start with '/'", "/paths/pets"},
        {"unknown parameter location \"in: body\"", "/paths/pets/get/parameters/0/in"},
        {"unknown schema type \"strng\"", "/paths/pets/get/responses/200/content/application~1json/schema/properties/a/type"},
        {"a list of types needs OpenAPI 3.1", "/paths/pets/get/responses/200/content/application~1json/schema/properties/b/items/type"},
        {"boolean schemas need OpenAPI 3.1", "/paths/pets/get/responses/200/content/application~1json/schema/properties/c/allOf/1"},
        {"unknown schema type \"nul\"", "/paths/pets/get/responses/200/content/application~1json/schema/properties/d/additionalProperties/type"},
        {"\"oneOf\" must not be empty", "/paths/pets/get/responses/200/content/application~1json/schema/properties/e/oneOf"},
        {"must be an object, not a number", "/components/schemas/Num"},
        {"unknown schema type \"date\"", "/components/schemas/Nested/not/properties/x/items/type"},
    };
    for (const auto& [needle, pointer] : expected) {
        const auto hits = find(l->diags, needle);
        ASSERT_EQ(hits.size(), 1u) << needle << "\n" << all;
        EXPECT_EQ(hits[0].pointer, pointer) << needle;
        EXPECT_GT(hits[0].line, 0u) << needle;
        EXPECT_EQ(hits[0].file, "api.yaml");
    }
    EXPECT_EQ(l->diags.all().size(), std::size(expected)) << all;
    // x-fine is an extension: no complaint about it.
    EXPECT_EQ(all.find("x-fine"), std::string::npos);
}

TEST(CodegenSpec, VersionSpecificRules) {
    // 3.0 needs `paths`; 3.1 needs one of paths/components/webhooks.
    const auto no_paths = load(spec30("components: {}\n"));
    EXPECT_FALSE(no_paths->spec);
    EXPECT_EQ(find(no_paths->diags, "missing required field \"paths\"").size(), 1u) << no_paths->diags.to_string();
    const auto no_containers = load(std::string(header31));
    EXPECT_FALSE(no_containers->spec);
    ASSERT_EQ(no_containers->diags.error_count(), 1u);
    EXPECT_EQ(no_containers->diags.all()[0].line, 1u);
    EXPECT_TRUE(load(spec31("webhooks: {}\n"))->spec);

    // 3.1: boolean schemas, type lists with null, JSON Schema applicators, webhooks, pathItems.
    const auto ok31 = load(spec31(R"(webhooks:
  newPet:
    post:
      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/P'}}}}
      responses: {'200': {description: ok}}
components:
  pathItems:
    Shared: {get: {responses: {'204': {description: none}}}}
  schemas:
    P:
      type: [object, "null"]
      properties: {any: true, none: false}
      prefixItems: [{type: string}]
      $defs: {D: {type: integer}}
      if: {required: [a]}
      then: {properties: {b: {type: string}}}
      else: true
)"));
    EXPECT_TRUE(ok31->spec) << ok31->diags.to_string();
    EXPECT_EQ(ok31->diags.all().size(), 0u) << ok31->diags.to_string();

    // ... and the same constructs in 3.0 are errors or unknown.
    const auto bad30 = load(spec30("paths: {}\nwebhooks: {}\ncomponents:\n  schemas:\n"
                                   "    N: {type: 'null'}\n    B: true\n"));
    EXPECT_FALSE(bad30->spec);
    EXPECT_EQ(find(bad30->diags, "webhooks need OpenAPI 3.1").size(), 1u) << bad30->diags.to_string();
    EXPECT_EQ(find(bad30->diags, "nullable: true").size(), 1u) << bad30->diags.to_string();
    EXPECT_EQ(find(bad30->diags, "boolean schemas need OpenAPI 3.1").size(), 1u) << bad30->diags.to_string();

    // Another JSON Schema dialect is read as the OAS one, and said so.
    const auto dialect = load(spec31("jsonSchemaDialect: https://json-schema.org/draft/2019-09/schema\ncomponents: {}\n"));
    ASSERT_TRUE(dialect->spec) << dialect->diags.to_string();
    ASSERT_EQ(dialect->diags.warning_count(), 1u);
    EXPECT_NE(dialect->diags.all()[0].message.find("unsupported: jsonSchemaDialect"), std::string::npos);
    EXPECT_EQ(dialect->diags.all()[0].pointer, "/jsonSchemaDialect");
    const auto oas = load(spec31("jsonSchemaDialect: https://spec.openapis.org/oas/3.1/dialect/base\ncomponents: {}\n"));
    EXPECT_TRUE(oas->spec);
    EXPECT_EQ(oas->diags.all().size(), 0u) << oas->diags.to_string();

    // 3.1 prefixItems with a bad schema inside is still checked.
    const auto bad31 = load(spec31("components:\n  schemas:\n    P: {prefixItems: [7], $defs: {D: {type: x}}}\n"));
    EXPECT_FALSE(bad31->spec);
    EXPECT_EQ(bad31->diags.error_count(), 2u) << bad31->diags.to_string();
}

TEST(CodegenSpec, CallbacksAreParsedAndWarnedAboutAndStrictModeFailsOnThem) {
    const std::string text = spec30(R"(paths:
  /subscribe:
    post:
      responses: {'201': {description: ok}}
      callbacks:
        onEvent:
          '{$request.body#/url}':
            post:
              requestBody: {content: {application/json: {schema: {type: objekt}}}}
              responses: {'200': {description: ok}}
)");
    // The schema inside the callback is still checked: callbacks are parsed, just not generated.
    const auto checked = load(text);
    EXPECT_FALSE(checked->spec);
    EXPECT_EQ(find(checked->diags, "unknown schema type \"objekt\"").size(), 1u) << checked->diags.to_string();

    std::string fixed = text;
    fixed.replace(fixed.find("objekt"), 6, "object");
    const auto lenient = load(fixed);
    ASSERT_TRUE(lenient->spec) << lenient->diags.to_string();
    ASSERT_EQ(lenient->diags.warning_count(), 1u);
    const cg::diagnostic& w = lenient->diags.all()[0];
    EXPECT_EQ(w.level, cg::severity::warning);
    EXPECT_EQ(w.message, "callbacks are not generated");
    EXPECT_EQ(w.pointer, "/paths/~1subscribe/post/callbacks/onEvent");
    EXPECT_FALSE(lenient->diags.failed());
    EXPECT_NE(lenient->diags.to_string().find(": warning: callbacks are not generated"), std::string::npos);

    const auto strict = load(fixed, true);
    EXPECT_TRUE(strict->spec) << "a warning does not make the spec unusable...";
    EXPECT_TRUE(strict->diags.failed()) << "... but --strict fails the run";
    EXPECT_NE(strict->diags.to_string().find(": error: callbacks are not generated"), std::string::npos)
        << strict->diags.to_string();
}

TEST(CodegenSpec, SchemasSharedThroughRefsAndAliasesAreCheckedOnce) {
    const auto l = load(spec30(R"(paths:
  /a:
    get:
      responses:
        '200': &resp
          description: ok
          content: {application/json: {schema: {$ref: '#/components/schemas/Bad'}}}
        '201': *resp
  /b:
    get:
      responses: {'200': {$ref: '#/components/responses/R'}}
components:
  responses:
    R: {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Bad'}}}}
  schemas:
    Bad: {type: strin}
)"));
    EXPECT_FALSE(l->spec);
    EXPECT_EQ(l->diags.error_count(), 1u) << l->diags.to_string();
    EXPECT_EQ(l->diags.all()[0].pointer, "/components/schemas/Bad/type");
}

} // namespace

// ---- schema keyword values ----------------------------------------------------------------------

// One diagnostic whose message contains `needle`, at `pointer`, of `level`.
void expect_one(const cg::diagnostics& d, std::string_view needle, std::string_view pointer,
                cg::severity level = cg::severity::error) {
    const auto hits = find(d, needle);
    ASSERT_EQ(hits.size(), 1u) << needle << "\n" << d.to_string();
    EXPECT_EQ(hits[0].pointer, pointer) << needle;
    EXPECT_EQ(hits[0].level, level) << needle;
    EXPECT_NE(hits[0].line, 0u) << needle;
}

TEST(CodegenSpecKeywords, BrokenKeywordValuesAreLocatedErrors) {
    const auto l = load(spec30("paths: {}\n"
                               "components:\n"
                               "  schemas:\n"
                               "    H: {type: string, minLength: -1, maxLength: 'x', pattern: '(['}\n"
                               "    I: {type: integer, minimum: abc, multipleOf: 0}\n"
                               "    J: {enum: []}\n"
                               "    S: {nullable: 'yes'}\n"
                               "    V: {type: string, format: 7}\n"
                               "    W: {type: integer, enum: [a, 1.5, 2]}\n"
                               "    Y: {type: object, required: a}\n"
                               "    T: {type: strin}\n"
                               "    P: {discriminator: {propertyName: t, mapping: {a: Zzz}}, oneOf: [{type: object}]}\n"));
    EXPECT_FALSE(l->spec);
    expect_one(l->diags, "\"minLength\" must be a non-negative integer, not -1", "/components/schemas/H/minLength");
    expect_one(l->diags, "\"maxLength\" must be a non-negative integer", "/components/schemas/H/maxLength");
    expect_one(l->diags, "\"([\" is not a valid regular expression", "/components/schemas/H/pattern");
    expect_one(l->diags, "\"minimum\" must be a number", "/components/schemas/I/minimum");
    expect_one(l->diags, "\"multipleOf\" must be greater than 0", "/components/schemas/I/multipleOf");
    expect_one(l->diags, "\"enum\" must list at least one value", "/components/schemas/J/enum");
    expect_one(l->diags, "\"nullable\" must be true or false", "/components/schemas/S/nullable");
    expect_one(l->diags, "\"format\" must be a string", "/components/schemas/V/format");
    expect_one(l->diags, "enum value \"a\" does not match", "/components/schemas/W/enum/0");
    expect_one(l->diags, "enum value 1.5 does not match", "/components/schemas/W/enum/1");
    expect_one(l->diags, "\"required\" must be an array", "/components/schemas/Y/required");
    expect_one(l->diags, "unknown schema type \"strin\"", "/components/schemas/T/type");
    // A mapping entry that leads nowhere only disables its tag: a warning, not an error.
    expect_one(l->diags, "discriminator mapping \"a\" ignored: cannot resolve $ref \"#/components/schemas/Zzz\"",
               "/components/schemas/P/discriminator/mapping/a", cg::severity::warning);
    EXPECT_EQ(l->diags.error_count(), 12u) << l->diags.to_string();
}

TEST(CodegenSpecKeywords, ValidKeywordValuesPassWithoutDiagnostics) {
    const auto a = load(spec30("paths: {}\n"
                               "components:\n"
                               "  schemas:\n"
                               "    A:\n"
                               "      type: object\n"
                               "      required: [id]\n"
                               "      discriminator: {propertyName: id, mapping: {b: B, c: '#/components/schemas/B'}}\n"
                               "      properties:\n"
                               "        id: {type: string, pattern: '^\\p{L}[\\w-]*$', minLength: 1, maxLength: 10}\n"
                               "        n: {type: integer, format: int64, minimum: 0, exclusiveMinimum: true, "
                               "multipleOf: 2, enum: [2, 4.0], nullable: true, readOnly: true}\n"
                               "        f: {type: number, multipleOf: 0.5, maximum: 1e3, default: 1}\n"
                               "        s: {type: string, nullable: true, enum: [a, null], format: date-time}\n"
                               "        l: {type: array, items: {type: string}, minItems: 0, maxItems: 2.0, "
                               "uniqueItems: true}\n"
                               "    B: {type: object, xml: {name: b, wrapped: true}, externalDocs: {url: 'https://x'}}\n"));
    EXPECT_TRUE(a->spec) << a->diags.to_string();
    EXPECT_EQ(a->diags.all().size(), 0u) << a->diags.to_string();

    const auto b = load(spec31("components:\n"
                               "  schemas:\n"
                               "    A:\n"
                               "      type: [integer, 'null']\n"
                               "      enum: [1, null]\n"
                               "      exclusiveMinimum: 0\n"
                               "      exclusiveMaximum: 10.5\n"
                               "      examples: [1]\n"
                               "    O:\n"
                               "      type: object\n"
                               "      patternProperties: {'^x-[a-z]+$': true}\n"
                               "      dependentRequired: {a: [b]}\n"
                               "      $comment: fine\n"));
    EXPECT_TRUE(b->spec) << b->diags.to_string();
    EXPECT_EQ(b->diags.all().size(), 0u) << b->diags.to_string();
}

TEST(CodegenSpecKeywords, VersionSpecificKeywordForms) {
    // 3.0: exclusive* are booleans, items must exist for arrays, no tuple items.
    const auto a = load(spec30("paths: {}\n"
                               "components:\n"
                               "  schemas:\n"
                               "    A: {type: integer, exclusiveMinimum: 1}\n"
                               "    B: {type: array}\n"
                               "    C: {type: array, items: [{type: string}]}\n"));
    EXPECT_FALSE(a->spec);
    expect_one(a->diags, "in OpenAPI 3.0 \"exclusiveMinimum\" is a boolean", "/components/schemas/A/exclusiveMinimum");
    expect_one(a->diags, "\"type: array\" needs \"items\"", "/components/schemas/B/type");
    expect_one(a->diags, "the tuple form is not part of OpenAPI 3.0", "/components/schemas/C/items");

    // 3.1: exclusive* are numbers; arrays without items are fine; tuples are prefixItems.
    const auto b = load(spec31("components:\n"
                               "  schemas:\n"
                               "    A: {type: integer, minimum: 1, exclusiveMinimum: true}\n"
                               "    B: {type: array}\n"
                               "    C: {type: array, items: [{type: string}]}\n"
                               "    D: {type: object, patternProperties: {'a{2,1}': {}}}\n"));
    EXPECT_FALSE(b->spec);
    expect_one(b->diags, "in OpenAPI 3.1 \"exclusiveMinimum\" is the limit itself", "/components/schemas/A/exclusiveMinimum");
    expect_one(b->diags, "for a tuple use \"prefixItems\"", "/components/schemas/C/items");
    expect_one(b->diags, "patternProperties key \"a{2,1}\"", "/components/schemas/D/patternProperties/a{2,1}");
    EXPECT_EQ(b->diags.error_count(), 3u) << b->diags.to_string();
}

TEST(CodegenSpecKeywords, OddButLegalValuesAreWarnings) {
    const auto l = load(spec30("paths: {}\n"
                               "components:\n"
                               "  schemas:\n"
                               "    A: {type: string, minLength: 5, maxLength: 2, format: zip-code}\n"
                               "    B: {type: string, format: zip-code, enum: [a, b, a]}\n"
                               "    C: {type: integer, minimum: 3, maximum: 1}\n"));
    ASSERT_TRUE(l->spec) << l->diags.to_string();
    EXPECT_EQ(l->diags.error_count(), 0u);
    expect_one(l->diags, "is greater than \"maxLength: 2\"", "/components/schemas/A/minLength", cg::severity::warning);
    // An unknown format is reported once, at its first use.
    expect_one(l->diags, "unknown format \"zip-code\"", "/components/schemas/A/format", cg::severity::warning);
    expect_one(l->diags, "\"enum\" lists \"a\" twice", "/components/schemas/B/enum/2", cg::severity::warning);
    expect_one(l->diags, "no number can be valid", "/components/schemas/C/minimum", cg::severity::warning);
    EXPECT_EQ(l->diags.warning_count(), 4u) << l->diags.to_string();
}
