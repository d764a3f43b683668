#!/usr/bin/env bash
# `make bench`: release build, then scripts/bench.py: its own standalone redis-server and its own 3-primary Redis
# Cluster, a `verifyd serve` on each (log drivers to /dev/null), ten wrk scenarios at 64 connections run on both,
# interleaved, one table side by side with the cluster/standalone ratios, and bench/results.json.
# DURATION (s per scenario), CONNECTIONS, ACCOUNTS (mirror size), SEED_CODES, BENCH_MODE (standalone, cluster or
# both), RATE_LIMITS, IP_LIMITS, LOOKUP_LIMITS, COUNTRY_LIMITS and OUTBOX_MAX override the defaults; arguments go to
# bench.py (--mode cluster, --duration 5). The bench sets VERIFYD_RATE_LIMITS=1/60,5/600 (no daily cap) and
# VERIFYD_OUTBOX_MAX=0 (no cap: the outbox only grows while the worker is off); see docs/benchmarks.md.
# BASE=<git rev> (a commit, tag or branch; `BASE=HEAD~1`) also measures that revision, in the same run: its release
# binary is built once in a detached git worktree (scripts/base-binary.sh), and runs as a third mode, `base`, on a
# standalone redis-server of its own, interleaved with the others on every scenario with the same settings; the table
# adds the current/base ratios. `BASE=HEAD~1 BENCH_MODE=standalone make bench` compares just the two standalones.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh wrk python3
base=()
if [[ -n "${BASE:-}" ]]; then
  arguments=$(scripts/base-binary.sh --args)  # a failure stops here (set -e)
  mapfile -t base <<<"$arguments"
fi
peers=()
arguments=$(scripts/peers.sh)
[[ -z "$arguments" ]] || mapfile -t peers <<<"$arguments"
swift build -c release --product verifyd >/dev/null
exec python3 scripts/bench.py --binary "$(swift build -c release --show-bin-path 2>/dev/null)/verifyd" \
  ${base[@]+"${base[@]}"} ${peers[@]+"${peers[@]}"} "$@"
