#!/usr/bin/env bash
# Prints the path of an unpacked mbedTLS source tree under DIR, fetching Debian's source package
# first when DIR has none: `make size` builds mbedTLS from it for Cortex-M4, because Debian ships
# no arm-none-eabi build of the library (only x86-64 `libmbedtls-dev`).
#   toolchains/mbedtls-source.sh DIR [SUITE]
# From this release (or from SUITE, e.g. trixie for mbedTLS 3, as ctest tls-mbedtls3 does). The
# version is then the installed libmbedtls-dev's when there is one (the headers the host build and
# tests use), else the release's; from another SUITE, that suite's. apt-get works in DIR/apt with its own source list (a `deb-src`
# line for this release on the machine's archive, signed by the Debian archive key), so the
# machine's apt configuration is not touched; apt checks the Sources index signature and the files' hashes. Needs apt-get and
# dpkg-source (dpkg-dev). Exits 1, saying why on stderr, when the source cannot be had.
set -euo pipefail

dir="${1:?usage: mbedtls-source.sh DIR [SUITE]}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

unpacked() {  # the first tree in DIR with the library's sources and headers
  local tree
  for tree in "$dir"/mbedtls-*/; do
    [[ -f $tree/include/mbedtls/ssl.h && -d $tree/library ]] && { echo "${tree%/}"; return 0; }
  done
  return 1
}
if unpacked; then exit 0; fi

for tool in apt-get dpkg-source; do
  command -v "$tool" >/dev/null 2>&1 || { echo "mbedtls-source: $tool not found (Debian: apt, dpkg-dev)" >&2; exit 1; }
done
# shellcheck source=/dev/null
codename="$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")"
suite="${2:-$codename}"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[[ -n $codename && -f $keyring ]] || { echo "mbedtls-source: not a Debian release with its archive key" >&2; exit 1; }

# The machine's own archive for this release (a local mirror where there is one), else Debian's.
# shellcheck disable=SC2016  # apt expands $(REPO_URI) and $(RELEASE)
mirror="$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null |
  awk -v release="$codename" '$2 == release { print $1; exit }')"
mirror="${mirror:-http://deb.debian.org/debian/}"

apt_dir="$dir/apt"
mkdir -p "$apt_dir/etc/sources.list.d" "$apt_dir/etc/preferences.d" "$apt_dir/lists/partial" \
  "$apt_dir/cache/archives/partial"
echo "deb-src [signed-by=$keyring] $mirror $suite main" >"$apt_dir/etc/sources.list"
apt_options=(-o "Dir::Etc=$apt_dir/etc" -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
  -o "APT::Sandbox::User=root")
apt-get -q "${apt_options[@]}" update >&2 || { echo "mbedtls-source: apt-get update failed (no network?)" >&2; exit 1; }

# The installed headers' version first; the release's own when the archive no longer has it.
installed=""
if [[ $suite == "$codename" ]]; then installed="$(dpkg-query -W -f='${Version}' libmbedtls-dev 2>/dev/null || true)"; fi
fetched=0
for package in ${installed:+"mbedtls=$installed"} mbedtls; do
  if (cd "$dir" && apt-get -q "${apt_options[@]}" source "$package" >&2); then
    fetched=1
    break
  fi
done
[[ $fetched == 1 ]] || { echo "mbedtls-source: apt-get source mbedtls failed" >&2; exit 1; }
unpacked || { echo "mbedtls-source: no mbedTLS tree unpacked in $dir" >&2; exit 1; }
