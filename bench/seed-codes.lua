-- Setup of scenario 5 (not measured): unique SMS sends whose codes the log driver then writes out.
dofile("bench/tally.lua")
local counter = 0

function init(args)
  math.randomseed(os.time() + id)
  base = 13900000000 + id * 10000000 + math.random(0, 9) * 1000000
end

function request()
  counter = counter + 1
  local body = string.format('{"type":"sms","useType":5,"templateId":1,"countryCode":86,"account":"%d"}', base + counter)
  return wrk.format("POST", "/api/v2/common/send-verify-code", {["Content-Type"] = "application/json"}, body)
end
