import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import RedisClient
import TestSupport
import Testing
import Verification

/// Signatures, per-IP and per-country limits, blocked domains, slow clients.
@Suite struct ProtectionTests {
    private let appId = "yh1OJ7WL"
    private let secret = "qUiEaDNQh2IpvGHOKlTMx7ujn8t1CZWX"

    private func signedHeaders(
        platform: String = "2", timestamp: Int64? = nil, tamper: Bool = false, app: String? = nil
    ) -> [String: String] {
        var headers = [
            "X-Fresns-App-Id": app ?? appId, "X-Fresns-Client-Platform-Id": platform,
            "X-Fresns-Client-Version": "2.0.0",
            "X-Fresns-Signature-Timestamp": String(timestamp ?? Int64(Date().timeIntervalSince1970 * 1000)),
        ]
        headers["X-Fresns-Signature"] = FresnsSignature.sign(headers, secret: tamper ? "not-the-secret" : secret)
        return headers
    }

    @Test func signatures() async throws {
        try await Harness.run(["VERIFYD_SIGNATURE": "on"]) { h async throws in
            _ = try await h.store.send(
                "HSET", .string("verify:app:\(appId)"), "secret", .string(secret), "platformId", "2", "enabled", "1")
            _ = try await h.store.send("HSET", "verify:app:disabled1", "secret", "x", "platformId", "2", "enabled", "0")
            let send = body("email", 5, account: "s@example.com")
            #expect(try await h.send(send).code == .appIdInvalid, "no signature headers at all")
            #expect(try await h.send(send, headers: signedHeaders(app: "unknown1")).code == .appIdInvalid)
            #expect(try await h.send(send, headers: signedHeaders(app: "disabled1")).code == .appIdInvalid)
            #expect(try await h.send(send, headers: signedHeaders(platform: "4")).code == .keyNotAllowed)
            let old = Int64(Date().timeIntervalSince1970) - 700
            #expect(try await h.send(send, headers: signedHeaders(timestamp: old)).code == .signatureExpired)
            #expect(
                try await h.send(send, headers: signedHeaders(timestamp: Int64(Date().timeIntervalSince1970) + 700))
                    .code == .signatureExpired)
            #expect(try await h.send(send, headers: signedHeaders(tamper: true)).code == .signatureError)
            #expect(try await h.outboxLength() == 0)
            #expect(try await h.send(send, headers: signedHeaders()).code == .ok)
            #expect(
                try await h.send(
                    body("email", 5, account: "t@example.com"),
                    headers: signedHeaders(timestamp: Int64(Date().timeIntervalSince1970))
                ).code == .ok,
                "10-digit second timestamps are accepted too")
        }
    }

    @Test(arguments: RedisBackend.endToEnd) func perIPLimitsCountTheSocketPeerAndIgnoreSpoofedHeaders(
        _ backend: RedisBackend
    ) async throws {
        try await Harness.run(["VERIFYD_IP_RATE_LIMITS": "2/600"], backend: backend) { h async throws in
            #expect(
                try await h.send(
                    body("email", 5, account: "i1@example.com"), headers: ["X-Forwarded-For": "198.51.100.1"]
                ).code == .ok)
            #expect(
                try await h.send(
                    body("email", 5, account: "i2@example.com"), headers: ["X-Forwarded-For": "198.51.100.2"]
                ).code == .ok)
            let third = try await h.send(
                body("email", 5, account: "i3@example.com"), headers: ["X-Forwarded-For": "198.51.100.3"])
            #expect(
                third.code == .sentTooOften,
                "the header from an untrusted peer is ignored: all three come from 127.0.0.1")
            // A window counter of 2 per 600 s: the rest of the fixed window, then half of the next.
            #expect(Int(third.headers[HTTPField.Name("Retry-After")!] ?? "") ?? 0 >= 300)
            #expect(try await h.outboxLength() == 2, "a refused send stores and queues nothing")
            #expect(try await h.store.send("EXISTS", .string(KeyLayout().sendLog(.email("i3@example.com")))).int == 0)
            #expect(try await BudgetProbe.count(h.store, KeyLayout().ipSendCount("127.0.0.1")) == 2)
        }
    }

    @Test func trustedProxiesForwardTheClientAddress() async throws {
        try await Harness.run(["VERIFYD_IP_RATE_LIMITS": "1/600", "VERIFYD_TRUSTED_PROXIES": "127.0.0.0/8,10.0.0.0/8"])
        { h async throws in
            #expect(
                try await h.send(
                    body("email", 5, account: "p1@example.com"), headers: ["X-Forwarded-For": "203.0.113.1"]
                ).code == .ok)
            #expect(
                try await h.send(
                    body("email", 5, account: "p2@example.com"), headers: ["X-Forwarded-For": "203.0.113.2, 10.0.0.7"]
                ).code == .ok)
            #expect(
                try await h.send(
                    body("email", 5, account: "p3@example.com"), headers: ["X-Forwarded-For": "203.0.113.1"]
                ).code == .sentTooOften)
            #expect(try await h.store.send("EXISTS", "verify:{ip:203.0.113.2}:sent").int == 1)
            #expect(try await h.store.send("EXISTS", "verify:{ip:10.0.0.7}:sent").int == 0)
        }
    }

    @Test(arguments: RedisBackend.endToEnd) func smsCountryAllowListAndBudget(_ backend: RedisBackend) async throws {
        try await Harness.run(
            ["VERIFYD_SMS_COUNTRY_CODES": "86,852", "VERIFYD_SMS_COUNTRY_RATE_LIMITS": "2/3600"], backend: backend
        ) {
            h async throws in
            #expect(try await h.send(body("sms", 5, account: "2025550100", countryCode: 1)).code == .countryCode)
            #expect(try await h.send(body("sms", 5, account: "13800138001", countryCode: 86)).code == .ok)
            #expect(try await h.send(body("sms", 5, account: "13800138002", countryCode: 86)).code == .ok)
            #expect(try await h.send(body("sms", 5, account: "13800138003", countryCode: 86)).code == .sentTooOften)
            #expect(try await h.send(body("sms", 5, account: "91234567", countryCode: 852)).code == .ok)
            #expect(try await h.outboxLength() == 3)
        }
    }

    @Test(arguments: RedisBackend.endToEnd) func blockedEmailDomains(_ backend: RedisBackend) async throws {
        try await Harness.run(backend: backend) { h async throws in
            _ = try await h.store.send("SADD", "verify:email-domains:blocked", "mailinator.com")
            #expect(try await h.send(body("email", 5, account: "x@mailinator.com")).code == .emailDomain)
            #expect(try await h.send(body("email", 5, account: "x@eu.mailinator.com")).code == .emailDomain)
            #expect(try await h.send(body("email", 5, account: "x@notmailinator.com")).code == .ok)
            #expect(try await h.outboxLength() == 1)
        }
    }

    @Test func aSlowClientIsCutOffAndOthersKeepBeingAnswered() async throws {
        try await Harness.run(["VERIFYD_REQUEST_TIMEOUT_MS": "1500"]) { h async throws in
            let port = try #require(h.client.port)
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port).get()
            let head = Array(
                "POST /api/v2/common/send-verify-code HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n".utf8)
            let clock = ContinuousClock()
            let started = clock.now
            var sent = 0
            while channel.isActive, sent < head.count, clock.now - started < .seconds(10) {
                try? await channel.writeAndFlush(ByteBuffer(bytes: [head[sent]]))
                sent += 1
                // A fresh connection each time: idle keep-alive connections are closed after the same deadline.
                #expect(try await getStatus(port: port, path: "/health/live") == 200, "others are answered meanwhile")
                try await Task.sleep(for: .milliseconds(100))
            }
            try await waitUntil(timeout: .seconds(5), "the slow connection is closed") { !channel.isActive }
            // One byte per 100 ms at least: a head sent for longer than the 1.5-s deadline is cut off well before
            // its middle, however slow the machine (a slow machine sends fewer bytes, not more). No wall-clock bound.
            #expect(sent < head.count / 2, "closed long before its request head was complete (\(sent) bytes)")
        }
    }

    /// A body that breaks HTTP framing gets a 400 envelope and a closed connection, not a 500.
    @Test(arguments: ["zz\r\n\r\n", "-5\r\nhello\r\n0\r\n\r\n", "FFFFFFFFFFFFFFFFFF\r\n", "3\r\nhello\r\n0\r\n\r\n"])
    func brokenChunkedBodiesAre400(_ chunks: String) async throws {
        try await Harness.run { h async throws in
            let port = try #require(h.client.port)
            let answer = try await rawExchange(
                port: port,
                Array(
                    ("POST /api/v2/common/send-verify-code HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n" + chunks).utf8))
            #expect(answer.hasPrefix("HTTP/1.1 400"), "\(answer.prefix(80))")
            #expect(answer.contains(#""code":\#(ResultCode.parameterError.rawValue)"#))
        }
    }

    @Test func oversizedHeadersAreRefused() async throws {
        try await Harness.run { h async throws in
            let huge = String(repeating: "x", count: 20_000)
            do {
                let answer = try await h.client.execute(
                    uri: "/health/live", method: .get, headers: [HTTPField.Name("X-Big")!: huge], body: nil
                ) { $0.status }
                #expect(answer != .ok)
            } catch {
                // The server closed the connection: refused as well.
            }
            let port = try #require(h.client.port)
            #expect(try await getStatus(port: port, path: "/health/live") == 200, "the server keeps answering others")
        }
    }
}

/// Writes `bytes` on a fresh connection and returns everything the server sends until it closes (`timeout` at most;
/// past it the failure says how many answers had come).
func rawExchange(port: Int, _ bytes: [UInt8], timeout: Duration = .seconds(10)) async throws -> String {
    let received = NIOLockedValueBox<[UInt8]>([])
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(ByteCollector(received))
            }
        }
        .connect(host: "127.0.0.1", port: port).get()
    try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
    do {
        try await waitUntil(timeout: timeout, "the server closes the connection") { !channel.isActive }
    } catch {
        let text = String(decoding: received.withLockedValue { $0 }, as: UTF8.self)
        let answers = text.components(separatedBy: "HTTP/1.").count - 1
        throw TestFailure("\(error); \(answers) answers by then, ending: \(text.suffix(300))")
    }
    return String(decoding: received.withLockedValue { $0 }, as: UTF8.self)
}

/// Appends every byte read to a shared buffer.
private final class ByteCollector: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    private let bytes: NIOLockedValueBox<[UInt8]>
    init(_ bytes: NIOLockedValueBox<[UInt8]>) { self.bytes = bytes }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        bytes.withLockedValue { $0 += buffer.readableBytesView }
    }
}
