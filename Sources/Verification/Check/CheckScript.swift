import RedisClient

/// The atomic check: a target locked by its wrong checks is refused; otherwise compare (in constant time), consume
/// on success, count a wrong check on the code and in the target's budget of wrong checks, and when that fills the
/// budget revoke the target's pending codes and lock it until the oldest counted failure leaves its window (a key
/// with that TTL, which sends read too). Counting is `LimitLua`'s exact log.
///
/// KEYS: 1 the code hash, 2 the target's log of wrong checks, 3 its lock, 4… every code key of the target (revoked
/// past the budget). ARGV: 1 the HMAC of the submitted code, 2 the wrong attempts allowed per code. The budget of
/// wrong checks is compiled in (`LimitLua.functions(for:)`, named `check_failures`); without it there is no budget.
///
/// Replies 1 when the code matched (it is deleted: it works once), 0 when it did not, 2 when the target is locked
/// (integers: a table reply costs Redis more to convert). A missing code costs the same work as a wrong one: the
/// same comparison against a stand-in of the submitted length, the same writes to the budget, and a read of the code
/// key in place of the count of its attempts.
enum CheckScript {
    /// The script with the budget of wrong checks `failures` (none when empty).
    static func script(failures: [RateLimit]) -> RedisScript {
        let budget = LimitRule(name: LimitKind.checkFailures.rawValue, store: .log, counts: .check, pairs: failures)
        return RedisScript(LimitLua.functions(for: failures.isEmpty ? [] : [budget]) + body)
    }

    private static let body = """
        local budget = limitOf('check_failures')
        local budgeted = budget ~= nil
        if budgeted then
          local retry = lockRetry(KEYS[3])
          if retry > 0 then return 2 end
        end
        local stored = redis.call('HGET', KEYS[1], 'hash')
        local given = ARGV[1]
        local reference = stored or string.rep('0', #given)
        local difference = 0
        if not stored or #reference ~= #given then difference = 1 end
        for i = 1, #reference do
          difference = bit.bor(difference, bit.bxor(string.byte(reference, i), string.byte(given, i) or 0))
        end
        if difference == 0 then
          redis.call('DEL', KEYS[1])
          return 1
        end
        if stored then
          local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
          if attempts >= tonumber(ARGV[2]) then redis.call('DEL', KEYS[1]) end
        else
          redis.call('HLEN', KEYS[1])
        end
        if budgeted then
          local now, stamp = clock()
          local length = logAdd(KEYS[2], budget, stamp)
          local retry = logRetry(KEYS[2], budget, now, length)
          if retry > 0 then
            for i = 4, #KEYS do redis.call('DEL', KEYS[i]) end
            redis.call('SET', KEYS[3], 1, 'PX', retry)
          end
        end
        return 0
        """
}
