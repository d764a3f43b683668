#!/usr/bin/env bash
# `make bench`: release build, then scripts/bench.py: its own redis-server and `verifyd serve` (log drivers to
# /dev/null), five wrk scenarios at 64 connections, a table and bench/results.json.
# DURATION (s per scenario), CONNECTIONS, ACCOUNTS (mirror size), SEED_SECONDS override the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh wrk python3
swift build -c release --product verifyd >/dev/null
exec python3 scripts/bench.py --binary "$(swift build -c release --show-bin-path)/verifyd" "$@"
