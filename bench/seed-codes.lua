-- Setup of scenario 5 (not measured): unique SMS sends whose codes the log driver then writes out. bench.py runs
-- it in short rounds (BENCH_ROUND 0, 1, …) until enough codes are queued; numbers are 139, the thread, two digits
-- of the round, then the request's count, so no round repeats another's.
dofile("bench/tally.lua")
local counter = 0

function init(args)
  base = 13900000000 + id * 10000000 + tonumber(os.getenv("BENCH_ROUND") or "0") * 100000
end

function request()
  counter = counter + 1
  local body = string.format('{"type":"sms","useType":5,"templateId":1,"countryCode":86,"account":"%d"}', base + counter % 100000)
  return wrk.format("POST", "/api/v2/common/send-verify-code", {["Content-Type"] = "application/json"}, body)
end
