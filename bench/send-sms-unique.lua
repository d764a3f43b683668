-- Scenario 6: send-verify-code by SMS, useType 5, a unique phone number per request (the accepted path), run with
-- the IP and the country-code budgets on: on a Redis Cluster both are reserved, at the same time, before the
-- target's script. The country code cycles through 1-999, so that a country limit (at most 1000 per window)
-- does not refuse at wrk's rate. Numbers: 7, the run's start time (5 digits), the thread, the request's count,
-- so that no run (nor bench.py's short round-trip run after it) sends to a number of another.
dofile("bench/tally.lua")
dofile("bench/clients.lua")
local counter = 0

function init(args)
  prefix = string.format("7%05d%d", os.time() % 100000, id)
end

function request()
  counter = counter + 1
  local body = string.format('{"type":"sms","useType":5,"templateId":1,"countryCode":%d,"account":"%s%07d"}',
    1 + counter % 999, prefix, counter % 10000000)
  return wrk.format("POST", "/api/v2/common/send-verify-code", send_headers(), body)
end
