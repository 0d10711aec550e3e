#!/usr/bin/env bash
# ctest tls-firmware-config: the client over port/mbedtls with mbedTLS in the firmware
# configuration `make size` measures (toolchains/size_mbedtls_firmware.h), so that figure is of a
# configuration that works. On the host: mbedTLS from Debian's source package
# (toolchains/mbedtls-source.sh) built with tls_firmware_host_config.h (file access added back
# for the tests' certificates) and tls_hardware_poll.c (the kernel's generator as the MCU's);
# htpx's TLS targets built against it in BUILD/tls-firmware/build; then their integration tests
# against nginx, httpbin and tinyproxy (integration-tls, its 100 MiB download, the tool's https).
#   tls_firmware_config.sh SOURCE_DIR BUILD_DIR
# Exit 77 (skip) when the source cannot be fetched, unless HTPX_REQUIRE_MBEDTLS_SOURCE=1.
set -euo pipefail

root="$(cd "$1" && pwd)"
work="$2/tls-firmware"
here="$root/tests/integration"
mkdir -p "$work"

if ! tree="$("$root/toolchains/mbedtls-source.sh" "$work/mbedtls-src" 2>"$work/mbedtls-source.log")"; then
  cat "$work/mbedtls-source.log" >&2
  [[ ${HTPX_REQUIRE_MBEDTLS_SOURCE:-0} == 1 ]] && exit 1
  echo "tls-firmware-config: skipped, no mbedTLS source" >&2
  exit 77
fi

lib="$work/mbedtls/libmbedtls_firmware.a"
stale=0
for input in "$root/toolchains/size_mbedtls_firmware.h" "$here/tls_firmware_host_config.h" "$here/tls_hardware_poll.c"; do
  [[ $lib -nt $input ]] || stale=1
done
if [[ $stale == 1 ]]; then
  echo "building mbedTLS ($tree) in the firmware configuration" >&2
  "$root/toolchains/mbedtls-build.sh" "$lib" "$tree" cc -O2 "-I$here" "-I$root/toolchains" \
    "-DMBEDTLS_CONFIG_FILE=\"tls_firmware_host_config.h\"" -- "$here/tls_hardware_poll.c"
fi

generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
cmake -S "$root" -B "$work/build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
  "-DHTPX_MBEDTLS_INCLUDE_DIR=$tree/include" "-DHTPX_MBEDTLS_LIBRARY=$lib" "-DHTPX_MBEDX509_LIBRARY=$lib" \
  "-DHTPX_MBEDCRYPTO_LIBRARY=$lib" \
  "-DCMAKE_CXX_FLAGS=-I$here -I$root/toolchains -DMBEDTLS_CONFIG_FILE='\"tls_firmware_host_config.h\"'" >"$work/cmake.log"
cmake --build "$work/build" --target htpx-tls-integration htpx-tls-download htpx-cli >"$work/build.log" ||
  { tail -n 30 "$work/build.log" >&2; exit 1; }
# The tests really are linked with that mbedTLS (static): its cipher suites are the four of the
# configuration, named in mbedTLS's table, where a default build names dozens.
suites="$(strings "$work/build/bin/htpx-tls-integration" | grep -c '^TLS-[A-Z0-9-]*-WITH-' || true)"
if [[ $suites != 4 ]]; then
  echo "tls-firmware-config: the TLS tests link $suites cipher suites, not the firmware configuration's 4" >&2
  exit 1
fi
ctest --test-dir "$work/build" --output-on-failure \
  -R '^(integration-tls|integration-tls-download-100mib|integration-cli-tls)$' | tee "$work/ctest.log"
# A test the inner run skipped (no server) is a skip here too, not a pass.
if grep -q '(Skipped)' "$work/ctest.log"; then exit 77; fi
