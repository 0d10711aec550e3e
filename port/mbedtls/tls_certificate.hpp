// The checks of a server's certificate that the port makes itself, beside mbedTLS's chain
// verification: its dates against the port's clock (catalogue T-04), an IP-address host against
// the certificate's iPAddress names (RFC 6125 §6.2.1), and one reason for a failed verification.
// Private to port/mbedtls (tls_transport.cpp uses them).
#pragma once

#include <mbedtls/x509_crt.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "htpx/ip_address.hpp"
#include "tls_config.hpp"

namespace htpx::port::detail {

/// One tls_error for mbedTLS's verification `flags`, the most fundamental first (a revoked or
/// untrusted certificate says more than its dates or names). `clock_unknown`: dates could not be
/// checked.
[[nodiscard]] std::int32_t verification_error(std::uint32_t flags, bool clock_unknown) noexcept;

/// Sets or clears the date bits of `flags` for `crt` against `config.now()`, in place of
/// mbedTLS's own check. Returns false when the time is unknown and the dates could not be checked
/// (the caller fails closed).
[[nodiscard]] bool check_dates(const tls_config& config, const mbedtls_x509_crt& crt, std::uint32_t* flags) noexcept;

/// Whether `crt` lists `ip` among its iPAddress names (RFC 5280 §4.2.1.6).
[[nodiscard]] bool certificate_has_ip(const mbedtls_x509_crt& crt, const ip_address& ip) noexcept;

}  // namespace htpx::port::detail
