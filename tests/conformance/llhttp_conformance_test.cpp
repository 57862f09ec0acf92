// Runs llhttp's request test vectors (../shared/corpus/http/request/*.md) through
// katana::http::request_parser and compares accept/reject and the parsed fields with llhttp's
// expected event log. Lenient-only vectors must be rejected by our strict parser.
//
// How llhttp's log maps onto our API:
//  * `error code=22` (pause on CONNECT/Upgrade) is not a rejection: the messages before it must
//    parse, and after a CONNECT or a `Connection: upgrade` + `Upgrade` request the rest is tunnel
//    data, so the harness stops there;
//  * `error code=5` (data after `Connection: close`) is a rejection the server makes, not the
//    parser: after a request with keep_alive == false, any further non-CRLF byte counts as
//    rejected;
//  * a log that ends inside a message (no `message complete`, no error) expects `incomplete`;
//    `finish=N` vectors expect a clean end (0) or an unfinished request (non-zero);
//  * header values are compared with llhttp's trailing whitespace removed (we trim OWS);
//  * vectors with a `pause` or `noScan` flag are run like the others: both only change how
//    llhttp delivers callbacks, and the `pause` lines in their logs are ignored.
//
// Every vector is fed four ways (whole, byte by byte with the buffer moved between calls, in
// halves, in thirds with moves); a vector agrees only if all four agree with the log.
#include <katana/http/parser.hpp>

#include "support/paths.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;
using namespace katana::http;

// Vectors whose expected result is a deliberate difference between llhttp and our RFC-strict
// parser, or that test an llhttp API with no equivalent here. Key: file name + heading.
struct skip_rule {
    const char* file;
    const char* heading;
    const char* reason;
};
constexpr skip_rule skip_table[] = {
    {"invalid.md", "HTTP protocol and ANNOUNCE method",
     "method-list: llhttp ties ANNOUNCE to RTSP; any token is a valid method for us (RFC 9110 §9.1)"},
    {"invalid.md", "Invalid method",
     "method-list: llhttp only knows a fixed method list; MKCOLA is a valid extension token for us"},
    {"method.md", "SOURCE request with ICE", "other-protocol: ICE/1.0 is not HTTP/1.x"},
    {"method.md", "OPTIONS request with RTSP", "other-protocol: RTSP/1.0 is not HTTP/1.x"},
    {"method.md", "ANNOUNCE request with RTSP", "other-protocol: RTSP/1.0 is not HTTP/1.x"},
    {"method.md", "PRI request HTTP2",
     "h2-preface: llhttp pauses on the HTTP/2 preface; we parse PRI * HTTP/1.1 as a request and leave h2 to the server"},
    {"sample.md", "No HTTP version", "http/0.9: a request line without version is rejected (HTTP/1.0 and 1.1 only)"},
    {"transfer-encoding.md", "POST with `chunked` as last transfer-encoding",
     "unimplemented-coding: we implement only chunked and answer 501 to deflate (RFC 9112 §6.1)"},
    {"transfer-encoding.md", "POST with `chunked` as last transfer-encoding (multiple headers)",
     "unimplemented-coding: we implement only chunked and answer 501 to deflate (RFC 9112 §6.1)"},
};

struct md_case {
    std::string file;
    std::string heading;
    std::string type;
    bool skip_body = false;
    std::string input; // raw block text, not yet normalised
    std::vector<std::string> log;
};

std::string strip_heading(const std::string& line) {
    std::size_t p = line.find_first_not_of('#');
    while (p < line.size() && line[p] == ' ') ++p;
    std::string h = line.substr(p);
    while (!h.empty() && (h.back() == ' ' || h.back() == '\r')) h.pop_back();
    return h;
}

std::string meta_type(const std::string& line) {
    const std::size_t key = line.find("\"type\"");
    if (key == std::string::npos) return {};
    const std::size_t open = line.find('"', line.find(':', key) + 1);
    const std::size_t close = line.find('"', open + 1);
    return line.substr(open + 1, close - open - 1);
}

std::vector<md_case> read_cases(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<md_case> cases;
    std::string line, heading, type;
    bool skip_body = false;
    enum { prose, in_http, in_log } mode = prose;
    md_case current;
    bool have_input = false;
    while (std::getline(in, line)) {
        if (mode == in_http || mode == in_log) {
            if (line.rfind("```", 0) == 0) {
                if (mode == in_log) {
                    current.file = path.filename().string();
                    current.heading = heading;
                    current.type = type;
                    current.skip_body = skip_body;
                    cases.push_back(std::move(current));
                    current = md_case{};
                    have_input = false;
                    type.clear();
                    skip_body = false;
                } else {
                    have_input = true;
                }
                mode = prose;
            } else if (mode == in_http) {
                current.input += line;
                current.input += '\n';
            } else {
                current.log.push_back(line);
            }
            continue;
        }
        if (line.rfind("#", 0) == 0) {
            heading = strip_heading(line);
        } else if (line.find("<!-- meta=") != std::string::npos) {
            type = meta_type(line);
            skip_body = line.find("\"skipBody\": true") != std::string::npos;
        } else if (line.rfind("```http", 0) == 0) {
            current.input.clear();
            mode = in_http;
        } else if (line.rfind("```log", 0) == 0 && have_input) {
            mode = in_log;
        }
    }
    return cases;
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// llhttp's test-runner normalisation (SOURCES.md, section http/).
std::string normalize_input(std::string s) {
    if (!s.empty() && s.back() == '\n') s.pop_back();
    std::string joined;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == '\n') {
            ++i;
            continue;
        }
        joined += s[i];
    }
    std::string crlf;
    for (char c : joined) {
        if (c == '\n') crlf += "\r\n";
        else crlf += c;
    }
    std::string out;
    for (std::size_t i = 0; i < crlf.size(); ++i) {
        const char c = crlf[i];
        if (c != '\\' || i + 1 >= crlf.size()) {
            out += c;
            continue;
        }
        const char e = crlf[i + 1];
        if (e == 'r' || e == 'n' || e == 't' || e == 'f') {
            out += e == 'r' ? '\r' : e == 'n' ? '\n' : e == 't' ? '\t' : '\f';
            ++i;
        } else if (e == 'x' && i + 2 < crlf.size() && hex_digit(crlf[i + 2]) >= 0) {
            int v = hex_digit(crlf[i + 2]);
            std::size_t used = 2;
            if (i + 3 < crlf.size() && hex_digit(crlf[i + 3]) >= 0) {
                v = v * 16 + hex_digit(crlf[i + 3]);
                used = 3;
            }
            out += static_cast<char>(v);
            i += used;
        } else if (e >= '0' && e <= '7') {
            int v = 0;
            std::size_t n = 0;
            while (n < 3 && i + 1 + n < crlf.size() && crlf[i + 1 + n] >= '0' && crlf[i + 1 + n] <= '7') {
                v = v * 8 + (crlf[i + 1 + n] - '0');
                ++n;
            }
            out += static_cast<char>(v);
            i += n;
        } else {
            out += c;
        }
    }
    return out;
}

std::string unescape_log(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == 't' || s[i + 1] == 'f')) {
            out += s[i + 1] == 't' ? '\t' : '\f';
            ++i;
        } else {
            out += s[i];
        }
    }
    return out;
}

using field_list = std::vector<std::pair<std::string, std::string>>;

struct message {
    std::string method, url, body;
    field_list headers, trailers;
    int version_minor = -1;
    bool head_done = false;
    bool complete = false;
};

struct expectation {
    std::vector<message> messages;
    std::optional<int> error_code;
    std::optional<int> finish;
};

expectation parse_log(const std::vector<std::string>& log) {
    expectation e;
    std::string last_kind;
    for (const std::string& raw : log) {
        std::string line = raw;
        if (line.rfind("off=", 0) == 0) line = line.substr(line.find(' ') + 1);
        if (line.rfind("message begin", 0) == 0) {
            e.messages.emplace_back();
            last_kind.clear();
        } else if (line.rfind("len=", 0) == 0 && !e.messages.empty()) {
            const std::size_t k0 = line.find("span[") + 5;
            const std::size_t k1 = line.find(']', k0);
            const std::string kind = line.substr(k0, k1 - k0);
            const std::string rest = line.substr(k1 + 2);
            std::string value;
            if (rest == "cr") value = "\r";
            else if (rest == "lf") value = "\n";
            else value = unescape_log(rest.substr(1, rest.rfind('"') - 1));
            message& m = e.messages.back();
            field_list& fields = m.head_done ? m.trailers : m.headers;
            if (kind == "method") m.method += value;
            else if (kind == "url") m.url += value;
            else if (kind == "body") m.body += value;
            else if (kind == "header_field") {
                if (last_kind != "header_field" || fields.empty()) fields.emplace_back();
                fields.back().first += value;
            } else if (kind == "header_value" && !fields.empty()) {
                fields.back().second += value;
            }
            last_kind = kind;
        } else if (line.rfind("headers complete", 0) == 0 && !e.messages.empty()) {
            e.messages.back().head_done = true;
            const std::size_t v = line.find(" v=");
            if (v != std::string::npos) e.messages.back().version_minor = line[v + 5] - '0';
            last_kind.clear();
        } else if (line.rfind("message complete", 0) == 0 && !e.messages.empty()) {
            e.messages.back().complete = true;
        } else if (line.rfind("error code=", 0) == 0) {
            e.error_code = std::stoi(line.substr(11));
        } else if (line.find("finish=") != std::string::npos) {
            e.finish = std::stoi(line.substr(line.find("finish=") + 7));
        } else if (line.rfind("header_field complete", 0) == 0 || line.rfind("header_value complete", 0) == 0) {
            last_kind = line.substr(0, line.find(' '));
        }
    }
    return e;
}

enum class ending { clean, pending, rejected, tunnel, data_after_close };

const char* to_string(ending e) {
    switch (e) {
    case ending::clean: return "clean end";
    case ending::pending: return "incomplete";
    case ending::rejected: return "rejected";
    case ending::tunnel: return "upgrade/CONNECT tunnel";
    case ending::data_after_close: return "data after a non-keep-alive request";
    }
    return "?";
}

struct outcome {
    std::vector<message> messages;
    ending end = ending::clean;
    status_code status = 0;
    std::string detail;
};

bool only_crlf(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n'; });
}

bool has_token(std::string_view list, std::string_view token) {
    while (!list.empty()) {
        const std::size_t comma = list.find(',');
        std::string_view item = list.substr(0, comma);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
        if (iequals(item, token)) return true;
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return false;
}

message snapshot(const request& r, bool complete) {
    message m;
    m.method = std::string(r.method_token);
    m.url = std::string(r.target);
    m.version_minor = r.version_minor;
    for (const header& h : r.headers) m.headers.emplace_back(std::string(h.name), std::string(h.value));
    if (complete) {
        for (const header& h : r.trailers) m.trailers.emplace_back(std::string(h.name), std::string(h.value));
        m.body = std::string(r.body);
    }
    m.head_done = true;
    m.complete = complete;
    return m;
}

// Simulates a connection: `cuts` are the cumulative byte counts delivered by each read. After
// each complete request its bytes are erased from the front of the buffer (as a server compacts
// its input), and with `move` the buffer is reallocated before every parse call.
outcome run(const std::string& input, const std::vector<std::size_t>& cuts, bool move) {
    outcome o;
    std::string buf;
    std::size_t fed = 0;
    request_parser parser;
    std::vector<header> storage(parser.limits().max_header_count);
    request req;
    // The parser fills the head into `req` on the call where headers_complete() turns true.
    std::optional<message> head_snapshot;
    for (const std::size_t cut : cuts) {
        buf.append(input, fed, cut - fed);
        fed = cut;
        for (;;) {
            if (move) {
                std::string moved(buf);
                buf.swap(moved);
            }
            req = request{};
            const parse_state st = parser.parse(std::span<char>(buf.data(), buf.size()), req, storage);
            if (st == parse_state::error) {
                o.end = ending::rejected;
                o.status = parser.error().status;
                o.detail = std::string(parser.error().detail);
                return o;
            }
            if (st == parse_state::incomplete) {
                if (parser.headers_complete() && !head_snapshot) head_snapshot = snapshot(req, false);
                break;
            }
            head_snapshot.reset();
            o.messages.push_back(snapshot(req, true));
            const bool upgrade = req.method == method::connect ||
                                 (req.has_header("upgrade") && has_token(req.header_value("connection"), "upgrade"));
            const bool keep_alive = req.keep_alive;
            buf.erase(0, parser.consumed());
            parser.reset();
            if (upgrade) {
                o.end = ending::tunnel;
                return o;
            }
            if (!keep_alive) {
                const std::string rest = buf + input.substr(fed);
                o.end = only_crlf(rest) ? ending::clean : ending::data_after_close;
                return o;
            }
            if (buf.empty()) break;
        }
    }
    if (head_snapshot) {
        o.messages.push_back(*head_snapshot);
        o.end = ending::pending;
    } else {
        o.end = only_crlf(buf) ? ending::clean : ending::pending;
    }
    return o;
}

std::string latin1_to_utf8(const std::string& s) {
    std::string out;
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x80) {
            out += ch;
        } else {
            out += static_cast<char>(0xC0 | (c >> 6));
            out += static_cast<char>(0x80 | (c & 0x3F));
        }
    }
    return out;
}

std::string show(const std::string& s) {
    std::string out = "\"";
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += ch;
        }
    }
    return out + "\"";
}

bool fields_match(const field_list& expected, const field_list& got, std::string& why) {
    if (expected.size() != got.size()) {
        why = "field count " + std::to_string(got.size()) + ", expected " + std::to_string(expected.size());
        return false;
    }
    for (std::size_t i = 0; i < expected.size(); ++i) {
        std::string value = expected[i].second;
        // llhttp's value span keeps trailing whitespace; our values are OWS-trimmed.
        while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
        // The log prints obs-text bytes as Latin-1 in UTF-8.
        const bool same_value = got[i].second == value || latin1_to_utf8(got[i].second) == value;
        if (expected[i].first != got[i].first || !same_value) {
            why = "field " + show(got[i].first) + ": " + show(got[i].second) + ", expected " + show(expected[i].first) +
                  ": " + show(value);
            return false;
        }
    }
    return true;
}

bool message_matches(const message& e, const message& g, std::string& why) {
    if (e.method != g.method) {
        why = "method " + show(g.method) + ", expected " + show(e.method);
        return false;
    }
    if (e.url != g.url) {
        why = "url " + show(g.url) + ", expected " + show(e.url);
        return false;
    }
    if (e.version_minor >= 0 && e.version_minor != g.version_minor) {
        why = "version minor " + std::to_string(g.version_minor);
        return false;
    }
    if (!fields_match(e.headers, g.headers, why)) return false;
    if (e.complete) {
        if (!fields_match(e.trailers, g.trailers, why)) return false;
        if (e.body != g.body) {
            why = "body " + show(g.body) + ", expected " + show(e.body);
            return false;
        }
    }
    return true;
}

// Does one run agree with llhttp's log? `why` explains a disagreement.
bool agrees(const md_case& c, const expectation& e, const outcome& o, std::string& why) {
    const bool we_reject = o.end == ending::rejected || o.end == ending::data_after_close;
    const std::string ours = std::string(to_string(o.end)) +
                             (o.end == ending::rejected ? " " + std::to_string(o.status) + " (" + o.detail + ")" : "");
    if (c.type.find("lenient") != std::string::npos) {
        if (!we_reject) why = "lenient-only vector accepted: " + ours;
        return we_reject;
    }
    std::vector<message> expected_done;
    for (const message& m : e.messages) {
        if (m.complete) expected_done.push_back(m);
    }
    std::vector<message> got_done;
    for (const message& m : o.messages) {
        if (m.complete) got_done.push_back(m);
    }
    ending want = ending::clean;
    if (e.error_code) {
        want = *e.error_code == 22 ? ending::tunnel : ending::rejected;
    } else if (!e.messages.empty() && !e.messages.back().complete) {
        want = ending::pending;
    } else if (e.finish && *e.finish != 0) {
        want = ending::pending;
    }
    const bool end_ok = want == ending::rejected ? we_reject : o.end == want;
    if (!end_ok) {
        why = std::string("expected ") + to_string(want) + ", got " + ours;
        return false;
    }
    if (expected_done.size() != got_done.size()) {
        why = "completed " + std::to_string(got_done.size()) + " requests, expected " + std::to_string(expected_done.size());
        return false;
    }
    for (std::size_t i = 0; i < expected_done.size(); ++i) {
        if (!message_matches(expected_done[i], got_done[i], why)) {
            why = "request " + std::to_string(i + 1) + ": " + why;
            return false;
        }
    }
    if (want == ending::pending && !e.messages.empty() && !e.messages.back().complete) {
        const message& pending = e.messages.back();
        const bool got_head = !o.messages.empty() && !o.messages.back().complete;
        if (pending.head_done != got_head) {
            why = std::string("pending request: head ") + (got_head ? "complete" : "incomplete") + ", llhttp disagrees";
            return false;
        }
        if (got_head && !message_matches(pending, o.messages.back(), why)) {
            why = "pending request: " + why;
            return false;
        }
    }
    return true;
}

std::vector<std::vector<std::size_t>> cut_plans(std::size_t n) {
    std::vector<std::vector<std::size_t>> plans;
    plans.push_back({n});
    std::vector<std::size_t> bytes;
    for (std::size_t i = 1; i <= n; ++i) bytes.push_back(i);
    plans.push_back(bytes);
    plans.push_back({n / 2, n});
    plans.push_back({n / 3, 2 * n / 3, n});
    return plans;
}

TEST(LlhttpConformance, RequestVectors) {
    const auto corpus = katana::test::corpus_dir();
    if (!corpus) GTEST_SKIP() << "corpus not found: set KATANA_CORPUS_DIR or provide ../shared/corpus";
    const fs::path dir = *corpus / "http" / "request";
    if (!fs::is_directory(dir)) GTEST_SKIP() << "corpus has no http/request folder: " << dir.string();

    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.path().extension() == ".md") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    ASSERT_FALSE(files.empty()) << "no .md vectors in " << dir.string();

    int agree = 0, disagree = 0, skipped = 0;
    std::map<std::string, int> skip_reasons;
    std::vector<std::string> disagreements;
    for (const fs::path& file : files) {
        for (const md_case& c : read_cases(file)) {
            if (c.type.rfind("request", 0) != 0) {
                ++skipped;
                ++skip_reasons["not-a-request"];
                continue;
            }
            const char* reason = nullptr;
            if (c.skip_body) reason = "callback-only: llhttp's skip-body callback result has no request-parser equivalent";
            for (const skip_rule& r : skip_table) {
                if (c.file == r.file && c.heading == r.heading) reason = r.reason;
            }
            if (reason != nullptr) {
                ++skipped;
                const std::string tag(reason);
                ++skip_reasons[tag.substr(0, tag.find(':'))];
                continue;
            }
            const std::string input = normalize_input(c.input);
            const expectation e = parse_log(c.log);
            std::string why;
            bool ok = true;
            std::size_t plan_index = 0;
            for (const auto& plan : cut_plans(input.size())) {
                const bool move = plan_index == 1 || plan_index == 3;
                if (!agrees(c, e, run(input, plan, move), why)) {
                    why = "[feed plan " + std::to_string(plan_index) + "] " + why;
                    ok = false;
                    break;
                }
                ++plan_index;
            }
            if (ok) {
                ++agree;
            } else {
                ++disagree;
                disagreements.push_back(c.file + " / " + c.heading + ": " + why);
            }
        }
    }

    std::string reasons;
    for (const auto& [tag, n] : skip_reasons) {
        if (!reasons.empty()) reasons += ", ";
        reasons += std::to_string(n) + " " + tag;
    }
    std::printf("%d agree, %d disagree, %d skipped (%s)\n", agree, disagree, skipped, reasons.c_str());
    for (const std::string& d : disagreements) std::printf("DISAGREE %s\n", d.c_str());

    const int applicable = agree + disagree;
    ASSERT_GT(applicable, 100) << "too few vectors read; is the corpus complete?";
    EXPECT_GE(agree * 100, applicable * 95) << agree << " of " << applicable << " applicable vectors agree";
}

} // namespace
