// Character classes of RFC 9110 §5.6 and RFC 9112 §2, and a word-at-a-time scanner for field
// values. Private to src/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace htpx::h1::detail {

/// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" /
///         "~" / DIGIT / ALPHA   (RFC 9110 §5.6.2)
struct tchar_table {
  bool is[256];
  constexpr tchar_table() : is() {
    for (int c = '0'; c <= '9'; ++c) is[c] = true;
    for (int c = 'a'; c <= 'z'; ++c) is[c] = true;
    for (int c = 'A'; c <= 'Z'; ++c) is[c] = true;
    for (const char c : "!#$%&'*+-.^_`|~") is[static_cast<unsigned char>(c)] = true;
    is[0] = false;  // the string literal's terminator
  }
};
inline constexpr tchar_table tchar{};

/// Returns true for a token character.
inline bool is_tchar(char c) noexcept { return tchar.is[static_cast<unsigned char>(c)]; }

/// Returns true for a byte that may not appear in field content: a CTL other than HTAB is
/// invalid (RFC 9110 §5.5), and so is DEL. HTAB itself is reported too; callers accept it.
inline bool is_ctl(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

/// Returns the first byte in [p, end) that is a CTL (HTAB included) or DEL, or `end`.
/// Field values are long and almost always clean, so it tests a machine word per step
/// (SWAR: the "has a byte less than n" and "has a zero byte" bit tricks). Both tricks flag the
/// first matching byte exactly (borrows only run towards later bytes), so on little-endian
/// machines the lowest flag gives its position; elsewhere a short loop finds it.
/// Portable C++: no SIMD, any alignment.
template <class Char>
inline Char* find_ctl(Char* p, Char* end) noexcept {
  using word = std::size_t;
  constexpr word ones = ~word{0} / 255;  // 0x0101...
  constexpr word highs = ones * 0x80;
  while (static_cast<std::size_t>(end - p) >= sizeof(word)) {
    word w;
    std::memcpy(&w, p, sizeof w);
    const word below_space = (w - ones * 0x20) & ~w & highs;
    const word x = w ^ (ones * 0x7f);
    const word is_del = (x - ones) & ~x & highs;
    const word found = below_space | is_del;
    if (found != 0) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
      return p + static_cast<unsigned>(__builtin_ctzll(found)) / 8;
#else
      break;
#endif
    }
    p += sizeof(word);
  }
  while (p != end && !is_ctl(*p)) ++p;
  return p;
}

/// Returns the first byte in [p, end) that is not a token character, or `end`. Unrolled: a
/// field name is a dozen bytes and this loop is the whole of its cost.
template <class Char>
inline Char* skip_tchars(Char* p, Char* end) noexcept {
  while (end - p >= 4) {
    if (!is_tchar(p[0])) return p;
    if (!is_tchar(p[1])) return p + 1;
    if (!is_tchar(p[2])) return p + 2;
    if (!is_tchar(p[3])) return p + 3;
    p += 4;
  }
  while (p != end && is_tchar(*p)) ++p;
  return p;
}

/// Returns the value of a hex digit, or 0xff for any other byte.
inline std::uint8_t hex_value(char c) noexcept {
  const unsigned u = static_cast<unsigned char>(c);
  if (u - '0' < 10u) return static_cast<std::uint8_t>(u - '0');
  const unsigned lower = u | 0x20u;
  if (lower - 'a' < 6u) return static_cast<std::uint8_t>(lower - 'a' + 10);
  return 0xff;
}

/// Returns true for SP or HTAB (OWS / BWS, RFC 9110 §5.6.3).
inline bool is_ows(char c) noexcept { return c == ' ' || c == '\t'; }

}  // namespace htpx::h1::detail
