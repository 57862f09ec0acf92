#pragma once
// The tables jsts_build writes for one JSON-Schema-Test-Suite draft (<id>/cases.cpp) and the
// runner reads. Every string points into static storage of the generated file.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace jsts {

// What the generated validator said about one datum.
struct verdict {
    enum class kind : std::uint8_t { valid, invalid, malformed };
    kind result = kind::malformed;
    std::string detail; // first validation error ("pointer: detail") or the syntax error
};

// Parses `json` with the generated read_json of one schema's C++ type.
using check_fn = verdict (*)(std::string_view json);

enum class group_state : std::uint8_t {
    run,     // generated and compiled: every test is run
    skipped, // the generator rejected or warned about the schema (reason = its diagnostic)
    failed,  // the generator crashed on it, or produced no type for it: counts as failures
};

struct group {
    const char* file;        // "draft4/allOf.json", "draft4/optional/format/email.json"
    const char* description; // the suite's group description
    const char* component;   // components.schemas name in the generated OpenAPI document
    check_fn check;          // nullptr unless state == run
    group_state state;
    const char* reason; // why skipped / failed; "" when run
};

struct test_case {
    std::uint32_t group; // index into suite::groups
    const char* description;
    std::string_view data; // the datum as JSON text
    bool valid;            // the suite's expectation
    const char* skip;      // non-null: a documented reason not to run this one test
};

struct suite {
    const char* id;            // "draft4", "draft2020-12"
    bool corpus_present;       // false: the corpus folder was missing at build time
    const char* fatal;         // non-null: generation failed as a whole (every test fails)
    std::span<const group> groups;
    std::span<const test_case> tests;
};

} // namespace jsts
