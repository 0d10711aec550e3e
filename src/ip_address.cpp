// IP addresses read into bytes (ip_address.hpp). No inet_pton(), which firmware lacks.
#include "htpx/ip_address.hpp"

#include <cstring>

namespace htpx {

namespace {

// RFC 3986 §3.2.2 IPv4address: four dec-octets, no leading zeros.
bool parse_ipv4(std::string_view text, std::uint8_t* out) noexcept {
  std::size_t i = 0;
  for (std::size_t part = 0; part != 4; ++part) {
    if (part != 0) {
      if (i == text.size() || text[i] != '.') return false;
      ++i;
    }
    unsigned value = 0;
    std::size_t digits = 0;
    while (i != text.size() && text[i] >= '0' && text[i] <= '9') {
      if (digits == 1 && value == 0) return false;  // no leading zeros (they read as octal elsewhere)
      value = value * 10 + static_cast<unsigned>(text[i] - '0');
      if (value > 255) return false;
      ++digits;
      ++i;
    }
    if (digits == 0) return false;
    out[part] = static_cast<std::uint8_t>(value);
  }
  return i == text.size();
}

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 4291 §2.2: eight groups, one "::" for a run of zero groups, an IPv4 tail allowed.
bool parse_ipv6(std::string_view text, std::uint8_t* out) noexcept {
  std::uint16_t groups[8] = {};
  std::size_t count = 0;
  std::size_t gap = 8;  // where "::" stands, 8 for none
  std::size_t i = 0;
  if (text.size() >= 2 && text[0] == ':' && text[1] == ':') {
    gap = 0;
    i = 2;
  }
  while (i != text.size()) {
    const std::string_view rest(text.data() + i, text.size() - i);
    // The IPv4 tail (two groups) is the last part: a dot and no colon left.
    if (rest.find(':') == std::string_view::npos && rest.find('.') != std::string_view::npos) {
      std::uint8_t v4[4];
      if (count > 6 || !parse_ipv4(rest, v4)) return false;
      groups[count++] = static_cast<std::uint16_t>(v4[0] << 8 | v4[1]);
      groups[count++] = static_cast<std::uint16_t>(v4[2] << 8 | v4[3]);
      break;
    }
    unsigned value = 0;
    std::size_t digits = 0;
    while (i != text.size() && hex_digit(text[i]) >= 0) {
      if (++digits > 4) return false;
      value = value * 16 + static_cast<unsigned>(hex_digit(text[i]));
      ++i;
    }
    if (digits == 0 || count == 8) return false;
    groups[count++] = static_cast<std::uint16_t>(value);
    if (i == text.size()) break;
    if (text[i] != ':' || ++i == text.size()) return false;  // a lone trailing ':' is not allowed
    if (text[i] == ':') {
      if (gap != 8) return false;  // one "::" at most
      gap = count;
      ++i;
    }
  }
  if (gap == 8 ? count != 8 : count > 7) return false;  // "::" stands for one group or more
  std::memset(out, 0, 16);
  const std::size_t zeros = 8 - count;
  std::size_t at = 0;
  for (std::size_t g = 0; g != count; ++g) {
    if (g == gap) at += zeros;
    out[2 * at] = static_cast<std::uint8_t>(groups[g] >> 8);
    out[2 * at + 1] = static_cast<std::uint8_t>(groups[g] & 0xFF);
    ++at;
  }
  return true;  // "::" at the end: its zeros are already there
}

}  // namespace

bool parse_ip_address(std::string_view text, ip_address& out) noexcept {
  out = ip_address{};
  if (parse_ipv4(text, out.bytes)) {
    out.size = 4;
  } else if (parse_ipv6(text, out.bytes)) {
    out.size = 16;
  }
  return out.size != 0;
}

ip_address unmapped(const ip_address& address) noexcept {
  // RFC 4291 §2.5.5.2: ::ffff:a.b.c.d is the IPv4 address a.b.c.d.
  constexpr std::uint8_t mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (address.size != 16 || std::memcmp(address.bytes, mapped_prefix, sizeof mapped_prefix) != 0) return address;
  ip_address v4;
  std::memcpy(v4.bytes, address.bytes + 12, 4);
  v4.size = 4;
  return v4;
}

bool same_address(const ip_address& a, const ip_address& b) noexcept {
  const ip_address x = unmapped(a);
  const ip_address y = unmapped(b);
  return x.size != 0 && x.size == y.size && std::memcmp(x.bytes, y.bytes, x.size) == 0;
}

}  // namespace htpx
