-- Shared by the send scenarios: the request headers. With BENCH_FORWARDED=1 each request comes from a client
-- address of its own, named in X-Forwarded-For (10.0.0.0/8, 4,194,304 per wrk thread before one repeats), to a
-- verifyd that trusts 127.0.0.1 as its proxy: so the per-IP budget runs at its real limits as with many clients
-- behind a load balancer (wrk itself is one IP), and on a Redis Cluster the budgets' keys spread over the nodes.
local forwarded = os.getenv("BENCH_FORWARDED") == "1"
local clients = 0

function send_headers()
  local headers = {["Content-Type"] = "application/json"}
  if forwarded then
    clients = clients + 1
    local n = (id or 0) * 4194304 + clients % 4194304
    headers["X-Forwarded-For"] = string.format("10.%d.%d.%d", math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256)
  end
  return headers
end
