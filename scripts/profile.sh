#!/usr/bin/env bash
# `make profile`: release build, then scripts/profile.py: verifyd's and Redis' instructions per request (callgrind),
# one request at a time, per scenario, and the Go peer's in health, send and hot (GO_PEER=off skips it). BASE=<git rev>
# also measures that revision (built as `make bench` builds it) and adds the ratios; REQUESTS (default 1000) per
# scenario; arguments go to profile.py (--only send,sms).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh valgrind python3 deb:gcc deb:binutils
# valgrind 3.19 needs verifyd's sigsuspend to take a writable mask (see the file).
mkdir -p .build/profile
gcc -O2 -shared -fPIC -o .build/profile/sigsuspend-preload.so scripts/sigsuspend-preload.c
base=()
if [[ -n "${BASE:-}" ]]; then
  arguments=$(scripts/base-binary.sh --args)  # a failure stops here (set -e)
  mapfile -t base <<<"$arguments"
fi
peer=()
if [[ "${GO_PEER:-on}" != off ]]; then
  arguments=$(FLOOR=off scripts/peers.sh)
  mapfile -t peer <<<"$arguments"
fi
swift build -c release --product verifyd >/dev/null
exec python3 scripts/profile.py --preload .build/profile/sigsuspend-preload.so \
  --binary "$(swift build -c release --show-bin-path)/verifyd" ${base[@]+"${base[@]}"} ${peer[@]+"${peer[@]}"} "$@"
