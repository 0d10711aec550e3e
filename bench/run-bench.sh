#!/usr/bin/env bash
# make bench: the htpx client beside wrk, h2load (--h1) and a libcurl program (bench/curl_bench.cpp)
# against nginx on 127.0.0.1, and writes bench/results.md (machine, date, commands, tables).
#
#   bench/run-bench.sh [BUILD_DIR]        (make bench: BUILD_DIR is $(BUILD), default build/)
#
# What it does, in one go:
#   1. builds htpx-bench and curl-bench in BUILD_DIR;
#   2. starts nginx on 127.0.0.1 (its own configuration in a temporary directory: a 100-byte
#      file and a 1 MiB file, keep-alive, access log off, one worker) pinned to CPU
#      $BENCH_SERVER_CPU (1); every client runs pinned to CPU $BENCH_CLIENT_CPU (0);
#   3. runs $BENCH_ROUNDS (3) rounds, each round every contender once per shape in turn (the
#      contenders alternate, so drift hits them alike), $BENCH_SECONDS (5) s per run:
#        small -c1  and small -c64 (the 100-byte file), big -c1 (the 1 MiB file);
#      client CPU per request is the child's own rusage (user + system, GNU time), divided by
#      the requests the tool itself reports; medians of the rounds are reported;
#   4. system calls per request (strace -c -f) and instructions per request of the whole client
#      loop (callgrind, (Ir(2N) - Ir(N)) / N), htpx-bench beside the libcurl program;
#   5. the parser benchmark (bench/bench-parse.sh);
#   6. writes bench/results.md, and the summary table into README.md between the markers
#      <!-- client-bench:begin --> and <!-- client-bench:end --> (BENCH_README=0: not).
#
# Environment: BENCH_SECONDS, BENCH_ROUNDS, BENCH_SERVER_CPU, BENCH_CLIENT_CPU, BENCH_CALLGRIND_N
# (2000), BENCH_RESULTS (bench/results.md), BENCH_README (1), BENCH_PARSE (1: run bench-parse.sh),
# HTPX_NGINX_PROGRAM. Needs (Debian, installed with apt-get when missing): nginx wrk
# nghttp2-client (h2load) libcurl4-openssl-dev time valgrind strace util-linux (taskset).
# Loopback only.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-${BENCH_BUILD:-$root/build}}
seconds=${BENCH_SECONDS:-5}
rounds=${BENCH_ROUNDS:-3}
server_cpu=${BENCH_SERVER_CPU:-1}
client_cpu=${BENCH_CLIENT_CPU:-0}
cg_n=${BENCH_CALLGRIND_N:-2000}
results=${BENCH_RESULTS:-$root/bench/results.md}
update_readme=${BENCH_README:-1}
run_parse=${BENCH_PARSE:-1}

# shellcheck source=../tests/integration/servers/common.sh
source "$root/tests/integration/servers/common.sh"

die() { echo "bench: $*" >&2; exit 1; }
note() { echo "bench: $*" >&2; }

# ---- what it needs, installed when missing (as make demo does) ------------------------------
packages=()
command -v wrk >/dev/null || packages+=(wrk)
command -v h2load >/dev/null || packages+=(nghttp2-client)
command -v valgrind >/dev/null || packages+=(valgrind)
command -v strace >/dev/null || packages+=(strace)
command -v taskset >/dev/null || packages+=(util-linux)
[[ -x /usr/bin/time ]] || packages+=(time)
[[ -n ${HTPX_NGINX_PROGRAM:-} ]] || htpx_find_program nginx >/dev/null || packages+=(nginx)
compgen -G '/usr/include/*/curl/curl.h' >/dev/null || [[ -f /usr/include/curl/curl.h ]] || packages+=(libcurl4-openssl-dev)
if [[ ${#packages[@]} -ne 0 ]]; then
  note "installing ${packages[*]} (Debian packages)"
  sudo=()
  [[ $(id -u) -ne 0 ]] && sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get install -y --no-install-recommends "${packages[@]}" ||
    { "${sudo[@]}" apt-get update && "${sudo[@]}" apt-get install -y --no-install-recommends "${packages[@]}"; } ||
    die "could not install ${packages[*]}"
fi
nginx=${HTPX_NGINX_PROGRAM:-$(htpx_find_program nginx)} || die "nginx not found (Debian: nginx)"
[[ $(nproc) -ge 2 ]] || note "fewer than 2 CPUs: server and client share one"

# ---- build ---------------------------------------------------------------------------------
# Configured again so that a libcurl installed just now is found (curl-bench).
cmake -S "$root" -B "$build" >/dev/null || die "could not configure $build"
cmake --build "$build" --target htpx-bench curl-bench floor-bench -j "$(nproc)" >/dev/null ||
  die "could not build htpx-bench, curl-bench and floor-bench in $build (curl-bench needs libcurl4-openssl-dev)"
htpx_bench=$build/bin/htpx-bench
curl_bench=$build/bin/curl-bench
floor_bench=$build/bin/floor-bench

# ---- nginx ---------------------------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/htpx-bench.XXXXXX")
nginx_pid=""
cleanup() {
  htpx_stop_group "$nginx_pid" TERM
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$work/html" "$work/tmp"
head -c 100 /dev/zero | tr '\0' 'x' >"$work/html/100b.txt"
head -c 1048576 /dev/urandom >"$work/html/1mib.bin"
small_bytes=100
big_bytes=1048576
user_line=""
if [[ $(id -u) -eq 0 ]]; then user_line="user $(id -un) $(id -gn);"; fi
start_nginx() {
  local port=$1
  cat >"$work/nginx.conf" <<CONF
$user_line
daemon off;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/tmp/body;
  proxy_temp_path $work/tmp/proxy;
  fastcgi_temp_path $work/tmp/fastcgi;
  uwsgi_temp_path $work/tmp/uwsgi;
  scgi_temp_path $work/tmp/scgi;
  types { text/plain txt; application/octet-stream bin; }
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 60s;
  keepalive_requests 100000000;
  server {
    listen 127.0.0.1:$port;
    root $work/html;
  }
}
CONF
  # The master and its worker inherit the CPU set.
  setsid taskset -c "$server_cpu" "$nginx" -p "$work" -c "$work/nginx.conf" -e "$work/error.log" \
    >>"$work/stdout.log" 2>&1 &
  nginx_pid=$!
  htpx_wait_http "http://127.0.0.1:$port/100b.txt" 10 "$nginx_pid"
}
started=0
for attempt in 1 2 3 4 5; do
  port=$(htpx_free_port)
  if start_nginx "$port"; then started=1; break; fi
  note "nginx did not serve on port $port (attempt $attempt)"
  htpx_stop_group "$nginx_pid" TERM
done
[[ $started == 1 ]] || { tail -n 5 "$work/error.log" >&2 || true; die "nginx did not start"; }
base="http://127.0.0.1:$port"
note "nginx $base (pid $nginx_pid) on CPU $server_cpu; clients on CPU $client_cpu; ${rounds} rounds of ${seconds} s"

# ---- one measured run ------------------------------------------------------------------------
# run_one CONTENDER CONNECTIONS URL: runs the tool pinned to the client CPU under GNU time and
# prints "requests seconds cpu_seconds errors user_seconds" (errors: failed or non-2xx responses).
run_one() {
  local who=$1 c=$2 url=$3 out=$work/out.txt tm=$work/time.txt
  local cmd
  case $who in
    wrk) cmd=(wrk -t1 -c"$c" -d"${seconds}s" "$url") ;;
    h2load) cmd=(h2load --h1 -t1 -c"$c" -D "$seconds" "$url") ;;
    libcurl) cmd=("$curl_bench" -c "$c" -d "$seconds" "$url") ;;
    htpx) cmd=("$htpx_bench" -c "$c" -d "$seconds" "$url") ;;
    htpx-poll) cmd=("$htpx_bench" --poll -c "$c" -d "$seconds" "$url") ;;
    floor) cmd=("$floor_bench" -c "$c" -d "$seconds" "$url") ;;
  esac
  if ! taskset -c "$client_cpu" /usr/bin/time -f '%U %S' -o "$tm" "${cmd[@]}" >"$out" 2>&1; then
    note "$who -c$c $url failed:"
    tail -n 5 "$out" >&2
  fi
  local cpu user
  cpu=$(awk '{print $1 + $2}' "$tm" | tail -n 1)
  user=$(awk '{print $1}' "$tm" | tail -n 1)
  case $who in
    wrk)
      awk -v cpu="$cpu" -v user="$user" '
        /requests in/ { n = $1; s = $4; sub(/,$/, "", s)
                        if (s ~ /ms$/) { sub(/ms$/, "", s); s /= 1000 } else if (s ~ /m$/) { sub(/m$/, "", s); s *= 60 } else sub(/s$/, "", s) }
        /Non-2xx/ { e += $NF } /Socket errors/ { gsub(/,/, ""); e += $4 + $6 + $8 + $10 }
        END { print n + 0, s + 0, cpu, e + 0, user }' "$out" ;;
    h2load)
      awk -v cpu="$cpu" -v user="$user" '
        /^finished in/ { s = $3; sub(/,$/, "", s); if (s ~ /ms$/) { sub(/ms$/, "", s); s /= 1000 } else sub(/s$/, "", s) }
        /^requests:/ { n = $8; e = $10 + $12 + $14 }
        /^status codes:/ { e += $5 + $7 + $9 }
        END { print n + 0, s + 0, cpu, e + 0, user }' "$out" ;;
    libcurl | htpx | htpx-poll | floor)
      awk -v cpu="$cpu" -v user="$user" '
        /^RESULT/ { for (i = 2; i <= NF; ++i) { split($i, kv, "="); v[kv[1]] = kv[2] } }
        END { s = v["req_per_s"] > 0 ? v["requests"] / v["req_per_s"] : 0
              print v["requests"] + 0, s, cpu, v["failed"] + v["non2xx"], user }' "$out" ;;
  esac
}

contenders=(wrk h2load libcurl htpx)
# Beside the contenders, in some shapes only:
# - floor-bench is not a client: a bare blocking send/recv loop with nothing parsed, the least
#   CPU per request any client can cost here. One connection only (see bench/floor_bench.cpp).
# - htpx-poll is htpx-bench waiting in posix_platform's poll(2) instead of the epoll set: what
#   the epoll set saves shows with many connections.
extras=(floor htpx-poll)
declare -A extra_shapes=([floor]=" small1 big1 " [htpx-poll]=" small64 ")
# runs_in WHO SHAPE: true when WHO is measured in SHAPE.
runs_in() { [[ -z ${extra_shapes[$1]:-} || ${extra_shapes[$1]} == *" $2 "* ]]; }
shape_names=(small1 small64 big1)
declare -A shape_conns=([small1]=1 [small64]=64 [big1]=1)
declare -A shape_paths=([small1]=/100b.txt [small64]=/100b.txt [big1]=/1mib.bin)
declare -A shape_bytes=([small1]=$small_bytes [small64]=$small_bytes [big1]=$big_bytes)
declare -A rps mibps cpu cpu_user errors
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 1; r <= rounds; ++r)); do
  for name in "${shape_names[@]}"; do
    c=${shape_conns[$name]}
    url=$base${shape_paths[$name]}
    bytes=${shape_bytes[$name]}
    for who in "${contenders[@]}" "${extras[@]}"; do
      runs_in "$who" "$name" || continue
      read -r n s cpus errs users <<<"$(run_one "$who" "$c" "$url")"
      key="$name|$who"
      if [[ ${n:-0} -eq 0 ]] || awk -v s="$s" 'BEGIN { exit !(s <= 0) }'; then
        note "$who $name round $r: no requests completed"
        continue
      fi
      rps[$key]+="$(awk -v n="$n" -v s="$s" 'BEGIN { printf "%.1f", n / s }') "
      mibps[$key]+="$(awk -v n="$n" -v s="$s" -v b="$bytes" 'BEGIN { printf "%.2f", n * b / s / 1048576 }') "
      cpu[$key]+="$(awk -v n="$n" -v c="$cpus" 'BEGIN { printf "%.3f", c * 1e6 / n }') "
      cpu_user[$key]+="$(awk -v n="$n" -v c="$users" 'BEGIN { printf "%.3f", c * 1e6 / n }') "
      errors[$key]=$((${errors[$key]:-0} + errs))
      note "round $r $name $who: $n requests in $s s, CPU $cpus s, errors $errs"
    done
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { if (a == "n/a" || b == "n/a" || b == 0) print "n/a"; else printf "%." d "f", a / b }'; }
commas() { awk -v x="$1" -v d="${2:-0}" 'BEGIN { if (x == "n/a") { print x; exit } s = sprintf("%." d "f", x); split(s, p, "."); i = p[1]; while (i ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]([,]|$)/, ",&", i); print i (d > 0 ? "." p[2] : "") }'; }

# ---- system calls per request (strace -c -f) ---------------------------------------------------
# syscalls CONTENDER CONNECTIONS: prints "name per-request, ..." and the total, for the small file.
syscalls() {
  local who=$1 c=$2 st=$work/strace.txt out=$work/strace-out.txt n
  case $who in
    wrk) strace -f -c -o "$st" wrk -t1 -c"$c" -d2s "$base/100b.txt" >"$out" 2>&1 || true
         n=$(awk '/requests in/ { print $1 }' "$out") ;;
    h2load) strace -f -c -o "$st" h2load --h1 -t1 -c"$c" -n 20000 "$base/100b.txt" >"$out" 2>&1 || true
            n=$(awk '/^requests:/ { print $8 }' "$out") ;;
    libcurl) strace -f -c -o "$st" "$curl_bench" -q -c "$c" -n 20000 "$base/100b.txt" >"$out" 2>&1 || true
             n=$(sed -n 's/^RESULT requests=\([0-9]*\).*/\1/p' "$out") ;;
    htpx) strace -f -c -o "$st" "$htpx_bench" -q -c "$c" -n 20000 "$base/100b.txt" >"$out" 2>&1 || true
          n=$(sed -n 's/^RESULT requests=\([0-9]*\).*/\1/p' "$out") ;;
  esac
  [[ -n ${n:-} && $n -gt 0 ]] || { echo "n/a"; return; }
  # strace -c columns: % time, seconds, usecs/call, calls, [errors,] syscall
  awk -v n="$n" '
    /^[ ]*[0-9.]+[ ]+[0-9.]+[ ]+[0-9]+[ ]+[0-9]+/ && $NF != "total" {
      calls = $4; per = calls / n; total += per
      if (per >= 0.05) { errs = (NF == 6) ? $5 : 0; line = line sprintf("%s%s %.2f", sep, $NF, per); sep = ", "
        if (errs / n >= 0.05) line = line sprintf(" (%.2f failing)", errs / n) }
    }
    END { printf "%.2f | %s\n", total, line }' "$st"
}
declare -A sys1 sys64
for who in "${contenders[@]}"; do
  sys1[$who]=$(syscalls "$who" 1)
  sys64[$who]=$(syscalls "$who" 64)
done

# ---- instructions per request, the whole client loop (callgrind) -------------------------------
ir_of() {  # ir_of BINARY N: total Ir of one run of N requests over one connection
  local f=$work/callgrind.out
  valgrind -q --tool=callgrind --callgrind-out-file="$f" "$1" -q -c 1 -n "$2" "$base/100b.txt" >/dev/null 2>&1 ||
    { echo 0; return; }
  awk '/^summary:/ { print $2 }' "$f"
}
per_request() {  # (Ir(2N) - Ir(N)) / N
  local a b
  a=$(ir_of "$1" "$cg_n")
  b=$(ir_of "$1" "$((2 * cg_n))")
  awk -v a="$a" -v b="$b" -v n="$cg_n" 'BEGIN { if (a == 0 || b == 0) print "n/a"; else printf "%.0f\n", (b - a) / n }'
}
ir_htpx=$(per_request "$htpx_bench")
ir_curl=$(per_request "$curl_bench")

# ---- parser benchmark ---------------------------------------------------------------------------
parse_report=""
if [[ $run_parse == 1 ]]; then
  parse_report=$("$root/bench/bench-parse.sh" 2>&1) || note "bench-parse.sh failed"
fi

# ---- report -------------------------------------------------------------------------------------
verdict() { awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN { if (a == "n/a" || b == "n/a") { print "n/a"; exit }
  ok = (op == "<=") ? (a <= b) : (a >= b); print ok ? "**met**" : "missed" }'; }

table_rows() {  # table_rows SHAPE
  local name=$1 who key m_rps m_mib m_cpu e
  for who in "${contenders[@]}" "${extras[@]}"; do
    runs_in "$who" "$name" || continue
    key="$name|$who"
    m_rps=$(median "${rps[$key]:-}")
    m_mib=$(median "${mibps[$key]:-}")
    m_cpu=$(median "${cpu[$key]:-}")
    e=${errors[$key]:-0}
    local label=$who
    [[ $who == htpx ]] && label="**htpx**"
    [[ $who == floor ]] && label="floor (not a client)"
    [[ $who == htpx-poll ]] && label="htpx --poll (poll(2) waits)"
    local err=""
    [[ $e -ne 0 ]] && err=" ($e errors)"
    echo "| $label$err | $(commas "$m_rps") | $(commas "$m_mib" 1) | $(commas "$m_cpu" 2) | $(ratio "$(median "${cpu[$name|htpx]:-}")" "$m_cpu") | $(ratio "$(median "${rps[$name|htpx]:-}")" "$m_rps") |"
  done
}

summary() {
  echo "| shape | contender | req/s | MiB/s (bodies) | client CPU µs/request | htpx/peer CPU | htpx/peer req/s |"
  echo "|---|---|---:|---:|---:|---:|---:|"
  local name label
  for name in small1 small64 big1; do
    case $name in
      small1) label="100 B, -c1" ;;
      small64) label="100 B, -c64" ;;
      big1) label="1 MiB, -c1" ;;
    esac
    table_rows "$name" | sed "s/^| /| $label | /"
  done
  echo
  echo "Instructions per request, whole client loop (callgrind, 100 B over one kept-alive connection, \`(Ir(2N) − Ir(N)) / N\`, N = $cg_n): **htpx $(commas "$ir_htpx")**, libcurl program $(commas "$ir_curl") ($(ratio "$ir_htpx" "$ir_curl")×)."
}

cpu_of() { median "${cpu[$1|$2]:-}"; }
rps_of() { median "${rps[$1|$2]:-}"; }
mib_of() { median "${mibps[$1|$2]:-}"; }
targets() {
  local t
  echo "| target | measured | verdict |"
  echo "|---|---:|---|"
  t=$(ratio "$(cpu_of small1 htpx)" "$(cpu_of small1 wrk)" 3)
  echo "| 100 B -c1: client CPU/request ≤ 0.8× wrk's | ${t}× | $(verdict "$t" "<=" 0.8) |"
  t=$(ratio "$(cpu_of small1 floor)" "$(cpu_of small1 wrk)" 3)
  echo "| (the floor: a bare send/recv loop's CPU/request over wrk's) | ${t}× | $(verdict "$t" "<=" 0.8) for the floor |"
  t=$(ratio "$(cpu_of small1 htpx)" "$(cpu_of small1 libcurl)" 3)
  echo "| 100 B -c1: client CPU/request ≤ 0.6× libcurl's | ${t}× | $(verdict "$t" "<=" 0.6) |"
  t=$(ratio "$(rps_of small1 htpx)" "$(rps_of small1 wrk)" 3)
  echo "| 100 B -c1: req/s ≥ wrk's | ${t}× | $(verdict "$t" ">=" 1) |"
  t=$(ratio "$(cpu_of small64 htpx)" "$(cpu_of small64 wrk)" 3)
  echo "| 100 B -c64: client CPU/request ≤ 0.8× wrk's | ${t}× | $(verdict "$t" "<=" 0.8) |"
  t=$(ratio "$(mib_of big1 htpx)" "$(mib_of big1 wrk)" 3)
  echo "| 1 MiB: MiB/s ≥ wrk's | ${t}× | $(verdict "$t" ">=" 1) |"
  t=$(ratio "$ir_htpx" "$ir_curl" 3)
  echo "| instructions/request ≤ 1/3 of the libcurl program's | ${t}× | $(verdict "$t" "<=" 0.3334) |"
}

cxx_flags=$(sed -n 's/^CMAKE_CXX_FLAGS_RELEASE:STRING=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
{
  echo "# Client benchmarks (\`make bench\`)"
  echo
  echo "Written by \`bench/run-bench.sh\`; do not edit by hand."
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); htpx $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$root" diff --quiet HEAD -- src include bench port/posix ':!bench/results.md' 2>/dev/null || echo ' (with local changes to src, include, bench or port/posix)')"
  echo "- machine: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) CPUs$(grep -q hypervisor /proc/cpuinfo && echo ' (virtual machine)'), Linux $(uname -r)"
  echo "- load average before / after: $load_before / $load_after (other work on the machine disturbs every contender alike; the rounds alternate)"
  echo "- server: $("$nginx" -v 2>&1 | sed 's/^nginx version: //'), one worker, keep-alive, access log off, sendfile, pinned to CPU $server_cpu; files of 100 B and 1 MiB"
  echo "- clients, pinned to CPU $client_cpu: $(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2); h2load $(h2load --version 2>&1 | sed 's/^h2load //'); libcurl program \`bench/curl_bench.cpp\` ($("$curl_bench" -n 1 -c 1 "$base/100b.txt" 2>/dev/null | sed -n 's/.*connection(s), libcurl\/\([^ ]*\).*/libcurl \1/p')); htpx-bench (\`bench/htpx_bench.cpp\`, static_client over posix_transport and epoll_platform, 16 KiB receive buffers; --poll: posix_platform), built with \`${cxx_flags:-?}\`"
  echo "- $rounds rounds of $seconds s per run, contenders alternating; medians. Client CPU = the child's user + system time (GNU time) / the requests it reports."
  echo
  echo "Commands (URL = http://127.0.0.1:PORT/100b.txt or /1mib.bin; each under \`taskset -c $client_cpu /usr/bin/time -f '%U %S'\`):"
  echo
  echo '```'
  echo "wrk -t1 -cC -d${seconds}s URL"
  echo "h2load --h1 -t1 -cC -D $seconds URL"
  echo "curl-bench -c C -d $seconds URL        # easy interface (reused) for -c1, multi for -c64"
  echo "htpx-bench -c C -d $seconds URL"
  echo "htpx-bench --poll -c 64 -d $seconds URL  # waits in poll(2) (posix_platform), not the epoll set"
  echo "floor-bench -c 1 -d $seconds URL     # not a client: blocking send + recv, nothing parsed"
  echo '```'
  echo
  echo "## Results"
  echo
  summary
  echo
  echo "## Targets"
  echo
  targets
  echo
  echo "## System calls per request (strace -c -f, 100 B; wrk 2 s, the others 20,000 requests)"
  echo
  echo "| contender | -c1 total | -c1 per request | -c64 total | -c64 per request |"
  echo "|---|---:|---|---:|---|"
  for who in "${contenders[@]}"; do
    echo "| $who | ${sys1[$who]} | ${sys64[$who]} |"
  done
  echo
  echo "## Every round (CPU µs/request: user + system, and the user part)"
  echo
  echo "| shape | contender | req/s | MiB/s | CPU µs/request | of which user | median user / system |"
  echo "|---|---|---|---|---|---|---|"
  for shape in small1 small64 big1; do
    for who in "${contenders[@]}" "${extras[@]}"; do
      runs_in "$who" "$shape" || continue
      local_key="$shape|$who"
      m_user=$(median "${cpu_user[$local_key]:-}")
      m_sys=$(awk -v c="$(median "${cpu[$local_key]:-}")" -v u="$m_user" 'BEGIN { if (c == "n/a" || u == "n/a") print "n/a"; else printf "%.2f", c - u }')
      echo "| $shape | $who | ${rps[$local_key]:-} | ${mibps[$local_key]:-} | ${cpu[$local_key]:-} | ${cpu_user[$local_key]:-} | $m_user / $m_sys |"
    done
  done
  if [[ -n $parse_report ]]; then
    echo
    echo "## Parser (\`bench/bench-parse.sh\`)"
    echo "${parse_report//$'\n'## /$'\n'### }"
  fi
} >"$results"
note "wrote $results"
cat "$results"

if [[ $update_readme == 1 ]] && grep -q '<!-- client-bench:begin -->' "$root/README.md"; then
  block=$work/block.md
  {
    echo "<!-- client-bench:begin -->"
    echo "Measured $(date -u '+%Y-%m-%d') on $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1) ($(nproc) CPUs$(grep -q hypervisor /proc/cpuinfo && echo ', a VM')), nginx pinned to one CPU and the client to the other, medians of $rounds alternating rounds of $seconds s ([bench/results.md](bench/results.md) has the commands, every round and the system calls):"
    echo
    summary
    echo
    targets
    echo "<!-- client-bench:end -->"
  } >"$block"
  awk -v block="$block" '
    /<!-- client-bench:begin -->/ { while ((getline line < block) > 0) print line; skip = 1; next }
    /<!-- client-bench:end -->/ { skip = 0; next }
    !skip' "$root/README.md" >"$work/README.md" && cp "$work/README.md" "$root/README.md"
  note "updated the Client benchmarks table in README.md"
fi
