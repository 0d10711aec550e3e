#!/usr/bin/env bash
# make bench-parse: instructions per response of the htpx response parser beside http-parser,
# on the three responses of the shared corpus, plus (noisy) wall-clock MB/s.
#
# Instructions per response = (Ir(2N) - Ir(N)) / N under callgrind, so process start-up, file
# reading and the first-iteration check cancel out and the figure does not depend on machine
# noise: it is the number to compare with the corpus README's reference rows (gcc 12 -O2, the
# same method). The benches are built in their own tree at -O2 (the default build is -O3).
#
# Environment:
#   BENCH_CORPUS   corpus directory            (default: ../shared/bench-corpus from the repo root)
#   BENCH_BUILD    build tree for the benches  (default: build-bench/ in the repo root)
#   BENCH_N        callgrind iterations N      (default: 1000; 2N is run too)
#   BENCH_TIMED    iterations per timed run    (default: 200000)
#   BENCH_ROUNDS   alternating timed rounds    (default: 3; the best of them is shown)
#   BENCH_STRICT=1 exit 1 when htpx needs more instructions than picohttpparser on any file
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
corpus=${BENCH_CORPUS:-$root/../shared/bench-corpus}
build=${BENCH_BUILD:-$root/build-bench}
n=${BENCH_N:-1000}
timed=${BENCH_TIMED:-200000}
rounds=${BENCH_ROUNDS:-3}
files=(json-8hdr chunked many-hdr)

# Reference rows of the corpus README (instructions per response, same files, gcc 12 -O2).
declare -A ref_http_parser=([json-8hdr]=7673 [chunked]=6809 [many-hdr]=32242)
declare -A ref_llhttp=([json-8hdr]=4225 [chunked]=4007 [many-hdr]=16045)
declare -A ref_llhttp_sse=([json-8hdr]=3354 [chunked]=3653 [many-hdr]=9515)
declare -A ref_pico=([json-8hdr]=2955 [chunked]=2936 [many-hdr]=12823)

die() { echo "bench-parse: $*" >&2; exit 1; }
command -v valgrind >/dev/null || die "valgrind not found (Debian: valgrind)"
[[ -d $corpus ]] || die "no corpus directory $corpus (set BENCH_CORPUS)"
corpus=$(cd "$corpus" && pwd)
for f in "${files[@]}"; do
  [[ -r $corpus/$f.http ]] || die "missing $corpus/$f.http (set BENCH_CORPUS)"
done

# ---- build at -O2 -------------------------------------------------------------------------
generator=()
if [[ ! -f $build/CMakeCache.txt ]]; then
  if command -v ninja >/dev/null; then generator=(-G Ninja); else generator=(-G "Unix Makefiles"); fi
fi
cmake -S "$root" -B "$build" "${generator[@]}" -DHTPX_BUILD_TESTS=ON -DCMAKE_BUILD_TYPE=Release \
  "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG" "-DCMAKE_C_FLAGS_RELEASE=-O2 -DNDEBUG" >/dev/null
targets=(htpx-parse-bench)
if grep -q '^HTTP_PARSER_LIBRARY:FILEPATH=.*/' "$build/CMakeCache.txt"; then
  targets+=(http-parser-bench)
fi
cmake --build "$build" --target "${targets[@]}" -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
htpx_bin=$build/bin/htpx-parse-bench
hp_bin=$build/bin/http-parser-bench
have_hp=0
[[ -x $hp_bin && ${#targets[@]} -eq 2 ]] && have_hp=1

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ir BINARY FILE ITERATIONS: prints the total Ir of one callgrind run (the bench must succeed).
ir() {
  local out=$tmp/callgrind.out
  valgrind -q --tool=callgrind --callgrind-out-file="$out" "$1" "$2" "$3" >"$tmp/stdout" 2>"$tmp/stderr" || {
    cat "$tmp/stderr" >&2
    die "$(basename "$1") failed on $2"
  }
  awk '/^summary:/ {print $2; found = 1} END {if (!found) exit 1}' "$out" || die "no summary in $out"
}

# per_response BINARY FILE: (Ir(2N) - Ir(N)) / N, rounded.
per_response() {
  local a b
  a=$(ir "$1" "$2" "$n")
  b=$(ir "$1" "$2" "$((2 * n))")
  awk -v a="$a" -v b="$b" -v n="$n" 'BEGIN {printf "%.0f\n", (b - a) / n}'
}

# Thousands separators without depending on the locale.
commas() { awk -v x="$1" 'BEGIN {s = sprintf("%.0f", x); while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]([,]|$)/, ",&", s); print s}'; }

declare -A htpx_ir hp_ir
for f in "${files[@]}"; do
  htpx_ir[$f]=$(per_response "$htpx_bin" "$corpus/$f.http")
  if ((have_hp)); then hp_ir[$f]=$(per_response "$hp_bin" "$corpus/$f.http"); fi
done

hp_version=2.9.x
if ((have_hp)); then
  hp_version=$("$hp_bin" "$corpus/${files[0]}.http" 1 | sed -n 's/.*version=\([0-9.]*\).*/\1/p')
fi

row() {  # row LABEL ARRAY-NAME
  local -n values=$2
  local line="| $1 |"
  for f in "${files[@]}"; do
    if [[ -n ${values[$f]:-} ]]; then line+=" $(commas "${values[$f]}") |"; else line+=" n/a |"; fi
  done
  echo "$line"
}

echo
echo "## Parser: instructions per response"
echo
echo "callgrind Ir, (Ir($((2 * n))) − Ir($n)) / $n; gcc $(gcc -dumpfullversion 2>/dev/null || echo '?') -O2; corpus: $corpus"
echo
echo "| parser | json-8hdr | chunked | many-hdr |"
echo "|---|---|---|---|"
row "**htpx** (measured)" htpx_ir
if ((have_hp)); then
  row "http-parser $hp_version (measured)" hp_ir
else
  echo "| http-parser (not built: libhttp-parser-dev missing) | n/a | n/a | n/a |"
fi
row "http-parser 2.9.4 (README reference)" ref_http_parser
row "llhttp 9.4.1 (README reference)" ref_llhttp
row "llhttp 9.4.1 with SSE4.2 (README reference)" ref_llhttp_sse
row "picohttpparser (README reference)" ref_pico
echo
echo "Verdict, htpx ≤ picohttpparser?"
worse=0
for f in "${files[@]}"; do
  h=${htpx_ir[$f]}
  p=${ref_pico[$f]}
  if ((h <= p)); then verdict=yes; else verdict=NO; worse=1; fi
  ratio=$(awk -v h="$h" -v p="$p" 'BEGIN {printf "%.2f", h / p}')
  echo "- $f: htpx $(commas "$h") vs picohttpparser $(commas "$p"): **$verdict** (${ratio}×)"
done

# ---- wall clock: noisy, alternating, best of $rounds ---------------------------------------
# best RESULT-ARRAY BINARY FILE: keeps the smallest ns/response seen (and the bytes parsed).
declare -A htpx_ns hp_ns bytes_of
best() {
  local -n into=$1
  local line ns
  line=$("$2" "$3" "$timed") || die "$(basename "$2") failed on $3"
  ns=$(sed -n 's/.*ns_per_response=\([0-9.]*\).*/\1/p' <<<"$line")
  local key
  key=$(basename "$3" .http)
  bytes_of[$key]=$(sed -n 's/.* bytes=\([0-9]*\).*/\1/p' <<<"$line")
  if [[ -z ${into[$key]:-} ]] || awk -v a="$ns" -v b="${into[$key]}" 'BEGIN {exit !(a < b)}'; then
    into[$key]=$ns
  fi
}
for ((r = 0; r < rounds; ++r)); do
  for f in "${files[@]}"; do
    best htpx_ns "$htpx_bin" "$corpus/$f.http"
    if ((have_hp)); then best hp_ns "$hp_bin" "$corpus/$f.http"; fi
  done
done

timed_row() {  # timed_row LABEL ARRAY-NAME
  local -n values=$2
  local line="| $1 |" sum=0 f
  for f in "${files[@]}"; do
    line+=" $(awk -v b="${bytes_of[$f]}" -v ns="${values[$f]}" 'BEGIN {printf "%.0f MB/s, %.0f ns", b / ns * 1e3, ns}') |"
    sum=$(awk -v s="$sum" -v ns="${values[$f]}" 'BEGIN {print s + ns}')
  done
  line+=" $(awk -v s="$sum" -v k="${#files[@]}" 'BEGIN {printf "%.0f", s / k}') |"
  echo "$line"
}

echo
echo "## Wall clock (NOISY: these machines drift 20–50 % over minutes; best of $rounds alternating rounds of $timed iterations)"
echo
echo "| parser | json-8hdr | chunked | many-hdr | ns/response, mixed (mean) |"
echo "|---|---|---|---|---|"
timed_row "htpx" htpx_ns
if ((have_hp)); then timed_row "http-parser $hp_version" hp_ns; fi
echo
echo "(README, another run on another machine: http-parser 902 ns mixed, llhttp 410, llhttp SSE4.2 355, picohttpparser 230; compare only with the http-parser row of this run.)"

if [[ ${BENCH_STRICT:-0} == 1 && $worse == 1 ]]; then exit 1; fi
exit 0
