import Foundation
import RedisClient
import TestSupport
import Testing
import Verification

/// What must hold on a standalone Redis and on a cluster alike, where budgets live in other slots than the target:
/// a refused send leaves no trace in any budget, and instances never race on one target.
@Suite struct BudgetAcrossSlotsTests {
    @Test(arguments: RedisBackend.endToEnd)
    func refusedSendsLeaveNoTraceInAnyBudget(_ backend: RedisBackend) async throws {
        let environment = [
            "VERIFYD_IP_RATE_LIMITS": "5/600", "VERIFYD_SMS_COUNTRY_RATE_LIMITS": "5/3600",
        ]
        try await Harness.run(environment, backend: backend) { h async throws in
            try await h.seedAccount(aid: "a1", email: "taken@example.com")
            #expect(try await h.send(body("sms", 5, account: "13800138000", countryCode: 86)).code == .ok)
            let before = try await budgets(h)
            #expect(before.ip == 1 && before.country == 1)

            #expect(
                try await h.send(body("sms", 5, account: "13800138000", countryCode: 86)).code == .sentTooOften,
                "the target's limit")
            #expect(try await h.send(body("email", 1, account: "taken@example.com")).code == .emailUsed, "the owner")
            #expect(try await h.send(body("email", 2, account: "nobody@example.com")).code == .accountNotExist)
            let after = try await budgets(h)
            #expect(after == before, "every reservation was released")
            #expect(try await h.outboxLength() == 1)
        }
    }

    @Test(arguments: RedisBackend.endToEnd)
    func aBudgetThatRefusesReleasesTheOthers(_ backend: RedisBackend) async throws {
        let environment = ["VERIFYD_IP_RATE_LIMITS": "1/600", "VERIFYD_SMS_COUNTRY_RATE_LIMITS": "5/3600"]
        try await Harness.run(environment, backend: backend) { h async throws in
            #expect(try await h.send(body("sms", 5, account: "13800138001", countryCode: 86)).code == .ok)
            let refused = try await h.send(body("sms", 5, account: "13800138002", countryCode: 86))
            #expect(refused.code == .sentTooOften, "the client IP's budget")
            let after = try await budgets(h)
            #expect(after.ip == 1 && after.country == 1, "the country's reservation was released")
            let target = Target.phone(countryCode: 86, number: "13800138002")
            #expect(try await h.store.send("EXISTS", .string(KeyLayout().sendLog(target))).int == 0)
        }
    }

    /// A budget whose script fails (its key written with the wrong type) fails the send (500), and the budgets
    /// reserved beside it are released: the client IP's count is left as it was.
    @Test(arguments: RedisBackend.endToEnd)
    func aFailingBudgetReleasesTheOthers(_ backend: RedisBackend) async throws {
        let environment = ["VERIFYD_IP_RATE_LIMITS": "5/600", "VERIFYD_SMS_COUNTRY_RATE_LIMITS": "5/3600"]
        try await Harness.run(environment, backend: backend) { h async throws in
            _ = try await h.store.send("HSET", .string(KeyLayout().countrySendCount(86)), "not", "a string")
            let answer = try await h.send(body("sms", 5, account: "13800138003", countryCode: 86))
            #expect(answer.code == .internalError)
            #expect(
                try await BudgetProbe.count(h.store, KeyLayout().ipSendCount("127.0.0.1")) == 0,
                "the IP reservation was released")
            #expect(try await h.outboxLength() == 0)
        }
    }

    @Test(arguments: RedisBackend.endToEnd)
    func concurrentSendsThroughTwoInstancesAcceptExactlyOne(_ backend: RedisBackend) async throws {
        try await Harness.run(["VERIFYD_IP_RATE_LIMITS": "1000/60"], backend: backend) { h async throws in
            let other = try await VerifydProcess.start(
                environment: testEnvironment(
                    url: h.backend.url, ["VERIFYD_IP_RATE_LIMITS": "1000/60", "VERIFYD_WORKER": "false"]))
            defer { other.stop() }
            let json = body("sms", 5, account: "13800138000", countryCode: 86)
            let codes = try await withThrowingTaskGroup(of: ResultCode.self) { group in
                for index in 0..<40 {
                    group.addTask {
                        index.isMultiple(of: 2)
                            ? try await h.send(json).code : try await post(port: other.port, json).code
                    }
                }
                return try await group.reduce(into: [ResultCode]()) { $0.append($1) }
            }
            #expect(codes.filter { $0 == .ok }.count == 1)
            #expect(codes.filter { $0 == .sentTooOften }.count == 39)
            #expect(try await h.outboxLength() == 1)
        }
    }

    /// The client IP's and the country's counts.
    private func budgets(_ h: Harness) async throws -> Budgets {
        let keys = KeyLayout()
        return Budgets(
            ip: try await BudgetProbe.count(h.store, keys.ipSendCount("127.0.0.1")),
            country: try await BudgetProbe.count(h.store, keys.countrySendCount(86)))
    }

    private struct Budgets: Equatable {
        var ip: Int
        var country: Int
    }
}
