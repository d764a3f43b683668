-- Scenario 5: POST /internal/v1/check-verify-code with the codes bench.py issued and collected beforehand
-- (BENCH_CODES: one "countryCode phoneNumber code" line each). Each thread takes its own share of the codes;
-- every second request submits the right code (0), the others a wrong one (33203). Each code is checked once
-- until the list runs out; then the list starts over (already-used codes answer 33203).
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
  local cc, number, code = string.match(codes[(counter - 1) % #codes + 1], "(%d+) (%d+) (%d+)")
  if counter % 2 == 0 then
    local last = (tonumber(string.sub(code, -1)) + 1) % 10
    code = string.sub(code, 1, -2) .. last
  end
  local body = string.format('{"type":"sms","countryCode":%s,"account":"%s","templateId":1,"verifyCode":"%s"}', cc, number, code)
  return wrk.format("POST", "/internal/v1/check-verify-code",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end
