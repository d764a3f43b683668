import RedisClient
import TestSupport
import Testing

@testable import Verification

/// The outbox monitor's scan for each channel's oldest entry, against a real redis-server: it reads a bounded number
/// of entries per sample and goes on where it stopped, so a channel behind a long backlog of the other is found
/// after a few samples, and a stream whose head holds both costs next to nothing.
@Suite struct OldestEntryScanTests {
    private let keys = KeyLayout()
    private let shard = OutboxShard(index: 5)

    private func add(_ channel: String, id: String = "*", to store: RedisClient) async throws -> String {
        let reply = try await store.send("XADD", .string(keys.outbox(shard)), .string(id), "channel", .string(channel))
        return try #require(reply.string)
    }

    @Test func aChannelBehindABacklogIsFoundAfterAFewSamplesAndTheScanFollowsTheStream() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        try await withRedisClient(url: redis.url) { store async throws in
            let scan = OldestEntryScan(redis: store, keys: keys)
            let nowMs = OutboxMonitor.milliseconds(ofTime: try await store.send("TIME"))
            // 300 emails, the first a minute old, then an SMS, then 10 more emails.
            let firstEmail = try await add("email", id: "\(nowMs - 60_000)-1", to: store)
            for _ in 1..<300 { _ = try await add("email", to: store) }
            let sms = try await add("sms", to: store)
            for _ in 0..<10 { _ = try await add("email", to: store) }

            var cursors = OldestEntryScan.Cursors()
            var (depth, ages) = try await scan.sample(shard, &cursors)
            #expect(depth == 311)
            let emailAge = try #require(ages[.email])
            #expect(emailAge >= .seconds(59) && emailAge < .seconds(600), "\(emailAge)")
            #expect(ages[.sms] == nil, "the SMS is beyond the first \(OldestEntryScan.budget) entries")

            // The SMS scan goes on where it stopped: 128, then 256 entries read, then the SMS.
            (_, ages) = try await scan.sample(shard, &cursors)
            #expect(ages[.sms] == nil)
            (_, ages) = try await scan.sample(shard, &cursors)
            #expect(ages[.sms] != nil, "found on the third sample")
            #expect(ages[.email] != nil)

            // The oldest email leaves: the next one is found; the SMS leaves: none is left.
            _ = try await store.send("XDEL", .string(keys.outbox(shard)), .string(firstEmail), .string(sms))
            (depth, ages) = try await scan.sample(shard, &cursors)
            #expect(depth == 309)
            #expect(try #require(ages[.email]) < emailAge, "the next email is younger")
            #expect(ages[.sms] == nil)

            // An SMS added later is found at once, the scan having read to the end of the stream.
            (_, ages) = try await scan.sample(shard, &cursors)
            _ = try await add("sms", to: store)
            (_, ages) = try await scan.sample(shard, &cursors)
            #expect(ages[.sms] != nil)

            // Emptied, the stream is read from its start again.
            _ = try await store.send("XTRIM", .string(keys.outbox(shard)), "MAXLEN", 0)
            (depth, ages) = try await scan.sample(shard, &cursors)
            #expect(depth == 0 && ages.isEmpty)
            _ = try await add("email", to: store)
            (depth, ages) = try await scan.sample(shard, &cursors)
            #expect(depth == 1 && ages[.email] != nil && ages[.sms] == nil)
        }
    }

    /// Every shard at once, through the monitor: depth summed, ages maxed.
    @Test func theMonitorSumsDepthsAndKeepsTheOldestAge() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        try await withRedisClient(url: redis.url) { store async throws in
            let nowMs = OutboxMonitor.milliseconds(ofTime: try await store.send("TIME"))
            _ = try await store.send(
                "XADD", .string(keys.outbox(OutboxShard(index: 0))), .string("\(nowMs - 120_000)-1"), "channel", "sms")
            _ = try await store.send("XADD", .string(keys.outbox(OutboxShard(index: 9))), "*", "channel", "sms")
            _ = try await store.send("XADD", .string(keys.outbox(OutboxShard(index: 9))), "*", "channel", "email")
            var cursors = OldestEntryScan.Cursors()
            let (depth, ages) = try await OutboxMonitor(redis: store, keys: keys).sample(&cursors)
            #expect(depth == 3)
            #expect(try #require(ages[.sms]) >= .seconds(119))
            #expect(try #require(ages[.email]) < .seconds(60))
        }
    }
}
