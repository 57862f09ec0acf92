#include <katana/codegen/loader.hpp>

#include "front/scalars.hpp"
#include "front/tree_builder.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <istream>
#include <iterator>
#include <limits>
#include <streambuf>
#include <system_error>
#include <utility>

namespace katana::codegen {

namespace {

using detail::tree_builder;

// Far beyond any real spec (GitHub's is 2.9 MB); keeps a mistaken argument (a disk image, a
// log) from being read into memory.
constexpr std::uintmax_t max_file_size = 256u * 1024u * 1024u;

std::uint32_t to_u32(std::size_t v) noexcept {
    return v > std::numeric_limits<std::uint32_t>::max() ? std::numeric_limits<std::uint32_t>::max()
                                                         : static_cast<std::uint32_t>(v);
}

// 1-based line and column of byte `offset` in `text` (columns count bytes).
std::pair<std::uint32_t, std::uint32_t> line_column(std::string_view text, std::size_t offset) noexcept {
    offset = std::min(offset, text.size());
    std::size_t line = 1;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < offset; ++i) {
        if (text[i] == '\n') {
            ++line;
            line_start = i + 1;
        }
    }
    return {to_u32(line), to_u32(offset - line_start + 1)};
}

// ---------------------------------------------------------------------------------------------
// YAML: yaml-cpp's event parser drives the tree builder directly. Loading a YAML::Node first and
// converting it would cost a second full tree of shared_ptr-linked nodes (and yaml-cpp's Node
// API silently keeps one of two duplicate keys).

// Thrown by the event handler to stop yaml-cpp mid-document; never leaves this file.
struct yaml_aborted {};

// An std::istream over bytes already in memory, without the copy std::istringstream makes.
class memory_streambuf final : public std::streambuf {
public:
    explicit memory_streambuf(std::string_view text) {
        char* p = const_cast<char*>(text.data()); // read-only use: the get area is never written
        setg(p, p, p + text.size());
    }
};

class yaml_reader final : public YAML::EventHandler {
public:
    yaml_reader(document& doc, std::string_view text, tree_builder& builder, diagnostics& diags)
        : doc_(doc), text_(text), b_(builder), diags_(diags) {}

    void OnDocumentStart(const YAML::Mark&) override {}
    void OnDocumentEnd() override {}

    void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
        if (skip_depth_ > 0) return;
        // yaml-cpp reports both an empty value and a plain "~"/"null" this way; the source text
        // tells them apart. An empty value has no position of its own (the mark is wherever the
        // next token starts), so it is placed at its key.
        std::string spelled = null_spelling(mark);
        if (b_.expecting_key()) {
            key_from_text(std::move(spelled), mark, anchor);
            return;
        }
        auto [line, column] = position(mark);
        const source_location key_at = b_.pending_key_location();
        // After "key:" with nothing, the mark is the next token, which may itself spell null
        // ("a:\nnull: 1"): a value of this key must sit right of the key or on its line.
        if (key_at.line != 0 && line != key_at.line && column <= key_at.column) spelled.clear();
        if (spelled.empty() && key_at.line != 0) {
            line = key_at.line;
            column = key_at.column;
        }
        node* n = b_.begin_value(node_kind::null, line, column);
        if (n == nullptr) throw yaml_aborted{};
        n->text = std::move(spelled);
        remember(anchor, n, 1, true);
    }

    void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
        if (skip_depth_ > 0) return;
        const auto [line, column] = position(mark);
        const anchor_entry* a = anchor < anchors_.size() ? &anchors_[anchor] : nullptr;
        if (a == nullptr || a->target == nullptr) {
            diags_.error_at(doc_.path(), line, column, "alias refers to an undefined anchor");
            throw yaml_aborted{};
        }
        if (!a->complete) {
            // `&a [*a]`: a value that contains itself cannot be represented as a tree, and every
            // later stage would walk it forever.
            diags_.error_at(doc_.path(), line, column, "alias refers to a value that contains it (recursive alias)");
            throw yaml_aborted{};
        }
        if (b_.expecting_key()) {
            if (a->target->is_object() || a->target->is_array()) {
                diags_.error_at(doc_.path(), line, column, "mapping keys must be scalars");
                b_.key({}, line, column);
            } else {
                b_.key(a->target->text, line, column);
            }
            return;
        }
        b_.add_shared(a->target, a->weight);
    }

    void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  const std::string& value) override {
        if (skip_depth_ > 0) return;
        if (tag == "!") check_closing_quote(mark);
        if (b_.expecting_key()) {
            key_from_text(value, mark, anchor, tag == "?" && value == "<<");
            return;
        }
        const auto [line, column] = position(mark);
        detail::scalar_value v;
        if (tag == "?") {
            v = detail::type_plain_scalar(value);
        } else if (tag == "!" || tag == "tag:yaml.org,2002:str") {
            v.kind = node_kind::string;
        } else {
            v = typed_by_tag(tag, value, line, column);
        }
        node* n = b_.begin_value(v.kind, line, column);
        if (n == nullptr) throw yaml_aborted{};
        n->boolean = v.boolean;
        n->integer = v.integer;
        n->number = v.number;
        n->text = value;
        remember(anchor, n, 1, true);
    }

    void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                         YAML::EmitterStyle::value) override {
        start_container(node_kind::array, mark, anchor);
    }
    void OnSequenceEnd() override { end_container(); }
    void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                    YAML::EmitterStyle::value) override {
        start_container(node_kind::object, mark, anchor);
    }
    void OnMapEnd() override { end_container(); }

private:
    struct anchor_entry {
        const node* target = nullptr;
        std::uint64_t weight = 0;
        bool complete = false;
    };

    static std::pair<std::uint32_t, std::uint32_t> position(const YAML::Mark& mark) noexcept {
        if (mark.line < 0 || mark.column < 0) return {0, 0};
        return {to_u32(static_cast<std::size_t>(mark.line) + 1), to_u32(static_cast<std::size_t>(mark.column) + 1)};
    }

    // yaml-cpp ends a quoted scalar that is never closed at the end of the input and reports
    // no error, so `x: "abc` followed by more lines silently swallows them into one string.
    // The event mark is where the node starts (its anchor/tag, if any, come first).
    void check_closing_quote(const YAML::Mark& mark) {
        if (mark.pos < 0) return;
        std::size_t i = static_cast<std::size_t>(mark.pos);
        while (i < text_.size() && (text_[i] == '&' || text_[i] == '!')) { // node properties
            while (i < text_.size() && text_[i] != ' ' && text_[i] != '\t' && text_[i] != '\n') ++i;
            while (i < text_.size() && (text_[i] == ' ' || text_[i] == '\t')) ++i;
        }
        if (i >= text_.size() || (text_[i] != '"' && text_[i] != '\'')) return;
        const char quote = text_[i];
        for (std::size_t j = i + 1; j < text_.size(); ++j) {
            if (quote == '"' && text_[j] == '\\') {
                ++j; // escaped character, whatever it is
            } else if (text_[j] == quote) {
                if (quote == '\'' && j + 1 < text_.size() && text_[j + 1] == '\'') {
                    ++j; // '' is a quote inside a single-quoted scalar
                    continue;
                }
                return;
            }
        }
        const auto [line, column] = line_column(text_, i);
        diags_.error_at(doc_.path(), line, column,
                        fmt::format("unterminated {}-quoted string: no closing {} before the end of the file",
                                    quote == '"' ? "double" : "single", quote));
        throw yaml_aborted{};
    }

    std::string null_spelling(const YAML::Mark& mark) const {
        if (mark.pos < 0 || static_cast<std::size_t>(mark.pos) >= text_.size()) return {};
        const std::string_view rest = text_.substr(static_cast<std::size_t>(mark.pos));
        for (const std::string_view s : {"~", "null", "Null", "NULL"}) {
            if (rest.starts_with(s)) {
                const std::size_t after = s.size();
                // "nullable: x" is a key that starts the next line, not a null here.
                if (after == rest.size() || std::string_view(" \t\r\n,]}#:").find(rest[after]) != std::string_view::npos) {
                    return std::string(s);
                }
            }
        }
        return {};
    }

    // Explicitly tagged scalars (`!!int 3`); unknown tags keep their text as a string.
    detail::scalar_value typed_by_tag(const std::string& tag, const std::string& value, std::uint32_t line,
                                      std::uint32_t column) {
        static constexpr std::string_view core = "tag:yaml.org,2002:";
        if (tag.starts_with(core)) {
            const std::string_view want = std::string_view(tag).substr(core.size());
            const detail::scalar_value v = detail::type_plain_scalar(value);
            const bool ok = (want == "int" && v.kind == node_kind::integer) ||
                            (want == "float" && (v.kind == node_kind::number || v.kind == node_kind::integer)) ||
                            (want == "bool" && v.kind == node_kind::boolean) ||
                            (want == "null" && v.kind == node_kind::null);
            if (ok) {
                detail::scalar_value out = v;
                if (want == "float") out.kind = node_kind::number;
                return out;
            }
            if (want != "int" && want != "float" && want != "bool" && want != "null") {
                // !!binary, !!timestamp, ...: no JSON equivalent, so no OpenAPI meaning.
                diags_.error_at(doc_.path(), line, column,
                                fmt::format("the YAML tag !!{} is not supported in an OpenAPI document", want));
                return {};
            }
            diags_.error_at(doc_.path(), line, column, fmt::format("\"{}\" is not a valid !!{}", value, want));
            return {};
        }
        diags_.warning_at(doc_.path(), line, column,
                          fmt::format("unknown YAML tag \"{}\" ignored; the value is read as a string", tag));
        return {};
    }

    void key_from_text(std::string text, const YAML::Mark& mark, YAML::anchor_t anchor, bool merge = false) {
        const auto [line, column] = position(mark);
        if (anchor != 0) {
            // An anchored key may be aliased later as a value: keep a detached string node.
            node& n = doc_.make_node(node_kind::string);
            n.location = source_location{&doc_, line, column};
            n.text = text;
            remember(anchor, &n, 1, true);
        }
        b_.key(std::move(text), line, column, merge);
    }

    void start_container(node_kind kind, const YAML::Mark& mark, YAML::anchor_t anchor) {
        if (skip_depth_ > 0) {
            ++skip_depth_;
            return;
        }
        const auto [line, column] = position(mark);
        if (b_.expecting_key()) {
            diags_.error_at(doc_.path(), line, column, "mapping keys must be scalars");
            skip_depth_ = 1;
            skipped_key_line_ = line;
            skipped_key_column_ = column;
            return;
        }
        node* n = b_.begin_value(kind, line, column);
        if (n == nullptr) throw yaml_aborted{};
        open_anchors_.push_back(anchor);
        remember(anchor, n, 0, false);
    }

    void end_container() {
        if (skip_depth_ > 0) {
            if (--skip_depth_ == 0) b_.key({}, skipped_key_line_, skipped_key_column_);
            return;
        }
        b_.end_container();
        const YAML::anchor_t anchor = open_anchors_.back();
        open_anchors_.pop_back();
        if (anchor != 0) {
            anchors_[anchor].weight = b_.last_weight();
            anchors_[anchor].complete = true;
        }
    }

    void remember(YAML::anchor_t anchor, const node* n, std::uint64_t weight, bool complete) {
        if (anchor == 0) return;
        // yaml-cpp numbers anchors 1, 2, ... in order of appearance within a document.
        if (anchor >= anchors_.size()) anchors_.resize(anchor + 1);
        anchors_[anchor] = anchor_entry{n, weight, complete};
    }

    document& doc_;
    std::string_view text_;
    tree_builder& b_;
    diagnostics& diags_;
    std::vector<anchor_entry> anchors_;
    std::vector<YAML::anchor_t> open_anchors_;
    int skip_depth_ = 0; // > 0 while inside a (refused) collection used as a mapping key
    std::uint32_t skipped_key_line_ = 0;
    std::uint32_t skipped_key_column_ = 0;
};

// Swallows the events of further documents in the stream (only their presence matters).
class discard_events final : public YAML::EventHandler {
public:
    void OnDocumentStart(const YAML::Mark&) override {}
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
};

// Whether the leading white space of 1-based line `line` holds a tab. yaml-cpp's messages for
// tab indentation ("illegal map value", ...) do not say so.
bool tab_indented(std::string_view text, std::uint32_t line) noexcept {
    if (line == 0) return false;
    std::size_t start = 0;
    for (std::uint32_t l = 1; l < line; ++l) {
        start = text.find('\n', start);
        if (start == std::string_view::npos) return false;
        ++start;
    }
    for (std::size_t i = start; i < text.size() && (text[i] == ' ' || text[i] == '\t'); ++i) {
        if (text[i] == '\t') return true;
    }
    return false;
}

void read_yaml(document& doc, std::string_view text, tree_builder& builder, diagnostics& diags) {
    memory_streambuf buf(text);
    std::istream in(&buf);
    yaml_reader reader(doc, text, builder, diags);
    try {
        YAML::Parser parser(in);
        if (parser.HandleNextDocument(reader)) {
            discard_events rest;
            if (parser.HandleNextDocument(rest)) {
                diags.warning_at(doc.path(), 0, 0, "the file holds several YAML documents; only the first is read");
            }
        }
    } catch (const YAML::ParserException& e) {
        const auto line = e.mark.line < 0 ? 0u : to_u32(static_cast<std::size_t>(e.mark.line) + 1);
        const auto column = e.mark.column < 0 ? 0u : to_u32(static_cast<std::size_t>(e.mark.column) + 1);
        diags.error_at(doc.path(), line, column,
                       fmt::format("YAML syntax error: {}{}", e.msg,
                                   e.msg.find("tab") == std::string::npos &&
                                           (tab_indented(text, line) || (line > 1 && tab_indented(text, line - 1)))
                                       ? " (a tab indents this line; YAML indentation must be spaces)"
                                       : ""));
    } catch (const yaml_aborted&) {
        // The handler already reported why.
    } catch (const std::exception& e) {
        diags.error_at(doc.path(), 0, 0, fmt::format("cannot read YAML: {}", e.what()));
    }
}

// ---------------------------------------------------------------------------------------------
// JSON: nlohmann's SAX parser reports values but not where they are. It pulls its input one
// byte at a time through an iterator, so the iterator below watches the bytes go by and keeps
// the position of the token that started last (a string, a bare literal/number, '{' or '[').
// When a SAX callback fires, the lexer has just finished that very token (for numbers it has
// also read one byte past it, which is never the start of a token in valid JSON).

class json_tracker {
public:
    explicit json_tracker(const char* begin) noexcept : line_start_(begin) {}

    void consume(const char* p) noexcept {
        const char c = *p;
        switch (state_) {
        case state::string:
            if (c == '\\') {
                state_ = state::escape;
            } else if (c == '"') {
                state_ = state::outside;
            }
            break;
        case state::escape: state_ = state::string; break;
        case state::bare:
            if (!ends_bare(c)) break;
            state_ = state::outside;
            [[fallthrough]];
        case state::outside:
            if (c == '"') {
                mark(p);
                state_ = state::string;
            } else if (c == '{' || c == '[') {
                mark(p);
            } else if (!ends_bare(c)) {
                mark(p);
                state_ = state::bare;
            }
            break;
        }
        if (c == '\n') {
            ++line_;
            line_start_ = p + 1;
        }
    }

    [[nodiscard]] const char* token() const noexcept { return token_; }
    [[nodiscard]] std::uint32_t token_line() const noexcept { return token_line_; }
    [[nodiscard]] std::uint32_t token_column() const noexcept { return token_column_; }

private:
    enum class state : std::uint8_t { outside, string, escape, bare };
    static bool ends_bare(char c) noexcept {
        switch (c) {
        case ' ': case '\t': case '\r': case '\n': case '{': case '}': case '[': case ']': case ',': case ':':
        case '"': return true;
        default: return false;
        }
    }
    void mark(const char* p) noexcept {
        token_ = p;
        token_line_ = line_;
        token_column_ = to_u32(static_cast<std::size_t>(p - line_start_) + 1);
    }

    state state_ = state::outside;
    std::uint32_t line_ = 1;
    const char* line_start_;
    const char* token_ = nullptr;
    std::uint32_t token_line_ = 1;
    std::uint32_t token_column_ = 1;
};

class tracking_iterator {
public:
    using iterator_category = std::input_iterator_tag;
    using value_type = char;
    using difference_type = std::ptrdiff_t;
    using pointer = const char*;
    using reference = const char&;

    tracking_iterator() = default;
    tracking_iterator(const char* p, json_tracker* tracker) noexcept : p_(p), tracker_(tracker) {}

    reference operator*() const noexcept { return *p_; }
    tracking_iterator& operator++() noexcept {
        tracker_->consume(p_);
        ++p_;
        return *this;
    }
    tracking_iterator operator++(int) noexcept {
        tracking_iterator old = *this;
        ++*this;
        return old;
    }
    bool operator==(const tracking_iterator& other) const noexcept { return p_ == other.p_; }

private:
    const char* p_ = nullptr;
    json_tracker* tracker_ = nullptr;
};

class json_reader {
public:
    using number_integer_t = nlohmann::json::number_integer_t;
    using number_unsigned_t = nlohmann::json::number_unsigned_t;
    using number_float_t = nlohmann::json::number_float_t;
    using string_t = nlohmann::json::string_t;
    using binary_t = nlohmann::json::binary_t;

    json_reader(document& doc, std::string_view text, const json_tracker& tracker, tree_builder& builder,
                diagnostics& diags) noexcept
        : doc_(doc), text_(text), t_(tracker), b_(builder), diags_(diags) {}

    bool null() {
        node* n = scalar(node_kind::null);
        if (n != nullptr) n->text = "null";
        return n != nullptr;
    }
    bool boolean(bool v) {
        node* n = scalar(node_kind::boolean);
        if (n == nullptr) return false;
        n->boolean = v;
        n->text = v ? "true" : "false";
        return true;
    }
    bool number_integer(number_integer_t v) {
        node* n = scalar(node_kind::integer);
        if (n == nullptr) return false;
        n->integer = v;
        n->number = static_cast<double>(v);
        n->text = number_text();
        return true;
    }
    bool number_unsigned(number_unsigned_t v) {
        const bool fits = v <= static_cast<number_unsigned_t>(std::numeric_limits<std::int64_t>::max());
        node* n = scalar(fits ? node_kind::integer : node_kind::number);
        if (n == nullptr) return false;
        if (fits) n->integer = static_cast<std::int64_t>(v);
        n->number = static_cast<double>(v);
        n->text = number_text();
        return true;
    }
    bool number_float(number_float_t v, const string_t& spelled) {
        node* n = scalar(node_kind::number);
        if (n == nullptr) return false;
        n->number = v;
        n->text = spelled;
        return true;
    }
    bool string(string_t& v) {
        node* n = scalar(node_kind::string);
        if (n == nullptr) return false;
        n->text = std::move(v);
        return true;
    }
    bool binary(binary_t&) { return true; } // not produced by the JSON lexer
    bool start_object(std::size_t) {
        return b_.begin_value(node_kind::object, t_.token_line(), t_.token_column()) != nullptr;
    }
    bool key(string_t& k) {
        b_.key(std::move(k), t_.token_line(), t_.token_column());
        return true;
    }
    bool end_object() {
        b_.end_container();
        return true;
    }
    bool start_array(std::size_t) {
        return b_.begin_value(node_kind::array, t_.token_line(), t_.token_column()) != nullptr;
    }
    bool end_array() {
        b_.end_container();
        return true;
    }
    bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) {
        // `position` counts the bytes read, the offending one included.
        const auto [line, column] = line_column(text_, position == 0 ? 0 : position - 1);
        // what() is "[json.exception.parse_error.101] parse error at line L, column C: <why>":
        // keep <why>, the location goes in front in our format.
        std::string_view why = e.what();
        if (const std::size_t col = why.find("column "); col != std::string_view::npos) {
            if (const std::size_t colon = why.find(": ", col); colon != std::string_view::npos) {
                why.remove_prefix(colon + 2);
            }
        }
        diags_.error_at(doc_.path(), line, column, fmt::format("JSON syntax error: {}", why));
        return false;
    }

private:
    node* scalar(node_kind kind) { return b_.begin_value(kind, t_.token_line(), t_.token_column()); }
    std::string number_text() const {
        const char* p = t_.token();
        if (p == nullptr) return {};
        const char* end = text_.data() + text_.size();
        const char* q = p;
        while (q != end && std::string_view("0123456789+-.eE").find(*q) != std::string_view::npos) ++q;
        return std::string(p, q);
    }

    document& doc_;
    std::string_view text_;
    const json_tracker& t_;
    tree_builder& b_;
    diagnostics& diags_;
};

void read_json(document& doc, std::string_view text, tree_builder& builder, diagnostics& diags) {
    json_tracker tracker(text.data());
    json_reader reader(doc, text, tracker, builder, diags);
    try {
        const tracking_iterator first(text.data(), &tracker);
        const tracking_iterator last(text.data() + text.size(), &tracker);
        (void)nlohmann::json::sax_parse(first, last, &reader);
    } catch (const std::exception& e) {
        diags.error_at(doc.path(), 0, 0, fmt::format("cannot read JSON: {}", e.what()));
    }
}

// Offset of the first byte that is not part of well-formed UTF-8 (RFC 3629: no overlong forms,
// no surrogates, nothing past U+10FFFF), or npos. Both YAML 1.2 and JSON (RFC 8259) require
// Unicode text; without this check stray Latin-1 bytes would end up in generated identifiers
// and string literals.
std::size_t invalid_utf8(std::string_view text) noexcept {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
        const unsigned char c = p[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t len = 0;
        unsigned char lo = 0x80;
        unsigned char hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            if (c == 0xE0) lo = 0xA0;      // overlong
            else if (c == 0xED) hi = 0x9F; // UTF-16 surrogates
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            if (c == 0xF0) lo = 0x90;      // overlong
            else if (c == 0xF4) hi = 0x8F; // past U+10FFFF
        } else {
            return i;
        }
        if (i + len > n) return i;
        if (p[i + 1] < lo || p[i + 1] > hi) return i;
        for (std::size_t k = 2; k < len; ++k) {
            if (p[i + k] < 0x80 || p[i + k] > 0xBF) return i;
        }
        i += len;
    }
    return std::string_view::npos;
}

bool looks_like_json(std::string_view display_path, std::string_view text) noexcept {
    std::size_t i = 0;
    if (text.starts_with("\xEF\xBB\xBF")) i = 3;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n')) ++i;
    if (i < text.size() && (text[i] == '{' || text[i] == '[')) return true;
    const std::size_t dot = display_path.rfind('.');
    if (dot == std::string_view::npos) return false;
    std::string ext(display_path.substr(dot));
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return ext == ".json";
}

} // namespace

std::unique_ptr<document> load_document_from_string(std::string display_path, std::string_view text,
                                                    diagnostics& diags) {
    auto doc = std::make_unique<document>(std::move(display_path));
    if (text.starts_with("\xFF\xFE") || text.starts_with("\xFE\xFF")) {
        diags.error_at(doc->path(), 1, 1, "the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8");
        return nullptr;
    }
    if (const std::size_t bad = invalid_utf8(text); bad != std::string_view::npos) {
        const auto [line, column] = line_column(text, bad);
        diags.error_at(doc->path(), line, column,
                       fmt::format("the file is not valid UTF-8 (byte 0x{:02X}); OpenAPI documents must be UTF-8 text",
                                   static_cast<unsigned char>(text[bad])));
        return nullptr;
    }
    const std::size_t errors_before = diags.error_count();
    tree_builder builder(*doc, diags);
    const bool json = looks_like_json(doc->path(), text);
    if (json) {
        read_json(*doc, text, builder, diags);
    } else {
        read_yaml(*doc, text, builder, diags);
    }
    if (diags.error_count() != errors_before) return nullptr;
    if (builder.root() == nullptr) {
        if (json) {
            diags.error_at(doc->path(), 1, 1, "the file holds no JSON value");
            return nullptr;
        }
        // An empty YAML stream is a null document (the spec checks say what is missing).
        node& n = doc->make_node(node_kind::null);
        n.location = source_location{doc.get(), 1, 1};
        doc->set_root(&n);
        return doc;
    }
    // Aliases share nodes, so memory stays linear, but anything that expands the tree (printing
    // it, embedding it as JSON) would not: refuse "billion laughs" documents up front.
    const std::uint64_t limit = std::max<std::uint64_t>(1'000'000, 64 * builder.node_count());
    if (builder.total_weight() > limit) {
        diags.error_at(doc->path(), 0, 0,
                       fmt::format("YAML aliases expand this document to more than {} values; refusing it", limit));
        return nullptr;
    }
    doc->set_root(builder.root());
    return doc;
}

std::unique_ptr<document> load_document(const std::filesystem::path& path, diagnostics& diags) {
    const std::string display = path.string();
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        diags.error_at(display, 0, 0, "cannot read: is a directory");
        return nullptr;
    }
    std::FILE* f = std::fopen(display.c_str(), "rb");
    if (f == nullptr) {
        diags.error_at(display, 0, 0, fmt::format("cannot read: {}", std::strerror(errno)));
        return nullptr;
    }
    std::string text;
    if (const auto size = std::filesystem::file_size(path, ec); !ec && size <= max_file_size) {
        text.reserve(static_cast<std::size_t>(size));
    }
    char chunk[65536];
    bool too_big = false;
    std::size_t got = 0;
    while ((got = std::fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (text.size() + got > max_file_size) {
            too_big = true;
            break;
        }
        text.append(chunk, got);
    }
    const bool read_failed = std::ferror(f) != 0;
    std::fclose(f);
    if (too_big) {
        diags.error_at(display, 0, 0, fmt::format("cannot read: larger than {} MiB", max_file_size >> 20));
        return nullptr;
    }
    if (read_failed) {
        diags.error_at(display, 0, 0, "cannot read: I/O error");
        return nullptr;
    }
    return load_document_from_string(display, text, diags);
}

} // namespace katana::codegen
