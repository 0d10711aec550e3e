#!/usr/bin/env bash
# Compiles mbedTLS's library (TREE/library/*.c, from toolchains/mbedtls-source.sh) and any extra
# C files into one static archive, the compiler's words in build.log beside it. Used by
# `make size` (Cortex-M4, -Os, its two configurations) and by ctest tls-firmware-config (the
# firmware configuration on the host).
#   [AR=ar] toolchains/mbedtls-build.sh ARCHIVE TREE CC [FLAG...] [-- EXTRA.c...]
# ARCHIVE's folder is made anew. The configuration comes in the flags (-DMBEDTLS_CONFIG_FILE=... or
# -DMBEDTLS_USER_CONFIG_FILE=..., and -I for its folder). Exits 1 when a file does not compile.
set -euo pipefail

archive="${1:?usage: mbedtls-build.sh ARCHIVE TREE CC [FLAG...] [-- EXTRA.c...]}"
tree="${2:?}"
cc="${3:?}"
shift 3
flags=()
while [[ $# -gt 0 && $1 != -- ]]; do
  flags+=("$1")
  shift
done
[[ $# -gt 0 ]] && shift  # the --
sources=("$tree"/library/*.c "$@")

dir="$(dirname "$archive")"
rm -rf "$dir"
mkdir -p "$dir"
objects=()
pids=()
failed=0
jobs="$(nproc 2>/dev/null || echo 2)"
for src in "${sources[@]}"; do
  obj="$dir/$(basename "${src%.c}").o"
  "$cc" "${flags[@]}" "-I$tree/include" -c "$src" -o "$obj" 2>>"$dir/build.log" &
  pids+=($!)
  objects+=("$obj")
  if [[ ${#pids[@]} -ge $jobs ]]; then
    wait "${pids[0]}" || failed=1
    pids=("${pids[@]:1}")
  fi
done
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
[[ $failed == 0 ]] || { echo "mbedtls-build: see $dir/build.log" >&2; exit 1; }
"${AR:-ar}" rcs "$archive" "${objects[@]}"
