#!/usr/bin/env bash
# The TLS tests again, with another mbedTLS than Debian 12's libmbedtls-dev, built from a Debian
# source package (toolchains/mbedtls-source.sh) on the host:
#   firmware  (ctest tls-firmware-config) mbedTLS 2.28 in the firmware configuration `make size`
#             measures (toolchains/size_mbedtls_firmware.h), so that figure is of a configuration
#             that works: built with tls_firmware_host_config.h (file access added back for the
#             tests' certificates) and tls_hardware_poll.c (the kernel's generator as the MCU's);
#             the client's TLS integration tests against nginx, httpbin and tinyproxy
#             (integration-tls, its 100 MiB download, the tool's https).
#   mbedtls3  (ctest tls-mbedtls3) mbedTLS 3.6 from Debian 13 (trixie), its default
#             configuration: the port's own test, tls-transport, every test of which must run (the
#             TLS 1.3 ones skip with 2.28: catalogue T-09).
# htpx's TLS targets are built against it in BUILD/tls-VARIANT/build and those tests run there.
#   tls_other_mbedtls.sh VARIANT SOURCE_DIR BUILD_DIR
# Exit 77 (skip) when the source cannot be fetched, unless HTPX_REQUIRE_MBEDTLS_SOURCE=1.
set -euo pipefail

variant=$1
root="$(cd "$2" && pwd)"
work="$3/tls-$variant"
here="$root/tests/integration"
mkdir -p "$work"

case $variant in
  firmware) suite="" ;;
  mbedtls3) suite=trixie ;;
  *) echo "tls_other_mbedtls.sh: unknown variant $variant" >&2; exit 2 ;;
esac
if ! tree="$("$root/toolchains/mbedtls-source.sh" "$work/mbedtls-src" $suite 2>"$work/mbedtls-source.log")"; then
  cat "$work/mbedtls-source.log" >&2
  [[ ${HTPX_REQUIRE_MBEDTLS_SOURCE:-0} == 1 ]] && exit 1
  echo "tls_other_mbedtls.sh: skipped, no mbedTLS source" >&2
  exit 77
fi

# The libraries (built again when an input is newer) and what htpx is compiled with.
case $variant in
  firmware)
    libs=("$work/mbedtls/libmbedtls_firmware.a")
    libs+=("${libs[0]}" "${libs[0]}")  # one archive for mbedtls, mbedx509 and mbedcrypto
    inputs=("$root/toolchains/size_mbedtls_firmware.h" "$here/tls_firmware_host_config.h" "$here/tls_hardware_poll.c")
    cxx_flags="-I$here -I$root/toolchains -DMBEDTLS_CONFIG_FILE='\"tls_firmware_host_config.h\"'"
    targets=(htpx-tls-integration htpx-tls-download htpx-cli)
    tests='^(integration-tls|integration-tls-download-100mib|integration-cli-tls)$'
    ;;
  mbedtls3)
    libs=("$work/mbedtls/library/libmbedtls.a" "$work/mbedtls/library/libmbedx509.a" "$work/mbedtls/library/libmbedcrypto.a")
    inputs=("$tree/include/mbedtls/build_info.h")
    cxx_flags=""
    targets=(htpx-tls-transport-test)
    tests='^tls-transport$'
    ;;
esac
stale=0
for input in "${inputs[@]}"; do [[ ${libs[0]} -nt $input ]] || stale=1; done
if [[ $stale == 1 ]]; then
  echo "building mbedTLS ($tree) for the $variant tests" >&2
  case $variant in
    firmware)
      "$root/toolchains/mbedtls-build.sh" "${libs[0]}" "$tree" cc -O2 "-I$here" "-I$root/toolchains" \
        "-DMBEDTLS_CONFIG_FILE=\"tls_firmware_host_config.h\"" -- "$here/tls_hardware_poll.c"
      ;;
    mbedtls3)
      rm -rf "$work/mbedtls"
      cmake -S "$tree" -B "$work/mbedtls" -DCMAKE_BUILD_TYPE=Release -DENABLE_PROGRAMS=OFF -DENABLE_TESTING=OFF \
        -DUSE_SHARED_MBEDTLS_LIBRARY=OFF >"$work/mbedtls-cmake.log"
      cmake --build "$work/mbedtls" -j "$(nproc 2>/dev/null || echo 2)" >"$work/mbedtls-build.log" ||
        { tail -n 30 "$work/mbedtls-build.log" >&2; exit 1; }
      ;;
  esac
fi

generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
cmake -S "$root" -B "$work/build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release "-DHTPX_MBEDTLS_INCLUDE_DIR=$tree/include" \
  "-DHTPX_MBEDTLS_LIBRARY=${libs[0]}" "-DHTPX_MBEDX509_LIBRARY=${libs[1]}" "-DHTPX_MBEDCRYPTO_LIBRARY=${libs[2]}" \
  "-DCMAKE_CXX_FLAGS=$cxx_flags" >"$work/cmake.log"
cmake --build "$work/build" --target "${targets[@]}" >"$work/build.log" || { tail -n 30 "$work/build.log" >&2; exit 1; }

# The tests really are built on that mbedTLS.
binary="$work/build/bin/${targets[0]}"
case $variant in
  firmware)
    # Its cipher suites are the four of the configuration, named in mbedTLS's table, where a
    # default build names dozens.
    suites="$(strings "$binary" | grep -c '^TLS-[A-Z0-9-]*-WITH-' || true)"
    [[ $suites == 4 ]] || { echo "$variant: the tests link $suites cipher suites, not the configuration's 4" >&2; exit 1; }
    ;;
  mbedtls3)
    grep -qE '^#define MBEDTLS_VERSION_MAJOR +3$' "$tree/include/mbedtls/build_info.h" ||
      { echo "$variant: $tree is not mbedTLS 3" >&2; exit 1; }
    ;;
esac
ctest --test-dir "$work/build" --output-on-failure -V -R "$tests" >"$work/ctest.log" 2>&1 || status=$?
grep -E '^[0-9]+: \[ +(OK|FAILED|SKIPPED) +\]|tests passed|Test +#' "$work/ctest.log" || true
[[ ${status:-0} == 0 ]] || { tail -n 60 "$work/ctest.log" >&2; exit 1; }
# A test the inner run skipped (no server, no TLS 1.3) is not a pass: CI fails, elsewhere a skip.
if grep -qE '\(Skipped\)|\[  SKIPPED \]' "$work/ctest.log"; then
  grep -E '\(Skipped\)|\[  SKIPPED \]' "$work/ctest.log" >&2
  [[ -n ${HTPX_REQUIRE_SERVERS:-} ]] && exit 1
  exit 77
fi
