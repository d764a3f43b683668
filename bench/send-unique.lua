-- wrk: send-verify-code with useType 5 and a unique email target per request (the accepted path).
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() + id)
  prefix = string.format("b%d-%d-%d", os.time(), id, math.random(1, 1000000))
end

function request()
  counter = counter + 1
  local body = string.format('{"type":"email","useType":5,"templateId":1,"account":"%s-%d@bench.example.com"}', prefix, counter)
  return wrk.format("POST", "/api/v2/common/send-verify-code", {["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"code":0,', 1, true) then
    errors_seen = (errors_seen or 0) + 1
  end
end
