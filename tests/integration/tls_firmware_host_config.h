/* The firmware configuration make size measures (toolchains/size_mbedtls_firmware.h), for
 * tls_firmware_config.sh on the host: with file access added back, because the TLS tests load
 * their certificates from files. Nothing else differs. */
#define MBEDTLS_FS_IO
#include "size_mbedtls_firmware.h"
