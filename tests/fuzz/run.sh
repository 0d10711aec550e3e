#!/usr/bin/env bash
# Builds the libFuzzer targets under ASan+UBSan (clang) in build-fuzz/ and runs each one for
# FUZZ_SECONDS seconds over a scratch copy of its seed corpus (tests/fuzz/corpus/<target>).
# Fails if any target crashes, leaks, times out or violates an invariant; crashing inputs are
# left in build-fuzz/artifacts/. `make fuzz` runs this.
#   FUZZ_SECONDS=60 tests/fuzz/run.sh                 all targets, 60 s each
#   tests/fuzz/run.sh fuzz_connection                 one target (default 30 s)
#   build-fuzz/fuzz_connection crash-file             reproduce a saved crash
# Environment: FUZZ_SECONDS (30), FUZZ_MAX_LEN (4096), FUZZ_CXX (clang++), FUZZ_BUILD (build-fuzz),
# FUZZ_ARGS (extra libFuzzer flags).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
seconds="${FUZZ_SECONDS:-30}"
max_len="${FUZZ_MAX_LEN:-4096}"
build="${FUZZ_BUILD:-$root/build-fuzz}"
cxx="${FUZZ_CXX:-clang++}"
targets=(fuzz_response_parser fuzz_chunked_decoder fuzz_connection fuzz_url fuzz_json fuzz_cookies fuzz_digest)
if [[ $# -gt 0 ]]; then targets=("$@"); fi

if ! command -v "$cxx" >/dev/null 2>&1; then
  echo "fuzz: $cxx not found (Debian: apt-get install clang libclang-rt-14-dev)" >&2
  exit 2
fi
if [[ ! "$seconds" =~ ^[0-9]+$ ]]; then
  echo "fuzz: FUZZ_SECONDS must be a whole number of seconds, got '$seconds'" >&2
  exit 2
fi

generator="Unix Makefiles"
if command -v ninja >/dev/null 2>&1; then generator="Ninja"; fi
# A cache made with another generator cannot be reused.
if [[ -f "$build/CMakeCache.txt" ]] && ! grep -q "^CMAKE_GENERATOR:INTERNAL=$generator$" "$build/CMakeCache.txt"; then
  rm -rf "$build"
fi
mkdir -p "$build"
cmake -S "$root/tests/fuzz" -B "$build" -G "$generator" -DCMAKE_CXX_COMPILER="$cxx" >"$build/configure.log" 2>&1 || {
  cat "$build/configure.log" >&2
  exit 2
}
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" -- >/dev/null || {
  echo "fuzz: build failed; rerun: cmake --build $build" >&2
  exit 2
}

mkdir -p "$build/artifacts" "$build/logs"
status=0
for target in "${targets[@]}"; do
  binary="$build/$target"
  seeds="$root/tests/fuzz/corpus/$target"
  work="$build/corpus/$target"
  log="$build/logs/$target.log"
  if [[ ! -x "$binary" ]]; then
    echo "fuzz: no such target: $target" >&2
    exit 2
  fi
  # New inputs go to a scratch copy: the checked-in corpus only changes by hand.
  rm -rf "$work"
  mkdir -p "$work"
  if [[ -d "$seeds" ]]; then cp "$seeds"/* "$work"/ 2>/dev/null || true; fi
  # A target's own dictionary (tests/fuzz/<target>.dict), else the HTTP one.
  dict=()
  if [[ -f "$root/tests/fuzz/$target.dict" ]]; then
    dict=(-dict="$root/tests/fuzz/$target.dict")
  elif [[ -f "$root/tests/fuzz/http.dict" ]]; then
    dict=(-dict="$root/tests/fuzz/http.dict")
  fi

  set +e
  # shellcheck disable=SC2086  # FUZZ_ARGS is a list of flags
  "$binary" "$work" "${dict[@]}" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/artifacts/$target-" \
    ${FUZZ_ARGS:-} >"$log" 2>&1
  rc=$?
  set -e

  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
  speed="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)"
  # The last status line, e.g. "#123456 DONE cov: 812 ft: 2345 corp: 150/9Kb ...".
  last="$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)"
  cov="$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")"
  ft="$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")"
  corp="$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")"
  if [[ $rc -eq 0 ]]; then
    verdict="ok"
  else
    verdict="FAILED (exit $rc; log $log)"
    status=1
    artifact="$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)"
    if [[ -n "$artifact" ]]; then verdict="$verdict; input $artifact"; fi
  fi
  printf '%-22s %10s runs %8s/s  cov %-5s ft %-6s corpus %-5s %ss  %s\n' \
    "$target" "${runs:-?}" "${speed:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$seconds" "$verdict"
  if [[ $rc -ne 0 ]]; then
    grep -E 'fuzz invariant violated|ERROR: (AddressSanitizer|libFuzzer|UndefinedBehaviorSanitizer)|runtime error:|SUMMARY:' \
      "$log" | head -n 5 | sed 's/^/    /' >&2 || true
  fi
done
exit $status
