import RedisClient

/// The atomic send: check every rate limit against Redis time, then store the code and queue its delivery.
///
/// KEYS: 1 send log (list), 2 code hash, 3 outbox stream.
/// ARGV: limit count L, then L pairs (count, window ms), code hash, code TTL ms, then outbox field/value pairs.
/// Returns `{0, entryId}` when accepted, `{1, retryAfterMs}` when a limit refuses it (nothing is written then).
///
/// The send log keeps the Redis times of the last `max(count)` accepted sends, newest first. A send is refused
/// when, for some limit (N, W), the N-th newest send is younger than W: so no rolling window of W seconds ever
/// holds more than N accepted sends, and refused attempts leave no trace.
enum SendScript {
    static let script = RedisScript(
        """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local n = tonumber(ARGV[1])
        local maxCount, maxWindow, retry = 0, 0, 0
        local log = redis.call('LRANGE', KEYS[1], 0, -1)
        for i = 0, n - 1 do
          local count = tonumber(ARGV[2 + 2 * i])
          local window = tonumber(ARGV[3 + 2 * i])
          if count > maxCount then maxCount = count end
          if window > maxWindow then maxWindow = window end
          local nth = tonumber(log[count])
          if nth and now - nth < window then
            local wait = nth + window - now
            if wait > retry then retry = wait end
          end
        end
        if retry > 0 then return {1, retry} end
        local base = 2 + 2 * n
        local ttl = tonumber(ARGV[base + 1])
        redis.call('LPUSH', KEYS[1], now)
        redis.call('LTRIM', KEYS[1], 0, maxCount - 1)
        redis.call('PEXPIRE', KEYS[1], maxWindow)
        redis.call('DEL', KEYS[2])
        redis.call('HSET', KEYS[2], 'hash', ARGV[base], 'attempts', 0, 'issued', now)
        redis.call('PEXPIRE', KEYS[2], ttl)
        local fields = {}
        for i = base + 2, #ARGV do fields[#fields + 1] = ARGV[i] end
        fields[#fields + 1] = 'expires'
        fields[#fields + 1] = tostring(now + ttl)
        local id = redis.call('XADD', KEYS[3], '*', unpack(fields))
        return {0, id}
        """)
}
