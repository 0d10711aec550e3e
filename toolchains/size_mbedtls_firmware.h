/* make size: the profile "full client + mbedTLS, a firmware's configuration". A whole mbedTLS 2.28
 * configuration (MBEDTLS_CONFIG_FILE) for an HTTPS client on a microcontroller that talks to
 * today's servers, and nothing else:
 *   - TLS 1.2, client side only; SNI, ALPN (h2 / http/1.1), max fragment length, session
 *     tickets and extended master secret (the port uses each when it is there);
 *   - ECDHE key exchange over P-256 or P-384, with ECDSA or RSA (PKCS#1 v1.5) certificates, the
 *     two kinds public servers present; AES-GCM; SHA-256 and SHA-384;
 *   - certificates and revocation lists parsed from PEM or DER in memory (no files);
 *   - randomness from the MCU's hardware generator (mbedtls_hardware_poll(), the firmware's
 *     driver), time from the port's clock (the port checks certificate dates itself).
 * mbedTLS's own small configurations (configs/) do not fit: config-suite-b.h has no RSA and caps
 * records at 1 KB, which servers without max fragment length do not honour. */
#ifndef HTPX_SIZE_MBEDTLS_FIRMWARE_H
#define HTPX_SIZE_MBEDTLS_FIRMWARE_H

/* Platform */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_ENTROPY_HARDWARE_ALT

/* Key exchanges, curves, signatures */
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_PKCS1_V15

/* TLS */
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_ALPN
#define MBEDTLS_SSL_MAX_FRAGMENT_LENGTH
#define MBEDTLS_SSL_SESSION_TICKETS
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_CIPHERSUITES                                                                  \
  MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, \
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384

/* Modules */
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_CIPHER_C
#define MBEDTLS_CTR_DRBG_C
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_GCM_C
#define MBEDTLS_MD_C
#define MBEDTLS_OID_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_RSA_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA512_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_X509_CRL_PARSE_C
/* The usage checks the port requires (a server certificate issued for clientAuth only is
 * refused): without them port/mbedtls does not compile. */
#define MBEDTLS_X509_CHECK_KEY_USAGE
#define MBEDTLS_X509_CHECK_EXTENDED_KEY_USAGE

#include "mbedtls/check_config.h"

#endif /* HTPX_SIZE_MBEDTLS_FIRMWARE_H */
