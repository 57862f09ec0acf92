#define PCRE2_CODE_UNIT_WIDTH 8
#include "api/unicode.hpp"

#include "api/utf8.hpp"

#include <pcre2.h>

#include <cstddef>
#include <string_view>

namespace katana::api::detail {
namespace {

// "^(?:(\p{Lu})|(\p{Ll})|...)": the number of the group that matched is the enum value + 1.
constexpr std::string_view category_pattern =
    R"((?:(\p{Lu})|(\p{Ll})|(\p{Lt})|(\p{Lm})|(\p{Lo})|(\p{Mn})|(\p{Mc})|(\p{Me})|(\p{Nd})|(\p{Nl})|(\p{No})|)"
    R"((\p{Pc})|(\p{Pd})|(\p{Ps})|(\p{Pe})|(\p{Pi})|(\p{Pf})|(\p{Po})|(\p{Sm})|(\p{Sc})|(\p{Sk})|(\p{So})|)"
    R"((\p{Zs})|(\p{Zl})|(\p{Zp})|(\p{Cc})|(\p{Cf})|(\p{Cs})|(\p{Co})|(\p{Cn})))";
constexpr std::string_view bidi_pattern =
    R"((?:(\p{bc=L})|(\p{bc=R})|(\p{bc=AL})|(\p{bc=AN})|(\p{bc=EN})|(\p{bc=ES})|(\p{bc=CS})|(\p{bc=ET})|)"
    R"((\p{bc=ON})|(\p{bc=BN})|(\p{bc=NSM})))";
constexpr std::string_view script_pattern =
    R"((?:(\p{sc=Greek})|(\p{sc=Hebrew})|(\p{sc=Hiragana})|(\p{sc=Katakana})|(\p{sc=Han})))";

class property_matcher {
public:
    explicit property_matcher(std::string_view pattern) noexcept {
        int error = 0;
        PCRE2_SIZE offset = 0;
        code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), PCRE2_UTF | PCRE2_ANCHORED,
                              &error, &offset, nullptr);
        if (code_ != nullptr) data_ = pcre2_match_data_create_from_pattern(code_, nullptr);
    }
    ~property_matcher() {
        pcre2_match_data_free(data_);
        pcre2_code_free(code_);
    }
    property_matcher(const property_matcher&) = delete;
    property_matcher& operator=(const property_matcher&) = delete;

    // 0 when nothing matched, else the 1-based group number.
    int group_of(char32_t cp) noexcept {
        if (code_ == nullptr || data_ == nullptr || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
        char buf[4];
        const std::size_t n = encode_utf8(cp, buf);
        const int rc = pcre2_match(code_, reinterpret_cast<PCRE2_SPTR>(buf), n, 0, PCRE2_NO_UTF_CHECK, data_, nullptr);
        if (rc < 2) return 0;
        const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(data_);
        for (int g = 1; g < rc; ++g) {
            if (ov[2 * g] != PCRE2_UNSET) return g;
        }
        return 0;
    }

private:
    pcre2_code* code_ = nullptr;
    pcre2_match_data* data_ = nullptr;
};

} // namespace

general_category category_of(char32_t cp) noexcept {
    if (cp < 0x80) {
        if (cp >= 'a' && cp <= 'z') return general_category::Ll;
        if (cp >= 'A' && cp <= 'Z') return general_category::Lu;
        if (cp >= '0' && cp <= '9') return general_category::Nd;
    }
    thread_local property_matcher m(category_pattern);
    const int g = m.group_of(cp);
    return g == 0 ? general_category::Cn : static_cast<general_category>(g - 1);
}

bidi_class bidi_of(char32_t cp) noexcept {
    if (cp < 0x80) {
        if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z')) return bidi_class::L;
        if (cp >= '0' && cp <= '9') return bidi_class::EN;
    }
    thread_local property_matcher m(bidi_pattern);
    const int g = m.group_of(cp);
    return g == 0 ? bidi_class::other : static_cast<bidi_class>(g - 1);
}

script script_of(char32_t cp) noexcept {
    if (cp < 0x80) return script::other;
    thread_local property_matcher m(script_pattern);
    return static_cast<script>(m.group_of(cp));
}

} // namespace katana::api::detail
