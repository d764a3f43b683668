import Foundation
import HTTPTypes
import RedisClient
import TestSupport
import Testing
import Verification

/// Real delivery end to end: codes sent through the HTTP app, delivered by the worker `VerifydServices` wires in
/// process, to aiosmtpd and an HTTP sink on loopback, with a real redis-server.
@Suite struct DeliveryTests {
    private let crypto = CodeCrypto(secret: testSecret, length: 6)

    private func smtpEnvironment(_ sink: Sink, _ extra: [String: String] = [:]) -> [String: String] {
        [
            "VERIFYD_EMAIL": "smtp://127.0.0.1:\(sink.port)",
            "VERIFYD_EMAIL_FROM": "Verifyd Test <noreply@example.com>",
            "VERIFYD_SITE_NAME": "Fresns 社区", "VERIFYD_SMTP_TIMEOUT_MS": "5000",
        ].merging(extra) { _, new in new }
    }

    private func webhookEnvironment(_ sink: Sink, _ extra: [String: String] = [:]) -> [String: String] {
        [
            "VERIFYD_SMS": "http://127.0.0.1:\(sink.port)/sms", "VERIFYD_SMS_TOKEN": "gateway-token",
            "VERIFYD_SITE_NAME": "Fresns", "VERIFYD_DELIVERY_BACKOFF": "50ms",
        ].merging(extra) { _, new in new }
    }

    @Test func emailArrivesOverSMTPAsAMultipartUTF8Message() async throws {
        let sink = try await Sink.start(.smtp)
        defer { sink.stop() }
        try await Harness.run(smtpEnvironment(sink), worker: true) { h async throws in
            let answer = try await h.send(
                body("email", 5, 2, account: "Reader@Example.com"), headers: ["X-Fresns-Client-Lang-Tag": "zh-Hans"])
            #expect(answer.code == .ok)
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
            let stored = try await h.store.send("HGET", "verify:{reader@example.com}:code:2", "hash").string ?? ""
            #expect(crypto.matches(code: code, target: .email("reader@example.com"), templateId: 2, storedHash: stored))
            try await waitUntil(timeout: .seconds(5), "the entry is acknowledged") { try await h.outboxLength() == 0 }
            #expect(try await h.store.send("HGET", "verify:stats", "delivered").int == 1)
        }
    }

    @Test func smsGoesToTheWebhookInFresnsShape() async throws {
        let sink = try await Sink.start(.http)
        defer { sink.stop() }
        try await Harness.run(webhookEnvironment(sink), worker: true) { h async throws in
            #expect(try await h.send(body("sms", 5, 7, account: "13800138000", countryCode: 86)).code == .ok)
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
            let stored = try await h.store.send("HGET", "verify:{8613800138000}:code:7", "hash").string ?? ""
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
        try await Harness.run(webhookEnvironment(sink), worker: true) { h async throws in
            #expect(try await h.send(body("sms", 5, account: "13900139000", countryCode: 86)).code == .ok)
            try await waitUntil(timeout: .seconds(20), "the fourth call succeeds") {
                try await h.store.send("HGET", "verify:stats", "delivered").int == 1
            }
            let calls = sink.records("requests.jsonl")
            #expect(calls.map { $0["status"] as? String } == ["503", "500", "502", "200"])
            #expect(try await h.store.send("HGET", "verify:stats", "retries").int == 3)
            #expect(try await h.outboxLength() == 0)
            #expect(try await h.store.send("XLEN", "verify:outbox:dead").int == 0)
        }
    }

    @Test func providerDownBeyondTheAttemptsGoesToTheDeadLetters() async throws {
        let sink = try await Sink.start(.http)
        defer { sink.stop() }
        try sink.set("default", "503")
        try await Harness.run(webhookEnvironment(sink, ["VERIFYD_DELIVERY_MAX_ATTEMPTS": "3"]), worker: true) {
            h async throws in
            #expect(try await h.send(body("sms", 5, account: "13700137000", countryCode: 86)).code == .ok)
            try await waitUntil(timeout: .seconds(20), "the entry is dead-lettered") {
                try await h.store.send("XLEN", "verify:outbox:dead").int == 1
            }
            let dead = try await h.store.send("XRANGE", "verify:outbox:dead", "-", "+").array ?? []
            let fields = dead.first?.array?[1].array?.compactMap(\.string) ?? []
            let reason = fields.firstIndex(of: "reason").map { fields[$0 + 1] } ?? ""
            #expect(reason.contains("transient") && reason.contains("503") && reason.contains("after 3 attempts"))
            #expect(fields.contains("8613700137000"), "the dead letter keeps the original fields")
            #expect(sink.records("requests.jsonl").count == 3)
            #expect(try await h.outboxLength() == 0)
            #expect(try await h.store.send("XPENDING", "verify:outbox", "verifyd").array?.first?.int == 0)
        }
    }

    @Test func permanentFailuresAreNotRetried() async throws {
        let sink = try await Sink.start(.smtp)
        defer { sink.stop() }
        try sink.set("mode", "reject")
        try await Harness.run(smtpEnvironment(sink), worker: true) { h async throws in
            #expect(try await h.send(body("email", 5, account: "gone@example.com")).code == .ok)
            try await waitUntil(timeout: .seconds(15), "the entry is dead-lettered") {
                try await h.store.send("XLEN", "verify:outbox:dead").int == 1
            }
            #expect(sink.smtpAttempts == 1)
            let dead = try await h.store.send("XRANGE", "verify:outbox:dead", "-", "+").array ?? []
            let fields = dead.first?.array?[1].array?.compactMap(\.string) ?? []
            #expect(fields.contains { $0.contains("permanent") && $0.contains("550") })
        }
    }

    @Test func expiredCodesAreNotDelivered() async throws {
        let sink = try await Sink.start(.http)
        defer { sink.stop() }
        try await Harness.run(webhookEnvironment(sink), worker: true) { h async throws in
            let sealed = try crypto.seal(code: "123456", context: "sms|8613600136000|1")
            let past = Int64(Date().timeIntervalSince1970 * 1000) - 1000
            _ = try await h.store.send(
                RedisCommand(
                    "XADD",
                    [
                        "verify:outbox", "*", "channel", "sms", "to", "8613600136000", "template", "1", "use", "5",
                        "lang", "en",
                        "ttl", "600", "code", .string(sealed), "cc", "86", "phone", "13600136000", "expires",
                        .string(String(past)),
                    ]))
            try await waitUntil(timeout: .seconds(15), "the expired entry is dead-lettered") {
                try await h.store.send("XLEN", "verify:outbox:dead").int == 1
            }
            let fields =
                (try await h.store.send("XRANGE", "verify:outbox:dead", "-", "+").array?.first?.array?[1].array ?? [])
                .compactMap(\.string)
            #expect(fields.prefix(2) == ["reason", "expired"])
            #expect(sink.records("requests.jsonl").isEmpty)
        }
    }

    @Test func disabledTemplateIsTemplateUnavailableAndStoresNothing() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tpl-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try
            #"{"verifycode_template1":[{"type":"email","isEnabled":false,"template":[{"langTag":"en","title":"t","content":"{code}"}]},{"type":"sms","isEnabled":true,"template":[]}],"verifycode_template2":[{"type":"email","isEnabled":true,"template":[{"langTag":"en","title":"t","content":"{code}"}]}]}"#
            .write(to: file, atomically: true, encoding: .utf8)
        try await Harness.run(["VERIFYD_TEMPLATES": file.path]) { h async throws in
            #expect(try await h.send(body("email", 5, 1, account: "a@example.com")).code == .templateUnavailable)
            #expect(
                try await h.send(body("sms", 5, 1, account: "13800138000", countryCode: 86)).code
                    == .templateUnavailable)
            #expect(try await h.send(body("email", 5, 3, account: "a@example.com")).code == .templateUnavailable)
            #expect(try await h.store.send("DBSIZE").int == 0, "a refused request stores and counts nothing")
            #expect(try await h.send(body("email", 5, 2, account: "a@example.com")).code == .ok)
        }
    }

    @Test func noPlaintextCodeAnywhereInRedis() async throws {
        try await Harness.run(["VERIFYD_CODE_LENGTH": "10", "VERIFYD_RATE_LIMITS": "10/60"]) { h async throws in
            for index in 0..<3 {
                #expect(try await h.send(body("email", 5, 1, account: "p\(index)@example.com")).code == .ok)
                #expect(try await h.send(body("sms", 5, 4, account: "1380013800\(index)", countryCode: 86)).code == .ok)
            }
            let crypto = CodeCrypto(secret: testSecret, length: 10)
            var codes: [String] = []
            for entry in try await h.store.send("XRANGE", "verify:outbox", "-", "+").array ?? [] {
                let flat = (entry.array?[1].array ?? []).compactMap(\.string)
                let fields = Dictionary(
                    uniqueKeysWithValues: stride(from: 0, to: flat.count, by: 2).map { (flat[$0], flat[$0 + 1]) })
                codes.append(
                    try crypto.open(
                        fields["code"] ?? "", context: "\(fields["channel"]!)|\(fields["to"]!)|\(fields["template"]!)"))
            }
            #expect(codes.count == 6)
            let dump = try await RedisDump.everything(h.store)
            #expect(!dump.isEmpty)
            for code in codes { #expect(!dump.contains(code), "a code is stored in plaintext") }
        }
    }
}

/// Every key and value in a Redis database, as text (SCAN, then each type's read command).
enum RedisDump {
    static func everything(_ redis: RedisClient) async throws -> String {
        var cursor = "0"
        var out = ""
        repeat {
            let reply = try await redis.send("SCAN", .string(cursor), "COUNT", 1000).array ?? []
            cursor = reply.first?.string ?? "0"
            for key in reply.last?.array?.compactMap(\.string) ?? [] {
                out += key + "\n"
                let type = try await redis.send("TYPE", .string(key)).string ?? ""
                let read: RedisCommand
                switch type {
                case "string": read = RedisCommand("GET", [.string(key)])
                case "hash": read = RedisCommand("HGETALL", [.string(key)])
                case "list": read = RedisCommand("LRANGE", [.string(key), 0, -1])
                case "set": read = RedisCommand("SMEMBERS", [.string(key)])
                case "zset": read = RedisCommand("ZRANGE", [.string(key), 0, -1, "WITHSCORES"])
                case "stream": read = RedisCommand("XRANGE", [.string(key), "-", "+"])
                default: continue
                }
                out += flatten(try await redis.send(read)) + "\n"
            }
        } while cursor != "0"
        return out
    }

    private static func flatten(_ value: RESPValue) -> String {
        if let items = value.array { return items.map(flatten).joined(separator: " ") }
        return value.string ?? ""
    }
}
