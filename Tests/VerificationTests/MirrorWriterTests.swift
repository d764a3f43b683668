import RedisClient
import TestSupport
import Testing

@testable import Verification

/// The account mirror as `MirrorWriter` writes it, against a real redis-server, without the `verifyd` binary.
@Suite struct MirrorWriterTests {
    private let keys = KeyLayout(prefix: "verify:")

    private func account(_ aid: String, email: String? = nil, countryCode: Int? = nil, phone: String? = nil) throws
        -> MirrorWriter.Account
    {
        try MirrorWriter.Account.validated(aid: aid, email: email, countryCode: countryCode, purePhone: phone).get()
    }

    @Test func importLinesAreValidatedAndNormalized() throws {
        let line = #"{"aid":"a1","email":"Alice@Example.com","countryCode":86,"purePhone":"13800138000"}"#
        #expect(
            try MirrorImportLine.parse(line[...]).get()
                == account("a1", email: "alice@example.com", countryCode: 86, phone: "13800138000"))
        #expect(
            try MirrorImportLine.parse(#"{"aid":"a3","countryCode":"44","purePhone":"7911123456"}"#).get().countryCode
                == 44)
        #expect(MirrorImportLine.parse("not json") == .failure(MirrorError("not a JSON object")))
        #expect(
            MirrorImportLine.parse(#"{"aid":"a2","email":"not-an-email"}"#) == .failure(MirrorError("invalid email")))
        #expect((try? MirrorImportLine.parse(#"{"aid":"bad aid","email":"x@example.com"}"#).get()) == nil)
        #expect(
            (try? MirrorImportLine.parse(#"{"aid":"a4","purePhone":"13800138000"}"#).get()) == nil,
            "a phone needs a country code")
    }

    @Test func putMovesIndexEntriesAndDeleteRemovesThem() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        try await withRedisClient(url: redis.url) { store async throws in
            let writer = MirrorWriter(redis: store, keys: keys)
            try await writer.putMany([
                account("a1", email: "alice@example.com", countryCode: 86, phone: "13800138000"),
                account("a2", email: "bob@example.com"),
            ])
            let phone = Target.phone(countryCode: 86, number: "13800138000")
            #expect(try await writer.owner(of: .email("alice@example.com")) == "a1")
            #expect(try await writer.owner(of: .email("bob@example.com")) == "a2")
            #expect(try await writer.owner(of: phone) == "a1")
            #expect(try await store.send("GET", "verify:{7fa}:owner:8613800138000").string == "a1", "as documented")
            #expect(
                try await writer.get(aid: "a1") == [
                    "email": "alice@example.com", "countryCode": "86", "purePhone": "13800138000",
                ])

            // A new email, no phone: the old email's and the unbound phone's owner keys go.
            try await writer.put(account("a1", email: "new@example.com"))
            #expect(try await writer.owner(of: .email("new@example.com")) == "a1")
            #expect(try await writer.owner(of: .email("alice@example.com")) == nil)
            #expect(try await writer.owner(of: phone) == nil)

            // An owner key that another account took over is not removed by the old owner's change.
            try await writer.put(account("a3", email: "bob@example.com"))
            try await writer.put(account("a2", email: "robert@example.com"))
            #expect(try await writer.owner(of: .email("bob@example.com")) == "a3")

            #expect(try await writer.delete(aid: "a1"))
            #expect(try await !writer.delete(aid: "a1"), "deleting twice reports the account missing")
            #expect(try await writer.get(aid: "a1") == nil)
            #expect(try await writer.owner(of: .email("new@example.com")) == nil)

            _ = try await store.send("SADD", "verify:email-domains:blocked", "a.example", "b.example")
            let stats = Dictionary(uniqueKeysWithValues: try await writer.stats())
            #expect(stats["blocked domains"] == 2 && stats["outbox entries"] == 0)
        }
    }

    @Test func tokensAreAddedWithTheirLifetimeAndRevoked() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        try await withRedisClient(url: redis.url) { store async throws in
            let writer = MirrorWriter(redis: store, keys: keys)
            try await writer.addToken(aid: "a1", token: "tok-1", ttl: 60)
            let ttl = try await store.send("TTL", "verify:token:a1:tok-1").int ?? -2
            #expect((1...60).contains(ttl))
            try await writer.addToken(aid: "a1", token: "tok-2", ttl: nil)
            #expect(try await store.send("TTL", "verify:token:a1:tok-2").int == -1, "no --ttl: no expiry")
            await #expect(throws: MirrorError.self) { try await writer.addToken(aid: "a1", token: "tok-3", ttl: 0) }
            await #expect(throws: MirrorError.self) {
                try await writer.addToken(aid: "bad aid", token: "tok-3", ttl: nil)
            }
            #expect(try await writer.revokeToken(aid: "a1", token: "tok-1"))
            #expect(try await !writer.revokeToken(aid: "a1", token: "tok-1"))
        }
    }

    /// A large batch (three commands per account) is split so no connection holds more than it may have pending.
    @Test func aThousandAccountsWithBothAddressesInOneCall() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        try await withRedisClient(url: redis.url) { store async throws in
            let writer = MirrorWriter(redis: store, keys: keys)
            let accounts = try (0..<1000).map { n in
                try account("b\(n)", email: "user\(n)@example.com", countryCode: 86, phone: String(13_000_000_000 + n))
            }
            try await writer.putMany(accounts)
            #expect(try await writer.owner(of: .email("user999@example.com")) == "b999")
            #expect(try await writer.owner(of: .phone(countryCode: 86, number: "13000000000")) == "b0")
        }
    }
}
