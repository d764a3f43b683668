import DeliveryDrivers
import Foundation
import Logging
import RedisClient
import ServiceLifecycle
import TestSupport
import Testing
import Verification

/// The delivery worker with the real drivers: codes queued by the send use case on a real redis-server, delivered
/// by `DeliveryWorker` through `SMTPDeliveryDriver` to aiosmtpd and through `WebhookSMSDriver` to an HTTP sink, on
/// loopback. No HTTP server and no process configuration: the parts are built here, as `VerifydServices` does.
@Suite struct DeliveryTests {
    private let crypto = CodeCrypto(secret: DeliveryHarness.secret, length: 6)

    /// The SMTP relay of the email tests: the plaintext sink, so STARTTLS off (not verifyd's default); a 5 s deadline.
    private func smtp(_ sink: Sink) throws -> SMTPSettings {
        try SMTPSettings(
            url: "smtp://127.0.0.1:\(sink.port)", startTLS: .off,
            from: try MailAddress(parsing: "Verifyd Test <noreply@example.com>"), timeout: .seconds(5))
    }

    /// The SMS webhook of the SMS tests, with a bearer token.
    private func webhook(_ sink: Sink) throws -> WebhookSettings {
        try WebhookSettings(url: "http://127.0.0.1:\(sink.port)/sms", bearerToken: "gateway-token")
    }

    /// Worker settings: the defaults, retries from `backoff`, at most `maxAttempts` attempts.
    private func worker(backoff: Duration = .seconds(1), maxAttempts: Int = 5) -> DeliveryWorker.Settings {
        var settings = DeliveryWorker.Settings()
        settings.retry.base = backoff
        settings.retry.maximum = max(backoff, .seconds(30))
        settings.retry.maxAttempts = maxAttempts
        return settings
    }

    @Test func emailArrivesOverSMTPAsAMultipartUTF8Message() async throws {
        let sink = try await Sink.start(.smtp)
        defer { sink.stop() }
        try await DeliveryHarness.run(email: try smtp(sink), siteName: "Fresns 社区") { h async throws in
            #expect(
                try await h.send(.email, .direct, template: 2, account: "Reader@Example.com", langTag: "zh-Hans") == .ok
            )
            try await waitUntil(timeout: .seconds(15), "the mail arrives") { sink.records("messages.jsonl").count == 1 }
            let mail = sink.records("messages.jsonl")[0]
            #expect(mail["mail_from"] as? String == "noreply@example.com")
            #expect(mail["rcpt_tos"] as? [String] == ["reader@example.com"])
            #expect((mail["from"] as? String)?.contains("noreply@example.com") == true)
            #expect(mail["subject"] as? String == "【Fresns 社区】您的验证码")
            #expect(mail["content_type"] as? String == "multipart/alternative")
            #expect(
                (mail["date"] as? String)?.isEmpty == false
                    && (mail["message_id"] as? String)?.contains("@example.com") == true)
            let text = mail["text"] as? String ?? ""
            let html = mail["html"] as? String ?? ""
            let code = try #require(text.firstMatch(of: /\d{6}/).map { String($0.output) })
            #expect(html.contains("<strong>\(code)</strong>"))
            #expect(text.contains("您正在注册账号") && text.contains("有效期 10 分钟"))
            #expect(!text.contains("<"), "the plain part is derived from the HTML without tags")
            let stored =
                try await h.store.send(
                    "HGET", .string(KeyLayout().code(.email("reader@example.com"), templateId: 2)), "hash"
                ).string ?? ""
            #expect(crypto.matches(code: code, target: .email("reader@example.com"), templateId: 2, storedHash: stored))
            try await waitUntil(timeout: .seconds(5), "the entry is acknowledged") { try await h.outboxLength() == 0 }
            #expect(try await OutboxProbe(h.store).stat("delivered") == 1)
        }
    }

    @Test func smsGoesToTheWebhookInFresnsShape() async throws {
        let sink = try await Sink.start(.http)
        defer { sink.stop() }
        try await DeliveryHarness.run(
            sms: try webhook(sink), siteName: "Fresns", worker: worker(backoff: .milliseconds(50))
        ) {
            h async throws in
            #expect(try await h.send(.sms, .direct, template: 7, account: "13800138000", countryCode: 86) == .ok)
            try await waitUntil(timeout: .seconds(15), "the webhook is called") {
                sink.records("requests.jsonl").count == 1
            }
            let request = sink.records("requests.jsonl")[0]
            #expect(request["path"] as? String == "/sms")
            #expect(request["authorization"] as? String == "Bearer gateway-token")
            #expect(request["content_type"] as? String == "application/json")
            let payload = try #require(request["body"] as? [String: Any])
            #expect(payload["countryCode"] as? Int == 86)
            #expect(payload["phoneNumber"] as? String == "13800138000")
            #expect(payload["signName"] as? String == "Fresns")
            #expect(payload["templateCode"] as? String == "verifyd_template7")
            #expect(payload["templateId"] as? Int == 7)
            #expect(payload["langTag"] as? String == "en")
            let code = try #require((payload["templateParam"] as? [String: String])?["code"])
            let stored =
                try await h.store.send(
                    "HGET", .string(KeyLayout().code(.phone(countryCode: 86, number: "13800138000"), templateId: 7)),
                    "hash"
                ).string ?? ""
            #expect(
                crypto.matches(
                    code: code, target: .phone(countryCode: 86, number: "13800138000"), templateId: 7,
                    storedHash: stored))
        }
    }

    @Test func transientFailuresAreRetriedThenDeliveredOnce() async throws {
        let sink = try await Sink.start(.http)
        defer { sink.stop() }
        try sink.set("statuses", "503,500,502")
        try await DeliveryHarness.run(
            sms: try webhook(sink), siteName: "Fresns", worker: worker(backoff: .milliseconds(50))
        ) {
            h async throws in
            #expect(try await h.send(.sms, .direct, template: 1, account: "13900139000", countryCode: 86) == .ok)
            try await waitUntil(timeout: .seconds(20), "the fourth call succeeds") {
                try await OutboxProbe(h.store).stat("delivered") == 1
            }
            let calls = sink.records("requests.jsonl")
            #expect(calls.map { $0["status"] as? String } == ["503", "500", "502", "200"])
            #expect(try await OutboxProbe(h.store).stat("retries") == 3)
            #expect(try await h.outboxLength() == 0)
            #expect(try await OutboxProbe(h.store).deadLength() == 0)
        }
    }

    @Test func providerDownBeyondTheAttemptsGoesToTheDeadLetters() async throws {
        let sink = try await Sink.start(.http)
        defer { sink.stop() }
        try sink.set("default", "503")
        try await DeliveryHarness.run(
            sms: try webhook(sink), siteName: "Fresns", worker: worker(backoff: .milliseconds(50), maxAttempts: 3)
        ) { h async throws in
            #expect(try await h.send(.sms, .direct, template: 1, account: "13700137000", countryCode: 86) == .ok)
            try await waitUntil(timeout: .seconds(20), "the entry is dead-lettered") {
                try await OutboxProbe(h.store).deadLength() == 1
            }
            let fields = try await h.firstDeadLetter()
            let reason = fields.firstIndex(of: "reason").map { fields[$0 + 1] } ?? ""
            #expect(reason.contains("transient") && reason.contains("503") && reason.contains("after 3 attempts"))
            #expect(
                fields.contains("86137****7000") && !fields.contains("8613700137000"),
                "the dead letter keeps the original fields, the recipient masked")
            #expect(sink.records("requests.jsonl").count == 3)
            #expect(try await h.outboxLength() == 0)
            #expect(try await OutboxProbe(h.store).pending() == 0)
        }
    }

    @Test func permanentFailuresAreNotRetried() async throws {
        let sink = try await Sink.start(.smtp)
        defer { sink.stop() }
        try sink.set("mode", "reject")
        try await DeliveryHarness.run(email: try smtp(sink), siteName: "Fresns 社区") { h async throws in
            #expect(try await h.send(.email, .direct, template: 1, account: "gone@example.com") == .ok)
            try await waitUntil(timeout: .seconds(15), "the entry is dead-lettered") {
                try await OutboxProbe(h.store).deadLength() == 1
            }
            #expect(sink.smtpAttempts == 1)
            let fields = try await h.firstDeadLetter()
            #expect(fields.contains { $0.contains("permanent") && $0.contains("550") })
        }
    }

    @Test func expiredCodesAreNotDelivered() async throws {
        let sink = try await Sink.start(.http)
        defer { sink.stop() }
        try await DeliveryHarness.run(
            sms: try webhook(sink), siteName: "Fresns", worker: worker(backoff: .milliseconds(50))
        ) {
            h async throws in
            let sealed = try crypto.seal(code: "123456", context: "sms|8613600136000|1")
            let past = Int64(Date().timeIntervalSince1970 * 1000) - 1000
            _ = try await h.store.send(
                RedisCommand(
                    "XADD",
                    [
                        .string(KeyLayout().outbox(OutboxShard(of: .phone(countryCode: 86, number: "13600136000")))),
                        "*",
                        "channel", "sms", "to", "8613600136000", "template", "1", "use", "5",
                        "lang", "en",
                        "ttl", "600", "code", .string(sealed), "cc", "86", "phone", "13600136000", "expires",
                        .string(String(past)), "hash", .string(String(repeating: "a", count: 64)),
                    ]))
            try await waitUntil(timeout: .seconds(15), "the expired entry is dead-lettered") {
                try await OutboxProbe(h.store).deadLength() == 1
            }
            let fields = try await h.firstDeadLetter()
            #expect(fields.prefix(2) == ["reason", "expired"])
            #expect(sink.records("requests.jsonl").isEmpty)
            let named = Dictionary(
                uniqueKeysWithValues: stride(from: 0, to: fields.count - 1, by: 2).map { (fields[$0], fields[$0 + 1]) })
            #expect(named["to"] == "86136****6000" && named["phone"] == "136****6000", "no address in plaintext")
            #expect(!fields.contains { $0.contains("13600136000") })
            #expect(named["hash"] == nil && named["code"] == sealed, "the code stays sealed, its hash is not kept")
        }
    }
}

/// A fresh redis-server, the send use case on it, and a real `DeliveryWorker` with the given drivers, run with the
/// Redis pool in a `ServiceGroup` (as `verifyd worker` runs them) and shut down gracefully after the test.
struct DeliveryHarness: Sendable {
    /// The code secret, the same as the HTTP tests', so hashes can be recomputed.
    static let secret = "test-secret-0123456789abcdef"

    /// A client of the test's own, for assertions.
    let store: RedisClient
    let useCase: SendVerifyCode

    /// Runs `body` while the worker delivers email through `email` and SMS through `sms` (a channel without
    /// settings has no driver, and the use case refuses it).
    static func run(
        email: SMTPSettings? = nil, sms: WebhookSettings? = nil, siteName: String,
        worker settings: DeliveryWorker.Settings = DeliveryWorker.Settings(),
        _ body: @Sendable (DeliveryHarness) async throws -> Void
    ) async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        var logger = Logger(label: "delivery-test")
        logger.logLevel =
            ProcessInfo.processInfo.environment["VERIFYD_TEST_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) }
            ?? .warning
        var configuration = try RedisConfiguration(url: server.url)
        configuration.commandTimeout = .seconds(2)
        let redis = RedisClient(configuration: configuration, logger: logger, connectionName: "verifyd")
        let crypto = CodeCrypto(secret: secret, length: 6)
        let templates = try TemplateStore(path: nil, siteName: siteName, defaultLanguage: "en")
        var drivers: [Channel: any DeliveryDriver] = [:]
        if let email { drivers[.email] = SMTPDeliveryDriver(settings: email, concurrency: settings.concurrency) }
        if let sms { drivers[.sms] = WebhookSMSDriver(settings: sms, concurrency: settings.concurrency) }
        let useCase = SendVerifyCode(
            redis: redis, settings: SendSettings(keys: settings.keys, enabledChannels: Set(drivers.keys)),
            crypto: crypto, templates: templates, logger: logger)
        let worker = DeliveryWorker(
            redis: redis, drivers: DeliveryDrivers(drivers), crypto: crypto, templates: templates, settings: settings,
            logger: logger)
        let services = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: redis), .init(service: worker)], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            let outcome: Result<Void, any Error>
            do {
                guard await redis.waitUntilConnected(timeout: .seconds(10)) else { throw TestFailure("no Redis") }
                try await withRedisClient(url: server.url) { store in
                    try await body(DeliveryHarness(store: store, useCase: useCase))
                }
                outcome = .success(())
            } catch {
                outcome = .failure(error)
            }
            // The worker stops first (finishing deliveries in flight), then the Redis pool.
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
            try outcome.get()
        }
    }

    /// Sends a code as an anonymous client would; the result code the HTTP route would answer.
    func send(
        _ channel: Channel, _ useType: UseType, template: Int, account: String, countryCode: Int? = nil,
        langTag: String? = nil
    ) async throws -> ResultCode {
        let request = SendRequest(
            channel: channel, useType: useType, templateId: template, account: account, countryCode: countryCode)
        switch try await useCase.send(request, session: Session(aid: nil, token: nil), langTag: langTag) {
        case .accepted: return .ok
        case .refused(let code): return code
        case .rateLimited: return .sentTooOften
        case .backlogged: return .deliveryBacklog
        case .outboxFull: return .serviceUnavailable
        }
    }

    /// The number of entries in the outbox, over every shard.
    func outboxLength() async throws -> Int64 {
        Int64(try await OutboxProbe(store).length())
    }

    /// The fields of the oldest dead letter, flat (name, value, …).
    func firstDeadLetter() async throws -> [String] {
        for shard in OutboxShard.all {
            let dead = try await store.send("XRANGE", .string(KeyLayout().outboxDead(shard)), "-", "+").array ?? []
            if let first = dead.first { return first.array?[1].array?.compactMap(\.string) ?? [] }
        }
        return []
    }
}
