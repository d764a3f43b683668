#!/usr/bin/env bash
# `make microbench`: the micro-benchmarks in Benchmarks/ (ordo-one/benchmark), a package of their own so CI's
# `swift build --build-tests` never builds them. Wall clock, throughput and malloc counts per operation of request
# parsing, RESP encoding, and decoding through hiredis, and the code crypto; one table per metric.
# Malloc counts come from the package's malloc interposer (LD_PRELOAD, set by the plugin): no jemalloc needed.
# The first run builds the benchmark package in release mode (Benchmarks/.build, several minutes on 2 cores);
# later runs take about a minute. Extra arguments go to the plugin, e.g. `--filter 'RESP.*'`, `--target
# RESPBenchmarks`, `--grouping benchmark` (one table per benchmark) or `--format markdown`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cd Benchmarks
exec swift package benchmark --no-progress --grouping metric "$@"
