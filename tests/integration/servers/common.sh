# shellcheck shell=bash
# Shared by the server fixtures (sourced, not run): ports, readiness, process groups.
# Every server listens on 127.0.0.1 only and runs in its own process group (setsid), so
# stopping it stops all of its processes.

# Prints a TCP port on 127.0.0.1 that was free a moment ago (the caller retries on a clash).
htpx_free_port() {
  "${HTPX_PYTHON3:-python3}" -c '
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# htpx_wait_http URL SECONDS PID: waits until URL answers (any status) or PID dies.
# Returns 0 when it answered, 1 otherwise. Loopback only; proxies from the environment are ignored.
htpx_wait_http() {
  local url="$1" seconds="$2" pid="$3"
  "${HTPX_PYTHON3:-python3}" - "$url" "$seconds" "$pid" <<'PY'
import os, sys, time, urllib.request, urllib.error
url, seconds, pid = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
deadline = time.monotonic() + seconds
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit(1)
    try:
        opener.open(url, timeout=2).read()
        sys.exit(0)
    except urllib.error.HTTPError:
        sys.exit(0)
    except Exception:
        time.sleep(0.05)
sys.exit(1)
PY
}

# htpx_stop_group PGID SIGNAL: sends SIGNAL to the group, waits up to 5 s for every process in
# it to go, then kills what is left. Returns once the group is empty.
htpx_stop_group() {
  local pgid="$1" signal="$2" i
  [[ -n "$pgid" ]] || return 0
  kill "-$signal" -- "-$pgid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do
    kill -0 -- "-$pgid" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 -- "-$pgid" 2>/dev/null; then
    echo "htpx servers: process group $pgid ignored SIG$signal for 5 s; killing it" >&2
    kill -KILL -- "-$pgid" 2>/dev/null
    for ((i = 0; i < 100; i++)); do
      kill -0 -- "-$pgid" 2>/dev/null || break
      sleep 0.05
    done
  fi
  wait "$pgid" 2>/dev/null || true
}

# Prints the first program found among the arguments (names looked up in PATH, then in
# /usr/sbin and /usr/bin, which a non-root PATH may lack), or nothing.
htpx_find_program() {
  local name dir
  for name in "$@"; do
    if command -v "$name" >/dev/null 2>&1; then
      command -v "$name"
      return 0
    fi
    for dir in /usr/sbin /usr/bin /usr/local/bin; do
      if [[ -x "$dir/$name" ]]; then
        echo "$dir/$name"
        return 0
      fi
    done
  done
  return 1
}
