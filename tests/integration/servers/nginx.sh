# shellcheck shell=bash
# The nginx fixture (sourced, not run; needs common.sh): Debian's nginx as the current user,
# with its own prefix and configuration in a work directory, on 127.0.0.1 and a random free
# port, in the foreground of its own process group (no daemon), keep-alive on, access log off,
# error log in the work directory. It serves files generated here:
#   /small.txt    a short text file               HTPX_NGINX_SMALL_PATH,  HTPX_NGINX_SMALL_SHA256
#   /1mib.bin     1 MiB of random bytes           HTPX_NGINX_1MIB_PATH,   HTPX_NGINX_1MIB_SHA256
#   /100mib.bin   100 MiB of random bytes, only with HTPX_NGINX_BIG_FILE=1
#                                                 HTPX_NGINX_100MIB_PATH, HTPX_NGINX_100MIB_SHA256
#   /nginx_status stub_status: "Active connections: N ... accepts handled requests"
# Random bytes, hashed when they are written: the hash is known for the whole run.
#
#   htpx_nginx_start WORKDIR   sets and exports HTPX_NGINX_URL, HTPX_NGINX_ROOT, the above and
#                              HTPX_NGINX_PID (also its process group); returns 0 when serving
#   htpx_nginx_stop            stops it and waits until every process of it has gone

# The nginx binary: $HTPX_NGINX_PROGRAM when set (a missing file counts as no nginx), else
# Debian's.
htpx_nginx_program() {
  if [[ -n "${HTPX_NGINX_PROGRAM:-}" ]]; then
    [[ -x "$HTPX_NGINX_PROGRAM" ]] && echo "$HTPX_NGINX_PROGRAM"
    return
  fi
  htpx_find_program nginx
}

htpx_nginx_write_files() {
  local root="$1"
  printf 'hello from nginx\n' >"$root/small.txt"
  head -c 1048576 /dev/urandom >"$root/1mib.bin"
  export HTPX_NGINX_SMALL_PATH=/small.txt HTPX_NGINX_1MIB_PATH=/1mib.bin
  HTPX_NGINX_SMALL_SHA256="$(sha256sum "$root/small.txt" | cut -d' ' -f1)"
  HTPX_NGINX_1MIB_SHA256="$(sha256sum "$root/1mib.bin" | cut -d' ' -f1)"
  export HTPX_NGINX_SMALL_SHA256 HTPX_NGINX_1MIB_SHA256
  if [[ "${HTPX_NGINX_BIG_FILE:-0}" == 1 ]]; then
    head -c 104857600 /dev/urandom >"$root/100mib.bin"
    export HTPX_NGINX_100MIB_PATH=/100mib.bin
    HTPX_NGINX_100MIB_SHA256="$(sha256sum "$root/100mib.bin" | cut -d' ' -f1)"
    export HTPX_NGINX_100MIB_SHA256
  fi
}

htpx_nginx_write_config() {  # PREFIX PORT
  local prefix="$1" port="$2" user_line=""
  # As root the workers would switch to an unprivileged user that cannot read the work
  # directory; keep them as the current user. (Not root: nginx never switches.)
  if [[ $(id -u) -eq 0 ]]; then user_line="user $(id -un) $(id -gn);"; fi
  cat >"$prefix/nginx.conf" <<CONF
$user_line
daemon off;
worker_processes 1;
pid $prefix/nginx.pid;
error_log $prefix/error.log info;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path $prefix/tmp/body;
  proxy_temp_path $prefix/tmp/proxy;
  fastcgi_temp_path $prefix/tmp/fastcgi;
  uwsgi_temp_path $prefix/tmp/uwsgi;
  scgi_temp_path $prefix/tmp/scgi;
  types { text/plain txt; application/octet-stream bin; }
  default_type application/octet-stream;
  sendfile on;
  keepalive_timeout 60s;
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:$port;
    root $prefix/html;
    # Connections accepted and requests served, as nginx counts them: the keep-alive test
    # checks on the server's side that one connection carried every request.
    location = /nginx_status { stub_status; }
  }
}
CONF
}

htpx_nginx_start() {
  local workdir="$1" nginx prefix port attempt
  nginx="$(htpx_nginx_program)" || { echo "nginx: not installed" >&2; return 1; }
  prefix="$workdir/nginx"
  mkdir -p "$prefix/html" "$prefix/tmp"
  htpx_nginx_write_files "$prefix/html"
  export HTPX_NGINX_ROOT="$prefix/html"
  for attempt in 1 2 3 4 5; do  # a port taken between choosing and binding: choose again
    port="$(htpx_free_port)"
    htpx_nginx_write_config "$prefix" "$port"
    setsid "$nginx" -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/error.log" >>"$prefix/stdout.log" 2>&1 &
    HTPX_NGINX_PID=$!
    echo "$HTPX_NGINX_PID" >>"$workdir/pgids"
    if htpx_wait_http "http://127.0.0.1:$port/small.txt" 10 "$HTPX_NGINX_PID"; then
      export HTPX_NGINX_URL="http://127.0.0.1:$port" HTPX_NGINX_PID
      return 0
    fi
    echo "nginx: not serving on port $port (attempt $attempt); error log:" >&2
    tail -n 5 "$prefix/error.log" >&2 || true
    htpx_stop_group "$HTPX_NGINX_PID" TERM
  done
  HTPX_NGINX_PID=""
  return 1
}

htpx_nginx_stop() {
  # SIGTERM is nginx's fast shutdown: the master stops its worker and exits.
  htpx_stop_group "${HTPX_NGINX_PID:-}" TERM
  HTPX_NGINX_PID=""
}
