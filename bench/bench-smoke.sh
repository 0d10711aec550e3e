#!/usr/bin/env bash
# ctest bench-smoke (run by tests/integration/run-with-servers.sh --nginx): htpx-bench against
# the nginx fixture. Its RESULT line must parse (every field a number) and say that exactly the
# requests asked for completed, all 2xx with the file's exact length, over at most -c
# connections (waiting in the epoll set, and with --poll in poll(2)); 1 MiB bodies likewise;
# HTTP/2 options exit 4 ("not supported yet"). With FLOOR_BENCH, floor-bench (make bench's
# bare-socket floor) is checked the same way, with and without --poll.
#   bench-smoke.sh HTPX_BENCH [FLOOR_BENCH]
set -euo pipefail
bench=$1
floor=${2:-}
: "${HTPX_NGINX_URL:?run me through run-with-servers.sh --nginx}"

fail() { echo "bench-smoke: FAIL: $*" >&2; exit 1; }

# check REQUESTS CONNECTIONS PATH [PROGRAM [OPTION]]: runs htpx-bench (or PROGRAM) and checks
# its RESULT line.
check() {
  local n=$1 c=$2 path=$3 program=${4:-$bench} size out line
  local extra=("${@:5}")
  size=$(wc -c <"$HTPX_NGINX_ROOT$path")
  out=$("$program" "${extra[@]}" -n "$n" -c "$c" --expect-body "$size" "$HTPX_NGINX_URL$path") ||
    fail "$program: exit status $? for -n $n -c $c $path: $out"
  echo "$out"
  line=$(grep '^RESULT ' <<<"$out" | tail -n 1) || fail "no RESULT line"
  [[ $(tail -n 1 <<<"$out") == "$line" ]] || fail "RESULT is not the last line"
  awk -v n="$n" -v c="$c" '
    { for (i = 2; i <= NF; ++i) {
        if (split($i, kv, "=") != 2 || kv[2] !~ /^[0-9]+(\.[0-9]+)?$/) { print "not key=number: " $i; exit 1 }
        v[kv[1]] = kv[2] + 0 } }
    END {
      split("requests req_per_s mib_per_s cpu_us_per_req p50_us p90_us p99_us max_us failed non2xx connections", keys, " ")
      for (k in keys) if (!(keys[k] in v)) { print "missing " keys[k]; exit 1 }
      if (v["requests"] != n) { print "requests=" v["requests"] ", expected " n; exit 1 }
      if (v["failed"] != 0 || v["non2xx"] != 0) { print "failed or non-2xx responses"; exit 1 }
      if (v["connections"] < 1 || v["connections"] > c) { print "connections=" v["connections"] ", expected 1.." c; exit 1 }
      if (v["req_per_s"] <= 0 || v["cpu_us_per_req"] <= 0 || v["mib_per_s"] <= 0) { print "zero rate or CPU"; exit 1 }
      if (!(v["p50_us"] <= v["p90_us"] && v["p90_us"] <= v["p99_us"] && v["p99_us"] <= v["max_us"])) { print "percentiles out of order"; exit 1 }
    }' <<<"$line" || fail "bad RESULT line: $line"
}

check 200 4 "$HTPX_NGINX_SMALL_PATH"
check 200 4 "$HTPX_NGINX_SMALL_PATH" "$bench" --poll
check 20 2 "$HTPX_NGINX_1MIB_PATH"
if [[ -n $floor ]]; then
  check 200 1 "$HTPX_NGINX_SMALL_PATH" "$floor"
  check 200 1 "$HTPX_NGINX_SMALL_PATH" "$floor" --poll
  check 20 1 "$HTPX_NGINX_1MIB_PATH" "$floor"
  "$floor" -n 1 -c 1 --expect-body 1 "$HTPX_NGINX_URL$HTPX_NGINX_SMALL_PATH" >/dev/null 2>&1 &&
    fail "floor-bench took a body of the wrong length"
fi
for opt in "-m 2" "--h2" "--h2c"; do
  status=0
  # shellcheck disable=SC2086  # "-m 2" is two words
  "$bench" -n 1 -c 1 $opt "$HTPX_NGINX_URL$HTPX_NGINX_SMALL_PATH" >/dev/null 2>&1 || status=$?
  [[ $status -eq 4 ]] || fail "$opt: exit $status, expected 4 (not supported yet)"
done
echo "bench-smoke: OK"
