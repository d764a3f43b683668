import RedisClient
import TestSupport
import Testing
import Verification

/// The outbox monitor removes consumers that stopped without leaving the group: only those with nothing pending and
/// idle for longer than the TTL, against a real redis-server (standalone and cluster).
@Suite struct IdleConsumerSweepTests {
    private let keys = KeyLayout()

    /// The consumers of `stream`'s group, by name, with their pending counts and idle milliseconds.
    private func consumers(_ stream: String, _ store: RedisClient) async throws -> [String: (
        pending: Int64, idle: Int64
    )] {
        let reply = try await store.send("XINFO", "CONSUMERS", .string(stream), .string(keys.outboxGroup))
        var consumers: [String: (pending: Int64, idle: Int64)] = [:]
        for consumer in reply.array ?? [] {
            let fields = consumer.array ?? []
            var values: [String: RESPValue] = [:]
            for index in stride(from: 0, to: fields.count - 1, by: 2) {
                values[fields[index].string ?? ""] = fields[index + 1]
            }
            guard let name = values["name"]?.string else { continue }
            consumers[name] = (values["pending"]?.int ?? -1, values["idle"]?.int ?? -1)
        }
        return consumers
    }

    @Test(arguments: RedisBackend.endToEnd) func onlyIdleConsumersWithNothingPendingAreRemoved(_ backend: RedisBackend)
        async throws
    {
        let redis = try await TestRedis.start(backend)
        defer { redis.stop() }
        try await withRedisClient(url: redis.url) { store async throws in
            let stream = keys.outbox(OutboxShard(index: 3))
            let group = keys.outboxGroup
            _ = try await store.send("XGROUP", "CREATE", .string(stream), .string(group), "$", "MKSTREAM")
            _ = try await store.send("XADD", .string(stream), "*", "channel", "email")
            // `busy` holds the entry; `stale` has read nothing. Both become idle for longer than the TTL (3 s); `fresh`
            // is created just before the sweep, which leaves it 3 s of margin on a loaded machine.
            _ = try await store.send(
                "XREADGROUP", "GROUP", .string(group), "busy", "COUNT", 1, "STREAMS", .string(stream), ">")
            _ = try await store.send("XGROUP", "CREATECONSUMER", .string(stream), .string(group), "stale")
            try await waitUntil(timeout: .seconds(30), "both consumers are idle for 4 s") {
                let now = try await consumers(stream, store)
                return (now["stale"]?.idle ?? 0) >= 4000 && (now["busy"]?.idle ?? 0) >= 4000
            }
            _ = try await store.send("XGROUP", "CREATECONSUMER", .string(stream), .string(group), "fresh")
            #expect(try await consumers(stream, store)["busy"]?.pending == 1)

            // The monitor sweeps when it starts, then every 60 samples.
            let monitor = OutboxMonitor(redis: store, keys: keys, idleConsumerTTL: .seconds(3))
            let running = Task { try await monitor.run() }
            defer { running.cancel() }
            try await waitUntil(timeout: .seconds(20), "the idle consumer with nothing pending is removed") {
                try await consumers(stream, store)["stale"] == nil
            }
            let left = try await consumers(stream, store)
            #expect(left["busy"]?.pending == 1, "a consumer with a pending entry stays, however idle")
            #expect(left["fresh"] != nil, "a consumer idle for less than the TTL stays")
            #expect(try await store.send("XLEN", .string(stream)).int == 1, "the stream itself is untouched")
        }
    }

    @Test func streamsAndGroupsThatDoNotExistAreSkipped() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        try await withRedisClient(url: redis.url) { store async throws in
            // Shard 0's stream has no group; the other 15 streams do not exist.
            _ = try await store.send("XADD", .string(keys.outbox(OutboxShard(index: 0))), "*", "channel", "sms")
            let removed = try await IdleConsumerSweep(redis: store, keys: keys, idle: .zero).run()
            #expect(removed.isEmpty)
            #expect(try await store.send("XLEN", .string(keys.outbox(OutboxShard(index: 0)))).int == 1)
        }
    }
}
