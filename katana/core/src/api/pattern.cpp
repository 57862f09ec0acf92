#define PCRE2_CODE_UNIT_WIDTH 8
#include <katana/api/formats.hpp>
#include <katana/api/pattern.hpp>

#include "api/utf8.hpp"

#include <pcre2.h>

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <vector>

namespace katana::api {
namespace {

using detail::decode_utf8;
using detail::hex_value;
using detail::is_ascii_alnum;
using detail::is_ascii_alpha;
using detail::is_ascii_digit;

// ECMA-262 WhiteSpace + LineTerminator, as the body of a PCRE2 character class.
constexpr std::string_view ecma_space_set =
    "\\x{9}\\x{a}\\x{b}\\x{c}\\x{d}\\x{20}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}"
    "\\x{3000}\\x{feff}";
// ECMA `.` without the s flag: anything but a LineTerminator.
constexpr std::string_view ecma_dot = "[^\\x{a}\\x{d}\\x{2028}\\x{2029}]";
constexpr std::string_view any_char = "[\\x{0}-\\x{10ffff}]";
constexpr std::string_view never = "(?:(?!))";

// General_Category values ECMA accepts (long names and aliases) -> the short names PCRE2 10.42
// knows. PCRE2 spells Cased_Letter "L&".
struct gc_alias {
    std::string_view name;
    std::string_view pcre;
};
constexpr gc_alias general_categories[] = {
    {"C", "C"}, {"Other", "C"}, {"Cc", "Cc"}, {"Control", "Cc"}, {"cntrl", "Cc"}, {"Cf", "Cf"}, {"Format", "Cf"},
    {"Cn", "Cn"}, {"Unassigned", "Cn"}, {"Co", "Co"}, {"Private_Use", "Co"}, {"Cs", "Cs"}, {"Surrogate", "Cs"},
    {"L", "L"}, {"Letter", "L"}, {"LC", "L&"}, {"Cased_Letter", "L&"}, {"Ll", "Ll"}, {"Lowercase_Letter", "Ll"},
    {"Lm", "Lm"}, {"Modifier_Letter", "Lm"}, {"Lo", "Lo"}, {"Other_Letter", "Lo"}, {"Lt", "Lt"},
    {"Titlecase_Letter", "Lt"}, {"Lu", "Lu"}, {"Uppercase_Letter", "Lu"}, {"M", "M"}, {"Mark", "M"},
    {"Combining_Mark", "M"}, {"Mc", "Mc"}, {"Spacing_Mark", "Mc"}, {"Me", "Me"}, {"Enclosing_Mark", "Me"},
    {"Mn", "Mn"}, {"Nonspacing_Mark", "Mn"}, {"N", "N"}, {"Number", "N"}, {"Nd", "Nd"}, {"Decimal_Number", "Nd"},
    {"digit", "Nd"}, {"Nl", "Nl"}, {"Letter_Number", "Nl"}, {"No", "No"}, {"Other_Number", "No"}, {"P", "P"},
    {"Punctuation", "P"}, {"punct", "P"}, {"Pc", "Pc"}, {"Connector_Punctuation", "Pc"}, {"Pd", "Pd"},
    {"Dash_Punctuation", "Pd"}, {"Pe", "Pe"}, {"Close_Punctuation", "Pe"}, {"Pf", "Pf"},
    {"Final_Punctuation", "Pf"}, {"Pi", "Pi"}, {"Initial_Punctuation", "Pi"}, {"Po", "Po"},
    {"Other_Punctuation", "Po"}, {"Ps", "Ps"}, {"Open_Punctuation", "Ps"}, {"S", "S"}, {"Symbol", "S"},
    {"Sc", "Sc"}, {"Currency_Symbol", "Sc"}, {"Sk", "Sk"}, {"Modifier_Symbol", "Sk"}, {"Sm", "Sm"},
    {"Math_Symbol", "Sm"}, {"So", "So"}, {"Other_Symbol", "So"}, {"Z", "Z"}, {"Separator", "Z"}, {"Zl", "Zl"},
    {"Line_Separator", "Zl"}, {"Zp", "Zp"}, {"Paragraph_Separator", "Zp"}, {"Zs", "Zs"},
    {"Space_Separator", "Zs"},
};

std::string_view general_category(std::string_view name) noexcept {
    for (const gc_alias& a : general_categories) {
        if (a.name == name) return a.pcre;
    }
    return {};
}

void append_hex_cp(std::string& out, char32_t cp) {
    static constexpr char hex[] = "0123456789abcdef";
    char buf[8];
    int n = 0;
    do {
        buf[n++] = hex[cp & 15];
        cp >>= 4;
    } while (cp != 0);
    out += "\\x{";
    while (n > 0) out += buf[--n];
    out += '}';
}

bool is_surrogate(char32_t cp) noexcept { return cp >= 0xD800 && cp <= 0xDFFF; }

// One translated pattern: the PCRE2 text plus, in lookbehind-callout mode, the bodies of the
// lookbehinds that were cut out (each compiled separately as "(?:body)\z" and tested from a
// callout, because PCRE2 10.42 only supports bounded-length lookbehind).
struct lookbehind_part {
    std::string pcre;
    bool negative;
};
struct translation {
    std::string pcre;
    std::vector<lookbehind_part> lookbehinds;
};

// A character-class item: a code point (ranges possible) or a class escape (\d, \p{..}, ...).
struct class_atom {
    enum kind_t : std::uint8_t { code_point, escape, space, not_space } kind = code_point;
    char32_t cp = 0;
    std::string text; // kind == escape: PCRE2 text for it
};

// Recursive-descent parser for ECMA-262 Pattern (the `u`-flag grammar, with the Annex B
// leniencies that real OpenAPI documents rely on: literal `]`, `{`, `}` and identity escapes of
// any ASCII punctuation; `[\w-.]` reads the `-` literally). Emits PCRE2 syntax as it goes.
class translator {
public:
    translator(std::string_view src, bool lookbehind_callouts) noexcept
        : src_(src), callouts_(lookbehind_callouts) {}

    bool run(translation& result) {
        if (!detail::valid_utf8(src_)) return false;
        if (!prescan()) return false;
        if (!disjunction()) return false;
        if (pos_ != src_.size()) return false; // unbalanced ')'
        result.pcre = std::move(out_);
        result.lookbehinds = std::move(lookbehinds_);
        return true;
    }

private:
    // Group count and names first: ECMA backreferences may point forward.
    bool prescan() {
        bool in_class = false;
        for (std::size_t i = 0; i < src_.size(); ++i) {
            const char c = src_[i];
            if (c == '\\') {
                ++i;
                continue;
            }
            if (in_class) {
                if (c == ']') in_class = false;
                continue;
            }
            if (c == '[') {
                in_class = true;
            } else if (c == '(') {
                if (i + 1 < src_.size() && src_[i + 1] == '?') {
                    if (i + 2 < src_.size() && src_[i + 2] == '<' && i + 3 < src_.size() && src_[i + 3] != '=' &&
                        src_[i + 3] != '!') {
                        std::size_t end = src_.find('>', i + 3);
                        if (end == std::string_view::npos) return false;
                        const std::string_view name = src_.substr(i + 3, end - (i + 3));
                        if (!valid_group_name(name)) return false;
                        if (std::find(names_.begin(), names_.end(), name) != names_.end()) return false;
                        names_.push_back(name);
                        ++group_total_;
                    }
                } else {
                    ++group_total_;
                }
            }
        }
        return true;
    }

    static bool valid_group_name(std::string_view name) noexcept {
        // PCRE2 10.42 names: ASCII word characters, not starting with a digit, at most 32.
        if (name.empty() || name.size() > 32 || is_ascii_digit(name[0])) return false;
        for (char c : name) {
            if (!is_ascii_alnum(c) && c != '_') return false;
        }
        return true;
    }

    [[nodiscard]] bool at_end() const noexcept { return pos_ >= src_.size(); }
    [[nodiscard]] char peek(std::size_t ahead = 0) const noexcept {
        return pos_ + ahead < src_.size() ? src_[pos_ + ahead] : '\0';
    }
    bool eat(char c) noexcept {
        if (peek() == c && !at_end()) {
            ++pos_;
            return true;
        }
        return false;
    }

    bool disjunction() {
        if (++nesting_ > 250) return false; // bounded recursion (PCRE2's own nest limit is 250)
        for (;;) {
            if (!alternative()) return false;
            if (!eat('|')) break;
            out_ += '|';
        }
        --nesting_;
        return true;
    }

    bool alternative() {
        while (!at_end() && peek() != '|' && peek() != ')') {
            if (!term()) return false;
        }
        return true;
    }

    // Does a {n}, {n,} or {n,m} quantifier start at pos_ + offset? Sets its length.
    [[nodiscard]] bool brace_quantifier_at(std::size_t at, std::size_t& length) const noexcept {
        std::size_t i = at;
        if (i >= src_.size() || src_[i] != '{') return false;
        ++i;
        const std::size_t d0 = i;
        while (i < src_.size() && is_ascii_digit(src_[i])) ++i;
        if (i == d0) return false;
        if (i < src_.size() && src_[i] == ',') {
            ++i;
            while (i < src_.size() && is_ascii_digit(src_[i])) ++i;
        }
        if (i >= src_.size() || src_[i] != '}') return false;
        length = i + 1 - at;
        return true;
    }
    [[nodiscard]] bool quantifier_at(std::size_t at) const noexcept {
        if (at >= src_.size()) return false;
        const char c = src_[at];
        std::size_t len;
        return c == '*' || c == '+' || c == '?' || brace_quantifier_at(at, len);
    }

    // Parses an optional quantifier after an atom and emits it.
    bool quantifier() {
        const char c = peek();
        if (c == '*' || c == '+' || c == '?') {
            out_ += c;
            ++pos_;
        } else {
            std::size_t len;
            if (!brace_quantifier_at(pos_, len)) return true;
            const std::string_view q = src_.substr(pos_, len);
            // {n,m} with n > m is a SyntaxError. Compare as digit strings (they may be huge).
            const std::size_t comma = q.find(',');
            if (comma != std::string_view::npos && comma + 2 < q.size()) {
                std::string_view lo = q.substr(1, comma - 1);
                std::string_view hi = q.substr(comma + 1, q.size() - comma - 2);
                while (lo.size() > 1 && lo[0] == '0') lo.remove_prefix(1);
                while (hi.size() > 1 && hi[0] == '0') hi.remove_prefix(1);
                if (lo.size() > hi.size() || (lo.size() == hi.size() && lo > hi)) return false;
            }
            out_ += q;
            pos_ += len;
        }
        if (eat('?')) out_ += '?'; // lazy
        // A second quantifier (`a**`, or PCRE2's possessive `a*+`) is an ECMA SyntaxError.
        return !quantifier_at(pos_);
    }

    bool term() {
        const char c = peek();
        switch (c) {
        case '^':
            ++pos_;
            out_ += '^';
            return !quantifier_at(pos_);
        case '$':
            ++pos_;
            out_ += "\\z"; // ECMA `$` never matches before a final newline
            return !quantifier_at(pos_);
        case '\\':
            if (peek(1) == 'b' || peek(1) == 'B') {
                out_ += '\\';
                out_ += peek(1);
                pos_ += 2;
                return !quantifier_at(pos_);
            }
            if (!atom_escape()) return false;
            return quantifier();
        case '(':
            return group();
        case '.':
            ++pos_;
            out_ += ecma_dot;
            return quantifier();
        case '[':
            if (!character_class()) return false;
            return quantifier();
        case '*':
        case '+':
        case '?':
            return false; // nothing to repeat
        case '{': {
            std::size_t len;
            if (brace_quantifier_at(pos_, len)) return false; // nothing to repeat
            ++pos_;
            out_ += "\\{";
            return quantifier();
        }
        case '}':
        case ']':
            ++pos_;
            out_ += '\\';
            out_ += c;
            return quantifier();
        default:
            break;
        }
        char32_t cp;
        const std::size_t len = decode_utf8(src_, pos_, cp);
        if (len == 0) return false;
        emit_literal(src_.substr(pos_, len), cp);
        pos_ += len;
        return quantifier();
    }

    void emit_literal(std::string_view bytes, char32_t cp) {
        if (cp < 0x80) {
            const char ch = static_cast<char>(cp);
            if (is_ascii_alnum(ch) || ch == '_') {
                out_ += ch;
            } else {
                append_hex_cp(out_, cp);
            }
        } else {
            out_ += bytes; // UTF-8 as is: PCRE2 runs in UTF mode
        }
    }

    void emit_code_point(char32_t cp) {
        if (is_surrogate(cp)) {
            out_ += never; // a lone surrogate cannot occur in UTF-8 text
        } else if (cp < 0x80 && (is_ascii_alnum(static_cast<char>(cp)) || cp == '_')) {
            out_ += static_cast<char>(cp);
        } else {
            append_hex_cp(out_, cp);
        }
    }

    bool group() {
        ++pos_; // '('
        if (peek() == '?') {
            const char k = peek(1);
            if (k == ':' || k == '=' || k == '!') {
                pos_ += 2;
                out_ += "(?";
                out_ += k;
                if (!disjunction() || !eat(')')) return false;
                out_ += ')';
                // Annex B: lookaheads may be quantified; PCRE2 accepts that too.
                return quantifier();
            }
            if (k == '<' && (peek(2) == '=' || peek(2) == '!')) {
                const bool negative = peek(2) == '!';
                pos_ += 3;
                const std::size_t start = out_.size();
                const int groups_before = groups_seen_;
                const bool backrefs_before = saw_backref_;
                saw_backref_ = false;
                if (!disjunction() || !eat(')')) return false;
                const bool self_contained = groups_seen_ == groups_before && !saw_backref_;
                saw_backref_ = saw_backref_ || backrefs_before;
                if (callouts_ && self_contained) {
                    if (lookbehinds_.size() >= 255) return false;
                    std::string body = "(?:" + out_.substr(start) + ")\\z";
                    out_.resize(start);
                    lookbehinds_.push_back({std::move(body), negative});
                    out_ += "(?C" + std::to_string(lookbehinds_.size()) + ")";
                } else {
                    out_.insert(start, negative ? "(?<!" : "(?<=");
                    out_ += ')';
                }
                return !quantifier_at(pos_);
            }
            if (k == '<') {
                const std::size_t end = src_.find('>', pos_ + 2);
                if (end == std::string_view::npos) return false;
                const std::string_view name = src_.substr(pos_ + 2, end - pos_ - 2);
                if (!valid_group_name(name)) return false;
                pos_ = end + 1;
                ++groups_seen_;
                out_ += "(?<";
                out_ += name;
                out_ += '>';
                if (!disjunction() || !eat(')')) return false;
                out_ += ')';
                return quantifier();
            }
            return false; // (?i), (?#...), (?P<..>), (?>...), ... are not ECMA-262
        }
        ++groups_seen_;
        out_ += '(';
        if (!disjunction() || !eat(')')) return false;
        out_ += ')';
        return quantifier();
    }

    // \u escapes (\uXXXX, a surrogate pair of them, \u{X...}); pos_ is after the 'u'.
    bool unicode_escape(char32_t& cp) {
        if (peek() == '{') {
            std::size_t i = pos_ + 1;
            char32_t v = 0;
            const std::size_t d0 = i;
            while (i < src_.size() && hex_value(src_[i]) >= 0) {
                v = v * 16 + static_cast<char32_t>(hex_value(src_[i]));
                if (v > 0x10FFFF) return false;
                ++i;
            }
            if (i == d0 || i >= src_.size() || src_[i] != '}') return false;
            pos_ = i + 1;
            cp = v;
            return true;
        }
        auto hex4 = [&](std::size_t at, char32_t& out) noexcept {
            if (at + 4 > src_.size()) return false;
            char32_t v = 0;
            for (std::size_t k = 0; k < 4; ++k) {
                const int h = hex_value(src_[at + k]);
                if (h < 0) return false;
                v = v * 16 + static_cast<char32_t>(h);
            }
            out = v;
            return true;
        };
        char32_t hi;
        if (!hex4(pos_, hi)) return false;
        pos_ += 4;
        cp = hi;
        if (hi >= 0xD800 && hi <= 0xDBFF && peek() == '\\' && peek(1) == 'u') {
            char32_t lo;
            if (hex4(pos_ + 2, lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
                pos_ += 6;
                cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
            }
        }
        return true;
    }

    // \p{...} / \P{...}; pos_ is after the 'p'/'P'. Writes the PCRE2 escape into `out`.
    bool property_escape(bool negated, std::string& out) {
        if (peek() != '{') return false;
        const std::size_t end = src_.find('}', pos_);
        if (end == std::string_view::npos) return false;
        const std::string_view body = src_.substr(pos_ + 1, end - pos_ - 1);
        pos_ = end + 1;
        if (body.empty()) return false;
        for (char ch : body) {
            if (!is_ascii_alnum(ch) && ch != '_' && ch != '=') return false;
        }
        const char* p = negated ? "\\P{" : "\\p{";
        const std::size_t eq = body.find('=');
        if (eq != std::string_view::npos) {
            const std::string_view name = body.substr(0, eq);
            const std::string_view value = body.substr(eq + 1);
            if (value.empty() || value.find('=') != std::string_view::npos) return false;
            if (name == "General_Category" || name == "gc") {
                const std::string_view gc = general_category(value);
                if (gc.empty()) return false;
                out += p;
                out += gc;
                out += '}';
                return true;
            }
            if (name == "Script" || name == "sc" || name == "Script_Extensions" || name == "scx") {
                out += p;
                out += (name == "Script" || name == "sc") ? "sc:" : "scx:";
                out += value;
                out += '}';
                return true;
            }
            return false;
        }
        const std::string_view gc = general_category(body);
        if (!gc.empty()) {
            out += p;
            out += gc;
            out += '}';
            return true;
        }
        if (body == "Any") {
            out += negated ? "\\P{Any}" : "\\p{Any}";
            return true;
        }
        if (body == "ASCII") {
            out += negated ? "\\P{ASCII}" : "\\p{ASCII}";
            return true;
        }
        if (body == "Assigned") {
            out += negated ? "\\p{Cn}" : "\\P{Cn}";
            return true;
        }
        // Binary properties (Alphabetic, White_Space, Emoji, ...): PCRE2 10.40+ knows them
        // under the same names; an unknown one fails to compile, which is the right answer.
        if (!is_ascii_alpha(body[0])) return false;
        out += p;
        out += body;
        out += '}';
        return true;
    }

    // Escapes valid both inside and outside classes that denote one code point. pos_ is after
    // the backslash. Returns false (no error) when the escape is not of this kind.
    enum class cp_escape { no, yes, error };
    cp_escape code_point_escape(char32_t& cp) {
        const char e = peek();
        switch (e) {
        case 't': cp = 0x09; ++pos_; return cp_escape::yes;
        case 'n': cp = 0x0A; ++pos_; return cp_escape::yes;
        case 'v': cp = 0x0B; ++pos_; return cp_escape::yes;
        case 'f': cp = 0x0C; ++pos_; return cp_escape::yes;
        case 'r': cp = 0x0D; ++pos_; return cp_escape::yes;
        case 'c':
            if (is_ascii_alpha(peek(1))) {
                cp = static_cast<char32_t>(peek(1) % 32);
                pos_ += 2;
                return cp_escape::yes;
            }
            return cp_escape::error;
        case '0':
            if (is_ascii_digit(peek(1))) return cp_escape::error; // legacy octal: not with `u`
            cp = 0;
            ++pos_;
            return cp_escape::yes;
        case 'x': {
            const int h1 = hex_value(peek(1));
            const int h2 = hex_value(peek(2));
            if (h1 < 0 || h2 < 0) return cp_escape::error;
            cp = static_cast<char32_t>(h1 * 16 + h2);
            pos_ += 3;
            return cp_escape::yes;
        }
        case 'u':
            ++pos_;
            return unicode_escape(cp) ? cp_escape::yes : cp_escape::error;
        default:
            break;
        }
        if (e == '\0' && at_end()) return cp_escape::error; // trailing backslash
        const auto u = static_cast<unsigned char>(e);
        if (u < 0x80 && !is_ascii_alnum(e) && e != '_' ) {
            // SyntaxCharacter, '/', '-' and (Annex B leniency) any other ASCII punctuation.
            cp = u;
            ++pos_;
            return cp_escape::yes;
        }
        return cp_escape::no;
    }

    bool atom_escape() {
        ++pos_; // backslash
        const char e = peek();
        switch (e) {
        case 'd':
        case 'D':
        case 'w':
        case 'W': // ASCII in PCRE2 without UCP, as in ECMA
            out_ += '\\';
            out_ += e;
            ++pos_;
            return true;
        case 's':
            ++pos_;
            out_ += '[';
            out_ += ecma_space_set;
            out_ += ']';
            return true;
        case 'S':
            ++pos_;
            out_ += "[^";
            out_ += ecma_space_set;
            out_ += ']';
            return true;
        case 'p':
        case 'P':
            ++pos_;
            return property_escape(e == 'P', out_);
        case 'k': {
            if (peek(1) != '<') return false;
            const std::size_t end = src_.find('>', pos_);
            if (end == std::string_view::npos) return false;
            const std::string_view name = src_.substr(pos_ + 2, end - pos_ - 2);
            if (std::find(names_.begin(), names_.end(), name) == names_.end()) return false;
            pos_ = end + 1;
            saw_backref_ = true;
            out_ += "\\k<";
            out_ += name;
            out_ += '>';
            return true;
        }
        default:
            break;
        }
        if (e >= '1' && e <= '9') {
            std::size_t n = 0;
            while (is_ascii_digit(peek())) {
                n = n * 10 + static_cast<std::size_t>(peek() - '0');
                if (n > 100000) return false;
                ++pos_;
            }
            if (n > group_total_) return false;
            saw_backref_ = true;
            out_ += "\\g{" + std::to_string(n) + "}";
            return true;
        }
        char32_t cp;
        switch (code_point_escape(cp)) {
        case cp_escape::yes: emit_code_point(cp); return true;
        case cp_escape::error:
        case cp_escape::no: return false;
        }
        return false;
    }

    bool class_atom_at(class_atom& a) {
        a = class_atom{};
        if (peek() != '\\') {
            char32_t cp;
            const std::size_t len = decode_utf8(src_, pos_, cp);
            if (len == 0) return false;
            pos_ += len;
            a.cp = cp;
            return true;
        }
        ++pos_;
        const char e = peek();
        switch (e) {
        case 'b': ++pos_; a.cp = 0x08; return true;
        case 'd':
        case 'D':
        case 'w':
        case 'W':
            ++pos_;
            a.kind = class_atom::escape;
            a.text = {'\\', e};
            return true;
        case 's': ++pos_; a.kind = class_atom::space; return true;
        case 'S': ++pos_; a.kind = class_atom::not_space; return true;
        case 'p':
        case 'P':
            ++pos_;
            a.kind = class_atom::escape;
            return property_escape(e == 'P', a.text);
        default:
            break;
        }
        char32_t cp;
        if (code_point_escape(cp) != cp_escape::yes) return false;
        a.cp = cp;
        return true;
    }

    static void emit_class_cp(std::string& body, char32_t cp) {
        if (cp < 0x80 && is_ascii_alnum(static_cast<char>(cp))) {
            body += static_cast<char>(cp);
        } else {
            append_hex_cp(body, cp);
        }
    }

    bool character_class() {
        ++pos_; // '['
        const bool negated = eat('^');
        std::string body;
        bool not_space = false;
        bool closed = false;
        while (!at_end()) {
            if (peek() == ']') {
                ++pos_;
                closed = true;
                break;
            }
            class_atom a;
            if (!class_atom_at(a)) return false;
            if (peek() == '-' && peek(1) != ']' && pos_ + 1 < src_.size()) {
                ++pos_;
                class_atom b;
                if (!class_atom_at(b)) return false;
                if (a.kind == class_atom::code_point && b.kind == class_atom::code_point) {
                    if (a.cp > b.cp) return false; // out-of-order range
                    char32_t lo = a.cp;
                    char32_t hi = b.cp;
                    // PCRE2 rejects surrogate code points; none can appear in UTF-8 anyway.
                    if (is_surrogate(lo)) lo = 0xE000;
                    if (is_surrogate(hi)) hi = 0xD7FF;
                    if (lo <= hi) {
                        emit_class_cp(body, lo);
                        if (hi != lo) {
                            body += '-';
                            emit_class_cp(body, hi);
                        }
                    }
                    continue;
                }
                // Annex B: a range with a class escape at either end reads the '-' literally.
                add_class_atom(body, a, not_space);
                body += "\\-";
                add_class_atom(body, b, not_space);
                continue;
            }
            add_class_atom(body, a, not_space);
        }
        if (!closed) return false;
        if (!not_space) {
            if (body.empty()) {
                out_ += negated ? any_char : never; // [^] and []
            } else {
                out_ += negated ? "[^" : "[";
                out_ += body;
                out_ += ']';
            }
            return true;
        }
        // \S cannot be spelled inside a PCRE2 class with our explicit space set: split it out.
        std::string non_space = "[^";
        non_space += ecma_space_set;
        non_space += ']';
        std::string space = "[";
        space += ecma_space_set;
        space += ']';
        if (body.empty()) {
            out_ += negated ? space : non_space;
        } else if (!negated) {
            out_ += "(?:[" + body + "]|" + non_space + ")";
        } else {
            out_ += "(?:(?![" + body + "])" + space + ")";
        }
        return true;
    }

    static void add_class_atom(std::string& body, const class_atom& a, bool& not_space) {
        switch (a.kind) {
        case class_atom::code_point:
            if (!is_surrogate(a.cp)) emit_class_cp(body, a.cp);
            break;
        case class_atom::escape: body += a.text; break;
        case class_atom::space: body += ecma_space_set; break;
        case class_atom::not_space: not_space = true; break;
        }
    }

    std::string_view src_;
    bool callouts_;
    std::size_t pos_ = 0;
    std::string out_;
    std::size_t group_total_ = 0;
    int groups_seen_ = 0;
    bool saw_backref_ = false;
    int nesting_ = 0;
    std::vector<std::string_view> names_;
    std::vector<lookbehind_part> lookbehinds_;
};

std::optional<translation> translate(std::string_view src, bool callouts) {
    translation t;
    translator tr(src, callouts);
    if (!tr.run(t)) return std::nullopt;
    return t;
}

constexpr std::uint32_t compile_options =
    PCRE2_UTF | PCRE2_DOLLAR_ENDONLY | PCRE2_MATCH_UNSET_BACKREF | PCRE2_NEVER_UCP | PCRE2_NEVER_BACKSLASH_C;
// Backtracking bounds: generous for real patterns, small enough that a catastrophic pattern on a
// request-sized subject gives up in milliseconds instead of hanging the reactor.
constexpr std::uint32_t match_limit = 1'000'000;
constexpr std::uint32_t depth_limit = 10'000;
constexpr std::uint32_t heap_limit_kib = 8 * 1024;

struct code_deleter {
    void operator()(pcre2_code* c) const noexcept { pcre2_code_free(c); }
};
struct match_data_deleter {
    void operator()(pcre2_match_data* m) const noexcept { pcre2_match_data_free(m); }
};
struct match_context_deleter {
    void operator()(pcre2_match_context* m) const noexcept { pcre2_match_context_free(m); }
};
struct jit_stack_deleter {
    void operator()(pcre2_jit_stack* s) const noexcept { pcre2_jit_stack_free(s); }
};
using code_ptr = std::unique_ptr<pcre2_code, code_deleter>;
using match_data_ptr = std::unique_ptr<pcre2_match_data, match_data_deleter>;
using match_context_ptr = std::unique_ptr<pcre2_match_context, match_context_deleter>;

// One compiled pattern on one thread. Lookbehind bodies that PCRE2 cannot handle natively are
// separate entries, run from the callout; each has its own match data and context because it
// runs while the outer match is still using the outer ones.
struct compiled {
    code_ptr code;
    match_data_ptr data;
    match_context_ptr context;
    bool negative = false;                       // for lookbehind parts
    std::vector<std::unique_ptr<compiled>> parts; // lookbehind parts, callout number = index + 1
};

int lookbehind_callout(pcre2_callout_block* block, void* user) {
    auto* root = static_cast<compiled*>(user);
    const std::uint32_t n = block->callout_number;
    if (n == 0 || n > root->parts.size()) return PCRE2_ERROR_CALLOUT;
    compiled& part = *root->parts[n - 1];
    // The body must match a substring ending exactly here: search "(?:body)\z" in the subject
    // cut at the current position.
    // The outer match already checked the subject's UTF-8 and the cut is at a character boundary.
    const int rc = pcre2_match(part.code.get(), block->subject, block->current_position, 0, PCRE2_NO_UTF_CHECK,
                               part.data.get(), part.context.get());
    if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) return rc; // limits: abort the whole match
    const bool found = rc >= 0;
    return found != part.negative ? 0 : 1; // 0: assertion holds, continue; 1: fail here
}

code_ptr compile_code(const std::string& pcre, int& error) {
    PCRE2_SIZE offset = 0;
    return code_ptr(pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pcre.data()), pcre.size(), compile_options, &error,
                                  &offset, nullptr));
}

bool finish_entry(compiled& c, compiled* root, pcre2_jit_stack* jit_stack, bool jit) {
    if (jit) (void)pcre2_jit_compile(c.code.get(), PCRE2_JIT_COMPLETE); // falls back to the interpreter
    c.data.reset(pcre2_match_data_create(1, nullptr));
    c.context.reset(pcre2_match_context_create(nullptr));
    if (!c.data || !c.context) return false;
    pcre2_set_match_limit(c.context.get(), match_limit);
    pcre2_set_depth_limit(c.context.get(), depth_limit);
    pcre2_set_heap_limit(c.context.get(), heap_limit_kib);
    if (jit_stack != nullptr) pcre2_jit_stack_assign(c.context.get(), nullptr, jit_stack);
    if (!root->parts.empty()) pcre2_set_callout(c.context.get(), lookbehind_callout, root);
    return true;
}

// Translates and compiles; nullptr when the source is not a supported ECMA pattern.
std::unique_ptr<compiled> compile_pattern(std::string_view source, pcre2_jit_stack* jit_stack, bool jit) {
    auto t = translate(source, false);
    if (!t) return nullptr;
    int error = 0;
    auto entry = std::make_unique<compiled>();
    entry->code = compile_code(t->pcre, error);
    if (!entry->code && error == PCRE2_ERROR_LOOKBEHIND_NOT_FIXED_LENGTH) {
        t = translate(source, true);
        if (!t) return nullptr;
        entry->code = compile_code(t->pcre, error);
        if (!entry->code) return nullptr;
        for (lookbehind_part& lb : t->lookbehinds) {
            auto part = std::make_unique<compiled>();
            part->code = compile_code(lb.pcre, error);
            if (!part->code) return nullptr;
            part->negative = lb.negative;
            entry->parts.push_back(std::move(part));
        }
        for (auto& part : entry->parts) {
            // Parts run nested inside the outer JIT match: they must not share its JIT stack.
            if (!finish_entry(*part, entry.get(), nullptr, jit)) return nullptr;
        }
    }
    if (!entry->code) return nullptr;
    if (!finish_entry(*entry, entry.get(), jit_stack, jit)) return nullptr;
    return entry;
}

// Per-thread compiled patterns, indexed by pattern id - 1. An entry with no code marks a pattern
// that failed to compile on this thread (so it is not retried on every call).
struct thread_table {
    std::vector<std::unique_ptr<compiled>> entries;
    std::vector<bool> tried;
    std::unique_ptr<pcre2_jit_stack, jit_stack_deleter> jit_stack{pcre2_jit_stack_create(32 * 1024, 1024 * 1024, nullptr)};
};

thread_local thread_table tls_table;

std::atomic<std::uint32_t> next_pattern_id{1};

} // namespace

std::uint32_t regex_pattern::id() const noexcept {
    std::uint32_t v = id_.load(std::memory_order_acquire);
    if (v != 0) return v;
    const std::uint32_t fresh = next_pattern_id.fetch_add(1, std::memory_order_relaxed);
    if (id_.compare_exchange_strong(v, fresh, std::memory_order_acq_rel)) return fresh;
    return v; // another thread assigned one first
}

namespace {

compiled* lookup(std::uint32_t id, std::string_view source) noexcept {
    thread_table& t = tls_table;
    const std::size_t index = id - 1;
    if (index < t.tried.size() && t.tried[index]) return t.entries[index].get();
    // First use on this thread: compile (heap allocations here are one-off, not per request).
    try {
        if (index >= t.tried.size()) {
            t.tried.resize(index + 1, false);
            t.entries.resize(index + 1);
        }
        t.entries[index] = compile_pattern(source, t.jit_stack.get(), true);
        t.tried[index] = true;
        return t.entries[index].get();
    } catch (...) {
        return nullptr; // out of memory: behave as a pattern that does not match
    }
}

} // namespace

match_status regex_pattern::match(std::string_view subject) const noexcept {
    compiled* c = lookup(id(), source_);
    if (c == nullptr) return match_status::error;
    // An empty view may have a null data(), which pcre2_match rejects even for length 0.
    const char* bytes = subject.empty() ? "" : subject.data();
    const int rc = pcre2_match(c->code.get(), reinterpret_cast<PCRE2_SPTR>(bytes), subject.size(), 0, 0,
                               c->data.get(), c->context.get());
    if (rc >= 0) return match_status::matched;
    if (rc == PCRE2_ERROR_NOMATCH) return match_status::no_match;
    return match_status::error;
}

bool regex_pattern::valid() const noexcept { return lookup(id(), source_) != nullptr; }

std::optional<std::string> translate_ecma_regex(std::string_view ecma_source) {
    auto t = translate(ecma_source, false);
    if (!t) return std::nullopt;
    return std::move(t->pcre);
}

bool is_regex(std::string_view ecma_source) { return compile_pattern(ecma_source, nullptr, false) != nullptr; }

} // namespace katana::api
