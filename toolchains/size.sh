#!/usr/bin/env bash
# `make size`: compiles htpx_core for a Cortex-M4 the way a make-only firmware build would (the
# source list and include dirs come from sources.mk) and prints a markdown report:
#   - text/data/bss of every object (arm-none-eabi-size) and their total,
#   - the per-connection state, sizeof() read from a compiled probe (toolchains/size_probe.cpp)
#     with arm-none-eabi-nm -S, so no target code runs,
#   - for comparison, a linked minimal GET program (toolchains/size_min_get.cpp),
#   - PASS/FAIL against the targets; exits 1 when the per-connection state or the text of the
#     HTTP/1.1 engine is over its target,
#   - client profiles, each a program linked as a firmware links it (-ffunction-sections,
#     --gc-sections, newlib-nano) against libhtpx_core.a and libhtpx.a (client, auth, bodies,
#     cookies), so what a program does not use is dropped: the minimal client
#     (size_min_client.cpp), the full client (size_full_client.cpp) and the full client over the
#     mbedTLS port with mbedTLS itself (the same with HTPX_SIZE_TLS; mbedTLS built here for
#     Cortex-M4 from Debian's source package, fetched by toolchains/mbedtls-source.sh; offline,
#     the port's code only, with a host-side x86-64 figure for the library),
#     what each keeps from htpx by module (linker map), and sizeof(static_client) in the minimal
#     and default configurations with the buffers it holds,
#   - the budgets of toolchains/size-budget.txt: exits 1 when a figure is more than 5 % over its
#     budget, so growth is always a decision (raise the budget in the commit that grows).
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

# ---- client profiles ---------------------------------------------------------------------------
# The client libraries as a firmware builds them: one archive per module, so the linker map says
# what each profile keeps from each.
client_cxxflags=("${cxxflags[@]}" "-I$root/src")
declare -A module_sources=(
  [client]="$(make_var HTPX_CLIENT_SOURCES)"
  [auth]="$(make_var HTPX_AUTH_SOURCES)"
  [body]="$(make_var HTPX_BODY_SOURCES)"
  [cookies]="$(make_var HTPX_COOKIE_SOURCES)"
)
pids=()
for module in client auth body cookies; do
  for src in ${module_sources[$module]}; do
    obj="$out/obj/${src%.*}.o"
    mkdir -p "$(dirname "$obj")"
    "$cxx" "${client_cxxflags[@]}" "${includes[@]}" -c "$root/$src" -o "$obj" &
    pids+=($!)
    if [[ ${#pids[@]} -ge $(nproc 2>/dev/null || echo 2) ]]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
  done
done
for pid in "${pids[@]}"; do wait "$pid"; done
client_archives=()
for module in client auth body cookies; do
  members=()
  for src in ${module_sources[$module]}; do members+=("$out/obj/${src%.*}.o"); done
  "$ar" rcs "$out/libhtpx_$module.a" "${members[@]}"
  client_archives+=("$out/libhtpx_$module.a")
done

# The mbedTLS port, when this checkout has it, with mbedTLS itself built for Cortex-M4 from
# Debian's source package (Debian ships no arm-none-eabi build: toolchains/mbedtls-source.sh
# fetches the source once into build-size/mbedtls-src), in two configurations, the port compiled
# against each: mbedTLS's default less what bare metal has not (toolchains/size_mbedtls_user.h),
# and a firmware's HTTPS client (toolchains/size_mbedtls_firmware.h). Without the source
# (offline), the port is compiled against the host's mbedTLS headers, mbedTLS's symbols stay
# unresolved in the TLS profile, and a host-side x86-64 figure is printed for the library.
read -r -a tls_sources <<<"$(make_var HTPX_PORT_MBEDTLS_SOURCES)"
read -r -a tls_include_dirs <<<"$(make_var HTPX_PORT_MBEDTLS_INCLUDE_DIRS)"
mbedtls_config_default="-DMBEDTLS_USER_CONFIG_FILE=\"size_mbedtls_user.h\""
mbedtls_config_firmware="-DMBEDTLS_CONFIG_FILE=\"size_mbedtls_firmware.h\""

# build_mbedtls NAME CONFIG_DEFINE: mbedTLS compiled for Cortex-M4 (C, -Os, the profiles' flags)
# under that configuration into build-size/mbedtls-m4/NAME/libmbedtls_m4.a by
# toolchains/mbedtls-build.sh, again only when a toolchains/size_mbedtls_*.h changed. Prints the
# archive.
build_mbedtls() {
  local lib="$out/mbedtls-m4/$1/libmbedtls_m4.a"
  if [[ ! $lib -nt $here/size_mbedtls_user.h || ! $lib -nt $here/size_mbedtls_firmware.h ]]; then
    # (The default configuration's debug messages name their source files: relative to the tree,
    # so the image does not depend on where this checkout is.)
    AR="$ar" "$here/mbedtls-build.sh" "$lib" "$mbedtls_tree" "${prefix}gcc" -std=c99 -Os "${cpu_flags[@]}" \
      -ffunction-sections -fdata-sections "-fmacro-prefix-map=$mbedtls_tree/=" "-I$here" "$2" >&2 || return 1
  fi
  echo "$lib"
}

# compile_port NAME CONFIG_DEFINE: the port's sources for Cortex-M4 (port_flags) under that
# configuration, into build-size/obj-NAME/. Prints the objects on one line.
compile_port() {
  local name=$1 config=$2 src obj objs=()
  for src in "${tls_sources[@]}"; do
    obj="$out/obj-$name/${src%.*}.o"
    mkdir -p "$(dirname "$obj")"
    "$cxx" "${client_cxxflags[@]}" "${includes[@]}" "${port_flags[@]}" "$config" -c "$root/$src" -o "$obj" \
      2>"$out/tls-build.log" || return 1
    objs+=("$obj")
  done
  echo "${objs[*]}"
}

mbedtls_headers=""
mbedtls_version=""
declare -A tls_archive=()  # profile -> mbedTLS for Cortex-M4, when built
if [[ ${#tls_sources[@]} -gt 0 ]] &&
  mbedtls_tree="$("$here/mbedtls-source.sh" "$out/mbedtls-src" 2>"$out/mbedtls-source.log")"; then
  mbedtls_version="$(sed -n 's/^#define MBEDTLS_VERSION_STRING *"\(.*\)"/\1/p' "$mbedtls_tree/include/mbedtls/version.h")"
  mbedtls_headers="$mbedtls_tree/include"
  if lib="$(build_mbedtls default "$mbedtls_config_default")"; then tls_archive[tls_client]="$lib"; fi
  if lib="$(build_mbedtls firmware "$mbedtls_config_firmware")"; then tls_archive[tls_firmware_client]="$lib"; fi
fi
if [[ -z ${tls_archive[tls_client]:-} && ${#tls_sources[@]} -gt 0 && ${HTPX_REQUIRE_MBEDTLS_SOURCE:-0} == 1 ]]; then
  echo "size: HTPX_REQUIRE_MBEDTLS_SOURCE=1 and mbedTLS was not built for Cortex-M4 (build-size/mbedtls-source.log)" >&2
  exit 2
fi
if [[ -z $mbedtls_headers ]]; then
  for dir in /usr/include /usr/local/include; do [[ -f $dir/mbedtls/ssl.h ]] && { mbedtls_headers=$dir; break; }; done
fi
tls_status="port/mbedtls is not in this checkout"
declare -A tls_objects=()  # profile -> the port's objects, compiled for its configuration
port_flags=()              # what the port and the TLS probes are compiled with, but the configuration
if [[ -n $mbedtls_headers ]]; then
  # Only mbedtls/ and psa/ on the include path: the rest of /usr/include is the host's C library.
  rm -rf "$out/mbedtls-include"
  mkdir -p "$out/mbedtls-include"
  ln -sfn "$mbedtls_headers/mbedtls" "$out/mbedtls-include/mbedtls"
  if [[ -d $mbedtls_headers/psa ]]; then ln -sfn "$mbedtls_headers/psa" "$out/mbedtls-include/psa"; fi
  port_flags=("-isystem" "$out/mbedtls-include" "-I$here")
  for dir in "${tls_include_dirs[@]}"; do port_flags+=("-I$root/$dir"); done
fi
tls_flags=("${port_flags[@]}" "$mbedtls_config_default")  # the default configuration's: probe, host link
firmware_flags=("${port_flags[@]}" "$mbedtls_config_firmware")
if [[ ${#tls_sources[@]} -gt 0 ]]; then
  if [[ -z $mbedtls_headers ]]; then
    tls_status="no mbedTLS headers (Debian: libmbedtls-dev)"
  elif tls_objects[tls_client]="$(compile_port tls "$mbedtls_config_default")"; then
    tls_status="built"
    if [[ -n ${tls_archive[tls_firmware_client]:-} ]] &&
      ! tls_objects[tls_firmware_client]="$(compile_port tls-firmware "$mbedtls_config_firmware")"; then
      echo "size: port/mbedtls did not compile with size_mbedtls_firmware.h (build-size/tls-build.log)" >&2
      exit 2
    fi
  else
    tls_status="port/mbedtls did not compile for Cortex-M4 (build-size/tls-build.log)"
  fi
fi

# link_profile NAME SOURCE [compile flags...]: compiles and links a profile program; its map is
# NAME.map. The profile with the TLS port links mbedTLS for Cortex-M4, or leaves its symbols
# unresolved when it could not be built (see above).
link_profile() {
  local name=$1 src=$2
  shift 2
  local extra_objs=() extra_ld=() extra_archives=()
  if [[ $name == tls_* ]]; then
    read -r -a extra_objs <<<"${tls_objects[$name]}"
    if [[ -n ${tls_archive[$name]:-} ]]; then
      extra_archives=("${tls_archive[$name]}")
    else
      # shellcheck disable=SC2054  # one linker option
      extra_ld=(-Wl,--unresolved-symbols=ignore-all)
    fi
  fi
  local archives=("${client_archives[@]}" "$out/libhtpx_core.a" "${extra_archives[@]}")
  if [[ $name == min_client_no_texts ]]; then
    archives=("${no_texts_archives[@]}")
    extra_objs=()
  fi
  "$cxx" "${client_cxxflags[@]}" "${includes[@]}" "$@" -c "$here/$src" -o "$out/$name.o"
  "$cxx" "${cpu_flags[@]}" "${ldflags[@]}" "$out/$name.o" "${extra_objs[@]}" -Wl,--start-group \
    "${archives[@]}" -Wl,--end-group "${extra_ld[@]}" -Wl,-Map="$out/$name.map" -o "$out/$name.elf"
}
link_profile min_client size_min_client.cpp
link_profile full_client size_full_client.cpp

# The minimal client again, from htpx_core and the client module compiled with HTPX_ERROR_TEXTS=0
# (include/htpx/config.hpp): every error keeps its errc, its detail text is left out.
no_texts_flags=(-DHTPX_ERROR_TEXTS=0)
no_texts_archives=()
for module in core client; do
  members=()
  if [[ $module == core ]]; then module_list=("${sources[@]}"); else read -r -a module_list <<<"${module_sources[client]}"; fi
  for src in "${module_list[@]}"; do
    obj="$out/no-texts/${src%.*}.o"
    mkdir -p "$(dirname "$obj")"
    "$cxx" "${client_cxxflags[@]}" "${includes[@]}" "${no_texts_flags[@]}" -c "$root/$src" -o "$obj" &
    members+=("$obj")
  done
  wait
  "$ar" rcs "$out/no-texts/libhtpx_$module.a" "${members[@]}"
  no_texts_archives+=("$out/no-texts/libhtpx_$module.a")
done
link_profile min_client_no_texts size_min_client.cpp "${no_texts_flags[@]}"
# The point of that build: no detail text may be left in its image (a few the minimal client
# would hold: an engine fault, a URL refusal, a connect failure, a client refusal).
texts_left=()
for text in "chunk size not hex" "bare LF in fields" "invalid IPv4 address" "connection refused" "request queue full"; do
  grep -qaF "$text" "$out/min_client.elf" || { echo "size: \"$text\" is not in the minimal client: pick another text to look for" >&2; exit 2; }
  grep -qaF "$text" "$out/min_client_no_texts.elf" && texts_left+=("$text")
done
profiles=(min_client min_client_no_texts full_client)
if [[ $tls_status == built ]]; then
  if link_profile tls_client size_full_client.cpp -DHTPX_SIZE_TLS "${tls_flags[@]}" 2>"$out/tls-link.log"; then
    profiles+=(tls_client)
  else
    tls_status="the TLS profile did not build (build-size/tls-link.log)"
  fi
  if [[ -n ${tls_objects[tls_firmware_client]:-} ]]; then
    # The probe is compiled under the same configuration as the port: it holds a tls_config.
    if ! link_profile tls_firmware_client size_full_client.cpp -DHTPX_SIZE_TLS "${firmware_flags[@]}" 2>"$out/tls-link.log"; then
      echo "size: the firmware TLS profile did not link (build-size/tls-link.log)" >&2
      exit 2
    fi
    profiles+=(tls_firmware_client)
    # The minimal client with Cfg::https over the same port and mbedTLS.
    tls_objects[tls_min_client]="${tls_objects[tls_firmware_client]}"
    tls_archive[tls_min_client]="${tls_archive[tls_firmware_client]}"
    if ! link_profile tls_min_client size_min_client.cpp -DHTPX_SIZE_TLS "${firmware_flags[@]}" 2>"$out/tls-link.log"; then
      echo "size: the minimal https profile did not link (build-size/tls-link.log)" >&2
      exit 2
    fi
    profiles+=(tls_min_client)
  fi
fi

# map_sums MAP: prints "bytes kind group" for every input section the link kept, kind code
# (.text, .rodata) or ram (.data, .bss), group the htpx module it came from or "other"
# (newlib, libgcc, start-up code, the probe program itself).
map_sums() {
  awk '
    function hex(s,    i, n) {
      n = 0; s = tolower(substr(s, 3))
      for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
      return n
    }
    function add(sec, size, file,    kind, group) {
      if (sec ~ /^\.(text|rodata)/) kind = "code"; else if (sec ~ /^\.(data|bss)/) kind = "ram"; else return
      if (file ~ /libhtpx_core\.a\((url|ip_address)\.o\)/) group = "url"  # URLs and IP addresses
      else if (file ~ /libhtpx_core\.a\(/) group = "engine"
      else if (match(file, /libhtpx_[a-z]+\.a\(/)) { group = substr(file, RSTART + 8, RLENGTH - 11) }
      else if (file ~ /\/port\/mbedtls\//) group = "tls_port"
      else if (file ~ /libmbedtls_m4\.a\(/) group = "mbedtls"
      else group = "other"
      sum[kind " " group] += size
    }
    /^Linker script and memory map/ { in_map = 1; next }
    !in_map { next }
    /^ \.[a-z]/ {
      sec = $1
      if (NF >= 4 && $2 ~ /^0x/) { add(sec, hex($3), $4); pending = 0 } else pending = 1
      next
    }
    pending && /^ +0x/ { add(sec, hex($2), $3); pending = 0; next }
    { pending = 0 }
    END { for (k in sum) print sum[k], k }' "$1"
}
# kept PROFILE KIND GROUP...: bytes of KIND kept from the groups.
kept() {
  local profile=$1 kind=$2
  shift 2
  local pattern
  pattern="$(IFS='|'; echo "$*")"
  map_sums "$out/$profile.map" | awk -v kind="$kind" -v pattern="^($pattern)\$" \
    '$2 == kind && $3 ~ pattern { total += $1 } END { print total + 0 }'
}
htpx_groups=(engine url client auth body cookies)

# sizeof() in the client profiles, from the arrays size_min_client.cpp defines.
sizeof_in() {  # sizeof_in OBJECT NAME
  local value
  value="$("$nm" -S "$1" | awk -v sym="htpx_sizeof_$2" '$4 == sym { print $2 }')"
  [[ -n "$value" ]] || { echo "size: htpx_sizeof_$2 not found in $1" >&2; exit 2; }
  echo $((16#$value))
}
min_sizeof="$(sizeof_in "$out/min_client.o" min_client)"
default_sizeof="$(sizeof_in "$out/min_client.o" default_client)"
client_sizeof="$(sizeof_in "$out/min_client.o" client)"
pool_slot_sizeof="$(sizeof_in "$out/min_client.o" pool_slot)"
request_slot_sizeof="$(sizeof_in "$out/min_client.o" request_slot)"
wait_sizeof="$(sizeof_in "$out/min_client.o" wait_entry)"
stub_sizeof="$(sizeof_in "$out/min_client.o" stub_transport)"
core_options_sizeof="$(sizeof_in "$out/min_client.o" core_options)"
feature_state_sizeof="$(sizeof_in "$out/min_client.o" feature_state)"
request_features_sizeof="$(sizeof_in "$out/min_client.o" request_features)"
proxy_routes_sizeof="$(sizeof_in "$out/min_client.o" proxy_routes)"

# The configurations (size_min_client.cpp's min_config and default_client_config); the last
# three numbers say whether the configuration has proxies (Cfg::proxies: their routes in the
# object) and a feature_state (options of the optional features), and its max_host_bytes.
# Without redirects (min_config) there are no redirect URLs or history: 0 bytes each; without
# base_url, redirects and cookies no scratch area either.
# The request fields take no RAM of their own: they are assembled in the receive buffer.
min_cfg=(1 1 1024 512 0 1 1 0 0 0 0 32)
default_cfg=(4 16 4096 1024 1024 2048 16384 256 512 1 1 64)
# buffers NAME CONN REQ RX TX SCRATCH HEAD BODY URL HISTORY PROXIES FEATURES HOST TOTAL: prints rows.
buffer_rows() {
  local label=$1 conn=$2 req=$3 rx=$4 tx=$5 scratch=$6 head=$7 body=$8 urlb=$9 hist=${10} proxies=${11}
  local features=${12} host=${13} total=${14}
  local rows=$((conn * rx + conn * tx + scratch + 1 + head + body + req * urlb + 1 + hist + 1))
  local slots=$((conn * pool_slot_sizeof + conn * host + req * request_slot_sizeof + conn * (stub_sizeof + wait_sizeof)))
  echo "| **$label**: \`sizeof(static_client<Cfg, stub_transport>)\` | **$total** |"
  echo "| receive buffers ($conn × $rx) + transmit buffers ($conn × $tx) | $((conn * rx + conn * tx)) |"
  echo "| scratch ($scratch + 1) + blocking-call head and body stores ($head + $body) + redirect URLs ($req × $urlb + 1) + history ($hist + 1) | $((rows - conn * rx - conn * tx)) |"
  echo "| $conn pool slot(s) × $pool_slot_sizeof (\`h1::connection\` 128 + $((pool_slot_sizeof - 128)) B of slot) + $conn host name(s) × $host + $req request slot(s) × $request_slot_sizeof + $conn × (transport $stub_sizeof + wait entry $wait_sizeof) (request fields: in the receive buffer) | $slots |"
  if [[ $proxies == 1 ]]; then
    echo "| proxy routes (\`Cfg::proxies\`: two parsed proxy URLs and NO_PROXY) | $proxy_routes_sizeof |"
  else
    echo "| proxy routes (left out: \`Cfg::proxies = false\`) | 0 |"
  fi
  if [[ $features == 1 ]]; then
    echo "| options and storage of base_url, redirects, auth, cookies, retries, proxies, request bodies (\`detail::feature_state\` $feature_state_sizeof + $req request(s) × $request_features_sizeof) | $((feature_state_sizeof + req * request_features_sizeof)) |"
  else
    echo "| options and storage of base_url, redirects, auth, cookies, retries, proxies, request bodies (left out) | 0 |"
  fi
  echo "| the \`htpx::client\` object (the options every configuration reads $core_options_sizeof, storage spans, feature table pointer, state) | $client_sizeof |"
}

# ---- host-side mbedTLS (x86-64): what a link of the TLS profile keeps from Debian's archives ----
host_mbedtls=""
host_lib_dir=""
for dir in /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib; do
  [[ -f $dir/libmbedtls.a ]] && { host_lib_dir=$dir; break; }
done
if [[ $tls_status == built && -z ${tls_archive[tls_client]:-} && -n $host_lib_dir ]] && command -v g++ >/dev/null &&
  command -v size >/dev/null; then
  host_out="$out/host"
  mkdir -p "$host_out"
  host_flags=(-std=c++17 -Os -ffunction-sections -fdata-sections -fno-exceptions -fno-rtti "-I$root/src" "${includes[@]}"
    "-isystem" "$out/mbedtls-include")
  for dir in "${tls_include_dirs[@]}"; do host_flags+=("-I$root/$dir"); done
  host_objs=()
  for src in "${sources[@]}" ${module_sources[client]} ${module_sources[auth]} ${module_sources[body]} \
    ${module_sources[cookies]} "${tls_sources[@]}"; do
    obj="$host_out/$(tr / _ <<<"${src%.*}").o"
    g++ "${host_flags[@]}" -c "$root/$src" -o "$obj" &
    host_objs+=("$obj")
  done
  g++ "${host_flags[@]}" -DHTPX_SIZE_TLS -c "$here/size_full_client.cpp" -o "$host_out/tls_client.o" &
  wait
  if g++ -Wl,--gc-sections "$host_out/tls_client.o" "${host_objs[@]}" "$host_lib_dir/libmbedtls.a" \
    "$host_lib_dir/libmbedx509.a" "$host_lib_dir/libmbedcrypto.a" -Wl,-Map="$host_out/tls_client.map" \
    -o "$host_out/tls_client" 2>"$host_out/link.log"; then
    host_kept="$(awk '
      function hex(s,    i, n) { n = 0; s = tolower(substr(s, 3)); for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return n }
      /^Linker script and memory map/ { in_map = 1; next }
      !in_map { next }
      /^ \.(text|rodata)/ { if (NF >= 4 && $2 ~ /^0x/) { if ($4 ~ /libmbed/) t += hex($3); p = 0 } else p = 1; next }
      p && /^ +0x/ { if ($3 ~ /libmbed/) t += hex($2); p = 0; next }
      { p = 0 }
      END { print t + 0 }' "$host_out/tls_client.map")"
    host_total="$(size -t "$host_lib_dir/libmbedtls.a" "$host_lib_dir/libmbedx509.a" "$host_lib_dir/libmbedcrypto.a" |
      awk '/\(TOTALS\)/ { print $1 }')"
    host_version="$(sed -n 's/^#define MBEDTLS_VERSION_STRING *"\(.*\)"/\1/p' "$mbedtls_headers/mbedtls/version.h" 2>/dev/null)"
    host_mbedtls="mbedTLS ${host_version:-?} (Debian libmbedtls-dev, x86-64, gcc -O2 archives; gc-sections keeps whole objects): the host link of the same TLS profile keeps $host_kept B of .text/.rodata from libmbedtls/libmbedx509/libmbedcrypto (all three archives: $host_total B of text)"
  else
    host_mbedtls="the host-side link of the TLS profile failed (build-size/host/link.log)"
  fi
fi

target_verdict() {  # target_verdict ACTUAL LIMIT
  if [[ $1 -le $2 ]]; then echo met; else echo "missed (+$(($1 - $2)))"; fi
}

# ---- the report, continued ------------------------------------------------------------------------
{
  echo
  echo "## Client profiles on Cortex-M4 (linked: \`-ffunction-sections -fdata-sections\`, \`${ldflags[*]}\`)"
  echo
  echo "Each profile is a program linked against \`libhtpx_core.a\` and the client's archives as a firmware links"
  echo "them; only what it uses is kept. \"htpx\" is the .text and .rodata kept from htpx's archives (linker map);"
  echo "the image adds newlib-nano, libgcc, the start-up code and the probe program itself."
  echo
  echo "| profile | image text | image data | image bss | htpx code | engine | URL | client | auth | bodies | cookies | TLS port | mbedTLS |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for profile in "${profiles[@]}"; do
    read -r text data bss <<<"$(berkeley "$out/$profile.elf")"
    case $profile in
      min_client) label="minimal client (\`size_min_client.cpp\`: 1 connection, keep-alive, chunked, timeouts)" ;;
      min_client_no_texts) label="the same without error texts (\`-DHTPX_ERROR_TEXTS=0\`: \`errc\` codes only)" ;;
      full_client) label="full client (\`size_full_client.cpp\`: every feature)" ;;
      tls_client)
        if [[ -n ${tls_archive[tls_client]:-} ]]; then
          label="full client + mbedTLS port + mbedTLS $mbedtls_version, its default configuration (below)"
        else
          label="full client + mbedTLS port (mbedTLS itself not linked, below)"
        fi
        ;;
      tls_firmware_client) label="the same, mbedTLS in a firmware's configuration (\`size_mbedtls_firmware.h\`, below)" ;;
      tls_min_client) label="minimal https client (the minimal client with \`Cfg::https\`) + mbedTLS port + mbedTLS in the firmware's configuration" ;;
    esac
    row="| $label | $text | $data | $bss | **$(kept "$profile" code "${htpx_groups[@]}" tls_port)**"
    for group in "${htpx_groups[@]}" tls_port mbedtls; do row+=" | $(kept "$profile" code "$group")"; done
    echo "$row |"
  done
  [[ $tls_status == built ]] || echo "| full client + mbedTLS port | not measured: $tls_status | | | | | | | | | | | |"
  echo
  if [[ -n ${tls_archive[tls_client]:-} && " ${profiles[*]} " == *" tls_client "* ]]; then
    echo "mbedTLS on Cortex-M4: $mbedtls_version, from Debian's source package (\`toolchains/mbedtls-source.sh\`), built with the same flags (C, \`-Os\`). Its default configuration less threads, sockets, timers, files and OS entropy (\`toolchains/size_mbedtls_user.h\`: the generator is seeded from the MCU's RNG): the TLS profile keeps $(kept tls_client code mbedtls) B of its code and $(kept tls_client ram mbedtls) B of static RAM."
    if [[ " ${profiles[*]} " == *" tls_firmware_client "* ]]; then
      echo "A firmware's HTTPS client configuration (\`toolchains/size_mbedtls_firmware.h\`: TLS 1.2 client, ECDHE with ECDSA or RSA certificates over P-256/P-384, AES-GCM, SNI, ALPN, session tickets; CAs from memory): $(kept tls_firmware_client code mbedtls) B of code, $(kept tls_firmware_client ram mbedtls) B of static RAM. mbedTLS allocates its handshake and record buffers from the heap (port/mbedtls/README.md)."
    fi
    if [[ " ${profiles[*]} " == *" tls_min_client "* ]]; then
      echo
      echo "The minimal https client's RAM: \`sizeof(static_client)\` $(sizeof_in "$out/tls_min_client.o" profile_client) B, of which its TLS connection (\`tls_over<stub_transport>\`: mbedTLS's SSL context and session, the port's state) $(sizeof_in "$out/tls_min_client.o" profile_connection) B; plus \`tls_config\` (its entropy, random generator, CA chain and SSL configuration; $(sizeof_in "$out/tls_min_client.o" tls_config) B) and mbedTLS's heap."
    fi
  elif [[ -n $host_mbedtls ]]; then
    echo "mbedTLS on Cortex-M4: not built (its Debian source package could not be had or did not compile: build-size/mbedtls-source.log, build-size/mbedtls-m4/), so the library is not in the image. Host-side figure: $host_mbedtls."
  else
    echo "mbedTLS on Cortex-M4: not built; no host-side figure either ($tls_status)."
  fi
  echo
  echo "Static RAM of htpx itself in the minimal client (.data + .bss kept from htpx's archives): $(kept min_client ram "${htpx_groups[@]}") B; the client's memory is the \`static_client\` object:"
  echo
  echo "| RAM, Cortex-M4 | bytes |"
  echo "|---|---:|"
  buffer_rows "minimal configuration" "${min_cfg[@]}" "$min_sizeof"
  buffer_rows "default configuration (\`default_client_config\`)" "${default_cfg[@]}" "$default_sizeof"
  echo
  echo "(\`stub_transport\` is the probe's $stub_sizeof-byte transport; a real port's connection object adds its own size per connection.)"
  echo
  min_code="$(kept min_client code "${htpx_groups[@]}")"
  echo "| client target | limit | actual | result |"
  echo "|---|---:|---:|---|"
  # Reported, not enforced (the budgets below are): both are missed today, see the README.
  echo "| minimal client, htpx code (coreHTTP: 22.3 KB with llhttp) | 12288 | $min_code | $(target_verdict "$min_code" 12288) |"
  no_texts_code="$(kept min_client_no_texts code "${htpx_groups[@]}")"
  echo "| the same without error texts (coreHTTP's figure has none: its logging is compiled out) | 12288 | $no_texts_code | $(target_verdict "$no_texts_code" 12288) |"
  echo "| minimal client RAM, \`sizeof(static_client)\` with 1 KiB rx and 512 B tx | 2048 | $min_sizeof | $(target_verdict "$min_sizeof" 2048) |"
} | tee -a "$out/size.md"

# ---- budgets (toolchains/size-budget.txt) ---------------------------------------------------------
declare -A measured=(
  [engine_text]="$(berkeley "$out/htpx_engine.o" | cut -d' ' -f1)"
  [min_get_text]="$(berkeley "$out/min_get.elf" | cut -d' ' -f1)"
  [min_client_htpx_code]="$(kept min_client code "${htpx_groups[@]}")"
  [min_client_image_text]="$(berkeley "$out/min_client.elf" | cut -d' ' -f1)"
  [min_client_no_texts_code]="$(kept min_client_no_texts code "${htpx_groups[@]}")"
  [min_client_sizeof]="$min_sizeof"
  [default_client_sizeof]="$default_sizeof"
  [full_client_htpx_code]="$(kept full_client code "${htpx_groups[@]}")"
  [full_client_image_text]="$(berkeley "$out/full_client.elf" | cut -d' ' -f1)"
)
if [[ " ${profiles[*]} " == *" tls_client "* ]]; then
  measured[tls_port_code]="$(kept tls_client code tls_port)"
  if [[ -n ${tls_archive[tls_client]:-} ]]; then measured[tls_client_image_text]="$(berkeley "$out/tls_client.elf" | cut -d' ' -f1)"; fi
fi
if [[ " ${profiles[*]} " == *" tls_firmware_client "* ]]; then
  measured[tls_firmware_client_image_text]="$(berkeley "$out/tls_firmware_client.elf" | cut -d' ' -f1)"
  measured[tls_min_client_image_text]="$(berkeley "$out/tls_min_client.elf" | cut -d' ' -f1)"
fi
budget_file="$here/size-budget.txt"
over_budget=0
{
  echo
  echo "## Budgets (\`toolchains/size-budget.txt\`: fails more than 5 % over)"
  echo
  echo "| figure | budget | measured | change | result |"
  echo "|---|---:|---:|---:|---|"
  while read -r key budget _; do
    [[ -z $key || $key == \#* ]] && continue
    actual=${measured[$key]:-}
    if [[ -z $actual ]]; then
      echo "| $key | $budget | not measured | | skipped |"
      continue
    fi
    change="$(awk -v a="$actual" -v b="$budget" 'BEGIN { printf "%+.1f %%", (a - b) * 100 / b }')"
    if awk -v a="$actual" -v b="$budget" 'BEGIN { exit !(a > b * 1.05) }'; then
      echo "| $key | $budget | $actual | $change | FAIL |"
    else
      echo "| $key | $budget | $actual | $change | ok |"
    fi
  done <"$budget_file"
  for key in "${!measured[@]}"; do
    grep -q "^${key}[[:space:]]" "$budget_file" || echo "| $key | (none) | ${measured[$key]} | | add it to the budget file |"
  done
} | tee -a "$out/size.md"
grep -q '^| [a-z_]* | [0-9]* | [0-9]* | [^|]* | FAIL |$' "$out/size.md" && over_budget=1

# Both targets are hard limits: a connection must fit the documented budget, and so must the
# engine's code. (The table was written in a pipeline subshell: read the verdicts back from the
# report.)
state_verdict=PASS
text_verdict=PASS
grep -q 'per-connection state.*| FAIL |$' "$out/size.md" && state_verdict=FAIL
grep -q 'text of the HTTP/1.1 engine.*| FAIL |$' "$out/size.md" && text_verdict=FAIL
failed=0
if [[ ${#texts_left[@]} -gt 0 ]]; then
  echo
  echo "size: FAIL: the build without error texts still holds: ${texts_left[*]}"
  failed=1
fi
if [[ $over_budget == 1 ]]; then
  echo
  echo "size: FAIL: a figure is more than 5 % over toolchains/size-budget.txt (raise the budget in the commit that grows, saying why)"
  failed=1
fi
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
