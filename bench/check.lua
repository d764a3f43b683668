-- Scenario 5: POST /internal/v1/check-verify-code with the codes bench.py issued and collected beforehand
-- (BENCH_CODES: one "countryCode phoneNumber code" line each). Each thread takes its own share of the codes and
-- checks each one twice: first with a wrong code (33203, one attempt counted), then with the right one (0, the
-- code is used up). So the answers are half and half until the list runs out; then it starts over, and used codes
-- answer 33203 (a missing code, a cheaper path), which shows in the answers.
dofile("bench/tally.lua")
local token = os.getenv("BENCH_TOKEN")
local counter = 0

function init(args)
  local threads_total = tonumber(os.getenv("BENCH_THREADS") or "2")
  codes = {}
  local n = 0
  for line in io.lines(os.getenv("BENCH_CODES")) do
    if n % threads_total == id then table.insert(codes, line) end
    n = n + 1
  end
end

function request()
  counter = counter + 1
  local cc, number, code = string.match(codes[math.floor((counter - 1) / 2) % #codes + 1], "(%d+) (%d+) (%d+)")
  if counter % 2 == 1 then
    local last = (tonumber(string.sub(code, -1)) + 1) % 10
    code = string.sub(code, 1, -2) .. last
  end
  local body = string.format('{"type":"sms","countryCode":%s,"account":"%s","templateId":1,"verifyCode":"%s"}', cc, number, code)
  return wrk.format("POST", "/internal/v1/check-verify-code",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end
