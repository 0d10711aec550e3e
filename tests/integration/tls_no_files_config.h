/* The mbedTLS configuration of htpx-tls-no-files-test: Debian's, less file access, as a
 * bare-metal firmware builds mbedTLS (toolchains/size_mbedtls_user.h does the same for the
 * Cortex-M4 image). Only declarations change: the host's archives still link. */
#undef MBEDTLS_FS_IO
#undef MBEDTLS_PSA_ITS_FILE_C
#undef MBEDTLS_PSA_CRYPTO_STORAGE_C
