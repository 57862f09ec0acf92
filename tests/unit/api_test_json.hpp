#pragma once
// A small JSON reader for the api_* tests: enough to walk the JSON-Schema-Test-Suite files.
// (The api runtime does not depend on katana/json, so its tests do not either.) Not hardened:
// it reads trusted corpus files; malformed input makes parse() return nullopt.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace katana::test::mini_json {

struct value {
    enum class kind { null, boolean, number, string, array, object } type = kind::null;
    bool b = false;
    double n = 0;
    std::string s;
    std::vector<value> items;
    // Object members as two parallel vectors (a vector of pair<string, value> would need value
    // complete here, which clang with libstdc++ 12 insists on).
    std::vector<std::string> keys;
    std::vector<value> values;

    [[nodiscard]] const value* find(std::string_view key) const {
        for (std::size_t i = 0; i < keys.size(); ++i) {
            if (keys[i] == key) return &values[i];
        }
        return nullptr;
    }
    [[nodiscard]] bool is_string() const { return type == kind::string; }
};

class parser {
public:
    explicit parser(std::string_view text) : t_(text) {}

    std::optional<value> parse() {
        value v;
        if (!parse_value(v, 0)) return std::nullopt;
        ws();
        if (i_ != t_.size()) return std::nullopt;
        return v;
    }

private:
    void ws() {
        while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\n' || t_[i_] == '\r' || t_[i_] == '\t')) ++i_;
    }
    bool lit(std::string_view w) {
        if (t_.substr(i_, w.size()) != w) return false;
        i_ += w.size();
        return true;
    }
    static void put_utf8(std::string& out, std::uint32_t cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }
    bool hex4(std::uint32_t& v) {
        if (i_ + 4 > t_.size()) return false;
        v = 0;
        for (int k = 0; k < 4; ++k) {
            const char c = t_[i_++];
            v <<= 4;
            if (c >= '0' && c <= '9') v |= static_cast<std::uint32_t>(c - '0');
            else if (c >= 'a' && c <= 'f') v |= static_cast<std::uint32_t>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') v |= static_cast<std::uint32_t>(c - 'A' + 10);
            else return false;
        }
        return true;
    }
    bool parse_string(std::string& out) {
        if (!lit("\"")) return false;
        while (i_ < t_.size()) {
            const char c = t_[i_++];
            if (c == '"') return true;
            if (c != '\\') {
                out += c;
                continue;
            }
            if (i_ >= t_.size()) return false;
            const char e = t_[i_++];
            switch (e) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': {
                std::uint32_t cp;
                if (!hex4(cp)) return false;
                if (cp >= 0xD800 && cp <= 0xDBFF && t_.substr(i_, 2) == "\\u") {
                    i_ += 2;
                    std::uint32_t lo;
                    if (!hex4(lo)) return false;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                }
                put_utf8(out, cp);
                break;
            }
            default: return false;
            }
        }
        return false;
    }
    bool parse_value(value& v, int depth) {
        if (depth > 200) return false;
        ws();
        if (i_ >= t_.size()) return false;
        const char c = t_[i_];
        if (c == '{') {
            ++i_;
            v.type = value::kind::object;
            ws();
            if (lit("}")) return true;
            while (true) {
                ws();
                std::string key;
                if (!parse_string(key)) return false;
                ws();
                if (!lit(":")) return false;
                value child;
                if (!parse_value(child, depth + 1)) return false;
                v.keys.push_back(std::move(key));
                v.values.push_back(std::move(child));
                ws();
                if (lit("}")) return true;
                if (!lit(",")) return false;
            }
        }
        if (c == '[') {
            ++i_;
            v.type = value::kind::array;
            ws();
            if (lit("]")) return true;
            while (true) {
                value child;
                if (!parse_value(child, depth + 1)) return false;
                v.items.push_back(std::move(child));
                ws();
                if (lit("]")) return true;
                if (!lit(",")) return false;
            }
        }
        if (c == '"') {
            v.type = value::kind::string;
            return parse_string(v.s);
        }
        if (lit("true")) {
            v.type = value::kind::boolean;
            v.b = true;
            return true;
        }
        if (lit("false")) {
            v.type = value::kind::boolean;
            return true;
        }
        if (lit("null")) return true;
        const std::size_t start = i_;
        while (i_ < t_.size() && std::string_view("+-0123456789.eE").find(t_[i_]) != std::string_view::npos) ++i_;
        if (i_ == start) return false;
        v.type = value::kind::number;
        v.n = std::stod(std::string(t_.substr(start, i_ - start)));
        return true;
    }

    std::string_view t_;
    std::size_t i_ = 0;
};

inline std::optional<value> parse_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return std::nullopt;
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    return parser(text).parse();
}

} // namespace katana::test::mini_json
