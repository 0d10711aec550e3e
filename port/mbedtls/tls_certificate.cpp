// The port's own certificate checks (tls_certificate.hpp): dates against the port's clock,
// IP-address hosts against iPAddress names, and the reason a verification failed.
#include "tls_certificate.hpp"

#include <mbedtls/version.h>

#include <cstring>

#include "htpx/civil_date.hpp"
#include "tls_transport.hpp"

// The port promises that a server's certificate carries the usages TLS needs (keyUsage, and
// extendedKeyUsage serverAuth when present: README, Verification). mbedTLS 2 checks them only
// when built with these options, on in its default configuration; a firmware configuration that
// leaves them out would accept, say, a certificate issued for client authentication only.
// (mbedTLS 3 always checks them: it dropped the options.)
#if MBEDTLS_VERSION_NUMBER < 0x03000000 && \
    (!defined(MBEDTLS_X509_CHECK_KEY_USAGE) || !defined(MBEDTLS_X509_CHECK_EXTENDED_KEY_USAGE))
#error "port/mbedtls needs mbedTLS 2 built with MBEDTLS_X509_CHECK_KEY_USAGE and MBEDTLS_X509_CHECK_EXTENDED_KEY_USAGE"
#endif

namespace htpx::port::detail {

namespace {

std::int64_t unix_seconds(const mbedtls_x509_time& t) noexcept {
  // (mbedTLS keeps the fields as ints; a certificate's are in range once it parsed.)
  return days_from_civil(t.year, static_cast<unsigned>(t.mon), static_cast<unsigned>(t.day)) * 86400 + t.hour * 3600 +
         t.min * 60 + t.sec;
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

// RFC 5280 §4.2.1.6: iPAddress is GeneralName [7], 4 or 16 octets in network order.
bool certificate_has_ip(const mbedtls_x509_crt& crt, const ip_address& ip) noexcept {
  constexpr int ip_address_tag = MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_X509_SAN_IP_ADDRESS;
  for (const mbedtls_x509_sequence* name = &crt.subject_alt_names; name != nullptr; name = name->next) {
    if (name->buf.tag == ip_address_tag && name->buf.len == ip.size &&
        std::memcmp(name->buf.p, ip.bytes, ip.size) == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace htpx::port::detail
