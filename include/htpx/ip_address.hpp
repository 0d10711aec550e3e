// IP addresses as bytes, so that hosts compare as addresses and not as text: "::ffff:127.0.0.1",
// "::FFFF:7f00:1" and "127.0.0.1" are one address (catalogue H1-32). Used by the NO_PROXY list
// and by the mbedTLS port's check of a certificate's iPAddress names.
#pragma once

#include <cstdint>
#include <string_view>

namespace htpx {

/// An IPv4 (4 bytes) or IPv6 (16 bytes) address in network order; size 0 when none.
struct ip_address {
  std::uint8_t bytes[16] = {};
  std::uint8_t size = 0;
};

/// Reads `text` as an IPv4 dotted quad (RFC 3986 §3.2.2 IPv4address: no leading zeros, which
/// other parsers read as octal) or an IPv6 address (RFC 4291 §2.2, an IPv4 tail allowed; no
/// brackets, no zone). Returns false, with `out` empty, for anything else.
[[nodiscard]] bool parse_ip_address(std::string_view text, ip_address& out) noexcept;

/// Returns `address`, or the IPv4 address an IPv4-mapped IPv6 address (::ffff:a.b.c.d,
/// RFC 4291 §2.5.5.2) stands for.
[[nodiscard]] ip_address unmapped(const ip_address& address) noexcept;

/// Whether `a` and `b` are one address once IPv4-mapped addresses are read as IPv4 (never when
/// either is empty).
[[nodiscard]] bool same_address(const ip_address& a, const ip_address& b) noexcept;

}  // namespace htpx
