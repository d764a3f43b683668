import NIOConcurrencyHelpers
import TestSupport
import Testing

@testable import Verification

/// The worker's two pieces of bookkeeping, both locks rather than actors: the limit on provider calls at once, and
/// the entries held.
@Suite struct WorkerBookkeepingTests {
    /// 200 calls through a limit of 3, each waiting until it is let go: never more than 3 run at once, exactly 3
    /// run while the rest wait, and every call finishes.
    @Test func theLimiterRunsAtMostItsLimitAndFinishesEveryCall() async throws {
        let limiter = ConcurrencyLimiter(limit: 3)
        let running = NIOLockedValueBox((now: 0, most: 0, finished: 0))
        let release = NIOLockedValueBox(0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<200 {
                group.addTask {
                    try await limiter.run {
                        running.withLockedValue {
                            $0.now += 1
                            $0.most = max($0.most, $0.now)
                        }
                        try await waitUntil(timeout: .seconds(30), "this call is let go") {
                            release.withLockedValue { released in
                                guard released > 0 else { return false }
                                released -= 1
                                return true
                            }
                        }
                        running.withLockedValue {
                            $0.now -= 1
                            $0.finished += 1
                        }
                    }
                }
            }
            try await waitUntil(timeout: .seconds(10), "three calls run") { running.withLockedValue { $0.now == 3 } }
            // Let them go one at a time, checking the bound each time a slot is handed over.
            for finished in 1...200 {
                release.withLockedValue { $0 += 1 }
                try await waitUntil(timeout: .seconds(10), "call \(finished) finishes") {
                    running.withLockedValue { $0.finished == finished }
                }
                let now = running.withLockedValue { $0.now }
                #expect(now <= 3)
            }
            try await group.waitForAll()
        }
        #expect(running.withLockedValue { $0.most } == 3)
    }

    /// A wait for room returns at once below the limit, when an entry is let go, and after its timeout at the latest.
    @Test func waitingForRoomEndsOnARemovalOrItsTimeout() async throws {
        let held = HeldEntries()
        let shard = OutboxShard(index: 3)
        #expect(held.add("1-0", of: shard))
        #expect(!held.add("1-0", of: shard), "an entry held already")
        #expect(held.add("2-0", of: OutboxShard(index: 4)))
        #expect(held.count == 2)
        #expect(held.ids(of: shard) == ["1-0"])

        let clock = ContinuousClock()
        var started = clock.now
        await held.waitBelow(3, timeout: .seconds(60))
        #expect(clock.now - started < .seconds(30), "below the limit: no wait")

        started = clock.now
        await held.waitBelow(2, timeout: .milliseconds(200))
        #expect(clock.now - started >= .milliseconds(200), "at the limit until the timeout")
        #expect(clock.now - started < .seconds(30))

        let done = NIOLockedValueBox(false)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                await held.waitBelow(2, timeout: .seconds(60))
                done.withLockedValue { $0 = true }
            }
            try await waitUntil(timeout: .seconds(10), "the waiter waits") { held.waiters == 1 }
            #expect(!done.withLockedValue { $0 }, "still at the limit")
            held.remove("1-0", of: shard)
            try await waitUntil(timeout: .seconds(10), "the waiter is woken by the removal") {
                done.withLockedValue { $0 }
            }
            try await group.waitForAll()
        }
        #expect(held.count == 1)
        #expect(held.waiters == 0)
        #expect(held.ids(of: shard).isEmpty)
    }
}
