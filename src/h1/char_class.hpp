// Character classes of RFC 9110 §5.6 and RFC 9112 §2, and a word-at-a-time scanner for field
// values. Private to src/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace htpx::h1::detail {

/// Bits of char_class[c].
enum : std::uint8_t {
  value_char = 0x01,   ///< a byte of field-value: VCHAR, SP, HTAB, obs-text (RFC 9110 §5.5)
  target_char = 0x02,  ///< a byte of a request-target as sent: VCHAR but '#' (RFC 9112 §3.2)
  hex_digit = 0x10,    ///< HEXDIG (RFC 5234 B.1)
  tchar = 0x20,        ///< tchar (RFC 9110 §5.6.2)
  ext_char = 0x40,     ///< tchar, ";", "=", SP, HTAB: an unquoted chunk extension (RFC 9112 §7.1.1)
  host_char = 0x80,    ///< a byte of uri-host [ ":" port ]: reg-name, IPv4, IP-literal (RFC 3986 §3.2.2)
};

/// One table for every per-byte class the parsers test, so each test is one load:
/// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" /
///         "~" / DIGIT / ALPHA   (RFC 9110 §5.6.2)
struct char_class_table {
  std::uint8_t bits[256];
  constexpr char_class_table() : bits() {
    for (int c = '0'; c <= '9'; ++c) bits[c] = tchar | hex_digit;
    for (int c = 'a'; c <= 'z'; ++c) bits[c] = tchar;
    for (int c = 'A'; c <= 'Z'; ++c) bits[c] = tchar;
    for (int c = 0; c != 6; ++c) bits['a' + c] = bits['A' + c] = tchar | hex_digit;
    for (const char c : "!#$%&'*+-.^_`|~") bits[static_cast<unsigned char>(c)] = tchar;
    bits[0] = 0;  // the string literal's terminator
    for (int c = 0; c != 256; ++c) {
      if ((bits[c] & tchar) != 0 || c == ';' || c == '=' || c == ' ' || c == '\t') bits[c] |= ext_char;
      const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      if (alnum) bits[c] |= host_char;
      if (c == '\t' || (c >= 0x20 && c != 0x7f)) bits[c] |= value_char;
      if (c > 0x20 && c < 0x7f && c != '#') bits[c] |= target_char;
    }
    for (const char c : "-._~!$&'()*+,;=:[]%") bits[static_cast<unsigned char>(c)] |= host_char;
    bits[0] = static_cast<std::uint8_t>(bits[0] & ~host_char);  // the string literal's terminator
  }
  constexpr std::uint8_t operator[](unsigned char c) const { return bits[c]; }
};
inline constexpr char_class_table char_class{};

/// Returns true when the `size` bytes at `name` equal the `n` (at least 4) bytes at `literal`
/// ignoring ASCII case: 4 bytes at a time, both folded by `| 0x20`. For a token or a field value
/// (no CTLs) against a literal of letters and '-', no other byte folds onto one of the
/// literal's. Pointers and sizes rather than string_views: 32-bit ABIs pass a view through the
/// stack.
inline bool name_is(const char* name, std::size_t size, const char* literal, std::size_t n) noexcept {
  if (size != n) return false;
  constexpr std::uint32_t fold = 0x20202020u;
  // Words at 0, 4, ... and a last one at n - 4 that may overlap the one before: no byte loop.
  // (A plain counted loop: with a literal, compilers unroll it and fold the literal's words.)
  std::uint32_t a;
  std::uint32_t b;
  for (std::size_t i = 0; i + 4 < n; i += 4) {
    std::memcpy(&a, name + i, 4);
    std::memcpy(&b, literal + i, 4);
    if ((a | fold) != (b | fold)) return false;
  }
  std::memcpy(&a, name + n - 4, 4);
  std::memcpy(&b, literal + n - 4, 4);
  return (a | fold) == (b | fold);
}

/// The same with a literal, whose length is known here (no strlen at run time).
template <std::size_t N>
inline bool name_is(const char* name, std::size_t size, const char (&literal)[N]) noexcept {
  return name_is(name, size, literal, N - 1);
}
/// The same with a view of a literal.
inline bool name_is(const char* name, std::size_t size, std::string_view literal) noexcept {
  return name_is(name, size, literal.data(), literal.size());
}

/// Returns the value of the hex digit `c` (HEXDIG): '0'-'9' are 0x30-0x39, 'A'-'F' and 'a'-'f'
/// end in 1-6 and have bit 6 set.
inline unsigned hex_value(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return (u & 0x0fu) + (u >> 6) * 9u;
}

/// Returns true for a token character.
inline bool is_tchar(char c) noexcept { return (char_class[static_cast<unsigned char>(c)] & tchar) != 0; }

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
      // The builtin of the word's own width: a wider one would call libgcc on 32-bit targets.
      if constexpr (sizeof(word) == sizeof(unsigned long)) {
        return p + static_cast<unsigned>(__builtin_ctzl(found)) / 8;
      } else {
        return p + static_cast<unsigned>(__builtin_ctzll(found)) / 8;
      }
#else
      break;
#endif
    }
    p += sizeof(word);
  }
  while (p != end && !is_ctl(*p)) ++p;
  return p;
}

/// Returns the first byte in [p, end) that is not a token character, or `end`.
template <class Char>
inline Char* skip_tchars(Char* p, Char* end) noexcept {
  while (p != end && is_tchar(*p)) ++p;
  return p;
}

/// Returns true for SP or HTAB (OWS / BWS, RFC 9110 §5.6.3).
inline bool is_ows(char c) noexcept { return c == ' ' || c == '\t'; }

}  // namespace htpx::h1::detail
