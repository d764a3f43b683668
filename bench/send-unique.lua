-- Scenarios 2 and 2ip: send-verify-code, useType 5, a unique email target per request (the accepted path); in 2ip
-- each request also comes from its own client address (bench/clients.lua), with the per-IP budget on.
dofile("bench/tally.lua")
dofile("bench/clients.lua")
local counter = 0

function init(args)
  math.randomseed(os.time() + id)
  prefix = string.format("u%d-%d-%d", os.time(), id, math.random(1, 1000000))
end

function request()
  counter = counter + 1
  local body = string.format('{"type":"email","useType":5,"templateId":1,"account":"%s-%d@bench.example.com"}', prefix, counter)
  return wrk.format("POST", "/api/v2/common/send-verify-code", send_headers(), body)
end
