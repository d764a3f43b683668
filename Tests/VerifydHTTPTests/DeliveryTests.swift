import Foundation
import HTTPTypes
import RedisClient
import TestSupport
import Testing
import Verification

/// Delivery seen from the outside: the send path's part in it (what is queued, and what is not), and one code
/// end to end, through the HTTP app and the worker `VerifydServices` wires in process to aiosmtpd on loopback, with a
/// real redis-server. How the worker and the drivers deliver, retry and dead-letter is tested in
/// DeliveryDriversTests, without HTTP.
@Suite struct DeliveryTests {
    /// HTTP → Redis → worker → SMTP relay: the code in the mail is the one whose hash was stored, and its outbox entry
    /// is acknowledged.
    @Test(arguments: RedisBackend.endToEnd) func aCodeSentOverHTTPReachesTheSMTPRelayThroughTheWorker(
        _ backend: RedisBackend
    ) async throws {
        let sink = try await Sink.start(.smtp)
        defer { sink.stop() }
        let environment = [
            "VERIFYD_EMAIL": "smtp://127.0.0.1:\(sink.port)",
            "VERIFYD_EMAIL_FROM": "Verifyd Test <noreply@example.com>",
            "VERIFYD_SITE_NAME": "Fresns 社区", "VERIFYD_SMTP_TIMEOUT_MS": "5000",
        ]
        try await Harness.run(environment, backend: backend, worker: true) { h async throws in
            let answer = try await h.send(
                body("email", 5, 2, account: "Reader@Example.com"), headers: ["X-Fresns-Client-Lang-Tag": "zh-Hans"])
            #expect(answer.code == .ok)
            try await waitUntil(timeout: .seconds(15), "the mail arrives") { sink.records("messages.jsonl").count == 1 }
            let mail = sink.records("messages.jsonl")[0]
            #expect(mail["rcpt_tos"] as? [String] == ["reader@example.com"])
            #expect(mail["subject"] as? String == "【Fresns 社区】您的验证码")
            let text = mail["text"] as? String ?? ""
            let code = try #require(text.firstMatch(of: /\d{6}/).map { String($0.output) })
            let stored =
                try await h.store.send(
                    "HGET", .string(KeyLayout().code(.email("reader@example.com"), templateId: 2)), "hash"
                ).string ?? ""
            #expect(
                CodeCrypto(secret: testSecret, length: 6).matches(
                    code: code, target: .email("reader@example.com"), templateId: 2, storedHash: stored))
            try await waitUntil(timeout: .seconds(5), "the entry is acknowledged") { try await h.outboxLength() == 0 }
            #expect(try await OutboxProbe(h.store).stat("delivered") == 1)
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

    @Test(arguments: RedisBackend.endToEnd) func noPlaintextCodeAnywhereInRedis(_ backend: RedisBackend) async throws {
        try await Harness.run(["VERIFYD_CODE_LENGTH": "10", "VERIFYD_RATE_LIMITS": "10/60"], backend: backend) {
            h async throws in
            for index in 0..<3 {
                #expect(try await h.send(body("email", 5, 1, account: "p\(index)@example.com")).code == .ok)
                #expect(try await h.send(body("sms", 5, 4, account: "1380013800\(index)", countryCode: 86)).code == .ok)
            }
            let crypto = CodeCrypto(secret: testSecret, length: 10)
            var codes: [String] = []
            for (_, fields) in try await OutboxProbe(h.store).entries() {
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
