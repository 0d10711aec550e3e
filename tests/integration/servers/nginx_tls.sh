# shellcheck shell=bash
# The TLS fixture (sourced, not run; needs common.sh and nginx.sh): certificates made at test
# time by tests/integration/certs/make-certs.sh into the work directory (nothing secret is
# committed), then a second nginx (its own prefix, foreground, own process group) with one TLS
# server per certificate, each on 127.0.0.1 and a random free port, and a small python TLS
# server (servers/tls_raw.py) for what nginx will not do (a body cut off without close_notify, a
# handshake that demands a client certificate).
#
# nginx: TLS 1.2 and 1.3, keep-alive, a shared session cache and session tickets, the static
# files of nginx.sh (the same root when the plain nginx runs, else written here), and
#   /tls-info     "reused=r|. protocol=TLSv1.2 alpn=http/1.1 client=SUCCESS|NONE|FAILED:..."
#                 ($ssl_session_reused: r when the session was resumed)
#   /nginx_status stub_status ("accepts" counts TCP connections, so handshakes)
#
#   HTPX_TLS_URL             good certificate (localhost and 127.0.0.1, signed by the test CA)
#   HTPX_TLS_EXPIRED_URL     expired certificate (test CA)
#   HTPX_TLS_NOT_YET_VALID_URL  certificate valid from a future date (test CA)
#   HTPX_TLS_WRONG_HOST_URL  certificate for another name (test CA)
#   HTPX_TLS_SELF_SIGNED_URL self-signed certificate for localhost
#   HTPX_TLS_REVOKED_URL     certificate the test CA revoked (HTPX_TLS_CRL_FILE: its CRL)
#   HTPX_TLS_MISSING_INTERMEDIATE_URL  a leaf signed by an intermediate, sent without it
#   HTPX_TLS_LONG_CHAIN_URL  a leaf under 9 intermediates, all sent (more than mbedTLS follows)
#   HTPX_TLS_CLIENT_EKU_URL  a certificate whose extendedKeyUsage is clientAuth only
#   HTPX_TLS_TLS13_ONLY_URL  good certificate, TLS 1.3 only
#   HTPX_TLS_MTLS_URL        good certificate; ssl_verify_client on with the client CA (without a
#                            client certificate nginx answers 400 "No required SSL certificate")
#   HTPX_TLS_HTTPBIN_URL     good certificate; reverse proxy to HTPX_HTTPBIN_URL (only when
#                            httpbin runs)
#   HTPX_TLS_RAW_URL         tls_raw.py, good certificate: /truncated, /truncated-length, /clean
#   HTPX_TLS_STRICT_MTLS_URL tls_raw.py: the handshake fails without a client certificate
#   HTPX_TLS_CA_FILE         the test CA (PEM): pin it to trust the servers above
#   HTPX_TLS_CLIENT_CERT, HTPX_TLS_CLIENT_KEY  a client certificate the client CA signed (PEM)
#   HTPX_TLS_CERT_DIR        every file make-certs.sh wrote
#   HTPX_TLS_{SMALL,1MIB,100MIB}_{PATH,SHA256}  the files served (100 MiB with --big-file)
# All URLs name the host "localhost" (which the port resolves to 127.0.0.1 first);
# HTPX_TLS_PORT and friends (HTPX_TLS_EXPIRED_PORT, ...) give the bare ports.
#
#   htpx_nginx_tls_start WORKDIR   sets and exports the above, HTPX_NGINX_TLS_PID and
#                                  HTPX_TLS_RAW_PID (also their process groups)
#   htpx_nginx_tls_stop            stops both and waits until every process of them has gone

# The certificate script: $HTPX_TLS_CERT_SCRIPT when set, else certs/make-certs.sh.
htpx_tls_cert_script() {
  if [[ -n "${HTPX_TLS_CERT_SCRIPT:-}" ]]; then
    echo "$HTPX_TLS_CERT_SCRIPT"
  else
    echo "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/certs/make-certs.sh"
  fi
}
htpx_tls_raw_script() { echo "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/tls_raw.py"; }

# Returns 0 when everything the TLS fixture needs is there: openssl (for the certificates),
# nginx and the certificate script.
htpx_nginx_tls_available() {
  htpx_find_program openssl >/dev/null && htpx_nginx_program >/dev/null && [[ -x "$(htpx_tls_cert_script)" ]]
}

# htpx_wait_tls PORT SECONDS PID: waits until a TLS handshake on 127.0.0.1:PORT completes (no
# verification: only readiness) or PID dies.
htpx_wait_tls() {
  "${HTPX_PYTHON3:-python3}" - "$1" "$2" "$3" <<'PY'
import os, socket, ssl, sys, time
port, seconds, pid = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
deadline = time.monotonic() + seconds
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit(1)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as raw:
            with context.wrap_socket(raw, server_hostname="localhost"):
                sys.exit(0)
    except ssl.SSLError:
        sys.exit(0)  # it speaks TLS (and refused us: the strict mutual-TLS server)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
PY
}

# PORTS: good expired notyet wronghost selfsigned mtls httpbin revoked missing-intermediate
# long-chain client-eku tls13-only
htpx_nginx_tls_write_config() {  # PREFIX CERTDIR ROOT PORTS...
  local prefix="$1" certs="$2" root="$3" user_line="" httpbin_block=""
  shift 3
  local good="$1" expired="$2" notyet="$3" wronghost="$4" selfsigned="$5" mtls="$6" httpbin="$7" revoked="$8"
  local missing="$9" long="${10}" eku="${11}" tls13="${12}"
  if [[ $(id -u) -eq 0 ]]; then user_line="user $(id -un) $(id -gn);"; fi
  local common="
    root $root;
    ssl_protocols TLSv1.2 TLSv1.3;
    keepalive_timeout 60s;
    keepalive_requests 100000;
    location = /tls-info {
      default_type text/plain;
      return 200 \"reused=\$ssl_session_reused protocol=\$ssl_protocol alpn=\$ssl_alpn_protocol client=\$ssl_client_verify\\n\";
    }
    location = /nginx_status { stub_status; }"
  if [[ -n "${HTPX_HTTPBIN_URL:-}" ]]; then
    httpbin_block="
  server {
    listen 127.0.0.1:$httpbin ssl;
    ssl_certificate $certs/server.crt;
    ssl_certificate_key $certs/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    keepalive_timeout 60s;
    location / {
      proxy_pass ${HTPX_HTTPBIN_URL};
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
      proxy_set_header Host \$http_host;
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 60s;
    }
  }"
  fi
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
  # Resumption both ways: a session cache (session IDs) and tickets.
  ssl_session_cache shared:htpx_tls:1m;
  ssl_session_timeout 10m;
  ssl_session_tickets on;
  server {
    listen 127.0.0.1:$good ssl;
    ssl_certificate $certs/server.crt;
    ssl_certificate_key $certs/server.key;$common
  }
  server {
    listen 127.0.0.1:$expired ssl;
    ssl_certificate $certs/expired.crt;
    ssl_certificate_key $certs/expired.key;$common
  }
  server {
    listen 127.0.0.1:$notyet ssl;
    ssl_certificate $certs/not-yet-valid.crt;
    ssl_certificate_key $certs/not-yet-valid.key;$common
  }
  server {
    listen 127.0.0.1:$wronghost ssl;
    ssl_certificate $certs/wrong-host.crt;
    ssl_certificate_key $certs/wrong-host.key;$common
  }
  server {
    listen 127.0.0.1:$selfsigned ssl;
    ssl_certificate $certs/self-signed.crt;
    ssl_certificate_key $certs/self-signed.key;$common
  }
  server {
    listen 127.0.0.1:$mtls ssl;
    ssl_certificate $certs/server.crt;
    ssl_certificate_key $certs/server.key;
    ssl_client_certificate $certs/client-ca.crt;
    ssl_verify_client on;$common
  }
  server {
    listen 127.0.0.1:$revoked ssl;
    ssl_certificate $certs/revoked.crt;
    ssl_certificate_key $certs/revoked.key;$common
  }
  server {
    listen 127.0.0.1:$missing ssl;
    ssl_certificate $certs/leaf-only.crt;
    ssl_certificate_key $certs/leaf-only.key;$common
  }
  server {
    listen 127.0.0.1:$long ssl;
    ssl_certificate $certs/long-chain.crt;
    ssl_certificate_key $certs/long-chain.key;$common
  }
  server {
    listen 127.0.0.1:$eku ssl;
    ssl_certificate $certs/client-eku.crt;
    ssl_certificate_key $certs/client-eku.key;$common
  }
  server {
    listen 127.0.0.1:$tls13 ssl;
    ssl_certificate $certs/server.crt;
    ssl_certificate_key $certs/server.key;
    ssl_protocols TLSv1.3;
    root $root;
  }$httpbin_block
}
CONF
}

# Makes the certificates (once per work directory) and sets HTPX_TLS_CERT_DIR and the files.
htpx_tls_make_certs() {
  local workdir="$1" certs="$1/certs"
  if [[ ! -s "$certs/ca.crt" ]]; then
    mkdir -p "$certs"
    "$(htpx_tls_cert_script)" "$certs" >"$workdir/make-certs.log" 2>&1 || {
      echo "make-certs.sh failed; its output:" >&2
      tail -n 20 "$workdir/make-certs.log" >&2
      return 1
    }
  fi
  export HTPX_TLS_CERT_DIR="$certs" HTPX_TLS_CA_FILE="$certs/ca.crt"
  export HTPX_TLS_CLIENT_CERT="$certs/client.crt" HTPX_TLS_CLIENT_KEY="$certs/client.key"
  export HTPX_TLS_CRL_FILE="$certs/crl.pem"
}

# Starts tls_raw.py on two free ports; sets HTPX_TLS_RAW_URL, HTPX_TLS_STRICT_MTLS_URL.
htpx_tls_raw_start() {
  local workdir="$1" dir="$1/tls-raw" attempt port strict
  mkdir -p "$dir"
  for attempt in 1 2 3 4 5; do
    port="$(htpx_free_port)" strict="$(htpx_free_port)"
    [[ $port == "$strict" ]] && continue
    setsid "${HTPX_PYTHON3:-python3}" "$(htpx_tls_raw_script)" --certs "$HTPX_TLS_CERT_DIR" --port "$port" \
      --strict-port "$strict" >>"$dir/tls-raw.log" 2>&1 </dev/null &
    HTPX_TLS_RAW_PID=$!
    echo "$HTPX_TLS_RAW_PID" >>"$workdir/pgids"
    if htpx_wait_tls "$port" 10 "$HTPX_TLS_RAW_PID" && htpx_wait_tls "$strict" 10 "$HTPX_TLS_RAW_PID"; then
      export HTPX_TLS_RAW_PID HTPX_TLS_RAW_URL="https://localhost:$port"
      export HTPX_TLS_STRICT_MTLS_URL="https://localhost:$strict"
      return 0
    fi
    echo "tls_raw.py: not serving on ports $port/$strict (attempt $attempt); its log:" >&2
    tail -n 5 "$dir/tls-raw.log" >&2 || true
    htpx_stop_group "$HTPX_TLS_RAW_PID" TERM
  done
  HTPX_TLS_RAW_PID=""
  return 1
}

htpx_nginx_tls_start() {
  local workdir="$1" nginx prefix root attempt i
  local -a ports
  nginx="$(htpx_nginx_program)" || { echo "nginx: not installed" >&2; return 1; }
  htpx_tls_make_certs "$workdir" || return 1
  prefix="$workdir/nginx-tls"
  mkdir -p "$prefix/html" "$prefix/tmp"
  # The same files as the plain nginx when it runs (no second 100 MiB), else our own.
  if [[ -n "${HTPX_NGINX_ROOT:-}" && -d "$HTPX_NGINX_ROOT" ]]; then
    root="$HTPX_NGINX_ROOT"
  else
    root="$prefix/html"
    htpx_nginx_write_files "$root"
  fi
  export HTPX_TLS_SMALL_PATH="$HTPX_NGINX_SMALL_PATH" HTPX_TLS_SMALL_SHA256="$HTPX_NGINX_SMALL_SHA256"
  export HTPX_TLS_1MIB_PATH="$HTPX_NGINX_1MIB_PATH" HTPX_TLS_1MIB_SHA256="$HTPX_NGINX_1MIB_SHA256"
  if [[ -n "${HTPX_NGINX_100MIB_PATH:-}" ]]; then
    export HTPX_TLS_100MIB_PATH="$HTPX_NGINX_100MIB_PATH" HTPX_TLS_100MIB_SHA256="$HTPX_NGINX_100MIB_SHA256"
  fi
  for attempt in 1 2 3 4 5; do  # a port taken between choosing and binding: choose again
    ports=()
    for ((i = 0; i < 12; i++)); do ports+=("$(htpx_free_port)"); done
    if [[ $(printf '%s\n' "${ports[@]}" | sort -u | wc -l) -ne 12 ]]; then continue; fi
    htpx_nginx_tls_write_config "$prefix" "$HTPX_TLS_CERT_DIR" "$root" "${ports[@]}"
    setsid "$nginx" -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/error.log" >>"$prefix/stdout.log" 2>&1 &
    HTPX_NGINX_TLS_PID=$!
    echo "$HTPX_NGINX_TLS_PID" >>"$workdir/pgids"
    if htpx_wait_tls "${ports[0]}" 10 "$HTPX_NGINX_TLS_PID" && htpx_wait_tls "${ports[5]}" 10 "$HTPX_NGINX_TLS_PID"; then
      export HTPX_NGINX_TLS_PID
      export HTPX_TLS_PORT="${ports[0]}" HTPX_TLS_EXPIRED_PORT="${ports[1]}" HTPX_TLS_NOT_YET_VALID_PORT="${ports[2]}"
      export HTPX_TLS_WRONG_HOST_PORT="${ports[3]}" HTPX_TLS_SELF_SIGNED_PORT="${ports[4]}" HTPX_TLS_MTLS_PORT="${ports[5]}"
      export HTPX_TLS_URL="https://localhost:${ports[0]}" HTPX_TLS_EXPIRED_URL="https://localhost:${ports[1]}"
      export HTPX_TLS_NOT_YET_VALID_URL="https://localhost:${ports[2]}"
      export HTPX_TLS_WRONG_HOST_URL="https://localhost:${ports[3]}"
      export HTPX_TLS_SELF_SIGNED_URL="https://localhost:${ports[4]}" HTPX_TLS_MTLS_URL="https://localhost:${ports[5]}"
      export HTPX_TLS_REVOKED_URL="https://localhost:${ports[7]}"
      export HTPX_TLS_MISSING_INTERMEDIATE_URL="https://localhost:${ports[8]}"
      export HTPX_TLS_LONG_CHAIN_URL="https://localhost:${ports[9]}"
      export HTPX_TLS_CLIENT_EKU_URL="https://localhost:${ports[10]}"
      export HTPX_TLS_TLS13_ONLY_URL="https://localhost:${ports[11]}"
      if [[ -n "${HTPX_HTTPBIN_URL:-}" ]]; then
        export HTPX_TLS_HTTPBIN_PORT="${ports[6]}" HTPX_TLS_HTTPBIN_URL="https://localhost:${ports[6]}"
      fi
      htpx_tls_raw_start "$workdir" || return 1
      return 0
    fi
    echo "nginx (TLS): not serving on port ${ports[0]} (attempt $attempt); error log:" >&2
    tail -n 5 "$prefix/error.log" >&2 || true
    htpx_stop_group "$HTPX_NGINX_TLS_PID" TERM
  done
  HTPX_NGINX_TLS_PID=""
  return 1
}

htpx_nginx_tls_stop() {
  htpx_stop_group "${HTPX_NGINX_TLS_PID:-}" TERM
  htpx_stop_group "${HTPX_TLS_RAW_PID:-}" TERM
  HTPX_NGINX_TLS_PID="" HTPX_TLS_RAW_PID=""
}
