#!/usr/bin/env bash
# `make bench`: release build, its own redis-server and `verifyd serve` (log driver to /dev/null),
# wrk at 64 connections: GET /health/live (baseline) and send-verify-code with unique targets.
# Prints requests/s, latency p50/p99, the ratio to the baseline and Redis commands per request.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh wrk
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
swift build -c release --product verifyd >/dev/null
bin=$(swift build -c release --show-bin-path)/verifyd
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rport=$(free_port); hport=$(free_port)
state=$(mktemp -d /tmp/verifyd-bench-XXXX)
redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no --dir "$state" --daemonize yes \
  --pidfile "$state/redis.pid" --logfile "$state/redis.log"
cleanup() { kill "$vpid" 2>/dev/null || true; kill "$(cat "$state/redis.pid")" 2>/dev/null || true; rm -rf "$state"; }
trap cleanup EXIT
trap "exit 130" INT TERM
for _ in $(seq 50); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done
VERIFYD_CODE_SECRET=bench-secret-0123456789 VERIFYD_EMAIL=log VERIFYD_SMS=log VERIFYD_PORT=$hport \
  VERIFYD_REDIS_URL="redis://127.0.0.1:$rport" VERIFYD_LOG_LEVEL=error VERIFYD_RATE_LIMITS=1/60,5/600 VERIFYD_IP_RATE_LIMITS=off \
  VERIFYD_WORKER=${BENCH_WORKER:-true} "$bin" serve >/dev/null 2>"$state/verifyd.err" &
vpid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$hport/health/ready" >/dev/null && break; sleep 0.1; done

# Round trips a request costs: the commands verifyd sends for it (not the ones its scripts run inside Redis,
# not the delivery worker's stream commands).
calls() { redis-cli -p "$rport" info commandstats | awk -F'[=,:]' '$1 ~ /^cmdstat_(evalsha|eval|exists|hgetall|hexists|smismember)$/ {s+=$3} END {print s+0}'; }
run() { # name, wrk args…
  local name=$1; shift
  local before; before=$(calls)
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$@" > "$state/$name.txt"
  local after; after=$(calls)
  local rps p50 p99 reqs
  rps=$(awk '/Requests\/sec/ {print $2}' "$state/$name.txt")
  reqs=$(awk '/requests in/ {print $1}' "$state/$name.txt")
  p50=$(awk '$1=="50%" {print $2}' "$state/$name.txt")
  p99=$(awk '$1=="99%" {print $2}' "$state/$name.txt")
  echo "$name $rps $p50 $p99 $(( after - before )) $reqs"
}
base=$(run health "http://127.0.0.1:$hport/health/live")
send=$(run send-unique -s bench/send-unique.lua "http://127.0.0.1:$hport")
printf '%-14s %12s %9s %9s %8s %14s\n' scenario "requests/s" p50 p99 ratio "round trips/req"
base_rps=$(echo "$base" | awk '{print $2}')
for line in "$base" "$send"; do
  echo "$line" | awk -v b="$base_rps" '{printf "%-14s %12.0f %9s %9s %8.2f %14.2f\n", $1, $2, $3, $4, $2/b, ($6>0 ? $5/$6 : 0)}'
done
grep -q "Non-2xx" "$state/send-unique.txt" && grep "Non-2xx" "$state/send-unique.txt" || true
echo "outbox entries queued and not yet delivered: $(redis-cli -p "$rport" xlen verify:outbox)"
