#!/usr/bin/env bash
# Installs the system packages verifyd needs to build, run and test, if any is missing (Debian/Ubuntu).
# Arguments add more: a command (installed as the package of that name), `deb:PACKAGE`, or `py:MODULE` (PyPI).
set -euo pipefail
need=()
pkg-config --exists hiredis 2>/dev/null || need+=(libhiredis-dev)
pkg-config --exists libcurl 2>/dev/null || need+=(libcurl4-openssl-dev)
pkg-config --exists libidn2 2>/dev/null || need+=(libidn2-dev)
pkg-config --exists jemalloc 2>/dev/null || need+=(libjemalloc-dev)
# libphonenumber ships no pkg-config file: its main header tells.
[ -f /usr/include/phonenumbers/phonenumberutil.h ] || need+=(libphonenumber-dev)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v curl >/dev/null 2>&1 || need+=(curl)
python_modules=()
for extra in "$@"; do
  case "$extra" in
    py:*) python3 -c "import ${extra#py:}" >/dev/null 2>&1 || python_modules+=("${extra#py:}") ;;
    deb:*) dpkg -s "${extra#deb:}" >/dev/null 2>&1 || need+=("${extra#deb:}") ;;
    *) command -v "$extra" >/dev/null 2>&1 || need+=("$extra") ;;
  esac
done
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if [ ${#python_modules[@]} -gt 0 ] && ! python3 -m pip --version >/dev/null 2>&1; then
  echo "installing: python3-pip"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3-pip >/dev/null
fi
if [ ${#python_modules[@]} -gt 0 ]; then
  echo "installing (PyPI): ${python_modules[*]}"
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "${python_modules[@]}" \
    || python3 -m pip install --quiet --break-system-packages "${python_modules[@]}"
fi
# Debian's redis-server package may start a system-wide server; verifyd's scripts never rely on it.
