#!/usr/bin/env bash
# `make chaos`: fault injection against real processes (the Python package chaos/, `python3 -m chaos`).
# `scripts/chaos.sh --short` is the smaller run of `make test`. Installs what it needs (redis-py included), builds
# verifyd (release for the full run, debug for --short), raises the open-files limit (10,000 idle connections need
# as many descriptors on each side) and runs the scenarios. Exits non-zero when an assertion failed. Other arguments
# pass to `python3 -m chaos` (--only NAME,…, --seed N, --keep). VERIFYD_BINARY=path skips the build and runs that
# binary.
set -euo pipefail
cd "$(dirname "$0")/.."

short=0
for arg in "$@"; do [ "$arg" = --short ] && short=1; done

scripts/install-deps.sh python3 py:aiosmtpd py:redis nginx wrk

build() {
  # SwiftPM waits on its own lock while another build runs. One retry covers a transient failure.
  "$@" || { echo "chaos: build failed, retrying once in 30 s" >&2; sleep 30; "$@"; }
}
BIN=${VERIFYD_BINARY:-}
if [ -z "$BIN" ]; then
  if [ "$short" = 1 ]; then
    build swift build --product verifyd
    BIN=$(swift build --show-bin-path)/verifyd
  else
    build swift build -c release --product verifyd
    BIN=$(swift build -c release --show-bin-path)/verifyd
  fi
fi

hard=$(ulimit -Hn)
want=16384
if [ "$hard" != unlimited ] && [ "$hard" -lt "$want" ]; then want=$hard; fi
ulimit -n "$want"

# The interpreter itself, not a version-manager shim, so the process that gets our signals is the suite's.
# From the repository root (the cd above), where `-m chaos` finds the package.
PY=$(python3 -c "import sys; print(sys.executable)")
exec "$PY" -m chaos --binary "$BIN" "$@"
