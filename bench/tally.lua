-- Shared by every bench scenario: counts answers by HTTP status and envelope code (the X-Verifyd-Code header)
-- in each wrk thread, and prints the total as one `ANSWERS {...}` JSON line when the run is done.
threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

answers = {}

function response(status, headers, body)
  local code = "-"
  for name, value in pairs(headers) do
    if string.lower(name) == "x-verifyd-code" then code = value end
  end
  local key = status .. ":" .. code
  answers[key] = (answers[key] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for key, count in pairs(thread:get("answers")) do total[key] = (total[key] or 0) + count end
  end
  local parts = {}
  for key, count in pairs(total) do table.insert(parts, string.format('"%s":%d', key, count)) end
  io.write("ANSWERS {" .. table.concat(parts, ",") .. "}\n")
end
