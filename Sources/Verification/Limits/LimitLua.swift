import RedisClient

/// The two ways a limit counts, as Lua functions that the send and check scripts share: each rule is written once.
///
/// A limit is a list of `{count, windowMs}` pairs. `now` and stamps are Redis times in milliseconds.
///
/// **Exact log** (a target's sends, a mailbox's sends, a target's wrong checks: small counts). A Redis list of the
/// times of the last `max(count)` events, newest first, plus one spare so that removing one event restores the log
/// exactly. An event is refused when, for some pair, the `count`-th newest event is younger than `windowMs`: no
/// rolling window ever holds more than `count` events.
///
/// **Window counter** (per client IP, per country: large counts, many keys). One string per budget holding, per
/// pair, the index of the current fixed window of `windowMs` and the counts of that window and the one before:
/// `<window index>:<current>:<previous>`, comma-separated, in the order of the pairs (about 190 bytes of Redis per
/// key). The count of the rolling window ending now is estimated as `previous × (unelapsed share of the current
/// window) + current`, and an event is refused when the estimate would pass `count`. Any fixed window holds at most
/// `count` events; a rolling window holds at most `count` when events are spread evenly, and at most `2 × count` in
/// the worst case (all of the previous window's events at its very end). Changing a budget's windows restarts its
/// counts. A counter read for a refusal is kept for the same script's write, so an admitted event costs one `GET`
/// and one `SET`.
///
/// **Lock** (a target locked by its wrong checks): a key whose TTL is the time left; read only.
enum LimitLua {
    static let functions = """
        local function pairsOf(limit)
          local count, window = 0, 0
          for _, pair in ipairs(limit) do
            if pair[1] > count then count = pair[1] end
            if pair[2] > window then window = pair[2] end
          end
          return count, window
        end
        local function logRetry(key, limit, now, length)
          local retry = 0
          for _, pair in ipairs(limit) do
            local nth = (not length or pair[1] <= length) and tonumber(redis.call('LINDEX', key, pair[1] - 1))
            if nth and now - nth < pair[2] and nth + pair[2] - now > retry then retry = nth + pair[2] - now end
          end
          return retry
        end
        local function logAdd(key, limit, now)
          local count, window = pairsOf(limit)
          local length = redis.call('LPUSH', key, now)
          if length > count + 1 then redis.call('LTRIM', key, 0, count) end
          redis.call('PEXPIRE', key, window)
          return length
        end
        local function logRemove(key, limit, stamp)
          redis.call('LREM', key, 1, stamp)
        end
        local function counterStored(key)
          local stored = {}
          local raw = redis.call('GET', key)
          if raw then
            for index, current, previous in string.gmatch(raw, '(%d+):(%d+):(%d+)') do
              stored[#stored + 1] = {tonumber(index), tonumber(current), tonumber(previous)}
            end
          end
          return stored
        end
        local function counterState(key, limit, at)
          local stored, state = counterStored(key), {}
          for i, pair in ipairs(limit) do
            local index = math.floor(at / pair[2])
            local s = stored[i]
            if s and s[1] == index then state[i] = {index, s[2], s[3]}
            elseif s and s[1] == index - 1 then state[i] = {index, 0, s[2]}
            else state[i] = {index, 0, 0} end
          end
          return state
        end
        local counted = {}
        local function counterRetry(key, limit, now)
          local state, retry = counterState(key, limit, now), 0
          counted[key] = state
          for i, pair in ipairs(limit) do
            local count, window = pair[1], pair[2]
            local index, current, previous = state[i][1], state[i][2], state[i][3]
            local elapsed = now - index * window
            local wait = 0
            if current >= count then
              wait = (window - elapsed) + math.ceil(window * (current - count + 1) / current)
            elseif previous * (window - elapsed) / window + current > count - 1 then
              wait = math.ceil(window - elapsed - window * (count - 1 - current) / previous)
            end
            if wait > retry then retry = math.max(wait, 1) end
          end
          return retry
        end
        local function counterWrite(key, state, limit, keepTTL)
          local parts = {}
          for i = 1, #limit do parts[i] = state[i][1] .. ':' .. state[i][2] .. ':' .. state[i][3] end
          local _, window = pairsOf(limit)
          if keepTTL then redis.call('SET', key, table.concat(parts, ','), 'KEEPTTL')
          else redis.call('SET', key, table.concat(parts, ','), 'PX', 2 * window) end
        end
        local function counterAdd(key, limit, now)
          local state = counted[key] or counterState(key, limit, now)
          counted[key] = nil
          for i = 1, #limit do state[i][2] = state[i][2] + 1 end
          counterWrite(key, state, limit, false)
        end
        local function counterRemove(key, limit, stamp)
          local stored = counterStored(key)
          if #stored ~= #limit then return end
          for i, pair in ipairs(limit) do
            local index, s = math.floor(stamp / pair[2]), stored[i]
            if s[1] == index and s[2] > 0 then s[2] = s[2] - 1
            elseif s[1] == index + 1 and s[3] > 0 then s[3] = s[3] - 1 end
          end
          counterWrite(key, stored, limit, true)
        end
        local function lockRetry(key)
          local ttl = redis.call('PTTL', key)
          if ttl > 0 then return ttl end
          return 0
        end
        local function none() end
        local stores = {
          log = {retry = logRetry, add = logAdd, remove = logRemove},
          counter = {retry = counterRetry, add = counterAdd, remove = counterRemove},
          lock = {retry = lockRetry, add = none, remove = none},
        }
        local function readLimit(at)
          local n = tonumber(ARGV[at])
          local limit = {}
          for i = 1, n do limit[i] = {tonumber(ARGV[at + 2 * i - 1]), tonumber(ARGV[at + 2 * i])} end
          return limit, at + 1 + 2 * n
        end

        """

    /// A limit's pairs as script arguments (read by `readLimit`): their count, then each pair's count and window in
    /// milliseconds.
    static func arguments(_ pairs: [RateLimit]) -> [RedisArgument] {
        [.integer(Int64(pairs.count))]
            + pairs.flatMap { [.integer(Int64($0.count)), .integer(Int64($0.window) * 1000)] }
    }
}
