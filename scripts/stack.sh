#!/usr/bin/env bash
# `make stack` / `make stack-down`: the docker-compose topology with local processes on loopback —
# redis-server (AOF), three `verifyd serve` instances, nginx with docker/nginx.conf (ports rewritten) and an
# SMTP sink. State lives in $STACK_DIR (default .run/stack); `stack.env` there lists every port and pid.
set -euo pipefail
cd "$(dirname "$0")/.."
STACK_DIR=${STACK_DIR:-$PWD/.run/stack}
action=${1:-up}

down() {
  [ -f "$STACK_DIR/stack.env" ] || return 0
  # shellcheck disable=SC1091
  . "$STACK_DIR/stack.env"
  for pid in ${VERIFYD_PIDS:-} ${NGINX_PID:-}; do kill "$pid" 2>/dev/null || true; done
  kill -9 "${SINK_PID:-0}" 2>/dev/null || true  # a test sink; nothing to flush
  redis-cli -p "${REDIS_PORT:-0}" shutdown nosave >/dev/null 2>&1 || true
  rm -f "$STACK_DIR/stack.env"
  echo "stack stopped"
}

if [ "$action" = down ]; then down; exit 0; fi

scripts/install-deps.sh nginx python3 py:aiosmtpd
# The interpreter itself, not a version-manager shim, so the pid we keep is the one to stop.
PY=$(python3 -c "import sys; print(sys.executable)")
down
mkdir -p "$STACK_DIR/tmp" "$STACK_DIR/redis" "$STACK_DIR/mail"
BIN=${VERIFYD_BINARY:-}
if [ -z "$BIN" ]; then
  swift build --product verifyd >/dev/null
  BIN=$(swift build --show-bin-path)/verifyd
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
LB_PORT=${STACK_PORT:-$(free_port)}
REDIS_PORT=$(free_port); SMTP_PORT=$(free_port)
PORTS=("$(free_port)" "$(free_port)" "$(free_port)")

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --appendonly yes --appendfsync always --save "" \
  --dir "$STACK_DIR/redis" --logfile "$STACK_DIR/redis/redis.log" --daemonize yes
for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

"$PY" Tests/sinks/smtp_sink.py --port "$SMTP_PORT" --dir "$STACK_DIR/mail" >"$STACK_DIR/mail/sink.log" 2>&1 &
SINK_PID=$!

pids=()
for i in 0 1 2; do
  VERIFYD_PORT=${PORTS[$i]} VERIFYD_REDIS_URL="redis://127.0.0.1:$REDIS_PORT" \
    VERIFYD_CODE_SECRET=${VERIFYD_CODE_SECRET:-local-stack-secret-0123456789} \
    VERIFYD_EMAIL="smtp://127.0.0.1:$SMTP_PORT" VERIFYD_SMTP_STARTTLS=off VERIFYD_EMAIL_FROM="Fresns <noreply@example.com>" \
    VERIFYD_SMS=${VERIFYD_SMS:-log} VERIFYD_TRUSTED_PROXIES=127.0.0.1/32 \
    VERIFYD_IP_RATE_LIMITS=${VERIFYD_IP_RATE_LIMITS:-20/600,100/86400} \
    VERIFYD_INTERNAL_TOKEN=${VERIFYD_INTERNAL_TOKEN:-local-stack-internal-token} \
    VERIFYD_DELIVERY_CLAIM_IDLE=${VERIFYD_DELIVERY_CLAIM_IDLE:-5s} \
    "$BIN" serve >"$STACK_DIR/verifyd-$((i + 1)).out" 2>"$STACK_DIR/verifyd-$((i + 1)).log" &
  pids+=($!)
done

sed -e "s/listen 8080;/listen 127.0.0.1:$LB_PORT;/" \
    -e "s/server verifyd-1:8080/server 127.0.0.1:${PORTS[0]}/" \
    -e "s/server verifyd-2:8080/server 127.0.0.1:${PORTS[1]}/" \
    -e "s/server verifyd-3:8080/server 127.0.0.1:${PORTS[2]}/" \
    -e "s/worker_processes auto;/worker_processes 1;/" \
    docker/nginx.conf >"$STACK_DIR/nginx.conf"
nginx -p "$STACK_DIR" -c "$STACK_DIR/nginx.conf" -g 'daemon off;' >"$STACK_DIR/nginx.log" 2>&1 &
NGINX_PID=$!

cat >"$STACK_DIR/stack.env" <<ENV
LB_PORT=$LB_PORT
REDIS_PORT=$REDIS_PORT
SMTP_PORT=$SMTP_PORT
VERIFYD_PORTS="${PORTS[*]}"
VERIFYD_PIDS="${pids[*]}"
SINK_PID=$SINK_PID
NGINX_PID=$NGINX_PID
ENV

for port in "${PORTS[@]}"; do
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.1; done
done
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$LB_PORT/health/live" >/dev/null && break; sleep 0.1; done
cat <<MSG
stack up: http://127.0.0.1:$LB_PORT  (3 instances on ${PORTS[*]}, Redis: redis-cli -p $REDIS_PORT, mail in $STACK_DIR/mail)
  curl -s http://127.0.0.1:$LB_PORT/api/v2/common/send-verify-code -H 'Content-Type: application/json' \\
    -d '{"type":"email","useType":5,"templateId":1,"account":"you@example.com"}'
stop with: make stack-down
MSG
