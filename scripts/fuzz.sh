#!/usr/bin/env bash
# `make fuzz`: schemathesis generates requests from Sources/VerifydHTTP/openapi.yaml against a real verifyd and Redis.
# Fails on any 5xx other than the documented 503 (there is no Redis outage here, so on any 5xx), on
# responses that do not match the document, and on crashes.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh python3 py:schemathesis
swift build --product verifyd >/dev/null
bin=$(swift build --show-bin-path)/verifyd
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rport=$(free_port); hport=$(free_port)
state=$(mktemp -d /tmp/verifyd-fuzz-XXXX)
redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no --dir "$state" --daemonize yes --logfile "$state/redis.log"
cleanup() { kill "$vpid" 2>/dev/null || true; redis-cli -p "$rport" shutdown nosave >/dev/null 2>&1 || true; rm -rf "$state"; }
trap cleanup EXIT
trap "exit 130" INT TERM
for _ in $(seq 50); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done
VERIFYD_CODE_SECRET=fuzz-secret-0123456789 VERIFYD_EMAIL=log VERIFYD_SMS=log VERIFYD_PORT=$hport \
  VERIFYD_REDIS_URL="redis://127.0.0.1:$rport" VERIFYD_INTERNAL_TOKEN=fuzz-internal-token-0123 VERIFYD_IP_RATE_LIMITS=off \
  VERIFYD_LOG_LEVEL=error "$bin" serve >/dev/null 2>"$state/verifyd.err" &
vpid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$hport/health/ready" >/dev/null && break; sleep 0.1; done
status=0
schemathesis run Sources/VerifydHTTP/openapi.yaml --url "http://127.0.0.1:$hport" -H "Authorization: Bearer fuzz-internal-token-0123" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples "${FUZZ_EXAMPLES:-100}" --no-color || status=$?
kill -0 "$vpid" 2>/dev/null || { echo "verifyd crashed"; cat "$state/verifyd.err"; exit 1; }
exit $status
