#!/usr/bin/env bash
# Delivery throughput: queue N codes per channel with the worker off, then time one `verifyd worker` draining
# them into the local SMTP sink (aiosmtpd) and the local webhook sink. Then a burst of 2×N sends with the worker
# on, sampling the outbox depth. Release build; everything on loopback; the worker's settings are its defaults.
#
#   scripts/bench-delivery.sh [--delay SECONDS]
#
# --delay makes both sinks take that long per message (the SMTP sink before its answer to DATA, the webhook sink
# before its answer), like a slow provider: deliveries/s then shows how many the worker keeps in flight.
# N (default 5000) codes are queued per channel; VERIFYD_BIN benches that verifyd binary instead of building one.
# The CPU seconds each process used while draining are printed too, to tell a worker limit from a sink limit; the
# SMTP sink records envelopes only (parsing each message would cost it more CPU than the worker spends).
set -euo pipefail
cd "$(dirname "$0")/.."
delay=0
while [ $# -gt 0 ]; do
  case "$1" in
    --delay) delay=${2:?--delay needs seconds}; shift 2 ;;
    --delay=*) delay=${1#--delay=}; shift ;;
    *) echo "usage: $0 [--delay SECONDS]" >&2; exit 64 ;;
  esac
done
scripts/install-deps.sh wrk python3 py:aiosmtpd
# The interpreter itself, not a version-manager shim, so the pid we keep is the one to stop.
PY=$(python3 -c "import sys; print(sys.executable)")
N=${N:-5000}
if [ -n "${VERIFYD_BIN:-}" ]; then
  bin=$VERIFYD_BIN  # a verifyd built elsewhere (another revision, to compare)
else
  swift build -c release --product verifyd >/dev/null
  bin=$(swift build -c release --show-bin-path)/verifyd
fi
state=$(mktemp -d /tmp/verifyd-bench-delivery-XXXX)
read -r rport hport sport wport <<< "$(python3 scripts/ports.py 4 | tr '\n' ' ')"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; redis-cli -p "$rport" shutdown nosave >/dev/null 2>&1 || true; rm -rf "$state"; }
trap cleanup EXIT
trap "exit 130" INT TERM
redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no --dir "$state" --daemonize yes --logfile "$state/redis.log"
"$PY" Tests/sinks/smtp_sink.py --port "$sport" --dir "$state/smtp" --delay "$delay" --envelope-only >/dev/null 2>&1 &
smtp_pid=$!
pids+=($smtp_pid)
"$PY" Tests/sinks/http_sink.py --port "$wport" --dir "$state/http" --delay "$delay" >/dev/null 2>&1 & http_pid=$!
pids+=($http_pid)
for _ in $(seq 50); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done
export VERIFYD_CODE_SECRET=bench-secret-0123456789 VERIFYD_REDIS_URL="redis://127.0.0.1:$rport" VERIFYD_LOG_LEVEL=error \
  VERIFYD_EMAIL="smtp://127.0.0.1:$sport" VERIFYD_SMTP_STARTTLS=off VERIFYD_EMAIL_FROM=bench@example.com \
  VERIFYD_SMS="http://127.0.0.1:$wport/sms" VERIFYD_SMS_COUNTRY_CODES="*" VERIFYD_PORT=$hport \
  VERIFYD_IP_RATE_LIMITS=off VERIFYD_LOOKUP_RATE_LIMITS=off VERIFYD_SMS_COUNTRY_RATE_LIMITS=off VERIFYD_OUTBOX_MAX=0
VERIFYD_WORKER=false "$bin" serve 2>"$state/serve.err" & spid=$!; pids+=($spid)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$hport/health/ready" >/dev/null && break; sleep 0.1; done
# Sums over verifyd's 16 shards (docs/redis.md#shards).
tags="0aa 1ab 2bb 3ba 4db 5da 6fb 7fa 8fd 9fc aaa bdc cbc dbc edb fad"
over_shards() { # command suffix: prints the sum of `redis-cli <command> verify:{tag}<suffix> [args]` over the shards
  local command=$1 suffix=$2; shift 2
  for tag in $tags; do redis-cli -p "$rport" "$command" "verify:{$tag}$suffix" "$@"; done | awk '{ s += $1 } END { print s + 0 }'
}
delivered() { over_shards hget :stats delivered; }
dead() { over_shards xlen :outbox:dead; }
queued() { over_shards xlen :outbox; }
# CPU seconds (user + system) a process has used so far.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$1/stat"; }

drain() { # channel
  local channel=$1 before after start end
  QUOTA=$((N / 2)) CHANNEL=$channel wrk -t2 -c64 -d60s -s bench/burst.lua "http://127.0.0.1:$hport" >/dev/null &
  local wpid=$!
  # wrk calls request() once per thread before sending, so a thread may queue one code fewer than its quota.
  until [ "$(queued)" -ge $((N - 2)) ]; do sleep 0.2; done
  sleep 1
  kill $wpid 2>/dev/null || true; wait $wpid 2>/dev/null || true
  local queued; queued=$(queued)
  before=$(delivered)
  local dead_before; dead_before=$(dead)
  local sink_pid=$smtp_pid; [ "$channel" = sms ] && sink_pid=$http_pid
  local sink_cpu; sink_cpu=$(cpu "$sink_pid")
  local redis_pid; redis_pid=$(redis-cli -p "$rport" info server | awk -F: '/^process_id/ { print $2+0 }')
  local redis_cpu; redis_cpu=$(cpu "$redis_pid")
  start=$(date +%s.%N)
  "$bin" worker 2>"$state/worker-$channel.err" & local kpid=$!
  until [ "$(delivered)" -ge $((before + queued)) ]; do
    kill -0 $kpid 2>/dev/null || { echo "the worker exited: $(cat "$state/worker-$channel.err")" >&2; exit 1; }
    [ "$(dead)" -eq "$dead_before" ] || { echo "deliveries were dead-lettered" >&2; exit 1; }
    sleep 0.1
  done
  end=$(date +%s.%N)
  local worker_cpu; worker_cpu=$(cpu $kpid)
  kill -TERM $kpid; wait $kpid 2>/dev/null || true
  echo "$channel $queued $(echo "$queued / ($end - $start)" | bc -l) $(echo "$end - $start" | bc -l) $worker_cpu" \
    "$(echo "$(cpu "$sink_pid") - $sink_cpu" | bc -l) $(echo "$(cpu "$redis_pid") - $redis_cpu" | bc -l)"
}
email=$(drain email)
sms=$(drain sms)
echo "delay per message at the sinks: ${delay}s; CPU seconds used while draining (2 cores = 2 s per second)"
printf '%-8s %8s %14s %10s %12s %10s %10s\n' channel codes "deliveries/s" seconds "worker CPU" "sink CPU" "redis CPU"
for line in "$email" "$sms"; do
  echo "$line" | awk '{printf "%-8s %8d %14.0f %10.1f %12.1f %10.1f %10.1f\n", $1, $2, $3, $4, $5, $6, $7}'
done
# Several messages per SMTP session when the client keeps its connections (the sink numbers each session).
"$PY" - "$state/smtp/messages.jsonl" <<'PY'
import json, sys
sessions = [json.loads(line).get("session") for line in open(sys.argv[1])]
print(f"email: {len(sessions)} messages over {len(set(sessions))} SMTP sessions")
PY

# Burst with the worker on: the outbox depth it reaches.
"$bin" worker 2>"$state/worker-burst.err" & pids+=($!)
sleep 1
max=0
QUOTA=$N CHANNEL=sms wrk -t2 -c64 -d30s -s bench/burst.lua "http://127.0.0.1:$hport" >/dev/null &
bpid=$!
target=$(( $(delivered) + 2 * N - 2 ))
while kill -0 $bpid 2>/dev/null; do
  depth=$(queued); [ "$depth" -gt "$max" ] && max=$depth
  [ "$(delivered)" -ge "$target" ] && break
  sleep 0.1
done
kill $bpid 2>/dev/null || true
echo "burst of $((2 * N)) accepted sends (sms, worker on): peak outbox depth $max"
