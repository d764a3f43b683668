#!/usr/bin/env bash
# `make bench`: release build, then scripts/bench.py: its own standalone redis-server and its own 3-primary Redis
# Cluster, a `verifyd serve` on each (log drivers to /dev/null), nine wrk scenarios at 64 connections run on both,
# interleaved, one table side by side with the cluster/standalone ratios, and bench/results.json.
# DURATION (s per scenario), CONNECTIONS, ACCOUNTS (mirror size), SEED_CODES, BENCH_MODE (standalone, cluster or
# both), IP_LIMITS and COUNTRY_LIMITS override the defaults; arguments go to bench.py (--mode cluster, --duration 5).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh wrk python3
swift build -c release --product verifyd >/dev/null
exec python3 scripts/bench.py --binary "$(swift build -c release --show-bin-path)/verifyd" "$@"
