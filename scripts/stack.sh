#!/usr/bin/env bash
# `make stack` / `make stack-down`: the docker-compose topology with local processes on loopback —
# redis-server (AOF), three `verifyd serve` instances, nginx with docker/nginx.conf (ports rewritten) and an
# SMTP sink. With CLUSTER=1 (`make stack CLUSTER=1`), the compose file's `cluster` profile instead of the one Redis:
# six cluster-enabled redis-servers (docker/redis-cluster.conf, AOF on), three primaries with a replica each, formed
# by docker/redis-cluster-init.sh, and the instances get the first three as `redis+cluster://` seeds.
# State lives in $STACK_DIR (default .run/stack); `stack.env` there lists every port and pid, and `down` stops the
# stack it describes, whichever mode started it.
set -euo pipefail
cd "$(dirname "$0")/.."
STACK_DIR=${STACK_DIR:-$PWD/.run/stack}
CLUSTER=${CLUSTER:-}
action=${1:-up}

# In a subshell, so that the variables of stack.env do not leak into `up`.
down() (
  [ -f "$STACK_DIR/stack.env" ] || return 0
  # shellcheck disable=SC1091
  . "$STACK_DIR/stack.env"
  for pid in ${VERIFYD_PIDS:-} ${NGINX_PID:-}; do kill "$pid" 2>/dev/null || true; done
  # A test sink; nothing to flush. Never `kill 0`, the whole process group, when stack.env has no SINK_PID (a
  # cluster stack that failed to form).
  if [ -n "${SINK_PID:-}" ]; then kill -9 "$SINK_PID" 2>/dev/null || true; fi
  redis-cli -p "${REDIS_PORT:-0}" shutdown nosave >/dev/null 2>&1 || true
  for port in ${REDIS_CLUSTER_PORTS:-}; do redis-cli -p "$port" shutdown nosave now >/dev/null 2>&1 || true; done
  for pid in ${REDIS_CLUSTER_PIDS:-}; do  # a node that did not answer SHUTDOWN
    case $pid in '' | 0 | *[!0-9]*) continue ;; esac  # never `kill 0`
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -f "$STACK_DIR/stack.env"
  echo "stack stopped"
)

if [ "$action" = down ]; then down; exit 0; fi

scripts/install-deps.sh nginx python3 py:aiosmtpd
# The interpreter itself, not a version-manager shim, so the pid we keep is the one to stop.
PY=$(python3 -c "import sys; print(sys.executable)")
down
if [ "$CLUSTER" = 1 ]; then
  rm -rf "$STACK_DIR/redis-cluster"  # each cluster stack starts empty: the ports, and so nodes.conf, change
  mkdir -p "$STACK_DIR/tmp" "$STACK_DIR/redis-cluster" "$STACK_DIR/mail"
else
  mkdir -p "$STACK_DIR/tmp" "$STACK_DIR/redis" "$STACK_DIR/mail"
fi
BIN=${VERIFYD_BINARY:-}
if [ -z "$BIN" ]; then
  swift build --product verifyd >/dev/null
  BIN=$(swift build --show-bin-path)/verifyd
fi
# All the stack's ports at once (up to 17): outside the kernel's range of local ports, and distinct
# (scripts/ports.py). The load balancer takes the last unless STACK_PORT names its own.
read -r -a ports <<<"$(python3 scripts/ports.py 17 | tr '\n' ' ')"
LB_PORT=${STACK_PORT:-${ports[16]}}

if [ "$CLUSTER" = 1 ]; then
  # The SMTP sink, the three instances, six nodes and their cluster bus ports (`cluster-port`; port + 10000, the
  # default, may be past 65535 or taken).
  SMTP_PORT=${ports[0]}
  PORTS=("${ports[@]:1:3}")
  NODE_PORTS=("${ports[@]:4:6}")
  BUS_PORTS=("${ports[@]:10:6}")
  node_pids=()
  for i in 0 1 2 3 4 5; do
    dir="$STACK_DIR/redis-cluster/node-$((i + 1))"
    mkdir -p "$dir"
    redis-server "$PWD/docker/redis-cluster.conf" --port "${NODE_PORTS[$i]}" --cluster-port "${BUS_PORTS[$i]}" \
      --bind 127.0.0.1 --appendfsync always --save "" --dir "$dir" --logfile "$dir/redis.log" \
      --pidfile "$dir/redis.pid" --daemonize yes || true  # a node that did not start fails the forming below
  done
  for i in 0 1 2 3 4 5; do
    pidfile="$STACK_DIR/redis-cluster/node-$((i + 1))/redis.pid"
    for _ in $(seq 50); do [ -s "$pidfile" ] && break; sleep 0.1; done
    if [ -s "$pidfile" ]; then node_pids+=("$(cat "$pidfile")"); fi
  done
  REDIS_URL="redis+cluster://127.0.0.1:${NODE_PORTS[0]},127.0.0.1:${NODE_PORTS[1]},127.0.0.1:${NODE_PORTS[2]}"
  redis_env="REDIS_URL=$REDIS_URL
REDIS_CLUSTER_PORTS=\"${NODE_PORTS[*]}\"
REDIS_CLUSTER_BUS_PORTS=\"${BUS_PORTS[*]}\"
REDIS_CLUSTER_PIDS=\"${node_pids[*]}\""
  # Already now, so that `make stack-down` finds the nodes if forming the cluster fails.
  printf '%s\n' "$redis_env" >"$STACK_DIR/stack.env"
  for port in "${NODE_PORTS[@]}"; do
    for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  done
  seeds=()
  for port in "${NODE_PORTS[@]}"; do seeds+=("127.0.0.1:$port"); done
  if ! REDIS_CLUSTER_WAIT_SECONDS=30 docker/redis-cluster-init.sh "${seeds[@]}" >"$STACK_DIR/redis-cluster/init.log" 2>&1
  then
    cat "$STACK_DIR/redis-cluster/init.log" >&2
    echo "the Redis Cluster did not form; node logs in $STACK_DIR/redis-cluster/node-N/redis.log" >&2
    down >&2
    exit 1
  fi
  tail -n 1 "$STACK_DIR/redis-cluster/init.log" | sed 's/\x1b\[[0-9;]*m//g'  # redis-cli's colours
else
  REDIS_PORT=${ports[0]}; SMTP_PORT=${ports[1]}
  PORTS=("${ports[@]:2:3}")

  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --appendonly yes --appendfsync always --save "" \
    --dir "$STACK_DIR/redis" --logfile "$STACK_DIR/redis/redis.log" --daemonize yes
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
  redis_env="REDIS_PORT=$REDIS_PORT"
fi

"$PY" Tests/sinks/smtp_sink.py --port "$SMTP_PORT" --dir "$STACK_DIR/mail" >"$STACK_DIR/mail/sink.log" 2>&1 &
SINK_PID=$!

# As in docker/compose.yaml, the instances believe X-Forwarded-For only from nginx's address, and nginx sets that header
# to the address it saw. On loopback nginx's address is 127.0.0.1, which is every local client's too: a request sent
# to an instance's own port with a forged X-Forwarded-For is believed. Through nginx's port it is not. The SMTP sink
# speaks plaintext, hence VERIFYD_SMTP_STARTTLS=off.
pids=()
for i in 0 1 2; do
  VERIFYD_PORT=${PORTS[$i]} VERIFYD_REDIS_URL="$REDIS_URL" \
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
$redis_env
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
if [ "$CLUSTER" = 1 ]; then
  redis_hint="Redis Cluster: redis-cli -c -p ${NODE_PORTS[0]}, 6 nodes on ${NODE_PORTS[*]}"
else
  redis_hint="Redis: redis-cli -p $REDIS_PORT"
fi
cat <<MSG
stack up: http://127.0.0.1:$LB_PORT  (3 instances on ${PORTS[*]}, $redis_hint, mail in $STACK_DIR/mail)
  curl -s http://127.0.0.1:$LB_PORT/api/v2/common/send-verify-code -H 'Content-Type: application/json' \\
    -d '{"type":"email","useType":5,"templateId":1,"account":"you@example.com"}'
stop with: make stack-down
MSG
if [ "$CLUSTER" = 1 ]; then
  echo "queued and delivered codes: $BIN mirror stats --redis-url $REDIS_URL"
fi
