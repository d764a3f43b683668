-- Scenarios 4 and 4ip: send-verify-code, useType 2 (the address must belong to an account) against the mirror of
-- BENCH_ACCOUNTS accounts written by bench.py: nine in ten requests name a mirrored account, one in ten an
-- unknown address (34301). In 4ip each request also comes from its own client address (bench/clients.lua), with
-- the per-IP budget and the lookup budget (every useType 2 request reaches the owner check) on.
dofile("bench/tally.lua")
dofile("bench/clients.lua")
local accounts = tonumber(os.getenv("BENCH_ACCOUNTS") or "1000000")
local counter = 0

function init(args)
  math.randomseed(os.time() * 7 + id)
end

function request()
  counter = counter + 1
  local account
  if counter % 10 == 0 then
    account = string.format("nobody-%d-%d@mirror.example.com", id, counter)
  else
    account = string.format("user%d@mirror.example.com", math.random(1, accounts))
  end
  local body = string.format('{"type":"email","useType":2,"templateId":2,"account":"%s"}', account)
  return wrk.format("POST", "/api/v2/common/send-verify-code", send_headers(), body)
end
