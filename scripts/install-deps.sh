#!/usr/bin/env bash
# Installs the system packages verifyd needs to build, run and test, if any is missing (Debian/Ubuntu).
set -euo pipefail
need=()
pkg-config --exists hiredis 2>/dev/null || need+=(libhiredis-dev)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v curl >/dev/null 2>&1 || need+=(curl)
for extra in "$@"; do command -v "$extra" >/dev/null 2>&1 || need+=("$extra"); done
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
echo "installing: ${need[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# Debian's redis-server package may start a system-wide server; verifyd's scripts never rely on it.
