#!/usr/bin/env bash
# `make cross`: builds htpx_core (MinSizeRel, warnings as errors) with every toolchain file in
# this folder, each into build-cross-<name>/, then checks each archive's symbols with the
# target's nm. Prints one line per toolchain; on a failure prints that build's log and, after
# trying the others, exits non-zero.
#   toolchains/cross.sh                 every toolchains/*.cmake
#   toolchains/cross.sh arm-none-eabi   only the ones named
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
generator="${CMAKE_GENERATOR:-$(command -v ninja >/dev/null 2>&1 && echo Ninja || echo 'Unix Makefiles')}"
jobs="${JOBS:-$(nproc 2>/dev/null || echo 2)}"

if [[ $# -gt 0 ]]; then
  names=("$@")
else
  names=()
  for file in "$here"/*.cmake; do
    names+=("$(basename "$file" .cmake)")
  done
fi
[[ ${#names[@]} -gt 0 ]] || { echo "cross: no toolchain files in $here" >&2; exit 2; }

# cache_value VAR BUILD_DIR: prints VAR from BUILD_DIR/CMakeCache.txt.
cache_value() {
  sed -n "s/^$1:[A-Z]*=//p" "$2/CMakeCache.txt" | head -n 1
}
# compiler_value VAR BUILD_DIR: prints VAR as CMake recorded it for the C++ compiler it found.
compiler_value() {
  cat "$2"/CMakeFiles/*/CMakeCXXCompiler.cmake 2>/dev/null | sed -n "s/^set($1 \"\(.*\)\")\$/\1/p" | head -n 1
}

failed=0
for name in "${names[@]}"; do
  toolchain="$here/$name.cmake"
  build="$root/build-cross-$name"
  log="$build/cross.log"
  mkdir -p "$build"
  : >"$log"
  step="configure"
  if [[ ! -f "$toolchain" ]]; then
    echo "no such toolchain file: $toolchain" >"$log"
  elif cmake -S "$root" -B "$build" -G "$generator" -DCMAKE_TOOLCHAIN_FILE="$toolchain" \
      -DCMAKE_BUILD_TYPE=MinSizeRel >>"$log" 2>&1 &&
    step="build" && cmake --build "$build" --target htpx_core htpx -j "$jobs" >>"$log" 2>&1; then
    step="symbols"
    compiler="$(compiler_value CMAKE_CXX_COMPILER "$build")"
    version="$(compiler_value CMAKE_CXX_COMPILER_VERSION "$build")"
    nm_tool="$(cache_value CMAKE_NM "$build")"
    archive="$(find "$build" -name 'libhtpx_core.a' -print -quit)"
    client="$(find "$build" -name 'libhtpx.a' -print -quit)"  # the client: the same promise
    if [[ -n "$archive" && -n "$client" ]] && NM="${nm_tool:-nm}" "$root/tests/check-symbols.sh" "$archive" >>"$log" 2>&1 &&
      NM="${nm_tool:-nm}" "$root/tests/check-symbols.sh" "$client" >>"$log" 2>&1; then
      size_tool="${nm_tool%nm}size"
      text="?"
      client_text="?"
      if command -v "$size_tool" >/dev/null 2>&1; then
        text="$("$size_tool" -t "$archive" | awk 'END { print $1 }')"
        client_text="$("$size_tool" -t "$client" | awk 'END { print $1 }')"
      fi
      printf 'cross %-22s OK    %s %s: %s text %s B, libhtpx.a text %s B, symbols clean\n' \
        "$name" "$(basename "$compiler")" "$version" "${archive#"$root"/}" "$text" "$client_text"
      continue
    fi
  fi
  printf 'cross %-22s FAIL  at %s; log: %s\n' "$name" "$step" "${log#"$root"/}"
  sed 's/^/    | /' "$log" | tail -n 60
  failed=$((failed + 1))
done

if [[ $failed -ne 0 ]]; then
  echo "cross: $failed of ${#names[@]} toolchain(s) failed"
  exit 1
fi
