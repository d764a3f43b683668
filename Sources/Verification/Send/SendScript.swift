import RedisClient

/// The atomic admission of a send: budgets, the address owner rule, the target's limits, then the code and its
/// delivery record, all against Redis time. Each rule lives here once; `SendAdmission` decides which part runs
/// where (everything in one call when Redis allows it, else budgets first and the target second).
///
/// KEYS: the B budget logs, then the T target logs, then the owner key when an owner rule is given, then the code
/// hash and the outbox stream when a code is given.
/// ARGV: 1 B, 2 T, 3 owner rule (`free`, `taken` or empty), 4 `bound` when the account's own address slot is
/// already filled (useType 3) or empty, 5 `1` when a code is given; then per log its limit count n and n pairs
/// (count, window ms); then, with a code: the code's hash, its TTL in ms, and the outbox field/value pairs.
///
/// Checks in this order, writing nothing until all passed: budgets (client IP, country code), owner rule,
/// `bound`, target limits. Replies `{0, entryId, now}` when admitted (entryId empty without a code), `{1,
/// retryAfterMs, logIndex}` when a limit refuses (1-based, budgets first), `{2}` when the address must be free and
/// is taken, `{3}` when it must be taken and is not, `{4}` when `bound`.
///
/// Each log keeps the Redis times of the last `max(count)` admitted sends, newest first, plus one more so that a
/// released reservation leaves the log exactly as it was. A send is refused when, for some limit (N, W) of some
/// log, the N-th newest send is younger than W: so no rolling window of W ever holds more than N admitted sends.
enum SendScript {
    static let admit = RedisScript(
        """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local budgets, targets = tonumber(ARGV[1]), tonumber(ARGV[2])
        local rule, bound, withCode = ARGV[3], ARGV[4], ARGV[5] == '1'
        local logs = budgets + targets
        local at = 6
        local plan = {}
        local function limited(first, last)
          local retry, blocker = 0, 0
          for l = first, last do
            local n = tonumber(ARGV[at])
            at = at + 1
            local maxCount, maxWindow = 0, 0
            for i = 1, n do
              local count, window = tonumber(ARGV[at]), tonumber(ARGV[at + 1])
              at = at + 2
              if count > maxCount then maxCount = count end
              if window > maxWindow then maxWindow = window end
              local nth = tonumber(redis.call('LINDEX', KEYS[l], count - 1))
              if nth and now - nth < window and nth + window - now > retry then
                retry, blocker = nth + window - now, l
              end
            end
            plan[l] = {maxCount, maxWindow}
          end
          if retry > 0 then return {1, retry, blocker} end
        end
        local refused = limited(1, budgets)
        if refused then return refused end
        local next = logs + 1
        if rule ~= '' then
          local taken = redis.call('EXISTS', KEYS[next]) == 1
          next = next + 1
          if rule == 'free' and taken then return {2} end
          if rule == 'taken' and not taken then return {3} end
        end
        if bound == 'bound' then return {4} end
        refused = limited(budgets + 1, logs)
        if refused then return refused end
        for l = 1, logs do
          redis.call('LPUSH', KEYS[l], now)
          redis.call('LTRIM', KEYS[l], 0, plan[l][1])
          redis.call('PEXPIRE', KEYS[l], plan[l][2])
        end
        if not withCode then return {0, '', now} end
        local code, outbox = KEYS[next], KEYS[next + 1]
        local ttl = tonumber(ARGV[at + 1])
        redis.call('DEL', code)
        redis.call('HSET', code, 'hash', ARGV[at], 'attempts', 0, 'issued', now)
        redis.call('PEXPIRE', code, ttl)
        local fields = {}
        for i = at + 2, #ARGV do fields[#fields + 1] = ARGV[i] end
        fields[#fields + 1] = 'expires'
        fields[#fields + 1] = tostring(now + ttl)
        return {0, redis.call('XADD', outbox, '*', unpack(fields)), now}
        """)

    /// Takes back what an admission wrote: its time in each log (budgets reserved for a send that was then refused)
    /// and, when a code is named, the code (while it is still this one) and its outbox entry (an admission whose
    /// replicas did not confirm it in time).
    /// KEYS: the logs, then the code hash and the outbox stream when a code is named. ARGV: 1 the number of logs, 2 the
    /// time the admission wrote, then the code's hash and its outbox entry id when a code is named.
    static let withdraw = RedisScript(
        """
        local logs = tonumber(ARGV[1])
        for l = 1, logs do redis.call('LREM', KEYS[l], 1, ARGV[2]) end
        if #KEYS > logs then
          if redis.call('HGET', KEYS[logs + 1], 'hash') == ARGV[3] then redis.call('DEL', KEYS[logs + 1]) end
          redis.call('XDEL', KEYS[logs + 2], ARGV[4])
        end
        return logs
        """)
}
