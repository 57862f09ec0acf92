// jsts_build: turns one draft of the JSON-Schema-Test-Suite into generated C++ validators.
//
//   jsts_build --corpus DIR/json-schema --draft draft4 --gen katana_gen --out DIR
//              --namespace jsts::draft4 --symbol suite_draft4 --unity N
//
// 1. Every group schema of <draft>/*.json and <draft>/optional/format/*.json becomes an entry of
//    components.schemas in one OpenAPI document (draft4 -> 3.0.3, draft2020-12 -> 3.1.0). The
//    root `definitions` / `$defs` are hoisted to entries of their own (OpenAPI 3.0 has no such
//    keyword) and every "#..." $ref is rewritten to point at the entries. A third entry,
//    <name>W = {type: object, required: [v], properties: {v: {$ref: <name>}}}, is what each
//    datum is parsed as ({"v": datum}): schemas that are no C++ type of their own (a
//    katana::json::value with a DOM validator, a constrained primitive) have no read_json of
//    their own to call, but are validated as a property like in any request body.
// 2. katana_gen generates C++ for it. A group the generator rejects (error) is removed and the
//    document generated again; a group it warns about is kept but not run. Both are reported as
//    skipped with the generator's own message. A group it crashes on is found by bisection and
//    counted as failed.
// 3. Writes <out>/cases.cpp (test data + one check function per group, calling the generated
//    read_json through check.hpp) and <out>/unity_<i>.cpp, which include the generated .cpp files
//    (a fixed set of outputs, whatever number of files the generator writes).
// Outputs are rewritten only when their contents change, so a rebuild without changes compiles
// nothing. Generator problems at generation time (rejections, crashes, hangs) never fail the
// build: they end up in the tables and the ctest reports them. Generated code that does not
// compile fails the build like any other code.
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

// ---------------------------------------------------------------------------------------------
// Small utilities

std::string read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Rewrites `p` only when its contents differ, so unchanged outputs keep their mtime.
bool write_if_changed(const fs::path& p, const std::string& text) {
    std::error_code ec;
    if (fs::exists(p, ec) && read_text(p) == text) return true;
    fs::create_directories(p.parent_path(), ec);
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << text;
    return static_cast<bool>(out);
}

// A C++ string literal for arbitrary bytes: printable ASCII stays, everything else becomes a
// three-digit octal escape (which, unlike \x, cannot swallow the digits that follow).
std::string cpp_literal(std::string_view s) {
    std::string out = "\"";
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += ch;
        } else if (c == '?') {
            out += "\\?"; // no trigraphs
        } else if (c >= 0x20 && c < 0x7f) {
            out += ch;
        } else {
            char buf[5];
            std::snprintf(buf, sizeof buf, "\\%03o", static_cast<unsigned>(c));
            out += buf;
        }
    }
    out += '"';
    return out;
}

std::string pascal_stem(std::string_view stem) {
    std::string out;
    bool upper = true;
    for (const char ch : stem) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) == 0) {
            upper = true;
            continue;
        }
        out += upper ? static_cast<char>(std::toupper(c)) : ch;
        upper = false;
    }
    if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0])) != 0) out.insert(0, "S");
    return out;
}

// JSON pointer segments (RFC 6901) and URI fragments (RFC 3986).
std::string pointer_escape(std::string_view seg) {
    std::string out;
    for (const char c : seg) {
        if (c == '~') out += "~0";
        else if (c == '/') out += "~1";
        else out += c;
    }
    return out;
}

std::string pointer_unescape(std::string_view seg) {
    std::string out;
    for (std::size_t i = 0; i < seg.size(); ++i) {
        if (seg[i] == '~' && i + 1 < seg.size() && (seg[i + 1] == '0' || seg[i + 1] == '1')) {
            out += seg[i + 1] == '0' ? '~' : '/';
            ++i;
        } else {
            out += seg[i];
        }
    }
    return out;
}

std::string percent_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) != 0 &&
            std::isxdigit(static_cast<unsigned char>(s[i + 2])) != 0) {
            out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

// Everything a URI fragment may not hold literally is percent-encoded ('%' included).
std::string fragment_encode(std::string_view s) {
    static constexpr std::string_view keep = "-._~!$&'()*+,;=:@/?";
    std::string out;
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) != 0 || keep.find(ch) != std::string_view::npos) {
            out += ch;
        } else {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned>(c));
            out += buf;
        }
    }
    return out;
}

std::vector<std::string> split_pointer(std::string_view ptr) {
    std::vector<std::string> segs;
    if (ptr.empty()) return segs;
    std::size_t pos = 1; // skip the leading '/'
    while (true) {
        const std::size_t next = ptr.find('/', pos);
        segs.push_back(pointer_unescape(ptr.substr(pos, next == std::string_view::npos ? next : next - pos)));
        if (next == std::string_view::npos) break;
        pos = next + 1;
    }
    return segs;
}

// ---------------------------------------------------------------------------------------------
// The suite as loaded

struct test_item {
    std::string description;
    std::string data; // JSON text
    bool valid = false;
    std::string skip; // converter-level reason not to run it ("" = run)
};

struct group_item {
    std::string file; // "draft4/allOf.json"
    std::string description;
    std::string component;                        // root components.schemas name
    std::string wrapper;                          // the object schema the datum is parsed as
    std::vector<std::pair<std::string, json>> schemas; // root, hoisted definitions, wrapper
    std::vector<test_item> tests;
    enum class state : std::uint8_t { run, skipped, failed } st = state::run;
    std::string reason;
};

// Tests whose expectation is a deliberate difference between katana (an OpenAPI generator) and
// the suite's default JSON Schema behaviour. Matched on file suffix, group and test description
// (substrings; empty matches anything).
struct test_skip_rule {
    std::string_view file_suffix;
    std::string_view group_part;
    std::string_view test_part;
    std::string_view reason;
};
constexpr test_skip_rule test_skip_rules[] = {
    {"/format.json", "", "only an annotation",
     "katana asserts `format` (OpenAPI validation, as with the format-assertion vocabulary on); "
     "the test expects format to be an annotation only"},
    {"draft4/enum.json", "enum-with-null", "null is valid",
     "draft4 runs as OpenAPI 3.0, where null is only valid with `nullable: true`, even when enum lists it"},
    {"draft2020-12/vocabulary.json", "no validation vocabulary", "but it still validates",
     "katana always applies the validation vocabulary of the OpenAPI dialect; custom meta-schemas "
     "($vocabulary) are not honoured"},
};

class converter {
public:
    explicit converter(std::string draft) : draft_(std::move(draft)) {
        container_ = draft_ == "draft4" ? "definitions" : "$defs";
        id_key_ = draft_ == "draft4" ? "id" : "$id";
    }

    // Rewrites one group schema; `name` is its component name. Returns a converter-level skip
    // reason when the schema cannot be expressed faithfully as components.
    std::string convert(const json& schema, const std::string& name, std::vector<std::pair<std::string, json>>& out) {
        name_ = name;
        hoisted_.clear();
        problem_.clear();
        json root = schema;
        std::vector<std::pair<std::string, json>> defs;
        if (root.is_object()) {
            if (auto it = root.find("$schema"); it != root.end() && it->is_string() &&
                                                 standard_metaschema(it->get<std::string>())) {
                root.erase(it); // implied by the document's dialect
            }
            if (auto it = root.find(container_); it != root.end() && it->is_object()) {
                std::size_t i = 0;
                for (auto& [key, value] : it->items()) {
                    const std::string def_name = name + "D" + std::to_string(i++);
                    hoisted_[key] = def_name;
                    defs.emplace_back(def_name, value);
                }
                root.erase(it);
            }
        }
        walk(root, true, false);
        // A hoisted definition with an id of its own is still an embedded resource of the group.
        for (auto& d : defs) walk(d.second, false, false);
        out.emplace_back(name, std::move(root));
        for (auto& d : defs) out.push_back(std::move(d));
        return problem_;
    }

private:
    [[nodiscard]] bool standard_metaschema(const std::string& uri) const {
        if (draft_ == "draft4") return uri.starts_with("http://json-schema.org/draft-04/schema");
        return uri == "https://json-schema.org/draft/2020-12/schema";
    }

    std::string rewrite(const std::string& ref) const {
        if (ref.empty() || ref[0] != '#') return ref; // remote/relative: left for the generator
        const std::string frag = percent_decode(std::string_view(ref).substr(1));
        if (frag.empty()) return "#/components/schemas/" + name_;
        if (frag[0] != '/') return ref; // plain-name anchor: left for the generator
        std::vector<std::string> segs = split_pointer(frag);
        std::string target = name_;
        std::size_t first = 0;
        if (segs.size() >= 2 && segs[0] == container_) {
            if (auto it = hoisted_.find(segs[1]); it != hoisted_.end()) {
                target = it->second;
                first = 2;
            }
        }
        std::string out = "#/components/schemas/" + target;
        for (std::size_t i = first; i < segs.size(); ++i) out += "/" + fragment_encode(pointer_escape(segs[i]));
        return out;
    }

    // Schema-aware walk: only keywords whose values are schemas are descended into, so data
    // (enum, const, default, examples) that happens to contain "$ref" is left alone.
    void walk(json& s, bool is_root, bool in_embedded) {
        if (!s.is_object()) return;
        if (!is_root) {
            // A fragment-only id ("#foo", draft4) names a location; it does not change the base.
            if (auto it = s.find(id_key_); it != s.end() && it->is_string() && !it->get<std::string>().starts_with("#")) {
                in_embedded = true;
            }
        }
        if (auto it = s.find("$ref"); it != s.end() && it->is_string()) {
            const std::string ref = it->get<std::string>();
            if (in_embedded && !ref.empty() && ref[0] == '#') {
                problem_ = "converter: a '#' $ref inside an embedded " + id_key_ +
                           " resource cannot be rewritten to a components pointer";
            } else {
                *it = rewrite(ref);
            }
        }
        static constexpr std::string_view one[] = {"additionalProperties", "additionalItems", "items", "not",
                                                   "contains", "propertyNames", "if", "then", "else",
                                                   "unevaluatedItems", "unevaluatedProperties", "contentSchema"};
        static constexpr std::string_view many[] = {"allOf", "anyOf", "oneOf", "prefixItems", "items"};
        static constexpr std::string_view named[] = {"properties", "patternProperties", "definitions", "$defs",
                                                     "dependentSchemas", "dependencies"};
        for (auto& [key, value] : s.items()) {
            const std::string_view k = key;
            if (std::find(std::begin(one), std::end(one), k) != std::end(one) && value.is_object()) {
                walk(value, false, in_embedded);
            }
            if (std::find(std::begin(many), std::end(many), k) != std::end(many) && value.is_array()) {
                for (auto& e : value) walk(e, false, in_embedded);
            }
            if (std::find(std::begin(named), std::end(named), k) != std::end(named) && value.is_object()) {
                for (auto& [sub_key, sub] : value.items()) {
                    (void)sub_key;
                    walk(sub, false, in_embedded);
                }
            }
        }
    }

    std::string draft_;
    std::string container_;
    std::string id_key_;
    std::string name_;
    std::map<std::string, std::string> hoisted_;
    std::string problem_;
};

// ---------------------------------------------------------------------------------------------
// Running katana_gen

struct process_result {
    bool started = false;
    bool timed_out = false;
    int exit_code = -1; // when it exited normally
    int signal = 0;     // when a signal ended it
    [[nodiscard]] bool crashed() const { return timed_out || signal != 0 || (exit_code != 0 && exit_code != 1); }
    [[nodiscard]] std::string describe() const {
        if (!started) return "could not start katana_gen";
        if (timed_out) return "katana_gen timed out";
        if (signal != 0) return "katana_gen killed by signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
        return "katana_gen exit code " + std::to_string(exit_code);
    }
};

process_result run(const std::vector<std::string>& argv, const fs::path& out_file, const fs::path& err_file,
                   std::chrono::seconds limit) {
    process_result r;
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const pid_t pid = fork();
    if (pid < 0) return r;
    if (pid == 0) {
        const int o = open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        const int e = open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (o >= 0) dup2(o, 1);
        if (e >= 0) dup2(e, 2);
        execv(args[0], args.data());
        _exit(127);
    }
    r.started = true;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    int status = 0;
    while (true) {
        const pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) break;
        if (w < 0 && errno != EINTR) return r;
        if (std::chrono::steady_clock::now() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            r.timed_out = true;
            return r;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
    if (r.exit_code == 127) r.started = false;
    return r;
}

struct diag {
    bool error = false;
    std::uint32_t line = 0;
    std::string message;
    std::string pointer;
    std::string text; // the whole line
};

// Lines "file:line:col: error|warning: message [pointer]" (line/col absent when unknown).
std::vector<diag> parse_diagnostics(const std::string& text) {
    std::vector<diag> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        diag d;
        std::size_t pos = line.find(": error: ");
        std::size_t len = 9;
        d.error = true;
        const std::size_t wpos = line.find(": warning: ");
        if (wpos != std::string::npos && (pos == std::string::npos || wpos < pos)) {
            pos = wpos;
            len = 11;
            d.error = false;
        }
        if (pos == std::string::npos) continue;
        // "file:line:col" -> the line is the next-to-last ':' field.
        const std::string loc = line.substr(0, pos);
        const std::size_t c2 = loc.rfind(':');
        if (c2 != std::string::npos && c2 > 0) {
            const std::size_t c1 = loc.rfind(':', c2 - 1);
            if (c1 != std::string::npos) d.line = static_cast<std::uint32_t>(std::strtoul(loc.c_str() + c1 + 1, nullptr, 10));
        }
        d.message = line.substr(pos + len);
        if (!d.message.empty() && d.message.back() == ']') {
            const std::size_t open = d.message.rfind(" [");
            if (open != std::string::npos && d.message.compare(open + 2, 1, "/") == 0) {
                d.pointer = d.message.substr(open + 2, d.message.size() - open - 3);
                d.message.resize(open);
            }
        }
        d.text = line;
        out.push_back(std::move(d));
    }
    return out;
}

struct options {
    fs::path corpus;
    std::string draft;
    fs::path gen;
    fs::path out;
    std::string cpp_namespace;
    std::string symbol;
    int unity = 2;
};

class builder {
public:
    explicit builder(options o) : opt_(std::move(o)), conv_(opt_.draft) {}

    int main() {
        const fs::path dir = opt_.corpus / opt_.draft;
        std::error_code ec;
        if (!fs::is_directory(dir, ec)) {
            std::cout << "jsts_build: " << dir.string() << " is missing; the suite will report SKIP\n";
            write_outputs(false, "");
            return 0;
        }
        load(dir);
        const std::string fatal = generate();
        write_outputs(true, fatal);
        std::size_t run_n = 0;
        std::size_t skip_n = 0;
        std::size_t fail_n = 0;
        for (const auto& g : groups_) {
            if (!fatal.empty()) {
                ++fail_n; // nothing was generated: every group fails with the fatal reason
                continue;
            }
            run_n += g.st == group_item::state::run ? 1 : 0;
            skip_n += g.st == group_item::state::skipped ? 1 : 0;
            fail_n += g.st == group_item::state::failed ? 1 : 0;
        }
        std::cout << "jsts_build " << opt_.draft << ": " << groups_.size() << " groups: " << run_n << " generated, "
                  << skip_n << " skipped, " << fail_n << " failed" << (fatal.empty() ? "" : " -- FATAL: " + fatal)
                  << "\n";
        return 0;
    }

private:
    void load(const fs::path& dir) {
        std::vector<fs::path> files;
        for (const auto& e : fs::directory_iterator(dir)) {
            if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
        }
        std::sort(files.begin(), files.end());
        std::vector<fs::path> formats;
        std::error_code ec;
        if (fs::is_directory(dir / "optional" / "format", ec)) {
            for (const auto& e : fs::directory_iterator(dir / "optional" / "format")) {
                if (e.is_regular_file() && e.path().extension() == ".json") formats.push_back(e.path());
            }
        }
        std::sort(formats.begin(), formats.end());
        for (const auto& f : files) load_file(f, opt_.draft + "/" + f.filename().string(), pascal_stem(f.stem().string()));
        for (const auto& f : formats) {
            load_file(f, opt_.draft + "/optional/format/" + f.filename().string(), "Fmt" + pascal_stem(f.stem().string()));
        }
    }

    void load_file(const fs::path& path, const std::string& display, const std::string& stem) {
        json doc = json::parse(read_text(path), nullptr, false);
        if (!doc.is_array()) {
            std::cerr << "jsts_build: " << path.string() << ": not a JSON array of groups\n";
            return;
        }
        std::size_t gi = 0;
        for (const auto& g : doc) {
            group_item item;
            item.file = display;
            item.description = g.value("description", "");
            item.component = stem + "G" + std::to_string(gi++);
            const std::string problem = conv_.convert(g.at("schema"), item.component, item.schemas);
            // Each datum is parsed as the property `v` of an object whose schema refers to the
            // group schema: a schema that is no C++ type of its own (katana::json::value with a
            // DOM validator, a constrained primitive) is still validated, exactly as when a
            // request body property refers to it.
            item.wrapper = item.component + "W";
            item.schemas.emplace_back(item.wrapper,
                                      json{{"type", "object"},
                                           {"required", json::array({"v"})},
                                           {"properties", {{"v", {{"$ref", "#/components/schemas/" + item.component}}}}}});
            if (!problem.empty()) {
                item.st = group_item::state::skipped;
                item.reason = problem;
            }
            for (const auto& t : g.at("tests")) {
                test_item ti;
                ti.description = t.value("description", "");
                ti.data = "{\"v\":" + t.at("data").dump() + "}";
                ti.valid = t.at("valid").get<bool>();
                for (const auto& rule : test_skip_rules) {
                    if (display.ends_with(rule.file_suffix) && item.description.find(rule.group_part) != std::string::npos &&
                        ti.description.find(rule.test_part) != std::string::npos) {
                        ti.skip = rule.reason;
                    }
                }
                item.tests.push_back(std::move(ti));
            }
            for (const auto& s : item.schemas) owner_[s.first] = groups_.size();
            groups_.push_back(std::move(item));
        }
    }

    // Writes the document holding the given groups; remembers on which line each entry starts so
    // diagnostics without a pointer can still be attributed.
    std::string write_spec(const std::vector<std::size_t>& members, const fs::path& path) {
        json doc;
        const bool v30 = opt_.draft == "draft4";
        doc["openapi"] = v30 ? "3.0.3" : "3.1.0";
        doc["info"] = {{"title", "JSON-Schema-Test-Suite " + opt_.draft}, {"version", "1"}};
        doc["paths"] = json::object();
        json schemas = json::object();
        for (const std::size_t gi : members) {
            for (const auto& [name, schema] : groups_[gi].schemas) schemas[name] = schema;
        }
        doc["components"] = {{"schemas", schemas}};
        std::string text = doc.dump(2);
        text += '\n';
        line_owner_.clear();
        std::uint32_t line_no = 1;
        std::size_t start = 0;
        while (start < text.size()) {
            const std::size_t end = text.find('\n', start);
            const std::string_view l(text.data() + start, end - start);
            // Entries of components.schemas sit at indentation 6: `      "Name": ...`
            if (l.size() > 7 && l.substr(0, 7) == "      \"") {
                const std::size_t q = l.find("\": ", 7);
                if (q != std::string_view::npos) {
                    const std::string key(l.substr(7, q - 7));
                    if (auto it = owner_.find(key); it != owner_.end()) line_owner_.emplace_back(line_no, it->second);
                }
            }
            ++line_no;
            start = end + 1;
        }
        write_if_changed(path, text);
        return text;
    }

    std::optional<std::size_t> group_of(const diag& d) const {
        static constexpr std::string_view prefix = "/components/schemas/";
        if (d.pointer.starts_with(prefix)) {
            const std::string_view rest = std::string_view(d.pointer).substr(prefix.size());
            const std::string name = pointer_unescape(rest.substr(0, rest.find('/')));
            if (auto it = owner_.find(name); it != owner_.end()) return it->second;
        }
        if (d.line != 0) {
            std::optional<std::size_t> found;
            for (const auto& [line, gi] : line_owner_) {
                if (line > d.line) break;
                found = gi;
            }
            return found;
        }
        return std::nullopt;
    }

    process_result run_gen(const fs::path& spec, const fs::path& out_dir, std::string& err_text) {
        const fs::path out_log = opt_.out / "katana_gen.stdout";
        const fs::path err_log = opt_.out / "katana_gen.stderr";
        process_result r = run({opt_.gen.string(), spec.string(), "-o", out_dir.string(), "--namespace", opt_.cpp_namespace},
                               out_log, err_log, std::chrono::seconds(300));
        err_text = read_text(err_log);
        return r;
    }

    // Groups among `members` on which katana_gen crashes when given alone or together.
    void bisect_crashes(std::vector<std::size_t> members, std::vector<std::pair<std::size_t, std::string>>& found) {
        const fs::path spec = opt_.out / "bisect" / "openapi.json";
        write_spec(members, spec);
        std::string err;
        const process_result r = run_gen(spec, opt_.out / "bisect" / "gen", err);
        if (!r.crashed()) return;
        if (members.size() == 1) {
            found.emplace_back(members[0], r.describe());
            return;
        }
        const std::size_t half = members.size() / 2;
        const std::vector<std::size_t> a(members.begin(), members.begin() + static_cast<std::ptrdiff_t>(half));
        const std::vector<std::size_t> b(members.begin() + static_cast<std::ptrdiff_t>(half), members.end());
        const std::size_t before = found.size();
        bisect_crashes(a, found);
        bisect_crashes(b, found);
        if (found.size() == before) {
            // Only the combination crashes: blame the whole set rather than loop forever.
            for (const std::size_t gi : members) found.emplace_back(gi, r.describe() + " (only in combination)");
        }
    }

    // Returns "" on success, else why generation failed as a whole.
    std::string generate() {
        const fs::path spec = opt_.out / "openapi.json";
        for (int round = 0; round < 12; ++round) {
            std::vector<std::size_t> members;
            for (std::size_t i = 0; i < groups_.size(); ++i) {
                // Groups the converter gave up on are never sent to the generator.
                if (!rejected_.contains(i) && !crashed_.contains(i) && !groups_[i].reason.starts_with("converter:")) {
                    members.push_back(i);
                }
            }
            write_spec(members, spec);
            std::string err;
            const process_result r = run_gen(spec, opt_.out / "gen", err);
            if (!r.started) return r.describe() + " (" + opt_.gen.string() + ")";
            if (r.crashed()) {
                std::vector<std::pair<std::size_t, std::string>> found;
                bisect_crashes(members, found);
                if (found.empty()) return r.describe() + " on the whole document, but on no part of it";
                for (const auto& [gi, why] : found) {
                    crashed_.insert(gi);
                    groups_[gi].st = group_item::state::failed;
                    groups_[gi].reason = why;
                }
                continue;
            }
            const std::vector<diag> diags = parse_diagnostics(err);
            bool progress = false;
            std::string unattributed;
            std::map<std::size_t, std::string> warned;
            for (const diag& d : diags) {
                const std::optional<std::size_t> gi = group_of(d);
                if (!gi) {
                    if (d.error && unattributed.empty()) unattributed = d.text;
                    continue;
                }
                auto& g = groups_[*gi];
                if (d.error) {
                    if (!rejected_.contains(*gi)) {
                        rejected_.insert(*gi);
                        progress = true;
                        g.st = group_item::state::skipped;
                        g.reason = "generator error: " + d.message + (d.pointer.empty() ? "" : " [" + d.pointer + "]");
                    }
                } else if (!warned.contains(*gi)) {
                    warned[*gi] = "generator warning: " + d.message + (d.pointer.empty() ? "" : " [" + d.pointer + "]");
                }
            }
            if (r.exit_code == 0) {
                for (const auto& [gi, why] : warned) {
                    if (groups_[gi].st == group_item::state::run) {
                        groups_[gi].st = group_item::state::skipped;
                        groups_[gi].reason = why;
                    }
                }
                return "";
            }
            if (!progress) {
                std::string why = "katana_gen failed without a diagnostic that names a schema";
                if (!unattributed.empty()) why += ": " + unattributed;
                else if (!err.empty()) why += ": " + err.substr(0, err.find('\n'));
                return why;
            }
        }
        return "katana_gen still failing after 12 rounds of removing rejected schemas";
    }

    void write_outputs(bool corpus_present, const std::string& fatal) {
        // The generated sources, in a fixed number of unity files.
        std::vector<fs::path> sources;
        std::vector<fs::path> headers;
        const fs::path gen = opt_.out / "gen";
        std::error_code ec;
        if (corpus_present && fatal.empty() && fs::is_directory(gen, ec)) {
            for (const auto& e : fs::recursive_directory_iterator(gen)) {
                if (!e.is_regular_file()) continue;
                if (e.path().extension() == ".cpp") sources.push_back(e.path());
                if (e.path().extension() == ".hpp") headers.push_back(e.path());
            }
        }
        std::sort(sources.begin(), sources.end());
        std::sort(headers.begin(), headers.end());
        // The build tool only sees these outputs change: when katana_gen rewrote a generated
        // file but the list of files stayed the same, an unchanged unity file would keep its
        // mtime and the objects that #include the generated code would not be rebuilt in this
        // run. A fingerprint of the generated files' contents in every output prevents that.
        const std::string stamp = "// generated code fingerprint " + fingerprint(sources, headers) + "\n";
        for (int i = 0; i < opt_.unity; ++i) {
            std::string text = "// Generated by jsts_build. Do not edit.\n" + stamp;
            for (std::size_t k = static_cast<std::size_t>(i); k < sources.size(); k += static_cast<std::size_t>(opt_.unity)) {
                text += "#include " + cpp_literal(sources[k].string()) + "\n";
            }
            write_if_changed(opt_.out / ("unity_" + std::to_string(i) + ".cpp"), text);
        }

        // A group is only run when the generated headers declare its type: a naming mismatch
        // becomes a reported failure instead of a build break.
        std::string declarations;
        for (const auto& h : headers) declarations += read_text(h);
        for (auto& g : groups_) {
            if (g.st != group_item::state::run || !fatal.empty()) continue;
            if (!declares(declarations, g.wrapper)) {
                g.st = group_item::state::failed;
                g.reason = "the generated headers declare no type named " + g.wrapper;
            }
        }

        std::ostringstream o;
        o << "// Generated by jsts_build from the JSON-Schema-Test-Suite (" << opt_.draft << "). Do not edit.\n" << stamp;
        o << "#include \"check.hpp\"\n#include \"suite.hpp\"\n\n";
        if (fatal.empty()) {
            for (const auto& h : headers) {
                // Only the model declarations are needed; other headers (server, router) compile
                // through the unity files.
                if (h.filename().string().starts_with("models")) o << "#include " << cpp_literal(h.string()) << "\n";
            }
        }
        o << "\nnamespace {\n\n";
        for (std::size_t i = 0; i < groups_.size(); ++i) {
            if (groups_[i].st != group_item::state::run || !fatal.empty()) continue;
            o << "jsts::verdict check_" << i << "(std::string_view json) { return jsts::check<" << opt_.cpp_namespace
              << "::" << groups_[i].wrapper << ">(json); }\n";
        }
        o << "\nconst jsts::group groups[] = {\n";
        for (std::size_t i = 0; i < groups_.size(); ++i) {
            const auto& g = groups_[i];
            const bool runs = g.st == group_item::state::run && fatal.empty();
            const char* st = g.st == group_item::state::skipped ? "skipped"
                             : (g.st == group_item::state::failed || !fatal.empty()) ? "failed"
                                                                                     : "run";
            o << "    {" << cpp_literal(g.file) << ", " << cpp_literal(g.description) << ", " << cpp_literal(g.component)
              << ", " << (runs ? "&check_" + std::to_string(i) : std::string("nullptr")) << ", jsts::group_state::" << st
              << ", " << cpp_literal(g.st == group_item::state::run && !fatal.empty() ? fatal : g.reason) << "},\n";
        }
        if (groups_.empty()) o << "    {\"\", \"\", \"\", nullptr, jsts::group_state::skipped, \"\"},\n";
        o << "};\n\nconst jsts::test_case tests[] = {\n";
        std::size_t count = 0;
        for (std::size_t i = 0; i < groups_.size(); ++i) {
            for (const auto& t : groups_[i].tests) {
                o << "    {" << i << ", " << cpp_literal(t.description) << ", std::string_view(" << cpp_literal(t.data)
                  << ", " << t.data.size() << "), " << (t.valid ? "true" : "false") << ", "
                  << (t.skip.empty() ? std::string("nullptr") : cpp_literal(t.skip)) << "},\n";
                ++count;
            }
        }
        if (count == 0) o << "    {0, \"\", {}, true, \"\"},\n";
        o << "};\n\n} // namespace\n\n";
        o << "extern const jsts::suite " << opt_.symbol << ";\n";
        o << "const jsts::suite " << opt_.symbol << " = {" << cpp_literal(opt_.draft) << ", "
          << (corpus_present ? "true" : "false") << ", " << (fatal.empty() ? std::string("nullptr") : cpp_literal(fatal))
          << ", std::span<const jsts::group>(groups, " << groups_.size() << "), std::span<const jsts::test_case>(tests, "
          << count << ")};\n";
        write_if_changed(opt_.out / "cases.cpp", o.str());
    }

    // FNV-1a (64 bit) over the names and contents of the generated files, as hex.
    static std::string fingerprint(const std::vector<fs::path>& sources, const std::vector<fs::path>& headers) {
        std::uint64_t h = 14695981039346656037ull;
        auto mix = [&h](std::string_view bytes) {
            for (const char c : bytes) {
                h ^= static_cast<unsigned char>(c);
                h *= 1099511628211ull;
            }
            h ^= 0xff; // separates consecutive items
            h *= 1099511628211ull;
        };
        for (const auto* list : {&sources, &headers}) {
            for (const auto& p : *list) {
                mix(p.string());
                mix(read_text(p));
            }
        }
        char buf[17];
        std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
        return buf;
    }

    static bool declares(const std::string& text, const std::string& name) {
        for (const std::string_view kw : {"struct ", "class ", "using ", "enum class ", "enum "}) {
            const std::string needle = std::string(kw) + name;
            std::size_t pos = 0;
            while ((pos = text.find(needle, pos)) != std::string::npos) {
                const std::size_t after = pos + needle.size();
                const bool word_start = pos == 0 || (std::isalnum(static_cast<unsigned char>(text[pos - 1])) == 0 && text[pos - 1] != '_');
                const bool word_end = after >= text.size() ||
                                      (std::isalnum(static_cast<unsigned char>(text[after])) == 0 && text[after] != '_');
                if (word_start && word_end) return true;
                pos = after;
            }
        }
        return false;
    }

    options opt_;
    converter conv_;
    std::vector<group_item> groups_;
    std::map<std::string, std::size_t> owner_;                    // component name -> group
    std::vector<std::pair<std::uint32_t, std::size_t>> line_owner_; // first line of an entry -> group
    std::set<std::size_t> rejected_;
    std::set<std::size_t> crashed_;
};

} // namespace

int main(int argc, char** argv) {
    options opt;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string_view k = argv[i];
        const char* v = argv[i + 1];
        if (k == "--corpus") opt.corpus = v;
        else if (k == "--draft") opt.draft = v;
        else if (k == "--gen") opt.gen = v;
        else if (k == "--out") opt.out = v;
        else if (k == "--namespace") opt.cpp_namespace = v;
        else if (k == "--symbol") opt.symbol = v;
        else if (k == "--unity") opt.unity = std::max(1, std::atoi(v));
        else {
            std::cerr << "jsts_build: unknown option " << k << "\n";
            return 2;
        }
    }
    if (opt.draft.empty() || opt.gen.empty() || opt.out.empty() || opt.cpp_namespace.empty() || opt.symbol.empty()) {
        std::cerr << "usage: jsts_build --corpus DIR --draft NAME --gen KATANA_GEN --out DIR --namespace NS "
                     "--symbol NAME [--unity N]\n";
        return 2;
    }
    std::error_code ec;
    fs::create_directories(opt.out, ec);
    return builder(std::move(opt)).main();
}
