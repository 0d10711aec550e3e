#!/usr/bin/env bash
# `make size`: compiles htpx_core for a Cortex-M4 the way a make-only firmware build would (the
# source list and include dirs come from sources.mk) and prints a markdown report:
#   - text/data/bss of every object (arm-none-eabi-size) and their total,
#   - the per-connection state, sizeof() read from a compiled probe (toolchains/size_probe.cpp)
#     with arm-none-eabi-nm -S, so no target code runs,
#   - for comparison, a linked minimal GET program (toolchains/size_min_get.cpp),
#   - PASS/FAIL against the targets; exits 1 when the per-connection state or the text of the
#     HTTP/1.1 engine is over its target.
# Output lands in build-size/ (the report also in build-size/size.md).
#   HTPX_ARM_NONE_EABI_PREFIX=/opt/arm-gnu/bin/arm-none-eabi- toolchains/size.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
out="$root/build-size"

prefix="${HTPX_ARM_NONE_EABI_PREFIX:-arm-none-eabi-}"
cxx="${prefix}g++"
ar="${prefix}ar"
nm="${prefix}nm"
size="${prefix}size"
ld="${prefix}ld"

# The targets from the issue.
text_limit=8192   # bytes of text for the HTTP/1.1 engine (h1, errors, headers view; each COMDAT copy once)
state_limit=128   # bytes of sizeof(h1::connection), beyond the caller's rx/tx buffers

cpu_flags=(-mcpu=cortex-m4 -mthumb)
cxxflags=(-std=c++17 -Os "${cpu_flags[@]}" -ffunction-sections -fdata-sections -fno-exceptions -fno-rtti
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror)
# shellcheck disable=SC2054  # -Wl,--gc-sections is one word
ldflags=(-Wl,--gc-sections --specs=nano.specs --specs=nosys.specs)

for tool in "$cxx" "$ar" "$nm" "$size" "$ld"; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "size: $tool not found (Debian: gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib)" >&2
    exit 2
  }
done

# make_var NAME: prints $(NAME) as sources.mk defines it, read by make itself.
# shellcheck disable=SC2016  # $($*) is for make
make_var() {
  env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory -C "$root" -f sources.mk -f - \
    "print-$1" <<<'print-%: ; @echo $($*)'
}
read -r -a sources <<<"$(make_var HTPX_CORE_SOURCES)"
read -r -a include_dirs <<<"$(make_var HTPX_INCLUDE_DIRS)"
[[ ${#sources[@]} -gt 0 ]] || { echo "size: HTPX_CORE_SOURCES is empty in sources.mk" >&2; exit 2; }
includes=()
for dir in "${include_dirs[@]}"; do includes+=("-I$root/$dir"); done

rm -rf "$out"
mkdir -p "$out/obj"

# ---- htpx_core, one object per source --------------------------------------------------------
objects=()
for src in "${sources[@]}"; do
  obj="$out/obj/${src%.*}.o"
  mkdir -p "$(dirname "$obj")"
  "$cxx" "${cxxflags[@]}" "${includes[@]}" -c "$root/$src" -o "$obj"
  objects+=("$obj")
done
"$ar" rcs "$out/libhtpx_core.a" "${objects[@]}"
# Every object linked into one (no garbage collection): inline variables and template instances
# that several objects carry (COMDAT groups) are counted once, as in any firmware image.
"$ld" -r "${objects[@]}" -o "$out/htpx_core_all.o"
# The HTTP/1.1 engine, which the text target is for: the h1 sources, errors and the headers view.
# htpx_core also holds other parts (the URL code), reported beside it.
engine_objects=()
for i in "${!sources[@]}"; do
  case "${sources[$i]}" in
    src/h1/* | src/error.cpp | src/headers.cpp) engine_objects+=("${objects[$i]}") ;;
  esac
done
"$ld" -r "${engine_objects[@]}" -o "$out/htpx_engine.o"

# ---- sizeof() on the target, read from symbol sizes --------------------------------------------
"$cxx" "${cxxflags[@]}" "${includes[@]}" -c "$here/size_probe.cpp" -o "$out/size_probe.o"
# sizeof_of NAME: prints the size of the probe array htpx_sizeof_NAME in decimal.
sizeof_of() {
  local value
  value="$("$nm" -S --size-sort "$out/size_probe.o" | awk -v sym="htpx_sizeof_$1" '$4 == sym { print $2 }')"
  [[ -n "$value" ]] || { echo "size: htpx_sizeof_$1 not found in the probe" >&2; exit 2; }
  echo $((16#$value))
}

# ---- the linked minimal GET ----------------------------------------------------------------------
"$cxx" "${cxxflags[@]}" "${includes[@]}" -c "$here/size_min_get.cpp" -o "$out/size_min_get.o"
"$cxx" "${cpu_flags[@]}" "${ldflags[@]}" "$out/size_min_get.o" "$out/libhtpx_core.a" \
  -Wl,-Map="$out/min_get.map" -o "$out/min_get.elf"

# berkeley FILE: prints "text data bss" of FILE.
berkeley() {
  "$size" -B "$1" | awk 'NR == 2 { print $1, $2, $3 }'
}

# The htpx part of the linked program: the .text* and .rodata* input sections the link kept
# from libhtpx_core.a, by the linker map (string literals and template instances included).
htpx_linked="$(awk '
  function hex(s,    i, n) {
    n = 0; s = tolower(substr(s, 3))
    for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
    return n
  }
  /^Linker script and memory map/ { in_map = 1; next }
  !in_map { next }
  /^ \.(text|rodata)/ {                       # an input section; its numbers may be on the next line
    section = 1
    if (NF >= 4 && $2 ~ /^0x/ && $4 ~ /libhtpx_core\.a\(/) total += hex($3)
    if (NF >= 4) section = 0
    next
  }
  section && /^ +0x/ { if ($3 ~ /libhtpx_core\.a\(/) total += hex($2); section = 0; next }
  { section = 0 }
  END { print total + 0 }' "$out/min_get.map")"

conn_size="$(sizeof_of connection)"
parser_size="$(sizeof_of response_parser)"
decoder_size="$(sizeof_of chunked_decoder)"
fields_size="$(sizeof_of field_parser)"
limits_size="$(sizeof_of parser_limits)"

verdict() {  # verdict ACTUAL LIMIT
  if [[ $1 -le $2 ]]; then echo PASS; else echo FAIL; fi
}

{
  version="$("$cxx" -dumpfullversion 2>/dev/null || "$cxx" -dumpversion)"
  echo "## htpx_core on Cortex-M4"
  echo
  echo "\`${cxx} ${version}\` \`${cxxflags[*]:0:8}\`"
  echo
  echo "| object | text | data | bss |"
  echo "|---|---:|---:|---:|"
  total_text=0 total_data=0 total_bss=0
  for i in "${!sources[@]}"; do
    read -r text data bss <<<"$(berkeley "${objects[$i]}")"
    total_text=$((total_text + text)) total_data=$((total_data + data)) total_bss=$((total_bss + bss))
    echo "| ${sources[$i]} | $text | $data | $bss |"
  done
  echo "| sum of the objects | $total_text | $total_data | $total_bss |"
  read -r core_text core_data core_bss <<<"$(berkeley "$out/htpx_core_all.o")"
  echo "| total (objects linked together, shared COMDAT copies once) | $core_text | $core_data | $core_bss |"
  read -r engine_text engine_data engine_bss <<<"$(berkeley "$out/htpx_engine.o")"
  echo "| **HTTP/1.1 engine** (\`src/h1/\`, errors, headers view; linked together) | **$engine_text** | **$engine_data** | **$engine_bss** |"
  echo
  echo "| per-connection state (beyond the caller's buffers; each row is part of the one above) | bytes |"
  echo "|---|---:|"
  echo "| \`sizeof(htpx::h1::connection)\` | $conn_size |"
  echo "| \`sizeof(htpx::h1::response_parser)\` | $parser_size |"
  echo "| \`sizeof(htpx::h1::chunked_decoder)\` | $decoder_size |"
  echo "| \`sizeof(htpx::h1::field_parser)\` | $fields_size |"
  echo
  echo "Shared by every connection, not counted above: \`sizeof(htpx::h1::parser_limits)\` = $limits_size."
  echo
  read -r text data bss <<<"$(berkeley "$out/min_get.elf")"
  echo "| linked minimal GET (\`size_min_get.cpp\`, \`${ldflags[*]}\`) | text | data | bss |"
  echo "|---|---:|---:|---:|"
  echo "| whole program (with newlib-nano, libgcc; 768 B of buffers in bss) | $text | $data | $bss |"
  echo "| of which kept from libhtpx_core.a (linker map: .text, .rodata) | $htpx_linked | | |"
  echo
  text_verdict="$(verdict "$engine_text" "$text_limit")"
  state_verdict="$(verdict "$conn_size" "$state_limit")"
  echo "| target | limit | actual | result |"
  echo "|---|---:|---:|---|"
  echo "| text of the HTTP/1.1 engine (\`src/h1/\`, errors, headers view) | $text_limit | $engine_text | $text_verdict |"
  echo "| per-connection state, \`sizeof(h1::connection)\` | $state_limit | $conn_size | $state_verdict |"
} | tee "$out/size.md"

# Both targets are hard limits: a connection must fit the documented budget, and so must the
# engine's code. (The table was written in a pipeline subshell: read the verdicts back from the
# report.)
state_verdict=PASS
text_verdict=PASS
grep -q 'per-connection state.*| FAIL |$' "$out/size.md" && state_verdict=FAIL
grep -q 'text of the HTTP/1.1 engine.*| FAIL |$' "$out/size.md" && text_verdict=FAIL
failed=0
if [[ "$state_verdict" == FAIL ]]; then
  echo
  echo "size: FAIL: sizeof(h1::connection) is over $state_limit bytes"
  failed=1
fi
if [[ "$text_verdict" == FAIL ]]; then
  echo
  echo "size: FAIL: the text of the HTTP/1.1 engine is over $text_limit bytes (see the last table)"
  failed=1
fi
exit "$failed"
