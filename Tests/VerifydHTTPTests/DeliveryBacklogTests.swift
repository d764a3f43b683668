import Foundation
import HTTPTypes
import NIOConcurrencyHelpers
import RedisClient
import TestSupport
import Testing
import Verification

/// A channel whose queue cannot deliver in time refuses new sends with a reason, and accepts again once it drains.
@Suite struct DeliveryBacklogTests {
    @Test func aBackloggedChannelRefusesUntilItsQueueDrains() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        let env = testEnvironment(redis: redis, ["VERIFYD_DELIVERY_MAX_WAIT": "1s"])
        let server = try await VerifydProcess.start(environment: env.merging(["VERIFYD_WORKER": "false"]) { $1 })
        defer { server.stop() }
        #expect(
            try await post(port: server.port, body("sms", 5, 1, account: "13400000000", countryCode: 86)).code == .ok)
        // Each try sends to a new number, so no per-target limit answers instead.
        let numbers = NIOLockedValueBox(13_500_000_000)
        @Sendable func sendSMS() async throws -> Answer {
            let number = numbers.withLockedValue {
                $0 += 1
                return $0
            }
            return try await post(port: server.port, body("sms", 5, 1, account: String(number), countryCode: 86))
        }
        let refused = NIOLockedValueBox<Answer?>(nil)
        try await waitUntil(timeout: .seconds(10), "sms sends are refused once the queued code waited 1 s") {
            let answer = try await sendSMS()
            if answer.code == .deliveryBacklog { refused.withLockedValue { $0 = answer } }
            return answer.code == .deliveryBacklog
        }
        #expect(refused.withLockedValue { $0?.status } == .serviceUnavailable)
        #expect(refused.withLockedValue { $0?.headers[HTTPField.Name("Retry-After")!] } == "10")
        #expect(
            try await post(port: server.port, body("email", 5, 1, account: "backlog@example.com")).code == .ok,
            "email has no backlog")
        #expect(server.errorOutput().contains("delivery backlog"), "the log says why")

        let worker = try await VerifydProcess.start(environment: env, command: "worker")
        defer { worker.stop() }
        try await waitUntil(timeout: .seconds(15), "sms sends are accepted again once the queue drained") {
            try await sendSMS().code == .ok
        }
    }
}
