#!/usr/bin/env bash
# Heap per TLS connection with small mbedTLS record buffers (port/mbedtls/README.md, "Memory").
# Builds mbedTLS 3.6 with a user config setting MBEDTLS_SSL_IN/OUT_CONTENT_LEN to SIZE (4096
# and 1024 by default) into build-tls-small/mbedtls-SIZE, htpx's port against it, and
# tests/integration/tls_small_records.cpp; then measures against `openssl s_server` on
# 127.0.0.1 (which honours max_fragment_length) asking MFL = SIZE, and without asking (a server
# that ignores the extension sends 16 KB records: what the client then sees).
#   bench/tls_small_records.sh [MBEDTLS_SOURCE_DIR] [SIZE...]
# MBEDTLS_SOURCE_DIR: an unpacked mbedTLS 3.6 source (default /tmp/apt36/src/mbedtls-3.6.6; e.g.
# from https://github.com/Mbed-TLS/mbedtls/releases, mbedtls-3.6.6.tar.bz2). Needs cmake, ninja,
# g++, openssl. Nothing leaves 127.0.0.1.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
src="${1:-/tmp/apt36/src/mbedtls-3.6.6}"
shift || true
sizes=(4096 1024)
[[ $# -gt 0 ]] && sizes=("$@")
out="$root/build-tls-small"
mkdir -p "$out"

# Certificates (EC P-256 server certificate for "localhost" from a one-level test CA).
certs="$out/certs"
rm -rf "$certs"
tests/integration/certs/make-certs.sh "$certs" >/dev/null
# Documents served by s_server -WWW (relative to its working directory).
www="$out/www"
mkdir -p "$www"
head -c 6000 /dev/zero | tr '\0' 'a' >"$www/6k.txt"
head -c 40000 /dev/zero | tr '\0' 'b' >"$www/40k.txt"

for n in "${sizes[@]}"; do
  cfg="$out/htpx_mbedtls_small_$n.h"
  cat >"$cfg" <<CFG
/* mbedTLS user config for htpx small records: $n-byte record buffers. */
#define MBEDTLS_SSL_IN_CONTENT_LEN $n
#define MBEDTLS_SSL_OUT_CONTENT_LEN $n
#define MBEDTLS_SSL_MAX_FRAGMENT_LENGTH
CFG
  define="-DMBEDTLS_USER_CONFIG_FILE='\"$cfg\"'"
  prefix="$out/mbedtls-$n"
  # 1. mbedTLS with the user config (library only), installed into a private prefix.
  cmake -S "$src" -B "$out/mbedtls-$n-build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DENABLE_PROGRAMS=OFF \
    -DENABLE_TESTING=OFF -DCMAKE_INSTALL_PREFIX="$prefix" "-DCMAKE_C_FLAGS=$define" >/dev/null
  cmake --build "$out/mbedtls-$n-build" >/dev/null
  cmake --install "$out/mbedtls-$n-build" >/dev/null
  # 2. htpx's ports against it (the same user config: the headers must agree with the library).
  cmake -S . -B "$out/htpx-$n" -G Ninja -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS=$define" \
    -DHTPX_MBEDTLS_INCLUDE_DIR="$prefix/include" -DHTPX_MBEDTLS_LIBRARY="$prefix/lib/libmbedtls.a" \
    -DHTPX_MBEDX509_LIBRARY="$prefix/lib/libmbedx509.a" -DHTPX_MBEDCRYPTO_LIBRARY="$prefix/lib/libmbedcrypto.a" >/dev/null
  cmake --build "$out/htpx-$n" --target htpx_port_mbedtls htpx_port_posix htpx_core >/dev/null
  # 3. The measuring program.
  g++ -std=c++17 -O2 "-DMBEDTLS_USER_CONFIG_FILE=\"$cfg\"" -Iinclude -Iport/posix -Iport/mbedtls -I"$prefix/include" \
    tests/integration/tls_small_records.cpp -o "$out/tls_small_records-$n" \
    "$out/htpx-$n/libhtpx_port_mbedtls.a" "$out/htpx-$n/libhtpx_port_posix.a" "$out/htpx-$n/libhtpx_core.a" \
    "$prefix/lib/libmbedtls.a" "$prefix/lib/libmbedx509.a" "$prefix/lib/libmbedcrypto.a"
done

port=$((20000 + RANDOM % 20000))
(cd "$www" && exec openssl s_server -accept "127.0.0.1:$port" -cert "$certs/server.crt" -key "$certs/server.key" \
  -tls1_2 -WWW -quiet) >"$out/s_server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done

for n in "${sizes[@]}"; do
  for doc in /6k.txt /40k.txt; do
    echo "== IN/OUT_CONTENT_LEN $n, s_server (honours MFL), GET $doc, set_max_fragment_length($n)"
    "$out/tls_small_records-$n" "$certs/ca.crt" "$port" "$n" "$doc" || true
  done
  echo "== IN/OUT_CONTENT_LEN $n, MFL not asked (as against a server that ignores it), GET /40k.txt"
  "$out/tls_small_records-$n" "$certs/ca.crt" "$port" 0 /40k.txt || true
done
