// What a firmware gives the mbedTLS port, as stand-ins for the TLS profiles of `make size`
// (size_full_client.cpp, size_min_client.cpp with HTPX_SIZE_TLS). Nothing here runs. Each
// profile program is one translation unit, so the definitions below are made once.
#pragma once

#include <cstddef>
#include <cstdint>

#include "tls_config.hpp"
#if defined(MBEDTLS_ENTROPY_HARDWARE_ALT)
#include <mbedtls/entropy_poll.h>
#endif

namespace htpx_size {

// The trusted CAs, built in (PEM, its terminating NUL counted).
inline const unsigned char ca_certificates[] =
    "-----BEGIN CERTIFICATE-----\n(the firmware's CA)\n-----END CERTIFICATE-----\n";

// The configuration every TLS connection of the profile uses, its CAs loaded from memory.
inline bool configure_tls(htpx::port::tls_config& tls) noexcept {
  return tls.load_ca_chain(ca_certificates, sizeof(ca_certificates)) == 0;
}

}  // namespace htpx_size

// sizeof() on the target for size.sh, read from the symbol's size (never referenced, so the
// image drops it). Each profile is one translation unit: this header is included once.
extern const char htpx_sizeof_tls_config[sizeof(htpx::port::tls_config)] = {};

#if defined(MBEDTLS_ENTROPY_HARDWARE_ALT)
// The MCU's random number generator, which mbedTLS's entropy module polls (size_mbedtls_user.h,
// size_mbedtls_firmware.h): a firmware's driver reads its data register; this reads a volatile word.
inline volatile std::uint32_t rng_data_register = 0;
extern "C" int mbedtls_hardware_poll(void* data, unsigned char* output, std::size_t len, std::size_t* olen) {
  (void)data;
  for (std::size_t i = 0; i != len; ++i) output[i] = static_cast<unsigned char>(rng_data_register);
  *olen = len;
  return 0;
}
#endif
