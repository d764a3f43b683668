import RedisClient
import TestSupport
import Testing

@testable import Verification

/// The two ways limits count (`LimitLua`), run on a real redis-server with the time given instead of read, so that
/// window edges are exact.
@Suite struct LimitLuaTests {
    /// Runs one of `LimitLua`'s store functions on `key` at Redis time `at` (ms) for a limit of `pairs`, each pair
    /// (count, window ms, a whole number of seconds), compiled into the script's catalog as `probe`; `retry` answers
    /// the wait in ms, `add` and `remove` answer 0.
    private struct Probe {
        let redis: RedisClient
        let script: RedisScript

        init(redis: RedisClient, store: LimitRule.Store, pairs: [(count: Int, windowMs: Int)]) {
            self.redis = redis
            let limits = pairs.map { RateLimit(count: $0.count, window: $0.windowMs / 1000)! }
            let rule = LimitRule(name: "probe", store: store, counts: .send, pairs: limits)
            script = RedisScript(
                LimitLua.functions(for: [rule]) + """
                    local limit, action, stamp = limitOf('probe'), ARGV[1], ARGV[2]
                    local at = tonumber(stamp)
                    if action == 'retry' then return retryOf(limit, KEYS[1], at) end
                    if action == 'add' then addTo(limit, KEYS[1], at, stamp) else removeFrom(limit, KEYS[1], stamp) end
                    return 0
                    """)
        }

        func callAsFunction(_ action: String, at time: Int64) async throws -> Int64 {
            let reply = try await redis.eval(script, keys: ["limit"], arguments: [.string(action), .integer(time)])
            return try #require(reply.int, "\(reply)")
        }
    }

    // Windows are long (1,000 s and more) because a counter's TTL is real time: twice its longest window.

    @Test func aWindowCounterRefusesPastItsCountAndAdmitsAsThePreviousWindowFades() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        try await withRedisClient(url: server.url) { redis in
            let counter = Probe(redis: redis, store: .counter, pairs: [(10, 1_000_000)])
            for _ in 0..<9 { _ = try await counter("add", at: 500_000) }
            #expect(try await counter("retry", at: 600_000) == 0, "9 of 10 in the window")
            _ = try await counter("add", at: 600_000)
            // Full: the rest of this window (400 s), then until 10 × (1 - elapsed/1000 s) ≤ 9, 100 s into the next.
            #expect(try await counter("retry", at: 600_000) == 500_000)
            #expect(try await counter("retry", at: 1_099_000) == 1000)
            #expect(try await counter("retry", at: 1_100_000) == 0)
            // In the next window the previous one weighs by its share still to come: 10 × 0.5 + 4 = 9, then 10.
            for _ in 0..<4 { _ = try await counter("add", at: 1_500_000) }
            #expect(try await counter("retry", at: 1_500_000) == 0)
            _ = try await counter("add", at: 1_500_000)
            #expect(try await counter("retry", at: 1_500_000) == 100_000, "10 × (1 - 0.6) + 5 = 9 at 1600 s")
            // Two windows on, nothing is left.
            #expect(try await counter("retry", at: 3_000_000) == 0)
            #expect(try await redis.send("PTTL", "limit").int ?? 0 > 1_000_000, "kept for twice the longest window")
        }
    }

    /// Up to three pairs are read and written in one step each, more pair by pair: the stored text is the same.
    @Test func aCounterOfFourPairsKeepsEachPairsCounts() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        try await withRedisClient(url: server.url) { redis in
            let counter = Probe(
                redis: redis, store: .counter,
                pairs: [(3, 1_000_000), (4, 2_000_000), (5, 4_000_000), (6, 8_000_000)])
            for _ in 0..<2 { _ = try await counter("add", at: 1_500_000) }
            _ = try await counter("add", at: 2_500_000)
            // At 2500 s the 1000 s and 2000 s pairs are in their next windows, with the 2 events of 1500 s before.
            #expect(try await redis.send("GET", "limit").string == "2:1:2,1:1:2,0:3:0,0:3:0")
            #expect(try await counter("retry", at: 2_500_000) == 0, "2 × 0.5 + 1 = 2 of 3; 2 × 0.75 + 1 of 4")
            _ = try await counter("add", at: 2_500_000)
            // 2 × 0.5 + 2 = 3 of 3 until the previous count weighs 0 more (500 s); 2 × 0.75 + 2 = 3.5 of 4 likewise.
            #expect(try await counter("retry", at: 2_500_000) == 500_000)
            _ = try await counter("remove", at: 2_500_000)
            #expect(try await redis.send("GET", "limit").string == "2:1:2,1:1:2,0:3:0,0:3:0")
        }
    }

    @Test func aReleaseTakesBackTheEventOfItsOwnWindow() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        try await withRedisClient(url: server.url) { redis in
            let counter = Probe(redis: redis, store: .counter, pairs: [(2, 1_000_000), (5, 10_000_000)])
            _ = try await counter("add", at: 900_000)
            _ = try await counter("remove", at: 900_000)
            #expect(try await redis.send("GET", "limit").string == "0:0:0,0:0:0")
            _ = try await counter("add", at: 900_000)
            _ = try await counter("add", at: 1_100_000)  // the next 1000 s window: 900 s's event is its previous count
            _ = try await counter("remove", at: 900_000)
            #expect(try await redis.send("GET", "limit").string == "1:1:0,0:1:0")
            _ = try await counter("remove", at: 1_100_000)
            #expect(try await redis.send("GET", "limit").string == "1:0:0,0:0:0")
            _ = try await counter("remove", at: 1_100_000)
            #expect(try await redis.send("GET", "limit").string == "1:0:0,0:0:0", "never below zero")
        }
    }

    /// The same log with its pairs in either order: each pair reads its own `count`-th newest event.
    @Test(arguments: [false, true]) func anExactLogRefusesUntilItsNthNewestEventLeavesTheWindow(
        longestFirst: Bool
    ) async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        try await withRedisClient(url: server.url) { redis in
            let pairs = [(count: 1, windowMs: 60000), (count: 3, windowMs: 600_000)]
            let log = Probe(redis: redis, store: .log, pairs: longestFirst ? pairs.reversed() : pairs)
            _ = try await log("add", at: 1000)
            #expect(try await log("retry", at: 30000) == 31000)
            #expect(try await log("retry", at: 61000) == 0)
            _ = try await log("add", at: 61000)
            _ = try await log("add", at: 121_000)
            #expect(try await log("retry", at: 181_000) == 420_000, "the 3rd newest (1000) leaves at 601000")
            _ = try await log("remove", at: 121_000)
            #expect(try await log("retry", at: 181_000) == 0)
            #expect(try await redis.send("LLEN", "limit").int == 2)
        }
    }

    /// A script knows its deployment's rules by name, numbers compiled in; a name it was not built with has none.
    @Test func theCatalogAnswersEachRuleAsCompiledAndNothingForAnotherName() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        try await withRedisClient(url: server.url) { redis async throws in
            let rules = [
                LimitRule(
                    name: "ip", store: .counter, counts: .send,
                    pairs: [RateLimit(count: 20, window: 600)!, RateLimit(count: 100, window: 86400)!]),
                LimitRule(name: "target", store: .log, counts: .send, pairs: SendSettings.defaultLimits),
                LimitRule(name: "lock", store: .lock, counts: .check, pairs: []),
            ]
            let script = RedisScript(
                LimitLua.functions(for: rules) + """
                    local limit = limitOf(ARGV[1])
                    if not limit then return 'none' end
                    for i = 1, #limit do limit[i] = tostring(limit[i]) end
                    return table.concat(limit, ' ')
                    """)
            func rule(_ name: String) async throws -> String? {
                try await redis.eval(script, keys: [], arguments: [.string(name)]).string
            }
            #expect(try await rule("ip") == "counter send 172800000 100 20 600000 100 86400000")
            #expect(try await rule("target") == "log send 86400000 10 1 60000 5 600000 10 86400000")
            #expect(try await rule("lock") == "lock check 0 0")
            #expect(try await rule("country") == "none")
        }
    }
}
