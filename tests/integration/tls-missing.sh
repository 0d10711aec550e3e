#!/bin/sh
# Stands in for the TLS integration tests when CMake found no mbedTLS: a skip (77), or a failure
# when HTPX_REQUIRE_SERVERS is set (CI must run them).
if [ -n "${HTPX_REQUIRE_SERVERS:-}" ]; then
  echo "mbedTLS not found at configure time (Debian: apt-get install libmbedtls-dev), and HTPX_REQUIRE_SERVERS is set" >&2
  exit 1
fi
echo "SKIPPED: mbedTLS not found at configure time (Debian: apt-get install libmbedtls-dev)"
exit 77
