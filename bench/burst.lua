-- wrk: exactly QUOTA accepted sends per thread to unique targets (CHANNEL email or sms), then only health checks.
-- SMS targets are valid Chinese mobile numbers: 13, the clock (3 digits), the thread, the count (5 digits).
local thread_id = 0
function setup(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
end

function init(args)
  quota = tonumber(os.getenv("QUOTA") or "5000")
  channel = os.getenv("CHANNEL") or "email"
  sent = 0
  prefix = string.format("%03d%d", os.time() % 1000, id % 10)
end

function request()
  if sent >= quota then
    return wrk.format("GET", "/health/live")
  end
  sent = sent + 1
  local body
  if channel == "sms" then
    body = string.format('{"type":"sms","useType":5,"templateId":1,"countryCode":86,"account":"13%s%05d"}', prefix, sent)
  else
    body = string.format('{"type":"email","useType":5,"templateId":1,"account":"b%s-%d@bench.example.com"}', prefix, sent)
  end
  return wrk.format("POST", "/api/v2/common/send-verify-code", {["Content-Type"] = "application/json"}, body)
end
