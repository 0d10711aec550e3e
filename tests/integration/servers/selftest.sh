#!/usr/bin/env bash
# Checks the server fixtures: run-with-servers.sh starts nginx and httpbin (and with --tls the TLS
# servers) on 127.0.0.1, they answer, the command's exit status comes back, logs are kept after a
# failure, and no server process or work directory is left behind, after success and after failure.
#   selftest.sh path/to/run-with-servers.sh
set -uo pipefail
wrapper="$1"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/htpx-servers-selftest.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# The command run under the servers: fetch one file from each and note what is to disappear.
probe="$scratch/probe.sh"
cat >"$probe" <<'PROBE'
#!/usr/bin/env bash
set -eu
"${HTPX_PYTHON3:-python3}" - <<'PY'
import os, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
small = opener.open(os.environ["HTPX_NGINX_URL"] + os.environ["HTPX_NGINX_SMALL_PATH"], timeout=5).read()
assert small == b"hello from nginx\n", small
echo = opener.open(os.environ["HTPX_HTTPBIN_URL"] + "/get?probe=1", timeout=5).read()
assert b'"probe"' in echo, echo
PY
echo "$HTPX_NGINX_PID $HTPX_HTTPBIN_PID $(dirname "$(dirname "$HTPX_NGINX_ROOT")")" >"$1"
exit "${2:-0}"
PROBE
chmod +x "$probe"

check_gone() {  # FILE: the groups and the work directory written by the probe are gone
  local nginx_pgid httpbin_pgid workdir
  read -r nginx_pgid httpbin_pgid workdir <"$1" || { fail "the probe did not run"; return; }
  kill -0 -- "-$nginx_pgid" 2>/dev/null && fail "nginx (process group $nginx_pgid) still running"
  kill -0 -- "-$httpbin_pgid" 2>/dev/null && fail "gunicorn (process group $httpbin_pgid) still running"
  [[ -e "$workdir" ]] && fail "work directory $workdir left behind"
  return 0
}

"$wrapper" --logs "$scratch/logs" --name ok -- "$probe" "$scratch/ok.txt" 0
status=$?
[[ $status == 77 ]] && { echo "SKIPPED: servers missing"; exit 77; }
[[ $status == 0 ]] || fail "a passing command: exit $status, expected 0"
check_gone "$scratch/ok.txt"
[[ -e "$scratch/logs/ok" ]] && fail "logs kept after a passing run"

"$wrapper" --logs "$scratch/logs" --name failing -- "$probe" "$scratch/failing.txt" 3
status=$?
[[ $status == 3 ]] || fail "a command failing with 3: exit $status, expected 3"
check_gone "$scratch/failing.txt"
[[ -s "$scratch/logs/failing/nginx/error.log" ]] || fail "nginx's error log not kept after a failure"
[[ -s "$scratch/logs/failing/nginx/nginx.conf" ]] || fail "nginx's configuration not kept after a failure"
[[ -s "$scratch/logs/failing/httpbin/gunicorn.log" ]] || fail "gunicorn's log not kept after a failure"

# --tls: the certificates are made, the good server verifies against the test CA and the expired
# one does not; nothing of it (nginx, tls_raw.py, the certificates and keys) outlives the run.
tls_probe="$scratch/tls-probe.sh"
cat >"$tls_probe" <<'PROBE'
#!/usr/bin/env bash
set -eu
"${HTPX_PYTHON3:-python3}" - <<'PY'
import os, ssl, urllib.request
context = ssl.create_default_context(cafile=os.environ["HTPX_TLS_CA_FILE"])
small = urllib.request.urlopen(os.environ["HTPX_TLS_URL"] + os.environ["HTPX_TLS_SMALL_PATH"], context=context,
                               timeout=5).read()
assert small == b"hello from nginx\n", small
try:
    urllib.request.urlopen(os.environ["HTPX_TLS_EXPIRED_URL"] + "/", context=context, timeout=5)
    raise SystemExit("the expired certificate was accepted")
except urllib.error.URLError as e:
    assert "expired" in str(e), e
PY
echo "$HTPX_NGINX_TLS_PID $HTPX_TLS_RAW_PID $HTPX_TLS_CERT_DIR" >"$1"
PROBE
chmod +x "$tls_probe"
"$wrapper" --tls -- "$tls_probe" "$scratch/tls.txt"
status=$?
if [[ $status == 77 ]]; then
  echo "(TLS fixture skipped: openssl or certs/make-certs.sh missing)"
else
  [[ $status == 0 ]] || fail "--tls: exit $status, expected 0"
  if read -r nginx_tls_pgid raw_pgid cert_dir <"$scratch/tls.txt"; then
    kill -0 -- "-$nginx_tls_pgid" 2>/dev/null && fail "TLS nginx (process group $nginx_tls_pgid) still running"
    kill -0 -- "-$raw_pgid" 2>/dev/null && fail "tls_raw.py (process group $raw_pgid) still running"
    [[ -e "$cert_dir" ]] && fail "certificates and keys left behind in $cert_dir"
  else
    fail "the TLS probe did not run"
  fi
fi

# A missing server: a skip (77) without HTPX_REQUIRE_SERVERS, an error (1) with it; the command
# never runs either way.
HTPX_NGINX_PROGRAM=/nonexistent/nginx HTPX_REQUIRE_SERVERS='' "$wrapper" -- touch "$scratch/ran" 2>/dev/null
status=$?
[[ $status == 77 ]] || fail "nginx missing, not required: exit $status, expected 77"
HTPX_GUNICORN_PROGRAM=/nonexistent/gunicorn HTPX_REQUIRE_SERVERS=1 "$wrapper" -- touch "$scratch/ran" 2>/dev/null
status=$?
[[ $status == 1 ]] || fail "gunicorn missing, required: exit $status, expected 1"
[[ -e "$scratch/ran" ]] && fail "the command ran without its servers"

if [[ $failures -ne 0 ]]; then
  echo "server fixtures: $failures failure(s)"
  exit 1
fi
echo "server fixtures: ok"
