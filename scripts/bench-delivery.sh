#!/usr/bin/env bash
# Delivery throughput: queue N codes per channel with the worker off, then time one `verifyd worker` draining
# them into the local SMTP sink (aiosmtpd) and the local webhook sink. Then a burst of 2×N sends with the worker
# on, sampling the outbox depth. Release build; everything on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh wrk python3 py:aiosmtpd
# The interpreter itself, not a version-manager shim, so the pid we keep is the one to stop.
PY=$(python3 -c "import sys; print(sys.executable)")
N=${N:-5000}
swift build -c release --product verifyd >/dev/null
bin=$(swift build -c release --show-bin-path)/verifyd
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
state=$(mktemp -d /tmp/verifyd-bench-delivery-XXXX)
rport=$(free_port); hport=$(free_port); sport=$(free_port); wport=$(free_port)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; redis-cli -p "$rport" shutdown nosave >/dev/null 2>&1 || true; rm -rf "$state"; }
trap cleanup EXIT
trap "exit 130" INT TERM
redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no --dir "$state" --daemonize yes --logfile "$state/redis.log"
"$PY" Tests/sinks/smtp_sink.py --port "$sport" --dir "$state/smtp" >/dev/null 2>&1 & pids+=($!)
"$PY" Tests/sinks/http_sink.py --port "$wport" --dir "$state/http" >/dev/null 2>&1 & pids+=($!)
for _ in $(seq 50); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done
export VERIFYD_CODE_SECRET=bench-secret-0123456789 VERIFYD_REDIS_URL="redis://127.0.0.1:$rport" VERIFYD_LOG_LEVEL=error \
  VERIFYD_EMAIL="smtp://127.0.0.1:$sport" VERIFYD_EMAIL_FROM=bench@example.com VERIFYD_SMS="http://127.0.0.1:$wport/sms" \
  VERIFYD_PORT=$hport VERIFYD_IP_RATE_LIMITS=off
VERIFYD_WORKER=false "$bin" serve 2>"$state/serve.err" & spid=$!; pids+=($spid)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$hport/health/ready" >/dev/null && break; sleep 0.1; done
delivered() { redis-cli -p "$rport" hget verify:stats delivered | sed 's/^$/0/'; }

drain() { # channel
  local channel=$1 before after start end
  QUOTA=$((N / 2)) CHANNEL=$channel wrk -t2 -c64 -d60s -s bench/burst.lua "http://127.0.0.1:$hport" >/dev/null &
  local wpid=$!
  # wrk calls request() once per thread before sending, so a thread may queue one code fewer than its quota.
  until [ "$(redis-cli -p "$rport" xlen verify:outbox)" -ge $((N - 2)) ]; do sleep 0.2; done
  sleep 1
  kill $wpid 2>/dev/null || true; wait $wpid 2>/dev/null || true
  local queued; queued=$(redis-cli -p "$rport" xlen verify:outbox)
  before=$(delivered)
  start=$(date +%s.%N)
  "$bin" worker 2>"$state/worker-$channel.err" & local kpid=$!
  until [ "$(delivered)" -ge $((before + queued)) ]; do sleep 0.1; done
  end=$(date +%s.%N)
  kill -TERM $kpid; wait $kpid 2>/dev/null || true
  echo "$channel $queued $(echo "$queued / ($end - $start)" | bc -l)"
}
email=$(drain email)
sms=$(drain sms)
printf '%-8s %8s %16s\n' channel codes "deliveries/s"
for line in "$email" "$sms"; do echo "$line" | awk '{printf "%-8s %8d %16.0f\n", $1, $2, $3}'; done

# Burst with the worker on: the outbox depth it reaches.
"$bin" worker 2>"$state/worker-burst.err" & pids+=($!)
sleep 1
max=0
QUOTA=$N CHANNEL=sms wrk -t2 -c64 -d30s -s bench/burst.lua "http://127.0.0.1:$hport" >/dev/null &
bpid=$!
target=$(( $(delivered) + 2 * N - 2 ))
while kill -0 $bpid 2>/dev/null; do
  depth=$(redis-cli -p "$rport" xlen verify:outbox); [ "$depth" -gt "$max" ] && max=$depth
  [ "$(delivered)" -ge "$target" ] && break
  sleep 0.1
done
kill $bpid 2>/dev/null || true
echo "burst of $((2 * N)) accepted sends (sms, worker on): peak outbox depth $max"
