-- Scenarios 3 and 3ip: send-verify-code to a small set of targets, hammered: after each target's first send, every
-- request is refused with 33201 (the rate-limit path); in 3ip each request also comes from its own client address
-- (bench/clients.lua), with the per-IP budget on, so on a cluster each one is reserved, refused, then released.
dofile("bench/tally.lua")
dofile("bench/clients.lua")
local counter = 0
local targets = 16

function init(args)
  prefix = string.format("h%d", os.time())
end

function request()
  counter = counter + 1
  local body = string.format('{"type":"email","useType":5,"templateId":1,"account":"%s-%d-%d@bench.example.com"}', prefix, id, counter % targets)
  return wrk.format("POST", "/api/v2/common/send-verify-code", send_headers(), body)
end
