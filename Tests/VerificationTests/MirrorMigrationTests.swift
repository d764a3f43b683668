import RedisClient
import TestSupport
import Testing

@testable import Verification

/// `verifyd mirror migrate` on a standalone Redis written by the legacy layout.
@Suite struct MirrorMigrationTests {
    private let keys = KeyLayout()
    private let alice = Target.email("alice@example.com")
    private let phone = Target.phone(countryCode: 86, number: "13800138000")

    @Test func convertsTheLegacyLayoutIdempotently() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        try await withRedisClient(url: redis.url) { store async throws in
            try await seedLegacy(store)
            let migration = MirrorMigration(redis: store, keys: keys)
            var pages = 0
            let report = try await migration.run { _ in pages += 1 }
            #expect(report.owners == 2 && report.skipped == 1 && report.keys == 2 && report.entries == 2)
            #expect(pages >= 4, "progress after every page")
            try await expectMigrated(store)

            // A re-run (after a crash, or to pick up an old instance's writes) copies the indexes again, finds nothing
            // else left, and changes nothing.
            #expect(try await migration.run() == MirrorMigration.Report(owners: 2, skipped: 1))
            try await expectMigrated(store)
        }
    }

    @Test func aCodeSentAfterTheSwitchWinsOverTheLegacyOne() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        try await withRedisClient(url: redis.url) { store async throws in
            _ = try await store.send("HSET", "verify:{alice@example.com}:code:3", "hash", "legacy")
            _ = try await store.send("HSET", .string(keys.code(alice, templateId: 3)), "hash", "new")
            _ = try await MirrorMigration(redis: store, keys: keys).run()
            #expect(try await store.send("HGET", .string(keys.code(alice, templateId: 3)), "hash").string == "new")
            #expect(try await store.send("EXISTS", "verify:{alice@example.com}:code:3").int == 0)
        }
    }

    @Test(arguments: RedisBackend.endToEnd) func ownerKeysMoveToTheirCanonicalTarget(_ backend: RedisBackend)
        async throws
    {
        let redis = try await TestRedis.start(backend)
        defer { redis.stop() }
        let nodes = redis.cluster?.nodes.map(\.url) ?? [redis.url]
        try await withRedisClient(url: redis.url) { store async throws in
            try await withClients(nodes[...], connected: []) { scanNodes async throws in
                try await canonicalizes(store, scanNodes: backend == .standalone ? nil : scanNodes)
            }
        }
    }

    private func canonicalizes(_ store: RedisClient, scanNodes: [RedisClient]?) async throws {
        func written(_ targetKey: String) -> String {
            keys.owner(Target(channel: .sms, key: targetKey, countryCode: nil, nationalNumber: nil))
        }
        let uk = Target.phone(countryCode: 44, number: "7911123456")
        let cn = Target.phone(countryCode: 86, number: "13800138000")
        let idn = Target.email("ü@xn--bcher-kva.de")
        let seeded: [(String, String)] = [
            (written("4407911123456"), "a1"),  // trunk prefix, as an older verifyd wrote it
            (keys.owner(.email("ü@bücher.de")), "a2"),  // Unicode domain
            (keys.owner(cn), "winner"), (written("86013800138000"), "loser"),  // the canonical key wins
            (written("99912345678"), "ghost"),  // no assigned code: left alone
            (keys.owner(.email("bob@example.com")), "a3"),  // already canonical
        ]
        for (key, aid) in seeded { _ = try await store.send("SET", .string(key), .string(aid)) }
        #expect(OutboxShard(of: uk) != OutboxShard(index: OutboxShard.index(ofKey: "4407911123456")), "a new shard")

        let migration = MirrorMigration(redis: store, keys: keys, scanNodes: scanNodes)
        var progressed = 0
        let report = try await migration.run { _ in progressed += 1 }
        #expect(report.canonicalized == 3 && report.unreadableOwners == 1 && progressed > 0)
        #expect(try await store.send("GET", .string(keys.owner(uk))).string == "a1")
        #expect(try await store.send("GET", .string(keys.owner(idn))).string == "a2")
        #expect(try await store.send("GET", .string(keys.owner(cn))).string == "winner")
        #expect(try await store.send("GET", .string(keys.owner(.email("bob@example.com")))).string == "a3")
        #expect(try await store.send("GET", .string(written("99912345678"))).string == "ghost")
        for old in [written("4407911123456"), keys.owner(.email("ü@bücher.de")), written("86013800138000")] {
            #expect(try await store.send("EXISTS", .string(old)).int == 0, "\(old)")
        }

        let again = try await migration.run()
        #expect(again.canonicalized == 0 && again.unreadableOwners == 1, "idempotent")
        #expect(try await store.send("GET", .string(keys.owner(uk))).string == "a1")
    }

    private func withClients(
        _ urls: ArraySlice<String>, connected: [RedisClient],
        _ body: @escaping @Sendable ([RedisClient]) async throws -> Void
    ) async throws {
        guard let url = urls.first else { return try await body(connected) }
        try await withRedisClient(url: url) { client async throws in
            try await withClients(urls.dropFirst(), connected: connected + [client], body)
        }
    }

    private func seedLegacy(_ store: RedisClient) async throws {
        _ = try await store.send(
            "HSET", "verify:account:a1", "email", "alice@example.com", "countryCode", "86", "purePhone", "13800138000")
        _ = try await store.send("HSET", "verify:accounts:email", "alice@example.com", "a1")
        _ = try await store.send("HSET", "verify:accounts:phone", "8613800138000", "a1", "99", "ghost")
        _ = try await store.send("HSET", "verify:{alice@example.com}:code:3", "hash", "h", "attempts", "0")
        _ = try await store.send("RPUSH", "verify:{alice@example.com}:sends", "1700000000000")
        _ = try await store.send("RPUSH", "verify:{ip:192.0.2.1}:sends", "1700000000000")
        _ = try await store.send("XGROUP", "CREATE", "verify:outbox", "verifyd", "0", "MKSTREAM")
        _ = try await store.send(
            "XADD", "verify:outbox", "*", "channel", "email", "to", "alice@example.com", "template", "3", "code", "s",
            "expires", "1")
        _ = try await store.send("XREADGROUP", "GROUP", "verifyd", "old", "STREAMS", "verify:outbox", ">")
        _ = try await store.send("XADD", "verify:outbox:dead", "*", "reason", "permanent", "channel", "sms", "to", "x")
    }

    private func expectMigrated(_ store: RedisClient) async throws {
        #expect(try await store.send("GET", .string(keys.owner(alice))).string == "a1")
        #expect(try await store.send("GET", .string(keys.owner(phone))).string == "a1")
        #expect(
            try await store.send("EXISTS", "verify:accounts:email", "verify:accounts:phone").int == 2,
            "old instances still read the indexes")
        #expect(try await store.send("HGET", .string(keys.code(alice, templateId: 3)), "hash").string == "h")
        #expect(try await store.send("LLEN", .string(keys.sendLog(alice))).int == 1)
        #expect(try await store.send("EXISTS", "verify:{ip:192.0.2.1}:sends").int == 1, "budgets stay as they are")
        #expect(try await store.send("XLEN", "verify:outbox").int == 0)
        #expect(try await store.send("XPENDING", "verify:outbox", "verifyd").array?.first?.int == 0)
        let moved = try await store.send("XRANGE", .string(keys.outbox(OutboxShard(of: alice))), "-", "+").array ?? []
        #expect(moved.count == 1 && moved.first?.array?[1].fieldMap?["to"] == "alice@example.com")
        #expect(try await store.send("XLEN", .string(keys.outboxDead(OutboxShard(index: 0)))).int == 1)
    }
}
