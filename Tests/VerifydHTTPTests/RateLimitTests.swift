import Foundation
import HTTPTypes
import RedisClient
import TestSupport
import Testing

/// Rate limits with short windows (`1/1,3/5`), judged by the Redis-time log the script keeps.
@Suite struct RateLimitTests {
    private let target = "rl@example.com"
    private let logKey = "verify:{rl@example.com}:sends"

    @Test func windowsAreExactAndRefusalsLeaveNoTrace() async throws {
        try await Harness.run(["VERIFYD_RATE_LIMITS": "1/1,3/5"]) { h async throws in
            let send = body("email", 5, account: target)
            #expect(try await h.send(send).code == 0)
            let firstTime = try await h.store.send("LINDEX", .string(logKey), 0).int ?? 0

            // Inside the 1-second window: refused with Retry-After, and the refusal writes nothing.
            let logBefore = try await h.store.send("LRANGE", .string(logKey), 0, -1)
            let ttlBefore = try await h.store.send("PTTL", .string(logKey)).int ?? 0
            let refused = try await h.send(send)
            #expect(refused.code == 33201)
            #expect(refused.headers[HTTPField.Name("Retry-After")!] == "1")
            #expect(try await h.store.send("LRANGE", .string(logKey), 0, -1) == logBefore)
            #expect((try await h.store.send("PTTL", .string(logKey)).int ?? 0) <= ttlBefore, "a refusal must not extend a window")

            // Accepted again once the short window has passed: sends 2 and 3.
            for _ in 0..<2 {
                try await waitUntil(timeout: .seconds(4), "the 1-second window passes") {
                    try await h.send(send).code == 0
                }
            }
            // Now the 5-second window holds 3 sends: refused even after the short window passed.
            try await waitUntil(timeout: .seconds(3), "a refusal comes from the 5-second window") {
                let answer = try await h.send(send)
                #expect(answer.code == 33201, "the 4th send inside 5 s must be refused")
                return Int(answer.headers[HTTPField.Name("Retry-After")!] ?? "") ?? 0 >= 2
            }
            #expect(try await h.outboxLength() == 3)

            // And accepted once the 5-second window has passed.
            try await waitUntil(timeout: .seconds(7), "the 5-second window passes") {
                try await h.send(send).code == 0
            }
            // Judge exactness by Redis' own times: no window of 1 s holds 2 sends, none of 5 s holds 4.
            let times = (try await h.store.send("LRANGE", .string(logKey), 0, -1).array ?? []).compactMap(\.int)
            #expect(times.count == 3, "the log keeps max(N) = 3 entries")
            #expect(zip(times, times.dropFirst()).allSatisfy { $0 - $1 >= 1000 })
            #expect((times.first ?? 0) - firstTime >= 5000, "the 4th accepted send is 5 s or more after the 1st")
            #expect(try await h.outboxLength() == 4)
        }
    }

    @Test func concurrentSendsForOneTargetAcceptExactlyOne() async throws {
        try await Harness.run { h async throws in
            let codes = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<50 { group.addTask { try await h.send(body("sms", 5, account: "13800138000", countryCode: 86)).code } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(codes.filter { $0 == 0 }.count == 1)
            #expect(codes.filter { $0 == 33201 }.count == 49)
            #expect(try await h.outboxLength() == 1)
        }
    }
}
