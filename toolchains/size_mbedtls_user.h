/* make size: compiles port/mbedtls for bare-metal Cortex-M4 against the host's mbedTLS headers
 * (Debian's libmbedtls-dev configuration), minus threads, sockets and timers (file loading stays declared: the port offers it). Only the port's
 * own code is measured this way: Debian ships no arm-none-eabi build of mbedTLS itself. */
#undef MBEDTLS_THREADING_C
#undef MBEDTLS_THREADING_PTHREAD
#undef MBEDTLS_NET_C
#undef MBEDTLS_TIMING_C
#undef MBEDTLS_HAVEGE_C
#undef MBEDTLS_PSA_ITS_FILE_C
#undef MBEDTLS_PSA_CRYPTO_STORAGE_C
#define MBEDTLS_NO_PLATFORM_ENTROPY
