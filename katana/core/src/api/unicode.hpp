#pragma once
// Unicode character properties for the IDNA checks of formats.cpp (hostname A-labels,
// idn-hostname, idn-email). The data comes from PCRE2's Unicode tables (the library is linked for
// `pattern` anyway): one anchored pattern per property family, compiled once per thread.
#include <cstdint>

namespace katana::api::detail {

enum class general_category : std::uint8_t {
    Lu, Ll, Lt, Lm, Lo, Mn, Mc, Me, Nd, Nl, No, Pc, Pd, Ps, Pe, Pi, Pf, Po,
    Sm, Sc, Sk, So, Zs, Zl, Zp, Cc, Cf, Cs, Co, Cn,
};

// RFC 5893 needs these Bidi classes; everything else reports `other`.
enum class bidi_class : std::uint8_t { L, R, AL, AN, EN, ES, CS, ET, ON, BN, NSM, other };

enum class script : std::uint8_t { other, greek, hebrew, hiragana, katakana, han };

[[nodiscard]] general_category category_of(char32_t cp) noexcept;
[[nodiscard]] bidi_class bidi_of(char32_t cp) noexcept;
[[nodiscard]] script script_of(char32_t cp) noexcept;

} // namespace katana::api::detail
