import Foundation
import RedisClient
import TestSupport
import Testing
import Verification

/// `VERIFYD_DEAD_LETTER_RETENTION`: each `serve` trims the dead letters older than the retention, by Redis' clock.
@Suite struct DeadLetterRetentionTests {
    @Test func deadLettersOlderThanTheRetentionAreTrimmed() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        try await withRedisClient(url: redis.url) { store async throws in
            let dead = KeyLayout().outboxDead(OutboxShard(index: 5))
            let time = try await store.send("TIME").array ?? []
            let nowMs = (time.first?.int ?? 0) * 1000
            let old = "\(nowMs - 2 * 3_600_000)-0"
            let recent = "\(nowMs - 60_000)-0"
            _ = try await store.send("XADD", .string(dead), .string(old), "reason", "expired", "to", "a***@x.example")
            _ = try await store.send(
                "XADD", .string(dead), .string(recent), "reason", "expired", "to", "b***@x.example")
            // `serve` runs the outbox monitor, which trims at start and every 15 s.
            let process = try await VerifydProcess.start(
                environment: testEnvironment(redis: redis, ["VERIFYD_DEAD_LETTER_RETENTION": "1h"]))
            defer { process.stop() }
            try await waitUntil(timeout: .seconds(40), "the dead letter older than an hour is trimmed") {
                try await store.send("XLEN", .string(dead)).int == 1
            }
            let kept = try await store.send("XRANGE", .string(dead), "-", "+").array ?? []
            #expect(kept.first?.array?.first?.string == recent, "the recent one stays")
        }
    }
}
