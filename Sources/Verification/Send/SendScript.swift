import RedisClient

/// The atomic admission of a send: budgets, the address owner rule, the target's limits, the outbox's room, then the
/// code and its delivery record, all against Redis time. Each rule lives here once (the counting itself is
/// `LimitLua`'s); `SendAdmission` decides which part runs where (everything in one call when Redis allows it, else
/// the foreign limits first and the target's part second). Built with the deployment's limits compiled in.
///
/// **admit.** KEYS: the limits' keys (the F foreign ones first: client IP and country budgets, a folded mailbox's
/// log; then the target's own), then the owner key when an owner rule is given, then the code hash and the outbox
/// stream when a code is given.
/// ARGV: 1 F, 2 the number of limits n, 3 owner rule (`free`, `taken` or empty), 4 `bound` when the account's own
/// address slot is already filled (useType 3) or empty, 5 `1` when a code is given, 6 the outbox's cap (0: none), then
/// the n limits' names in the catalog; then, with a code: the code's hash, its TTL in ms, and the outbox entry's values
/// in the order of `OutboxEntry.fieldNames` (and `phoneFieldNames`), whose names are compiled in.
///
/// Checks in this order, writing nothing until the owner rule is reached: foreign limits; then lookups are counted;
/// owner rule, `bound`, the target's limits, the outbox's room. Replies one line of words (a table reply costs Redis
/// more to convert): `0 entryId now` when admitted (entryId empty without a code), `1 retryAfterMs limitIndex` when a
/// limit refuses (1-based), `2` when the address must be free and is taken, `3` when it must be taken and is not, `4`
/// when `bound`, `5` when the outbox is full.
///
/// **withdraw** takes back what an admission wrote: its event in each named limit (reservations of a send that was
/// then refused) and, when a code is named, the code (while it is still this one) and its outbox entry (an admission
/// whose replicas did not confirm it in time). KEYS: the limits' keys, then the code hash and the outbox stream when
/// a code is named. ARGV: 1 the number of limits n, 2 the time the admission wrote, then the n limits' names, then the
/// code's hash and its outbox entry id when a code is named.
///
/// A class: each send's admission refers to the deployment's one pair of scripts.
final class SendScript: Sendable {
    let admit: RedisScript
    let withdraw: RedisScript

    /// The two scripts, knowing `rules` by name.
    init(rules: [LimitRule]) {
        let shared = LimitLua.functions(for: rules)
        admit = RedisScript(shared + Self.admitBody)
        withdraw = RedisScript(shared + Self.withdrawBody)
    }

    private static let admitBody = """
        local now, stamp = clock()
        local foreign, limitCount = tonumber(ARGV[1]), tonumber(ARGV[2])
        local rule, bound, withCode = ARGV[3], ARGV[4], ARGV[5] == '1'
        local limits, states = {}, {}
        for i = 1, limitCount do
          limits[i] = limitOf(ARGV[6 + i]) or error('no limit named ' .. ARGV[6 + i])
        end
        local at = 7 + limitCount
        local function refusal(first, last)
          local retry, blocker = 0, 0
          for i = first, last do
            local wait
            wait, states[i] = retryOf(limits[i], KEYS[i], now)
            if wait > retry then retry, blocker = wait, i end
          end
          if retry > 0 then return '1 ' .. retry .. ' ' .. blocker end
        end
        local refused = refusal(1, foreign)
        if refused then return refused end
        for i = 1, limitCount do
          if limits[i][2] == 'lookup' then addTo(limits[i], KEYS[i], now, stamp, states[i]) end
        end
        local nextKey = limitCount + 1
        if rule ~= '' then
          local taken = redis.call('EXISTS', KEYS[nextKey]) == 1
          nextKey = nextKey + 1
          if rule == 'free' and taken then return '2' end
          if rule == 'taken' and not taken then return '3' end
        end
        if bound == 'bound' then return '4' end
        refused = refusal(foreign + 1, limitCount)
        if refused then return refused end
        local code, outbox = KEYS[nextKey], KEYS[nextKey + 1]
        if withCode and ARGV[6] ~= '0' and redis.call('XLEN', outbox) >= tonumber(ARGV[6]) then return '5' end
        for i = 1, limitCount do
          if limits[i][2] == 'send' then addTo(limits[i], KEYS[i], now, stamp, states[i]) end
        end
        if not withCode then return '0  ' .. stamp end
        -- The hash has these three fields only: HSET replaces a previous code's whole.
        local ttl = ARGV[at + 1]
        redis.call('HSET', code, 'hash', ARGV[at], 'attempts', '0', 'issued', stamp)
        redis.call('PEXPIRE', code, ttl)
        local expires = string.format('%d', now + tonumber(ttl))
        local id
        if #ARGV == at + \(1 + OutboxEntry.fieldNames.count) then
          id = \(xadd(OutboxEntry.fieldNames))
        else
          id = \(xadd(OutboxEntry.fieldNames + OutboxEntry.phoneFieldNames))
        end
        return '0 ' .. id .. ' ' .. stamp
        """

    /// The outbox entry's `XADD`: `expires`, the code's `hash`, then each of `names` with its value, from ARGV[at + 2]
    /// on.
    private static func xadd(_ names: [String]) -> String {
        var lua = "redis.call('XADD', outbox, '*', 'expires', expires, 'hash', ARGV[at]"
        for (offset, name) in names.enumerated() { lua += ", '\(name)', ARGV[at + \(offset + 2)]" }
        return lua + ")"
    }

    private static let withdrawBody = """
        local count, stamp = tonumber(ARGV[1]), ARGV[2]
        for i = 1, count do
          removeFrom(limitOf(ARGV[2 + i]) or error('no limit named ' .. ARGV[2 + i]), KEYS[i], stamp)
        end
        local at = 3 + count
        if #KEYS > count then
          if redis.call('HGET', KEYS[count + 1], 'hash') == ARGV[at] then redis.call('DEL', KEYS[count + 1]) end
          redis.call('XDEL', KEYS[count + 2], ARGV[at + 1])
        end
        return count
        """
}
