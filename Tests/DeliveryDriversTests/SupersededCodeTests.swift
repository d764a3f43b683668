import DeliveryDrivers
import Foundation
import Logging
import RedisClient
import TestSupport
import Testing
import Verification

/// A delivery re-attempted after its code was used is dropped without calling the provider again.
@Suite struct SupersededCodeTests {
    @Test func aCodeUsedBeforeItsRetryIsNotSentAgain() async throws {
        let sink = try await Sink.start(.http)
        defer { sink.stop() }
        try sink.set("statuses", "503")
        var worker = DeliveryWorker.Settings()
        worker.retry.base = .seconds(2)
        let webhook = try WebhookSettings(url: "http://127.0.0.1:\(sink.port)/sms", bearerToken: nil)
        try await DeliveryHarness.run(sms: webhook, siteName: "Fresns", worker: worker) { h async throws in
            #expect(try await h.send(.sms, .direct, template: 1, account: "13800138000", countryCode: 86) == .ok)
            try await waitUntil(timeout: .seconds(10), "the first attempt fails (503)") {
                sink.records("requests.jsonl").count == 1
            }
            let body = sink.records("requests.jsonl")[0]["body"] as? [String: Any] ?? [:]
            let code = try #require((body["templateParam"] as? [String: String])?["code"])
            let check = CheckVerifyCode(
                redis: h.store, keys: KeyLayout(), crypto: CodeCrypto(secret: DeliveryHarness.secret, length: 6),
                maxAttempts: 5, logger: Logger(label: "superseded-test"))
            let request = CheckRequest(
                channel: .sms, account: "13800138000", countryCode: 86, templateId: 1, code: code)
            #expect(try await check.check(request) == .ok, "the person typed the code meanwhile")
            try await waitUntil(timeout: .seconds(10), "the retry finds the code used and drops the entry") {
                let superseded = try await OutboxProbe(h.store).stat("superseded")
                let length = try await h.outboxLength()
                return superseded == 1 && length == 0
            }
            #expect(sink.records("requests.jsonl").count == 1, "the provider is not called again")
        }
    }
}
