#!/usr/bin/env bash
# make demo: starts httpbin (Debian's python3-httpbin under gunicorn) on 127.0.0.1 with a free
# port, runs htpx-demo against it, and stops it; installs the two packages first when missing.
#   examples/demo/run.sh BUILD_DIR
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$(cd "${1:-$repo/build}" && pwd)"
# shellcheck source=../../tests/integration/servers/common.sh
source "$repo/tests/integration/servers/common.sh"
# shellcheck source=../../tests/integration/servers/httpbin.sh
source "$repo/tests/integration/servers/httpbin.sh"

if ! htpx_httpbin_available; then
  packages=(python3-httpbin gunicorn)
  echo "make demo: installing ${packages[*]} (Debian packages)"
  sudo=()
  [[ $(id -u) -ne 0 ]] && sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get install -y --no-install-recommends "${packages[@]}" ||
    { "${sudo[@]}" apt-get update && "${sudo[@]}" apt-get install -y --no-install-recommends "${packages[@]}"; }
fi

HTPX_REQUIRE_SERVERS=1 exec "$repo/tests/integration/run-with-servers.sh" --httpbin \
  --logs "$build/demo-logs" --name demo -- "$build/bin/htpx-demo"
