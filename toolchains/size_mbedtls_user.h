/* make size: the mbedTLS configuration of the Cortex-M4 profile "full client + mbedTLS", applied
 * to mbedTLS's own default configuration (the library built from Debian's source package, see
 * toolchains/mbedtls-source.sh) and to the port compiled against it. What bare metal has not:
 * threads, sockets, timers, files (x509_crt.c's path loading needs <dirent.h>) and the
 * operating system's entropy. The random generator is seeded from the MCU's hardware source
 * instead (mbedtls_hardware_poll(), which the firmware supplies: the probe has a stand-in). */
#undef MBEDTLS_THREADING_C
#undef MBEDTLS_THREADING_PTHREAD
#undef MBEDTLS_NET_C
#undef MBEDTLS_TIMING_C
#undef MBEDTLS_HAVEGE_C
#undef MBEDTLS_FS_IO
#undef MBEDTLS_PSA_ITS_FILE_C
#undef MBEDTLS_PSA_CRYPTO_STORAGE_C
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_ENTROPY_HARDWARE_ALT
