/* The "hardware" entropy source of the firmware configuration (MBEDTLS_ENTROPY_HARDWARE_ALT),
 * for tls_firmware_config.sh on the host: the kernel's generator stands in for an MCU's. */
#include <stddef.h>
#include <sys/random.h>
#include <sys/types.h>

int mbedtls_hardware_poll(void* data, unsigned char* output, size_t len, size_t* olen);

int mbedtls_hardware_poll(void* data, unsigned char* output, size_t len, size_t* olen) {
  (void)data;
  const ssize_t n = getrandom(output, len, 0);
  if (n < 0) return -1;
  *olen = (size_t)n;
  return 0;
}
