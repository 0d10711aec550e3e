# shellcheck shell=bash
# The httpbin fixture (sourced, not run; needs common.sh): Debian's python3-httpbin under
# Debian's gunicorn with the gthread worker (32 threads: requests are served concurrently, so
# five /delay/1 take one second, not five), on 127.0.0.1 and a port the kernel picks, in its own
# process group. Logs go to the work directory.
#
#   htpx_httpbin_start WORKDIR   sets and exports HTPX_HTTPBIN_URL and HTPX_HTTPBIN_PID (also its
#                                process group); returns 0 when serving
#   htpx_httpbin_stop            stops it and waits until every process of it has gone

# The gunicorn script: $HTPX_GUNICORN_PROGRAM when set (a missing file counts as no gunicorn),
# else Debian's.
htpx_gunicorn_program() {
  if [[ -n "${HTPX_GUNICORN_PROGRAM:-}" ]]; then
    [[ -x "$HTPX_GUNICORN_PROGRAM" ]] && echo "$HTPX_GUNICORN_PROGRAM"
    return
  fi
  htpx_find_program gunicorn gunicorn3
}

# Returns 0 when gunicorn is installed and its Python can import httpbin.
htpx_httpbin_available() {
  local gunicorn interpreter
  gunicorn="$(htpx_gunicorn_program)" || return 1
  read -r interpreter <"$gunicorn" || return 1
  interpreter="${interpreter#\#!}"
  # shellcheck disable=SC2086 # "#!/usr/bin/env python3" splits into a command and its argument
  $interpreter -c 'import httpbin' >/dev/null 2>&1
}

htpx_httpbin_start() {
  local workdir="$1" gunicorn dir port="" i
  gunicorn="$(htpx_gunicorn_program)" || { echo "gunicorn: not installed" >&2; return 1; }
  dir="$workdir/httpbin"
  mkdir -p "$dir"
  # Port 0: the kernel picks a free port and gunicorn logs it ("Listening at: URL (pid)").
  # --keep-alive 10: idle connections outlive the client's 5 s keepalive_expiry.
  (cd "$dir" && exec setsid "$gunicorn" -k gthread --threads 32 --workers 1 -b 127.0.0.1:0 \
    --keep-alive 10 --graceful-timeout 2 --error-logfile "$dir/gunicorn.log" --log-level info \
    httpbin:app >>"$dir/stdout.log" 2>&1) &
  HTPX_HTTPBIN_PID=$!
  echo "$HTPX_HTTPBIN_PID" >>"$workdir/pgids"
  for ((i = 0; i < 300; i++)); do
    port="$(sed -n 's|.*Listening at: http://127\.0\.0\.1:\([0-9]*\) .*|\1|p' "$dir/gunicorn.log" 2>/dev/null | head -n 1)"
    [[ -n "$port" ]] && break
    kill -0 "$HTPX_HTTPBIN_PID" 2>/dev/null || break
    sleep 0.05
  done
  if [[ -n "$port" ]] && htpx_wait_http "http://127.0.0.1:$port/get" 20 "$HTPX_HTTPBIN_PID"; then
    export HTPX_HTTPBIN_URL="http://127.0.0.1:$port" HTPX_HTTPBIN_PID
    return 0
  fi
  echo "httpbin: gunicorn did not start; its log:" >&2
  tail -n 20 "$dir/gunicorn.log" "$dir/stdout.log" >&2 2>/dev/null || true
  htpx_stop_group "$HTPX_HTTPBIN_PID" TERM
  HTPX_HTTPBIN_PID=""
  return 1
}

htpx_httpbin_stop() {
  # SIGQUIT is gunicorn's quick shutdown (SIGTERM would wait for requests in progress).
  htpx_stop_group "${HTPX_HTTPBIN_PID:-}" QUIT
  HTPX_HTTPBIN_PID=""
}
