import RedisClient

/// The atomic admission of a send: budgets, the address owner rule, the target's limits, the outbox's room, then the
/// code and its delivery record, all against Redis time. Each rule lives here once (the counting itself is
/// `LimitLua`'s); `SendAdmission` decides which part runs where (everything in one call when Redis allows it, else
/// the foreign limits first and the target's part second).
///
/// KEYS: the limits' keys (the F foreign ones first: client IP and country budgets, a folded mailbox's log; then the
/// target's own), then the owner key when an owner rule is given, then the code hash and the outbox stream when a
/// code is given.
/// ARGV: 1 F, 2 the number of limits, 3 owner rule (`free`, `taken` or empty), 4 `bound` when the account's own address
/// slot is already filled (useType 3) or empty, 5 `1` when a code is given, 6 the outbox's cap (0: none); then per
/// limit its store (`log`, `counter` or `lock`), what it counts (`send`: admitted sends; `lookup`: requests that reach the
/// owner rule; `check`: read only, a target locked by its wrong checks), its pair count n and n pairs
/// (count, window ms); then, with a code: the code's hash, its TTL in ms, and the outbox field/value pairs.
///
/// Checks in this order, writing nothing until the owner rule is reached: foreign limits; then lookups are counted;
/// owner rule, `bound`, the target's limits, the outbox's room. Replies `{0, entryId, now}` when admitted (entryId
/// empty without a code), `{1, retryAfterMs, limitIndex}` when a limit refuses (1-based), `{2}` when the address must
/// be free and is taken, `{3}` when it must be taken and is not, `{4}` when `bound`, `{5}` when the outbox is full.
enum SendScript {
    static let admit = RedisScript(
        LimitLua.functions + """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local foreign, limitCount = tonumber(ARGV[1]), tonumber(ARGV[2])
            local rule, bound, withCode, cap = ARGV[3], ARGV[4], ARGV[5] == '1', tonumber(ARGV[6])
            local stores, counts, limits, at = {}, {}, {}, 7
            for i = 1, limitCount do
              stores[i], counts[i] = ARGV[at], ARGV[at + 1]
              limits[i], at = readLimit(at + 2)
            end
            local function refusal(first, last)
              local retry, blocker = 0, 0
              for i = first, last do
                local wait = retryOf(stores[i], KEYS[i], limits[i], now)
                if wait > retry then retry, blocker = wait, i end
              end
              if retry > 0 then return {1, retry, blocker} end
            end
            local refused = refusal(1, foreign)
            if refused then return refused end
            for i = 1, limitCount do
              if counts[i] == 'lookup' then addTo(stores[i], KEYS[i], limits[i], now) end
            end
            local nextKey = limitCount + 1
            if rule ~= '' then
              local taken = redis.call('EXISTS', KEYS[nextKey]) == 1
              nextKey = nextKey + 1
              if rule == 'free' and taken then return {2} end
              if rule == 'taken' and not taken then return {3} end
            end
            if bound == 'bound' then return {4} end
            refused = refusal(foreign + 1, limitCount)
            if refused then return refused end
            local code, outbox = KEYS[nextKey], KEYS[nextKey + 1]
            if withCode and cap > 0 and redis.call('XLEN', outbox) >= cap then return {5} end
            for i = 1, limitCount do
              if counts[i] == 'send' then addTo(stores[i], KEYS[i], limits[i], now) end
            end
            if not withCode then return {0, '', now} end
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

    /// Takes back what an admission wrote: its event in each named limit (reservations of a send that was then
    /// refused) and, when a code is named, the code (while it is still this one) and its outbox entry (an admission
    /// whose replicas did not confirm it in time).
    /// KEYS: the limits' keys, then the code hash and the outbox stream when a code is named. ARGV: 1 the number of
    /// limits, 2 the time the admission wrote, then per limit its store, pair count n and n pairs (count, window ms),
    /// then the code's hash and its outbox entry id when a code is named.
    static let withdraw = RedisScript(
        LimitLua.functions + """
            local count, stamp, at = tonumber(ARGV[1]), tonumber(ARGV[2]), 3
            for i = 1, count do
              local store = ARGV[at]
              local limit
              limit, at = readLimit(at + 1)
              removeFrom(store, KEYS[i], limit, stamp)
            end
            if #KEYS > count then
              if redis.call('HGET', KEYS[count + 1], 'hash') == ARGV[at] then redis.call('DEL', KEYS[count + 1]) end
              redis.call('XDEL', KEYS[count + 2], ARGV[at + 1])
            end
            return count
            """)
}
