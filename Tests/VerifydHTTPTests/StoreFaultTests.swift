import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import RedisClient
import TestSupport
import Testing
import Verification

/// Redis answering what verifyd does not expect is a 500 (39500) that names the kind of key, unlike an unreachable
/// Redis (503 with Retry-After): a mirror key the application wrote with the wrong type, a script error.
@Suite struct StoreFaultTests {
    @Test(arguments: RedisBackend.endToEnd) func aMirrorAccountOfTheWrongTypeIs500(_ backend: RedisBackend) async throws
    {
        try await Harness.run(backend: backend) { h async throws in
            _ = try await h.store.send("SET", "verify:account:w1", "not a hash")
            _ = try await h.store.send("SET", "verify:token:w1:t1", "1")
            let login = ["X-Fresns-Aid": "w1", "X-Fresns-Aid-Token": "t1"]
            let answer = try await h.send(body("email", 5, account: "w1@example.com"), headers: login)
            #expect(answer.status == .internalServerError && answer.code == .internalError)
            #expect(answer.headers[HTTPField.Name("Retry-After")!] == nil, "not a retryable outage")
            #expect(try await faults(h).contains(#"verifyd_store_faults_total{key="mirror account"}"#))
        }
    }

    @Test(arguments: RedisBackend.endToEnd) func aScriptErrorIs500AndWritesNothing(_ backend: RedisBackend) async throws
    {
        try await Harness.run(backend: backend) { h async throws in
            let target = Target.email("script@example.com")
            _ = try await h.store.send("SET", .string(KeyLayout().sendLog(target)), "not a list")
            let answer = try await h.send(body("email", 5, account: "script@example.com"))
            #expect(answer.status == .internalServerError && answer.code == .internalError)
            #expect(try await h.outboxLength() == 0)
            #expect(try await faults(h).contains(#"verifyd_store_faults_total{key="send script"}"#))
        }
    }

    @Test func aCodeKeyOfTheWrongTypeIs500OnCheck() async throws {
        try await Harness.run(["VERIFYD_INTERNAL_TOKEN": internalToken]) { h async throws in
            let key = KeyLayout().code(.email("check@example.com"), templateId: 1)
            _ = try await h.store.send("SET", .string(key), "not a hash")
            let answer = try await h.check(
                #"{"type":"email","account":"check@example.com","templateId":1,"verifyCode":"123456"}"#)
            #expect(answer.status == .internalServerError && answer.code == .internalError)
            #expect(try await faults(h).contains(#"verifyd_store_faults_total{key="check script"}"#))
        }
    }

    /// An operator's new blocked domain reaches a running instance within the cache's refresh (5 s), with no
    /// restart and no lookup on the send path.
    @Test func aNewlyBlockedDomainIsRefusedWithinTheRefresh() async throws {
        try await Harness.run { h async throws in
            #expect(try await h.send(body("email", 5, account: "a@later.example")).code == .ok)
            _ = try await h.store.send("SADD", "verify:email-domains:blocked", "later.example")
            try await waitUntil(timeout: .seconds(10), "the blocked domain is refused") {
                try await h.send(body("email", 5, account: "b\(UInt32.random(in: 0 ... .max))@later.example")).code
                    == .emailDomain
            }
            _ = try await h.store.send("SREM", "verify:email-domains:blocked", "later.example")
            try await waitUntil(timeout: .seconds(10), "the unblocked domain is accepted again") {
                try await h.send(body("email", 5, account: "c\(UInt32.random(in: 0 ... .max))@later.example")).code
                    == .ok
            }
        }
    }

    private func faults(_ h: Harness) async throws -> String {
        let text = try await h.client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
        return text.split(separator: "\n").filter { $0.hasPrefix("verifyd_store_faults_total") }.joined(separator: "\n")
    }
}
