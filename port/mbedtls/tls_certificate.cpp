// The port's own certificate checks (tls_certificate.hpp): dates against the port's clock,
// IP-address hosts against iPAddress names, and the reason a verification failed.
#include "tls_certificate.hpp"

#include <cstring>

#include "htpx/civil_date.hpp"
#include "tls_transport.hpp"

namespace htpx::port::detail {

// Helpers of the checks below.
namespace {

std::int64_t unix_seconds(const mbedtls_x509_time& t) noexcept {
  // (mbedTLS keeps the fields as ints; a certificate's are in range once it parsed.)
  return days_from_civil(t.year, static_cast<unsigned>(t.mon), static_cast<unsigned>(t.day)) * 86400 + t.hour * 3600 +
         t.min * 60 + t.sec;
}

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

// One reason for a failed verification, the most fundamental first (a revoked or untrusted
// certificate says more than its dates or names). `clock_unknown`: dates could not be checked.
std::int32_t verification_error(std::uint32_t flags, bool clock_unknown) noexcept {
  if ((flags & MBEDTLS_X509_BADCERT_REVOKED) != 0) return tls_error::cert_revoked;
  if ((flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) != 0) return tls_error::unknown_ca;
  if ((flags & MBEDTLS_X509_BADCERT_EXPIRED) != 0) return tls_error::cert_expired;
  if (clock_unknown) return tls_error::clock_not_set;
  if ((flags & MBEDTLS_X509_BADCERT_FUTURE) != 0) return tls_error::cert_not_yet_valid;
  if ((flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) != 0) return tls_error::hostname_mismatch;
  if ((flags & (MBEDTLS_X509_BADCERT_KEY_USAGE | MBEDTLS_X509_BADCERT_EXT_KEY_USAGE |
                MBEDTLS_X509_BADCERT_NS_CERT_TYPE)) != 0) {
    return tls_error::cert_bad_usage;
  }
  if ((flags & (MBEDTLS_X509_BADCERT_BAD_MD | MBEDTLS_X509_BADCERT_BAD_PK | MBEDTLS_X509_BADCERT_BAD_KEY)) != 0) {
    return tls_error::cert_weak;
  }
  return tls_error::cert_invalid;
}

// ---- certificate dates (catalogue T-04) -------------------------------------------------------

// The port checks every certificate's dates itself, against tls_config::now(), replacing
// mbedTLS's check: mbedTLS built without MBEDTLS_HAVE_TIME_DATE checks none
// (mbedtls_x509_time_is_past() returns 0), and with it trusts a clock that may still be at 1970.
// Returns false when the time is unknown and the dates could not be checked (fail closed).
bool check_dates(const tls_config& config, const mbedtls_x509_crt& crt, std::uint32_t* flags) noexcept {
  constexpr std::uint32_t date_flags = MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE;
  *flags &= ~date_flags;
  const std::int64_t not_before = unix_seconds(crt.valid_from);
  const std::int64_t not_after = unix_seconds(crt.valid_to);
  const std::int64_t now = config.now();
  if (now >= 0) {
    if (now > not_after) *flags |= MBEDTLS_X509_BADCERT_EXPIRED;  // RFC 5280 §4.1.2.5: both ends inclusive
    if (now < not_before) *flags |= MBEDTLS_X509_BADCERT_FUTURE;
    return true;
  }
  // No time, but the floor has passed: a notAfter before it is expired whatever the time is.
  if (not_after < config.time_floor()) {
    *flags |= MBEDTLS_X509_BADCERT_EXPIRED;
    return true;
  }
  return false;
}

// ---- IP literals (RFC 6125 §6.2.1, RFC 5280 §4.2.1.6): no inet_pton, which firmware lacks ----

bool parse_ipv4(std::string_view text, unsigned char* out) noexcept {
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
    out[part] = static_cast<unsigned char>(value);
  }
  return i == text.size();
}

// RFC 4291 §2.2: eight groups, one "::" for a run of zero groups, an IPv4 tail allowed.
bool parse_ipv6(std::string_view text, unsigned char* out) noexcept {
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
    if (rest.find('.') != std::string_view::npos) {  // the IPv4 tail: two groups
      unsigned char v4[4];
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
    out[2 * at] = static_cast<unsigned char>(groups[g] >> 8);
    out[2 * at + 1] = static_cast<unsigned char>(groups[g] & 0xFF);
    ++at;
  }
  return true;  // "::" at the end: its zeros are already there
}

// RFC 5280 §4.2.1.6: iPAddress is GeneralName [7], 4 or 16 octets in network order.
bool certificate_has_ip(const mbedtls_x509_crt& crt, const unsigned char* ip, std::size_t size) noexcept {
  constexpr int ip_address_tag = MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_X509_SAN_IP_ADDRESS;
  for (const mbedtls_x509_sequence* name = &crt.subject_alt_names; name != nullptr; name = name->next) {
    if (name->buf.tag == ip_address_tag && name->buf.len == size && std::memcmp(name->buf.p, ip, size) == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace htpx::port::detail
