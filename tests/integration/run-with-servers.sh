#!/usr/bin/env bash
# Starts local test servers on 127.0.0.1, runs a command with their URLs in the environment,
# then stops them; no server process outlives this script (each runs in its own process group,
# stopped on exit, on a signal, and by a watchdog if this script is killed outright).
#
#   run-with-servers.sh [--nginx] [--httpbin] [--tls] [--proxy] [--big-file] [--logs DIR] [--name NAME] -- CMD...
#
#   --nginx / --httpbin   which servers (default, when neither nor --tls is given: both)
#   --tls                 certificates made now (certs/make-certs.sh), a TLS nginx with one server
#                         per certificate (good, expired, not yet valid, wrong host, self-signed,
#                         client certificate required; with --httpbin also httpbin behind TLS)
#                         and tls_raw.py (servers/nginx_tls.sh: HTPX_TLS_* variables)
#   --proxy               also two tinyproxy instances, open and with BasicAuth (servers/tinyproxy.sh)
#   --big-file            nginx also serves /100mib.bin (HTPX_NGINX_100MIB_PATH, _SHA256; with
#                         --tls also HTPX_TLS_100MIB_PATH, _SHA256)
#   --logs DIR            on failure, the servers' logs and configuration are kept in DIR/NAME
#
# CMD sees HTPX_NGINX_URL, HTPX_NGINX_ROOT, HTPX_NGINX_{SMALL,1MIB,100MIB}_{PATH,SHA256} and
# HTPX_HTTPBIN_URL, and with --proxy HTPX_PROXY_URL, HTPX_PROXY_LOG, HTPX_PROXY_AUTH_URL,
# HTPX_PROXY_AUTH_LOG, HTPX_PROXY_USER and HTPX_PROXY_PASSWORD, and with --tls HTPX_TLS_URL,
# HTPX_TLS_CA_FILE and the others servers/nginx_tls.sh lists. Exit status: CMD's; 77 (CTest's
# SKIP_RETURN_CODE) when a server program is missing and HTPX_REQUIRE_SERVERS is not set; 1 when
# a server failed to start or is missing while HTPX_REQUIRE_SERVERS is set. HTPX_NGINX_PROGRAM,
# HTPX_GUNICORN_PROGRAM and HTPX_TINYPROXY_PROGRAM choose other binaries than Debian's.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=servers/common.sh
source "$here/servers/common.sh"
# shellcheck source=servers/nginx.sh
source "$here/servers/nginx.sh"
# shellcheck source=servers/httpbin.sh
source "$here/servers/httpbin.sh"
# shellcheck source=servers/tinyproxy.sh
source "$here/servers/tinyproxy.sh"
# shellcheck source=servers/nginx_tls.sh
source "$here/servers/nginx_tls.sh"

want_nginx=0 want_httpbin=0 want_proxy=0 want_tls=0 logs="" name="servers"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --nginx) want_nginx=1 ;;
    --httpbin) want_httpbin=1 ;;
    --proxy) want_proxy=1 ;;
    --tls) want_tls=1 ;;
    --big-file) export HTPX_NGINX_BIG_FILE=1 ;;
    --logs) logs="$2"; shift ;;
    --name) name="$2"; shift ;;
    --) shift; break ;;
    *) echo "run-with-servers.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[[ $# -gt 0 ]] || { echo "usage: run-with-servers.sh [--nginx] [--httpbin] [--tls] [--proxy] [--big-file] [--logs DIR] [--name NAME] -- CMD..." >&2; exit 2; }
if [[ $want_nginx == 0 && $want_httpbin == 0 && $want_tls == 0 ]]; then want_nginx=1 want_httpbin=1; fi

# ---- missing servers: skip, unless they are required (CI sets HTPX_REQUIRE_SERVERS=1) --------
missing=()
[[ $want_nginx == 1 ]] && ! htpx_nginx_program >/dev/null && missing+=("nginx (Debian package nginx)")
[[ $want_httpbin == 1 ]] && ! htpx_httpbin_available && missing+=("gunicorn with httpbin (Debian packages gunicorn python3-httpbin)")
[[ $want_proxy == 1 ]] && ! htpx_tinyproxy_program >/dev/null && missing+=("tinyproxy (Debian package tinyproxy)")
[[ $want_tls == 1 ]] && ! htpx_nginx_tls_available && missing+=("nginx, openssl and certs/make-certs.sh (Debian packages nginx openssl)")
if [[ ${#missing[@]} -ne 0 ]]; then
  if [[ -n "${HTPX_REQUIRE_SERVERS:-}" ]]; then
    printf 'run-with-servers.sh: missing %s, and HTPX_REQUIRE_SERVERS is set\n' "${missing[@]}" >&2
    exit 1
  fi
  printf 'SKIPPED: missing %s (set HTPX_REQUIRE_SERVERS=1 to make this an error)\n' "${missing[@]}" >&2
  exit 77
fi

workdir="$(mktemp -d "${TMPDIR:-/tmp}/htpx-servers.XXXXXX")"
: >"$workdir/pgids"

# The watchdog, in its own session: if this script dies without cleaning up (SIGKILL from a
# test timeout), it kills every server group listed in pgids and removes the work directory.
setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done
  while read -r g; do kill -KILL -- "-$g" 2>/dev/null; done <"$2/pgids"; rm -rf "$2"' \
  htpx-servers-watchdog "$$" "$workdir" </dev/null >/dev/null 2>&1 &
watchdog=$!

status=1
cleaned=0
cleanup() {
  [[ $cleaned == 1 ]] && return
  cleaned=1
  htpx_nginx_stop
  htpx_httpbin_stop
  htpx_tinyproxy_stop
  htpx_nginx_tls_stop
  if [[ $status -ne 0 && $status -ne 77 && -n "$logs" ]]; then
    local keep="$logs/$name"
    rm -rf "$keep" && mkdir -p "$keep"
    local file
    while IFS= read -r file; do
      mkdir -p "$keep/$(dirname "$file")" && cp "$workdir/$file" "$keep/$file"
    done < <(cd "$workdir" && find . -type f \( -name '*.log' -o -name '*.conf' \))
    echo "run-with-servers.sh: server logs kept in $keep" >&2
  fi
  rm -rf "$workdir"
  kill -KILL -- "-$watchdog" 2>/dev/null
  wait "$watchdog" 2>/dev/null
}
trap cleanup EXIT
trap 'status=130; exit 130' INT
trap 'status=143; exit 143' TERM HUP

if [[ $want_nginx == 1 ]] && ! htpx_nginx_start "$workdir"; then
  echo "run-with-servers.sh: nginx did not start" >&2
  exit 1
fi
if [[ $want_httpbin == 1 ]] && ! htpx_httpbin_start "$workdir"; then
  echo "run-with-servers.sh: httpbin did not start" >&2
  exit 1
fi
if [[ $want_tls == 1 ]] && ! htpx_nginx_tls_start "$workdir"; then
  echo "run-with-servers.sh: the TLS servers did not start" >&2
  exit 1
fi
if [[ $want_proxy == 1 ]] && ! htpx_tinyproxy_start "$workdir"; then
  echo "run-with-servers.sh: tinyproxy did not start" >&2
  exit 1
fi
[[ $want_nginx == 1 ]] && echo "nginx:   $HTPX_NGINX_URL (pid $HTPX_NGINX_PID)" >&2
[[ $want_httpbin == 1 ]] && echo "httpbin: $HTPX_HTTPBIN_URL (pid $HTPX_HTTPBIN_PID)" >&2
[[ $want_tls == 1 ]] && echo "tls:     $HTPX_TLS_URL and 5 more (pid $HTPX_NGINX_TLS_PID), raw $HTPX_TLS_RAW_URL (pid $HTPX_TLS_RAW_PID)" >&2
[[ $want_proxy == 1 ]] && echo "proxies: $HTPX_PROXY_URL (pid $HTPX_TINYPROXY_PID), $HTPX_PROXY_AUTH_URL with BasicAuth (pid $HTPX_TINYPROXY_AUTH_PID)" >&2

"$@"
status=$?
exit "$status"
