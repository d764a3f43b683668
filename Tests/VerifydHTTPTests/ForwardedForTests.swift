import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import RedisClient
import Synchronization
import TestSupport
import Testing
import Verification

/// `X-Forwarded-For` from a trusted proxy, through a real `verifyd serve` over a socket: ports and brackets are
/// read, IPv6 counts per /56, and an unparsable entry gets a budget of its own, logged without its text and counted.
@Suite struct ForwardedForTests {
    @Test func entriesWithPortsBracketsOrNoAddressEachCountUnderTheirOwnBudget() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        let process = try await Self.behindAProxy(redis, ["VERIFYD_LOG_FORMAT": "json"])
        defer { process.stop() }
        let send = Self.sender(process)
        let secretText = "client-chosen-text-7f3a"
        #expect(try await send("203.0.113.9:5678") == .ok)
        #expect(try await send("203.0.113.9:6000") == .sentTooOften, "the port is not part of the address")
        #expect(try await send("[2001:db8:1:2::7]:443") == .ok)
        #expect(try await send("2001:db8:1:3::8") == .sentTooOften, "the same /56")
        #expect(try await send("[2001:db8:1:100::1]") == .ok, "another /56")
        #expect(try await send(secretText) == .ok)
        #expect(try await send(" \(secretText.uppercased()) ") == .sentTooOften, "the same text, the same budget")
        #expect(try await send("unknown") == .ok, "other unparsable text: not the budget of the first")
        #expect(try await send("198.51.100.5, 127.0.0.1") == .ok, "a readable client: not in a shared budget")

        let pseudo = ClientAddressResolver.pseudoAddress(for: secretText)
        try await withRedisClient(url: redis.url) { store async throws in
            for key in [
                "203.0.113.9", "2001:db8:1::/56", "2001:db8:1:100::/56", pseudo.description, "198.51.100.5",
            ] {
                #expect(try await BudgetProbe.count(store, KeyLayout().ipSendCount(key)) == 1, "\(key)")
            }
            #expect(
                try await store.send("EXISTS", .string(KeyLayout().ipSendCount("127.0.0.1"))).int == 0,
                "nothing counts under the proxy's address")
        }
        let logs = process.errorOutput()
        let warnings = logs.split(separator: "\n").filter { $0.contains("X-Forwarded-For entry is not an address") }
        #expect(warnings.count == 3)
        #expect(warnings.contains { $0.contains(pseudo.description) }, "the line names the budget's pseudo-address")
        #expect(!logs.lowercased().contains(secretText), "the entry's text is never logged")
        let metrics = try await getText(port: process.port, path: "/metrics")
        #expect(metrics.contains("verifyd_forwarded_for_unparsable_total 3"))
    }
}

extension ForwardedForTests {
    /// `VERIFYD_IPV6_PREFIX` sets how much of an IPv6 address a budget counts: at 64, two /64s of one /56 are two
    /// clients, and two addresses of one /64 are one.
    @Test func theIPv6PrefixIsASetting() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        let process = try await Self.behindAProxy(redis, ["VERIFYD_IPV6_PREFIX": "64"])
        defer { process.stop() }
        let send = Self.sender(process)
        #expect(try await send("2001:db8:1:2::7") == .ok)
        #expect(try await send("2001:db8:1:3::8") == .ok, "another /64 of the same /56")
        #expect(try await send("2001:db8:1:2::9") == .sentTooOften, "the same /64")
        try await withRedisClient(url: redis.url) { store async throws in
            #expect(try await BudgetProbe.count(store, KeyLayout().ipSendCount("2001:db8:1:2::/64")) == 1)
        }
    }
}

extension ForwardedForTests {
    /// A `verifyd serve` that trusts 127.0.0.1 as its proxy, with a budget of 1 send per client.
    static func behindAProxy(_ redis: RedisServer, _ extra: [String: String]) async throws -> VerifydProcess {
        try await VerifydProcess.start(
            environment: testEnvironment(
                redis: redis,
                ["VERIFYD_TRUSTED_PROXIES": "127.0.0.1/32", "VERIFYD_IP_RATE_LIMITS": "1/600"].merging(extra) { $1 }))
    }

    /// Sends to a new address each time, from the client that `X-Forwarded-For` names; the answer's code.
    static func sender(_ process: VerifydProcess) -> @Sendable (String) async throws -> ResultCode {
        let counter = Mutex(0)
        return { forwardedFor in
            let index = counter.withLock {
                $0 += 1
                return $0
            }
            return try await postForwarded(
                port: process.port, body("email", 5, account: "xff\(index)@example.com"), forwardedFor: forwardedFor
            ).code
        }
    }
}

/// POSTs a send to a verifyd process with an `X-Forwarded-For` header.
func postForwarded(port: Int, _ json: String, forwardedFor: String) async throws -> Answer {
    try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
        let response = try await client.execute(
            .init(
                "/api/v2/common/send-verify-code", method: .post, authority: "127.0.0.1:\(port)",
                headers: [.contentType: "application/json", HTTPField.Name("X-Forwarded-For")!: forwardedFor],
                body: ByteBuffer(string: json)))
        return try Answer(status: response.status, headers: response.headers, body: response.body ?? ByteBuffer())
    }
}
