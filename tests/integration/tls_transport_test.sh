#!/usr/bin/env bash
# CTest wrapper of the TLS port's test: makes the test certificates (certs/make-certs.sh, with
# openssl) into CERTDIR, then runs the test binary with HTPX_TLS_TEST_CERTS=CERTDIR.
#   tls_transport_test.sh CERTDIR TEST_BINARY [gtest arguments...]
# Exit status: the test's; 77 (CTest's skip) when openssl is missing and HTPX_REQUIRE_SERVERS
# is not set (CI sets it: then 1).
set -euo pipefail
[[ $# -ge 2 ]] || { echo "usage: $0 CERTDIR TEST_BINARY [ARGS...]" >&2; exit 2; }
certs="$1"
shift
if ! command -v openssl >/dev/null 2>&1; then
  echo "tls_transport_test.sh: openssl is missing (Debian package openssl)" >&2
  [[ -n "${HTPX_REQUIRE_SERVERS:-}" ]] && exit 1
  exit 77
fi
rm -rf "$certs"
"$(dirname "${BASH_SOURCE[0]}")/certs/make-certs.sh" "$certs" >/dev/null
export HTPX_TLS_TEST_CERTS="$certs"
exec "$@"
