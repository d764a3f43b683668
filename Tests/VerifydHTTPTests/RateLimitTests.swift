import Foundation
import HTTPTypes
import RedisClient
import TestSupport
import Testing
import Verification

/// Rate limits with short windows (`1/1,3/5`), judged by the Redis-time log the script keeps.
@Suite struct RateLimitTests {
    private let target = "rl@example.com"
    private let logKey = KeyLayout().sendLog(.email("rl@example.com"))

    @Test(arguments: RedisBackend.endToEnd) func windowsAreExactAndRefusalsLeaveNoTrace(_ backend: RedisBackend)
        async throws
    {
        try await Harness.run(["VERIFYD_RATE_LIMITS": "1/3,3/8"], backend: backend) { h async throws in
            let send = body("email", 5, account: target)
            #expect(try await h.send(send).code == .ok)
            var times = [try await h.store.send("LINDEX", .string(logKey), 0).int ?? 0]

            // Inside the 3-second window: refused with Retry-After, and the refusal writes nothing.
            let logBefore = try await h.store.send("LRANGE", .string(logKey), 0, -1)
            let ttlBefore = try await h.store.send("PTTL", .string(logKey)).int ?? 0
            let refused = try await h.send(send)
            #expect(refused.code == .sentTooOften)
            #expect((1...3).contains(Int(refused.headers[HTTPField.Name("Retry-After")!] ?? "") ?? 0))
            #expect(try await h.store.send("LRANGE", .string(logKey), 0, -1) == logBefore)
            #expect(
                (try await h.store.send("PTTL", .string(logKey)).int ?? 0) <= ttlBefore,
                "a refusal must not extend a window")

            // Keep asking: every send is accepted as soon as both windows allow it, and not before.
            var refusals = 0
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(25)
            while times.count < 4, clock.now < deadline {
                let answer = try await h.send(send)
                if answer.code == .ok {
                    times.append(try await h.store.send("LINDEX", .string(logKey), 0).int ?? 0)
                } else {
                    #expect(answer.code == .sentTooOften)
                    refusals += 1
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            try #require(times.count == 4, "three more sends are accepted within 25 s")
            #expect(refusals > 0)
            // Judge exactness by Redis' own clock: no 3 s window holds 2 sends, no 8 s window holds 4.
            #expect(zip(times, times.dropFirst()).allSatisfy { $1 - $0 >= 3000 }, "\(times)")
            #expect(times[3] - times[0] >= 8000, "the 4th accepted send waits for the 8-second window: \(times)")
            #expect(
                (try await h.store.send("LLEN", .string(logKey)).int ?? 0) == 4,
                "the log keeps max(N) = 3 entries, and one more for releasing a reservation exactly")
            #expect(try await h.outboxLength() == 4)
        }
    }

    @Test(arguments: RedisBackend.endToEnd) func concurrentSendsForOneTargetAcceptExactlyOne(_ backend: RedisBackend)
        async throws
    {
        try await Harness.run(backend: backend) { h async throws in
            let codes = try await withThrowingTaskGroup(of: ResultCode.self) { group in
                for _ in 0..<50 {
                    group.addTask { try await h.send(body("sms", 5, account: "13800138000", countryCode: 86)).code }
                }
                return try await group.reduce(into: [ResultCode]()) { $0.append($1) }
            }
            #expect(codes.filter { $0 == .ok }.count == 1)
            #expect(codes.filter { $0 == .sentTooOften }.count == 49)
            #expect(try await h.outboxLength() == 1)
        }
    }
}
