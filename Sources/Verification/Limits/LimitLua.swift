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
/// counts. `retryOf` answers a counter's state with its wait, and `addTo` writes that state, so an admitted event
/// costs one `GET` and one `SET`; up to two pairs are read with one `string.match` and written with one
/// `string.format`.
///
/// **Lock** (a target locked by its wrong checks): a key whose TTL is the time left; read only.
///
/// **The catalog.** A script is built with its deployment's rules compiled in (`functions(for:)`, which leaves out the
/// counter's functions when no rule is a counter: every function a script defines costs each call a closure).
/// `limitOf(name)` answers a rule as one flat list `{store, counts, key TTL ms as text, longest count, count1,
/// window1, count2, window2, …}`, or nil. A call then names its limits: Lua reads each number of an argument with
/// `strtod` (1,000–2,000 instructions each) and writes each number it passes to Redis with `printf`, while a constant
/// in the script costs neither. A counter's state is a flat list of triples (no table per pair, since every call
/// builds them again). Times go to Redis as the text of `clock()`, never as a number.
enum LimitLua {
    /// The functions and the catalog of `rules`, for the top of a script: `clock()`, `retryOf(limit, key, now)`
    /// (the wait in ms, 0 when the event may happen; and, for a counter, its state), `addTo(limit, key, now, stamp,
    /// state)`, `removeFrom(limit, key, stamp)`, `logRetry`, `logAdd`, `lockRetry` and `limitOf(name)`.
    static func functions(for rules: [LimitRule]) -> String {
        let counters = rules.contains { $0.store == .counter }
        return base + (counters ? counter : "") + dispatch(counters: counters) + catalog(rules)
    }

    private static let base = """
        local function clock()
          local t = redis.call('TIME')
          local micros = t[2]
          local stamp = t[1] .. string.sub(string.rep('0', 6 - #micros) .. micros, 1, 3)
          return tonumber(stamp), stamp
        end
        local function logRetry(key, limit, now, length)
          length = length or redis.call('LLEN', key)
          local retry = 0
          for j = 5, #limit, 2 do
            local count, window = limit[j], limit[j + 1]
            local nth = count <= length and tonumber(redis.call('LINDEX', key, count - 1))
            if nth and now - nth < window and nth + window - now > retry then retry = nth + window - now end
          end
          return retry
        end
        local function logAdd(key, limit, stamp)
          local length = redis.call('LPUSH', key, stamp)
          if length > limit[4] + 1 then redis.call('LTRIM', key, 0, limit[4]) end
          redis.call('PEXPIRE', key, limit[3])
          return length
        end
        local function lockRetry(key)
          local ttl = redis.call('PTTL', key)
          if ttl > 0 then return ttl end
          return 0
        end

        """

    /// The window counter: its stored text read (`counterStored`, as strings) and written, its state at a time (a
    /// flat list of triples: window index, current count, previous count), its wait, an event added and removed.
    private static let counter = """
        local function counterStored(key, n)
          local raw = redis.call('GET', key)
          if not raw then return nil end
          if n == 1 then return {string.match(raw, '^(%d+):(%d+):(%d+)')} end
          if n == 2 then return {string.match(raw, '^(%d+):(%d+):(%d+),(%d+):(%d+):(%d+)')} end
          local stored = {}
          for index, current, previous in string.gmatch(raw, '(%d+):(%d+):(%d+)') do
            stored[#stored + 1], stored[#stored + 2], stored[#stored + 3] = index, current, previous
          end
          return stored
        end
        local function counterState(key, limit, at)
          local stored, state = counterStored(key, (#limit - 4) / 2), {}
          for j = 5, #limit, 2 do
            local s = 3 * (j - 5) / 2
            local index = math.floor(at / limit[j + 1])
            local current, previous, was = 0, 0, stored and tonumber(stored[s + 1])
            if was == index then current, previous = tonumber(stored[s + 2]), tonumber(stored[s + 3])
            elseif was == index - 1 then previous = tonumber(stored[s + 2]) end
            state[s + 1], state[s + 2], state[s + 3] = index, current, previous
          end
          return state
        end
        local function counterWrite(key, state, limit, keepTTL)
          local n, value = #state / 3
          if n == 1 then value = string.format('%d:%d:%d', unpack(state))
          elseif n == 2 then value = string.format('%d:%d:%d,%d:%d:%d', unpack(state))
          else
            local parts = {}
            for i = 1, n do parts[i] = string.format('%d:%d:%d', state[3 * i - 2], state[3 * i - 1], state[3 * i]) end
            value = table.concat(parts, ',')
          end
          if keepTTL then redis.call('SET', key, value, 'KEEPTTL')
          else redis.call('SET', key, value, 'PX', limit[3]) end
        end
        local function counterRetry(key, limit, now)
          local state, retry = counterState(key, limit, now), 0
          for j = 5, #limit, 2 do
            local count, window, s = limit[j], limit[j + 1], 3 * (j - 5) / 2
            local index, current, previous = state[s + 1], state[s + 2], state[s + 3]
            local elapsed = now - index * window
            local wait = 0
            if current >= count then
              wait = (window - elapsed) + math.ceil(window * (current - count + 1) / current)
            elseif previous * (window - elapsed) / window + current > count - 1 then
              wait = math.ceil(window - elapsed - window * (count - 1 - current) / previous)
            end
            if wait > retry then retry = math.max(wait, 1) end
          end
          return retry, state
        end
        local function counterAdd(key, limit, now, state)
          state = state or counterState(key, limit, now)
          for s = 2, #state, 3 do state[s] = state[s] + 1 end
          counterWrite(key, state, limit, false)
        end
        local function counterRemove(key, limit, stamp)
          local at, n = tonumber(stamp), (#limit - 4) / 2
          local stored = counterStored(key, n)
          if not stored or #stored ~= 3 * n then return end
          for i = 1, #stored do stored[i] = tonumber(stored[i]) end
          for j = 5, #limit, 2 do
            local s = 3 * (j - 5) / 2
            local index = math.floor(at / limit[j + 1])
            if stored[s + 1] == index and stored[s + 2] > 0 then stored[s + 2] = stored[s + 2] - 1
            elseif stored[s + 1] == index + 1 and stored[s + 3] > 0 then stored[s + 3] = stored[s + 3] - 1 end
          end
          counterWrite(key, stored, limit, true)
        end

        """

    /// `retryOf`, `addTo` and `removeFrom`, each choosing by the limit's store; a lock is read only (`PTTL`).
    private static func dispatch(counters: Bool) -> String {
        """
        local function retryOf(limit, key, now)
          local store = limit[1]
          if store == 'log' then return logRetry(key, limit, now) end
        \(counters ? "  if store == 'counter' then return counterRetry(key, limit, now) end\n" : "")\
          return lockRetry(key)
        end
        local function addTo(limit, key, now, stamp, state)
          if limit[1] == 'log' then logAdd(key, limit, stamp) end
        \(counters ? "  if limit[1] == 'counter' then counterAdd(key, limit, now, state) end\n" : "")\
        end
        local function removeFrom(limit, key, stamp)
          if limit[1] == 'log' then redis.call('LREM', key, 1, stamp) end
        \(counters ? "  if limit[1] == 'counter' then counterRemove(key, limit, stamp) end\n" : "")\
        end

        """
    }

    /// `limitOf(name)` in Lua: each rule's flat list (see the type's notes), built from constants when asked for;
    /// nil for a name without a rule.
    private static func catalog(_ rules: [LimitRule]) -> String {
        var lua = "local function limitOf(name)\n"
        for rule in rules {
            let longest = rule.pairs.map(\.count).max() ?? 0
            var fields = ["'\(rule.store.rawValue)'", "'\(rule.counts.rawValue)'", "'\(rule.keyTTLMs)'", "\(longest)"]
            for pair in rule.pairs { fields += ["\(pair.count)", "\(Int64(pair.window) * 1000)"] }
            lua += "  if name == '\(rule.name)' then return {\(fields.joined(separator: ", "))} end\n"
        }
        return lua + "end\n"
    }
}
