import RedisClient

/// The atomic send: check every rate limit against Redis time, then store the code and queue its delivery.
///
/// KEYS: 1 code hash, 2 outbox stream, 3 blocked email domains set, 4 address owner index (email or phone),
/// 5… send logs (target, then client IP, then country code, as present).
/// ARGV: 1 code hash, 2 code TTL ms, 3 number of logs L, 4 number of domain candidates D, then the D domains;
/// then the owner field (the target's key, empty for no check) and the owner rule (`free` or `taken`);
/// then per log: its limit count n and n pairs (count, window ms); then the outbox field/value pairs.
/// Returns `{0, entryId}` when accepted, `{1, retryAfterMs, logIndex}` when a limit refuses it, `{2}` when the
/// email domain is blocked, `{3}` when the address must be free and is taken, `{4}` when it must be taken and is
/// not. A refused send writes nothing at all.
///
/// The domain and owner checks run here for anonymous sends, so those cost one round trip; logged-in sends look
/// them up with the login in one pipeline first (Fresns checks the login before the address) and pass none.
///
/// Each send log keeps the Redis times of the last `max(count)` accepted sends, newest first. A send is refused
/// when, for some limit (N, W) of some log, the N-th newest send is younger than W: so no rolling window of W
/// ever holds more than N accepted sends.
enum SendScript {
    static let script = RedisScript(
        """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local logs = tonumber(ARGV[3])
        local domains = tonumber(ARGV[4])
        local at = 5
        for d = 1, domains do
          if redis.call('SISMEMBER', KEYS[3], ARGV[at]) == 1 then return {2} end
          at = at + 1
        end
        local owner, rule = ARGV[at], ARGV[at + 1]
        at = at + 2
        if owner ~= '' then
          local taken = redis.call('HEXISTS', KEYS[4], owner) == 1
          if rule == 'free' and taken then return {3} end
          if rule == 'taken' and not taken then return {4} end
        end
        local plan = {}
        local retry, blocker = 0, 0
        for l = 1, logs do
          local n = tonumber(ARGV[at])
          at = at + 1
          local maxCount, maxWindow = 0, 0
          for i = 1, n do
            local count = tonumber(ARGV[at])
            local window = tonumber(ARGV[at + 1])
            at = at + 2
            if count > maxCount then maxCount = count end
            if window > maxWindow then maxWindow = window end
            local nth = tonumber(redis.call('LINDEX', KEYS[4 + l], count - 1))
            if nth and now - nth < window then
              local wait = nth + window - now
              if wait > retry then
                retry = wait
                blocker = l
              end
            end
          end
          plan[l] = {maxCount, maxWindow}
        end
        if retry > 0 then return {1, retry, blocker} end
        for l = 1, logs do
          local key = KEYS[4 + l]
          redis.call('LPUSH', key, now)
          redis.call('LTRIM', key, 0, plan[l][1] - 1)
          redis.call('PEXPIRE', key, plan[l][2])
        end
        local ttl = tonumber(ARGV[2])
        redis.call('DEL', KEYS[1])
        redis.call('HSET', KEYS[1], 'hash', ARGV[1], 'attempts', 0, 'issued', now)
        redis.call('PEXPIRE', KEYS[1], ttl)
        local fields = {}
        for i = at, #ARGV do fields[#fields + 1] = ARGV[i] end
        fields[#fields + 1] = 'expires'
        fields[#fields + 1] = tostring(now + ttl)
        local id = redis.call('XADD', KEYS[2], '*', unpack(fields))
        return {0, id}
        """)
}
