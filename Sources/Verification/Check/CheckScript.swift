import RedisClient

/// The atomic check: compare (in constant time), count the wrong attempt, consume on success.
///
/// KEYS: 1 code hash. ARGV: 1 the HMAC of the submitted code, 2 the wrong attempts allowed per code.
/// Returns 1 when the code matched (the code is deleted: it works once), 0 otherwise. The code is deleted
/// after the last allowed wrong attempt, so every later check fails until a new code is sent.
enum CheckScript {
    static let script = RedisScript(
        """
        local stored = redis.call('HGET', KEYS[1], 'hash')
        if not stored then return 0 end
        local given = ARGV[1]
        local difference = 0
        if #stored ~= #given then difference = 1 end
        for i = 1, #stored do
          difference = bit.bor(difference, bit.bxor(string.byte(stored, i), string.byte(given, i) or 0))
        end
        if difference == 0 then
          redis.call('DEL', KEYS[1])
          return 1
        end
        local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
        if attempts >= tonumber(ARGV[2]) then redis.call('DEL', KEYS[1]) end
        return 0
        """)
}
