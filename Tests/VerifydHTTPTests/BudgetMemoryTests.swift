import Foundation
import RedisClient
import Synchronization
import TestSupport
import Testing
import Verification

/// High-count budgets are window counters: their Redis memory per client IP is bounded, whatever the traffic.
@Suite(.serialized) struct BudgetMemoryTests {
    static let clients = 10_000

    /// 10,000 clients (behind a trusted proxy) each make one lookup send, once with the IP send budget and the lookup
    /// budget on and once with both off: the difference in Redis' `used_memory`, per client and per budget, stays
    /// under 200 bytes. The default windows are used (two pairs per budget).
    @Test func eachBudgetCostsAtMost200BytesPerClientIP() async throws {
        let on = try await usedMemory(budgets: true)
        let off = try await usedMemory(budgets: false)
        let perBudget = Double(on - off) / Double(Self.clients) / 2
        print("budget memory: \(Int(perBudget)) bytes per client IP per budget (\(Self.clients) IPs)")
        #expect(perBudget > 0, "the budgets were written")
        #expect(perBudget <= 200)
    }

    /// Redis' `used_memory` growth over `clients` accepted useType 1 sends, each from its own IPv4 address.
    private func usedMemory(budgets: Bool) async throws -> Int {
        let environment = [
            "VERIFYD_TRUSTED_PROXIES": "127.0.0.1/32",
            "VERIFYD_IP_RATE_LIMITS": budgets ? "20/600,100/86400" : "off",
            "VERIFYD_LOOKUP_RATE_LIMITS": budgets ? "30/600,200/86400" : "off",
        ]
        let grown = Mutex(0)
        try await Harness.run(environment) { h async throws in
            let before = try await Self.usedMemory(h.store)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for lane in 0..<32 {
                    group.addTask {
                        for client in stride(from: lane, to: Self.clients, by: 32) {
                            let ip = "198.\(18 + client / 65536).\(client / 256 % 256).\(client % 256)"
                            let answer = try await h.send(
                                body("email", 1, account: "m\(client)@example.com"), headers: ["X-Forwarded-For": ip])
                            guard answer.code == .ok else { throw TestFailure("client \(client): \(answer.code)") }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let after = try await Self.usedMemory(h.store)
            grown.withLock { $0 = after - before }
        }
        return grown.withLock { $0 }
    }

    private static func usedMemory(_ store: RedisClient) async throws -> Int {
        let info = try await store.send("INFO", "memory").string ?? ""
        let line = info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("used_memory:") } ?? ""
        return Int(line.dropFirst("used_memory:".count)) ?? 0
    }
}
