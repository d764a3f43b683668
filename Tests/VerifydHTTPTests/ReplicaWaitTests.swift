import Foundation
import HTTPTypes
import RedisClient
import TestSupport
import Testing
import Verification

/// `VERIFYD_REDIS_WAIT_REPLICAS`: a 200 means the code is on a replica too; without one in time, 503.
@Suite struct ReplicaWaitTests {
    @Test func aSendAnswers200OnceAReplicaHasTheCode() async throws {
        // The replica's first sync takes 5–10 s (Redis waits before a full sync), and the test client's connection
        // is open and idle meanwhile: a longer request deadline keeps verifyd from closing it as idle.
        try await Harness.run(
            [
                "VERIFYD_REDIS_WAIT_REPLICAS": "1", "VERIFYD_REDIS_WAIT_TIMEOUT_MS": "2000",
                "VERIFYD_REQUEST_TIMEOUT_MS": "60000",
            ], worker: true
        ) { h async throws in
            let replica = try await RedisServer.start(arguments: ["--replicaof", "127.0.0.1", String(h.redis.port)])
            defer { replica.stop() }
            try await withRedisClient(url: replica.url) { copy async throws in
                try await waitUntil(timeout: .seconds(10), "the replica is in sync") {
                    (try await copy.send("INFO", "replication").string ?? "").contains("master_link_status:up")
                }
                #expect(try await h.send(body("email", 5, account: "kept@example.com")).code == .ok)
                let key = KeyLayout().code(.email("kept@example.com"), templateId: 1)
                #expect(try await copy.send("EXISTS", .string(key)).int == 1, "the replica had it before the 200")
                #expect(
                    try await h.send(body("email", 5, account: "kept@example.com")).code == .sentTooOften,
                    "a refusal needs no replica")
                try await waitUntil(timeout: .seconds(10), "the confirmed code is delivered") {
                    try await OutboxProbe(h.store).stat("delivered") == 1
                }
            }
        }
    }

    @Test func withoutAReplicaInTimeTheSendAnswers503() async throws {
        try await Harness.run(
            ["VERIFYD_REDIS_WAIT_REPLICAS": "1", "VERIFYD_REDIS_WAIT_TIMEOUT_MS": "50"], worker: true
        ) { h async throws in
            let started = ContinuousClock.now
            let answer = try await h.send(body("email", 5, account: "alone@example.com"))
            #expect(answer.status == .serviceUnavailable && answer.code == .serviceUnavailable)
            #expect(answer.headers[HTTPField.Name("Retry-After")!] != nil)
            #expect(
                ContinuousClock.now - started < .seconds(10),
                "never hangs: bounded by the WAIT timeout and the deadline")
            // Nothing is left of it: no code, no queued delivery, no trace in the limits, so the retry the client
            // was told to make is a fresh send (refused the same way here, never 33201).
            let target = Target.email("alone@example.com")
            #expect(try await h.store.send("EXISTS", .string(KeyLayout().code(target, templateId: 1))).int == 0)
            #expect(try await h.store.send("LLEN", .string(KeyLayout().sendLog(target))).int == 0)
            #expect(try await h.outboxLength() == 0)
            #expect(try await h.send(body("email", 5, account: "alone@example.com")).code == .serviceUnavailable)
            // The worker, which may have read an entry before its withdrawal, held it past the wait and sent nothing.
            try await waitUntil(timeout: .seconds(10), "the outbox is settled") {
                let pending = try await OutboxProbe(h.store).pending()
                let queued = try await h.outboxLength()
                return pending == 0 && queued == 0
            }
            #expect(try await OutboxProbe(h.store).stat("delivered") == 0)
        }
    }
}
