# shellcheck shell=bash
# The proxy fixture (sourced, not run; needs common.sh): Debian's tinyproxy, twice, each with
# its own configuration in the work directory, on 127.0.0.1 and a random free port, in the
# foreground (-d) of its own process group, accepting clients from 127.0.0.1 only, logging every
# request (LogLevel Info: "Request (file descriptor N): GET http://... HTTP/1.1") to its own
# log file:
#   open   no credentials needed            HTPX_PROXY_URL       HTPX_PROXY_LOG
#   auth   BasicAuth user pass (else 407)   HTPX_PROXY_AUTH_URL  HTPX_PROXY_AUTH_LOG
#          (the URL has no userinfo: tests add it; HTPX_PROXY_USER, HTPX_PROXY_PASSWORD)
# Both add Via (and X-Tinyproxy) to the requests they forward.
#
#   htpx_tinyproxy_start WORKDIR   sets and exports the above and HTPX_TINYPROXY_PID,
#                                  HTPX_TINYPROXY_AUTH_PID (also their process groups);
#                                  returns 0 when both serve
#   htpx_tinyproxy_stop            stops both and waits until every process of them has gone

# The tinyproxy binary: $HTPX_TINYPROXY_PROGRAM when set (a missing file counts as none), else
# Debian's.
htpx_tinyproxy_program() {
  if [[ -n "${HTPX_TINYPROXY_PROGRAM:-}" ]]; then
    [[ -x "$HTPX_TINYPROXY_PROGRAM" ]] && echo "$HTPX_TINYPROXY_PROGRAM"
    return
  fi
  htpx_find_program tinyproxy
}

htpx_tinyproxy_write_config() {  # DIR PORT AUTH(0|1)
  local dir="$1" port="$2" auth="$3"
  {
    echo "Port $port"
    echo "Listen 127.0.0.1"
    echo "Timeout 30"
    echo "MaxClients 64"
    echo "LogFile \"$dir/tinyproxy.log\""
    echo "LogLevel Info"
    echo "PidFile \"$dir/tinyproxy.pid\""
    echo "Allow 127.0.0.1"
    echo "XTinyproxy Yes"
    # As root, tinyproxy would otherwise warn and stay root anyway; say so explicitly.
    if [[ $(id -u) -eq 0 ]]; then echo "User root"; echo "Group root"; fi
    [[ $auth == 1 ]] && echo "BasicAuth user pass"
  } >"$dir/tinyproxy.conf"
}

# htpx_tinyproxy_start_one WORKDIR NAME AUTH: sets htpx_tinyproxy_started_pid and
# htpx_tinyproxy_started_port once it serves. (No command substitution: the server must be a
# child of this shell, so that stopping it can wait for it.)
htpx_tinyproxy_start_one() {
  local workdir="$1" name="$2" auth="$3" program dir port attempt pid
  htpx_tinyproxy_started_pid="" htpx_tinyproxy_started_port=""
  program="$(htpx_tinyproxy_program)" || { echo "tinyproxy: not installed" >&2; return 1; }
  dir="$workdir/$name"
  mkdir -p "$dir"
  for attempt in 1 2 3 4 5; do  # a port taken between choosing and binding: choose again
    port="$(htpx_free_port)"
    htpx_tinyproxy_write_config "$dir" "$port" "$auth"
    setsid "$program" -d -c "$dir/tinyproxy.conf" >>"$dir/stdout.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >>"$workdir/pgids"
    # Any answer will do (tinyproxy says 400 to a request for "/", 407 without credentials).
    if htpx_wait_http "http://127.0.0.1:$port/" 10 "$pid"; then
      htpx_tinyproxy_started_pid="$pid" htpx_tinyproxy_started_port="$port"
      return 0
    fi
    echo "tinyproxy ($name): not serving on port $port (attempt $attempt); its log:" >&2
    tail -n 5 "$dir/tinyproxy.log" "$dir/stdout.log" >&2 2>/dev/null || true
    htpx_stop_group "$pid" TERM
  done
  return 1
}

htpx_tinyproxy_start() {
  local workdir="$1"
  htpx_tinyproxy_start_one "$workdir" tinyproxy 0 || return 1
  export HTPX_TINYPROXY_PID="$htpx_tinyproxy_started_pid"
  export HTPX_PROXY_URL="http://127.0.0.1:$htpx_tinyproxy_started_port" HTPX_PROXY_LOG="$workdir/tinyproxy/tinyproxy.log"
  htpx_tinyproxy_start_one "$workdir" tinyproxy-auth 1 || return 1
  export HTPX_TINYPROXY_AUTH_PID="$htpx_tinyproxy_started_pid"
  export HTPX_PROXY_AUTH_URL="http://127.0.0.1:$htpx_tinyproxy_started_port"
  export HTPX_PROXY_AUTH_LOG="$workdir/tinyproxy-auth/tinyproxy.log" HTPX_PROXY_USER=user HTPX_PROXY_PASSWORD=pass
  return 0
}

htpx_tinyproxy_stop() {
  # SIGTERM: tinyproxy closes its sockets and exits.
  htpx_stop_group "${HTPX_TINYPROXY_PID:-}" TERM
  htpx_stop_group "${HTPX_TINYPROXY_AUTH_PID:-}" TERM
  HTPX_TINYPROXY_PID="" HTPX_TINYPROXY_AUTH_PID=""
}
