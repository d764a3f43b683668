import RedisClient

/// Removes from the outbox group the consumers that hold no pending entry and have not read for longer than `idle`:
/// the workers that stopped without leaving the group (killed, or lost with their host). A live worker reads at least
/// every second, so its consumer never looks idle; one with pending entries stays, for another worker to claim them.
public struct IdleConsumerSweep: Sendable {
    let redis: RedisClient
    let keys: KeyLayout
    let idle: Duration

    /// A sweep through `redis` of the consumers idle for longer than `idle`.
    public init(redis: RedisClient, keys: KeyLayout, idle: Duration) {
        self.redis = redis
        self.keys = keys
        self.idle = idle
    }

    /// KEYS: a stream. ARGV: the group, the idle time in ms. Deletes the group's consumers with nothing pending whose
    /// last read attempt (`idle`) is older, and returns their names. One script, so no consumer gains an entry
    /// between the check and the delete. A stream or group that does not exist yet has no consumer to remove.
    static let script = RedisScript(
        """
        local ok, consumers = pcall(redis.call, 'XINFO', 'CONSUMERS', KEYS[1], ARGV[1])
        if not ok then return {} end
        local removed = {}
        for _, consumer in ipairs(consumers) do
          local fields = {}
          for i = 1, #consumer, 2 do fields[consumer[i]] = consumer[i + 1] end
          if fields['pending'] == 0 and fields['idle'] > tonumber(ARGV[2]) then
            redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], fields['name'])
            removed[#removed + 1] = fields['name']
          end
        end
        return removed
        """)

    /// Sweeps every shard's stream; returns the names of the consumers removed.
    @discardableResult
    public func run() async throws -> [String] {
        var removed: [String] = []
        for shard in OutboxShard.all {
            let reply = try await redis.eval(
                Self.script, keys: [.string(keys.outbox(shard))],
                arguments: [.string(keys.outboxGroup), .integer(idle.wholeMilliseconds)])
            removed += (reply.array ?? []).compactMap(\.string)
        }
        return removed
    }
}
