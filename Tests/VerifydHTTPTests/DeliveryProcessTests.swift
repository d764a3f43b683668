import Foundation
import RedisClient
import TestSupport
import Testing
import Verification

/// Delivery across real processes: crashes, Redis restarts, template reloads.
@Suite(.serialized) struct DeliveryProcessTests {
    /// A relay that never answers the end of DATA costs one SMTP deadline, not libcurl's 120 s default.
    @Test func aRelayStalledAfterDataTimesOutAtTheSMTPDeadline() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        let smtp = try await Sink.start(.smtp)
        defer { smtp.stop() }
        try smtp.set("mode", "hang")
        let process = try await VerifydProcess.start(
            environment: testEnvironment(
                redis: redis,
                [
                    "VERIFYD_EMAIL": "smtp://127.0.0.1:\(smtp.port)", "VERIFYD_EMAIL_FROM": "noreply@example.com",
                    "VERIFYD_SMTP_STARTTLS": "off", "VERIFYD_SMTP_TIMEOUT_MS": "1000",
                    "VERIFYD_DELIVERY_BACKOFF": "100ms",
                ]))
        defer { process.stop() }
        #expect(try await post(port: process.port, body("email", 5, 1, account: "stall@example.com")).code == .ok)
        try await waitUntil(timeout: .seconds(15), "the relay sees DATA") { smtp.smtpAttempts >= 1 }
        try await withRedisClient(url: redis.url) { store in
            try await waitUntil(timeout: .seconds(15), "the stalled attempt times out and is retried") {
                try await OutboxProbe(store).stat("retries") >= 1
            }
        }
    }

    /// By default verifyd requires STARTTLS: its start-up log says so, and a relay that does not offer it gets no
    /// message; the code is retried, then dead-lettered with the reason.
    @Test func theDefaultRequiresSTARTTLSAndAPlaintextRelayGetsNothing() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        let smtp = try await Sink.start(.smtp)
        defer { smtp.stop() }
        var environment = testEnvironment(
            redis: redis,
            [
                "VERIFYD_EMAIL": "smtp://127.0.0.1:\(smtp.port)", "VERIFYD_EMAIL_FROM": "noreply@example.com",
                "VERIFYD_DELIVERY_BACKOFF": "50ms", "VERIFYD_DELIVERY_MAX_ATTEMPTS": "2",
            ])
        environment["VERIFYD_SMTP_STARTTLS"] = nil
        let process = try await VerifydProcess.start(environment: environment)
        defer { process.stop() }
        #expect(process.errorOutput().contains("smtp://127.0.0.1:\(smtp.port) (STARTTLS required)"))
        #expect(try await post(port: process.port, body("email", 5, 1, account: "plain@example.com")).code == .ok)
        try await withRedisClient(url: redis.url) { store in
            try await waitUntil(timeout: .seconds(15), "the code is dead-lettered") {
                try await OutboxProbe(store).deadLength() == 1
            }
            #expect(try await OutboxProbe(store).stat("retries") == 1)
        }
        #expect(process.errorOutput().contains("the relay does not offer STARTTLS"), "the reason is logged")
        #expect(smtp.smtpAttempts == 0 && smtp.records("messages.jsonl").isEmpty, "the relay got nothing")
    }

    /// A worker stopped with SIGTERM leaves every shard's consumer group once it holds nothing there.
    @Test func aStoppedWorkerLeavesTheConsumerGroups() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        let process = try await VerifydProcess.start(environment: testEnvironment(redis: redis))
        defer { process.stop() }
        #expect(try await post(port: process.port, body("email", 5, 1, account: "leave@example.com")).code == .ok)
        try await withRedisClient(url: redis.url) { store in
            try await waitUntil(timeout: .seconds(15), "the code is delivered and the worker joined every group") {
                let delivered = try await OutboxProbe(store).stat("delivered")
                let joined = try await consumers(store)
                return delivered == 1 && joined == OutboxShard.count
            }
            #expect(try await process.terminate(timeout: .seconds(20)) == 0)
            #expect(try await consumers(store) == 0, "no consumer is left behind")
        }
    }

    /// Consumers over every shard's group.
    private func consumers(_ store: RedisClient) async throws -> Int {
        var count = 0
        for shard in OutboxShard.all {
            let reply = try await store.pipeline([
                RedisCommand("XINFO", ["CONSUMERS", .string(KeyLayout().outbox(shard)), "verifyd"])
            ])
            count += reply[0].array?.count ?? 0
        }
        return count
    }

    @Test func aWorkerKilledMidDeliveryLosesNothing() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        let smtp = try await Sink.start(.smtp)
        defer { smtp.stop() }
        try smtp.set("mode", "hang")
        let env = testEnvironment(
            redis: redis,
            [
                "VERIFYD_EMAIL": "smtp://127.0.0.1:\(smtp.port)", "VERIFYD_EMAIL_FROM": "noreply@example.com",
                "VERIFYD_SMTP_STARTTLS": "off", "VERIFYD_SMTP_TIMEOUT_MS": "60000",
                "VERIFYD_DELIVERY_CLAIM_IDLE": "1500ms",
            ])
        let first = try await VerifydProcess.start(environment: env)
        defer { first.stop() }
        let targets = (0..<3).map { "crash\($0)@example.com" }
        for target in targets {
            #expect(try await post(port: first.port, body("email", 5, 1, account: target)).code == .ok)
        }
        // Kill only once every delivery hangs in DATA: a session still sending its message when the mode turns
        // to "ok" would be accepted by the sink yet never acknowledged, and legitimately delivered twice.
        try await waitUntil(timeout: .seconds(15), "the first worker is stuck in DATA for every code") {
            smtp.smtpAttempts >= targets.count
        }
        first.signal(SIGKILL)
        try smtp.set("mode", "ok")
        let second = try await VerifydProcess.start(environment: env, command: "worker")
        defer { second.stop() }
        try await withRedisClient(url: redis.url) { store in
            try await waitUntil(timeout: .seconds(30), "every code is delivered or dead-lettered") {
                let delivered = Set(smtp.records("messages.jsonl").compactMap { ($0["rcpt_tos"] as? [String])?.first })
                let dead = try await OutboxProbe(store).deadLength()
                return delivered.count + Int(dead) >= targets.count
            }
            let recipients = smtp.records("messages.jsonl").compactMap { ($0["rcpt_tos"] as? [String])?.first }
            #expect(Set(recipients) == Set(targets), "none lost")
            #expect(recipients.count == targets.count, "none delivered twice")
            try await waitUntil(timeout: .seconds(10), "the outbox is empty") {
                try await OutboxProbe(store).length() == 0
            }
        }
    }

    @Test func queuedEntriesSurviveARedisRestartWithAOF() async throws {
        let redis = try await RedisServer.start(arguments: ["--appendonly", "yes", "--appendfsync", "always"])
        defer { redis.stop() }
        let env = testEnvironment(redis: redis, ["VERIFYD_WORKER": "false"])
        let server = try await VerifydProcess.start(environment: env)
        defer { server.stop() }
        let targets = (0..<5).map { "aof\($0)@example.com" }
        for target in targets {
            #expect(try await post(port: server.port, body("email", 5, 1, account: target)).code == .ok)
        }
        redis.kill()
        try await redis.launch()
        let worker = try await VerifydProcess.start(environment: env, command: "worker")
        defer { worker.stop() }
        try await waitUntil(timeout: .seconds(20), "the queued codes are delivered") { worker.outputLines().count >= 5 }
        let delivered = worker.outputLines().compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["to"] as? String
        }
        #expect(Set(delivered) == Set(targets) && delivered.count == 5)
    }

    @Test func sighupReloadsTemplatesAndKeepsThemWhenTheFileIsInvalid() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tpl-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        func write(enabled: Bool) throws {
            try
                #"{"verifycode_template1":[{"type":"email","isEnabled":\#(enabled),"template":[{"langTag":"en","title":"T","content":"{code}"}]}]}"#
                .write(to: file, atomically: true, encoding: .utf8)
        }
        try write(enabled: true)
        let server = try await VerifydProcess.start(
            environment: testEnvironment(redis: redis, ["VERIFYD_TEMPLATES": file.path]))
        defer { server.stop() }
        #expect(try await post(port: server.port, body("email", 5, 1, account: "h0@example.com")).code == .ok)
        try write(enabled: false)
        server.signal(SIGHUP)
        try await waitUntil(timeout: .seconds(10), "the disabled template takes effect") {
            try await post(port: server.port, body("email", 5, 1, account: "h1@example.com")).code
                == .templateUnavailable
        }
        try "{ not json".write(to: file, atomically: true, encoding: .utf8)
        server.signal(SIGHUP)
        try await waitUntil(timeout: .seconds(10), "the invalid file is reported") {
            server.errorOutput().contains("templates not reloaded")
        }
        #expect(
            try await post(port: server.port, body("email", 5, 1, account: "h2@example.com")).code
                == .templateUnavailable,
            "the previous templates stay in force")
    }

    @Test func anInvalidTemplatesFileStopsStartUp() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try #"{"verifycode_template2":[{"type":"email","isEnabled":true,"template":[{"langTag":"en","title":"x"}]}]}"#
            .write(to: file, atomically: true, encoding: .utf8)
        let result = try await VerifydProcess.runToExit(environment: [
            "VERIFYD_DEV": "1", "VERIFYD_TEMPLATES": file.path,
        ])
        #expect(result.status == 64)
        #expect(result.stderr.contains("verifycode_template2[0].template[0].content"))
    }
}
