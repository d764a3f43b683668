#!/usr/bin/env bash
# `make profile`: release build, then scripts/profile.py: Redis instructions per request (callgrind) and verifyd CPU
# per request, one request at a time, per scenario. BASE=<git rev> also measures that revision (built as `make bench`
# builds it) and adds the ratios; REQUESTS (default 1000) per scenario; arguments go to profile.py (--only send,sms).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh valgrind python3
base=()
if [[ -n "${BASE:-}" ]]; then
  arguments=$(scripts/base-binary.sh --args)  # a failure stops here (set -e)
  mapfile -t base <<<"$arguments"
fi
swift build -c release --product verifyd >/dev/null
exec python3 scripts/profile.py --binary "$(swift build -c release --show-bin-path)/verifyd" ${base[@]+"${base[@]}"} "$@"
