#!/usr/bin/env bash
# `make run`: a throw-away redis-server on a free loopback port, then `verifyd serve` in dev mode with the
# `log` driver (codes are printed on standard output). Ctrl-C stops both. With VERIFYD_EMAIL=smtp://… pointing at a
# local plaintext relay (Tests/sinks/smtp_sink.py, mailpit), also set VERIFYD_SMTP_STARTTLS=off: STARTTLS is required
# by default.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build --product verifyd
port=${VERIFYD_PORT:-8080}
redis_port=${REDIS_PORT:-$(python3 scripts/ports.py 1)}
state=$(mktemp -d /tmp/verifyd-dev-XXXX)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$state" \
  --logfile "$state/redis.log" --daemonize yes --pidfile "$state/redis.pid"
trap 'kill "$(cat "$state/redis.pid")" 2>/dev/null; rm -rf "$state"' EXIT
trap "exit 130" INT TERM
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
cat <<MSG

  verifyd on http://127.0.0.1:$port   (Redis: redis-cli -p $redis_port)
  try:
    curl -s http://127.0.0.1:$port/api/v2/common/send-verify-code -H 'Content-Type: application/json' \\
      -d '{"type":"email","useType":5,"templateId":1,"account":"you@example.com"}'
  codes are printed below as JSON lines (log driver); Ctrl-C stops.

MSG
VERIFYD_DEV=1 VERIFYD_EMAIL=${VERIFYD_EMAIL:-log} VERIFYD_SMS=${VERIFYD_SMS:-log} VERIFYD_PORT=$port \
  VERIFYD_REDIS_URL="redis://127.0.0.1:$redis_port" .build/debug/verifyd serve
