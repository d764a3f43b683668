import RedisClient
import Testing

@testable import Verification

/// Languages, rate-limit syntax, key layout, codes and their sealing.
@Suite struct RulesTests {
    @Test func languageTags() {
        #expect(Language(tag: nil) == .en)
        #expect(Language(tag: "zh-Hans") == .zhHans)
        #expect(Language(tag: "zh-CN") == .zhHans)
        #expect(Language(tag: "zh-Hant-TW") == .zhHant)
        #expect(Language(tag: "zh_TW") == .zhHant)
        #expect(Language(tag: "fr") == .en)
        #expect(Language(tag: "ZH_hk") == .zhHant)
        #expect(Language(tag: "ZH") == .zhHans)
        #expect(Language(tag: "zhx") == .en)
        #expect(Language(tag: "") == .en)
        #expect(ResultCode.sentTooOften.message(.zhHant) == "發送驗證碼太頻繁，請稍後再試")
    }

    /// A stream entry id's first part is the Redis time it was added at.
    @Test func streamEntryIdsGiveTheirTime() {
        #expect(OutboxStream.addedMilliseconds("1764468288000-0") == 1_764_468_288_000)
        #expect(OutboxStream.addedMilliseconds("1764468288000-17") == 1_764_468_288_000)
        #expect(OutboxStream.addedMilliseconds("42") == 42)
        #expect(OutboxStream.addedMilliseconds("x-0") == nil)
        #expect(OutboxStream.addedMilliseconds("-0") == nil)
    }

    @Test func everyCodeHasMessagesInEveryLanguage() {
        for code in ResultCode.allCases where code != .ok {
            for language in Language.allCases {
                #expect(!code.message(language).hasPrefix("Error "), "\(code) \(language)")
            }
        }
    }

    @Test func rateLimitLists() {
        #expect(RateLimit.parseList("1/60,5/600") == RateLimit.fresnsDefault)
        #expect(RateLimit.parseList(" 3 / 5 ")?.first?.window == 5)
        for bad in ["", "1", "1/0", "0/60", "a/b", "1/60,", "1/60/2"] {
            #expect(RateLimit.parseList(bad) == nil, "\(bad)")
        }
    }

    @Test func aTargetsKeysShareItsShardsHashTag() {
        let keys = KeyLayout(prefix: "verify:")
        let target = Target.phone(countryCode: 86, number: "13800138000")
        #expect(keys.sendLog(target) == "verify:{7fa}:sends:8613800138000")
        #expect(keys.code(target, templateId: 4) == "verify:{7fa}:code:8613800138000:4")
        #expect(keys.owner(target) == "verify:{7fa}:owner:8613800138000")
        #expect(keys.outbox(OutboxShard(of: target)) == "verify:{7fa}:outbox")
        #expect(keys.token(aid: "wIfu6jaF", token: "t") == "verify:token:wIfu6jaF:t")
        #expect(keys.account("wIfu6jaF") == "verify:account:wIfu6jaF")
    }

    /// The vectors docs/redis.md gives application developers for the shard function.
    @Test func shardFunctionVectors() {
        let vectors: [(String, Int, String)] = [
            ("alice@example.com", 14, "edb"), ("bob@example.com", 7, "7fa"), ("8613800138000", 7, "7fa"),
            ("447700900123", 6, "6fb"), ("12025550100", 3, "3ba"), ("用户@例子.广告", 11, "bdc"),
        ]
        for (key, index, tag) in vectors {
            #expect(OutboxShard.index(ofKey: key) == index, "\(key)")
            #expect(OutboxShard(index: index).tag == tag)
        }
    }

    /// Each shard's tag hashes into its own sixteenth of the slots, so evenly split clusters get even shares.
    @Test func shardTagsSpreadOverTheSlotSpace() {
        for shard in OutboxShard.all {
            #expect(HashSlot.of("{\(shard.tag)}") / 1024 == shard.index, "\(shard)")
        }
    }

    @Test func codesAreDigitsOfTheConfiguredLength() throws {
        let crypto = CodeCrypto(secret: "0123456789abcdef", length: 8)
        let codes = try (0..<200).map { _ in try crypto.generateSealed(context: "c").code }
        #expect(codes.allSatisfy { $0.count == 8 && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) })
        #expect(Set(codes).count > 190, "codes repeat far too often for a CSPRNG")
        let digits = Set(codes.joined())
        #expect(digits.count == 10)
        // Every length 4-10, each digit position uniform enough that a leading zero shows up.
        for length in 4...10 {
            let short = CodeCrypto(secret: "0123456789abcdef", length: length)
            let batch = try (0..<400).map { _ in try short.generateSealed(context: "c").code }
            #expect(batch.allSatisfy { $0.utf8.count == length && $0.utf8.allSatisfy { (48...57).contains($0) } })
            #expect(batch.contains { $0.hasPrefix("0") }, "length \(length): no leading zero in 400 codes")
        }
    }

    /// The names docs/redis.md gives operators (and that pending codes keep across an upgrade).
    @Test func targetKeysFollowTheDocumentedLayout() {
        let keys = KeyLayout(prefix: "verify:")
        let target = Target.email("a@b.co")
        let tag = OutboxShard(of: target).tag
        #expect(keys.sendLog(target) == "verify:{\(tag)}:sends:a@b.co")
        #expect(keys.checkFailures(target) == "verify:{\(tag)}:fails:a@b.co")
        #expect(keys.checkLock(target) == "verify:{\(tag)}:locked:a@b.co")
        #expect(keys.owner(target) == "verify:{\(tag)}:owner:a@b.co")
        #expect(keys.code(target, templateId: 12) == "verify:{\(tag)}:code:a@b.co:12")
    }

    @Test func hashesAreKeyedAndBoundToTargetAndTemplate() {
        let crypto = CodeCrypto(secret: "0123456789abcdef", length: 6)
        let other = CodeCrypto(secret: "fedcba9876543210", length: 6)
        let target = Target.email("a@b.co")
        let hash = crypto.hash(code: "123456", target: target, templateId: 1)
        #expect(hash.count == 64 && !hash.contains("123456"))
        #expect(crypto.matches(code: "123456", target: target, templateId: 1, storedHash: hash))
        #expect(!crypto.matches(code: "123457", target: target, templateId: 1, storedHash: hash))
        #expect(!crypto.matches(code: "123456", target: target, templateId: 2, storedHash: hash))
        #expect(!crypto.matches(code: "123456", target: .email("c@d.co"), templateId: 1, storedHash: hash))
        #expect(other.hash(code: "123456", target: target, templateId: 1) != hash)
    }

    /// Stored hashes outlive a release (pending codes survive an upgrade), so the hash is pinned to an independent
    /// computation: Python's `hmac` with the key from HKDF-SHA256 (no salt, info `verifyd code hash v1`).
    @Test func theHashIsHMACSHA256OfTheVersionedMessage() {
        let crypto = CodeCrypto(secret: "0123456789abcdef", length: 6)
        #expect(
            crypto.hash(code: "123456", target: .email("a@b.co"), templateId: 1)
                == "a5866778b60c0d16866c881e1806803da41fb59ff40eb36989deb506bbdfd94a")
    }

    @Test func sealedCodesOpenOnlyInTheirContext() throws {
        let crypto = CodeCrypto(secret: "0123456789abcdef", length: 6)
        let sealed = try crypto.seal(code: "654321", context: "email|a@b.co|1")
        #expect(!sealed.contains("654321"))
        #expect(try crypto.open(sealed, context: "email|a@b.co|1") == "654321")
        #expect(throws: (any Error).self) { try crypto.open(sealed, context: "email|x@b.co|1") }
        #expect(throws: (any Error).self) {
            try CodeCrypto(secret: "another-secret-16", length: 6).open(sealed, context: "email|a@b.co|1")
        }
        #expect(try crypto.seal(code: "654321", context: "c") != crypto.seal(code: "654321", context: "c"))
    }
}

/// Fresns signatures and client addresses, without a server.
@Suite struct SignatureAndAddressTests {
    @Test func fresnsTestVector() {
        let headers = [
            "X-Fresns-App-Id": "yh1OJ7WL", "X-Fresns-Client-Platform-Id": "2", "X-Fresns-Client-Version": "2.0.0",
            "X-Fresns-Aid": "wIfu6jaF", "X-Fresns-Aid-Token": "uoX1hk6SHUgB2MFGJwNx38dem9DA7Vsz",
            "X-Fresns-Uid": "782622",
            "X-Fresns-Uid-Token": "PqBpwPLJgfd1sH0X5JffYFGxTSc8RW7c", "X-Fresns-Signature-Timestamp": "1674161913192",
        ]
        #expect(
            FresnsSignature.sign(headers, secret: "qUiEaDNQh2IpvGHOKlTMx7ujn8t1CZWX")
                == "2174eaeab76fb6a3790ed4f7ebb2edfb")
        #expect(FresnsSignature.phpURLEncode("a b+c/é~") == "a+b%2Bc%2F%C3%A9%7E")
        #expect(FresnsSignature.constantTimeEquals("abc", "abc") && !FresnsSignature.constantTimeEquals("abc", "abd"))
        #expect(!FresnsSignature.constantTimeEquals("abc", "abcd"))
    }

    @Test func cidrsAndForwardedFor() throws {
        let trusted = try #require(CIDR.parseList("10.0.0.0/8, 127.0.0.1, fd00::/8"))
        #expect(trusted[0].contains(IPAddress("10.200.3.4")!) && !trusted[0].contains(IPAddress("11.0.0.1")!))
        #expect(trusted[2].contains(IPAddress("fd12::1")!) && !trusted[2].contains(IPAddress("fe80::1")!))
        #expect(IPAddress("::ffff:10.1.2.3") == IPAddress("10.1.2.3"))
        #expect(CIDR.parseList("10.0.0.0/33") == nil && CIDR.parseList("nope") == nil)
        let resolver = ClientAddressResolver(trustedProxies: trusted)
        let proxy = IPAddress("10.0.0.2")
        #expect(resolver.resolve(peer: proxy, forwardedFor: "198.51.100.7, 10.0.0.9")?.description == "198.51.100.7")
        #expect(
            resolver.resolve(peer: proxy, forwardedFor: "1.1.1.1, 198.51.100.7")?.description == "198.51.100.7",
            "only the right-most untrusted entry counts")
        #expect(resolver.resolve(peer: IPAddress("203.0.113.5"), forwardedFor: "1.1.1.1")?.description == "203.0.113.5")
        #expect(
            resolver.resolve(peer: proxy, forwardedFor: "garbage")
                == ClientAddressResolver.pseudoAddress(for: "garbage"))
        #expect(IPAddress("2001:db8:1:2:3:4:5:6")?.limitKey == "2001:db8:1::/56")
        #expect(IPAddress("2001:db8:1:2:3:4:5:6")?.limitKey(ipv6PrefixLength: 64) == "2001:db8:1:2::/64")
    }
}

/// The admission script's replies are read by shape, and any other shape is a fault, never a guess.
@Suite struct AdmissionReplyTests {
    private let logs = [
        SendAdmission.Limit(
            kind: .ip, key: "ip", rule: LimitRule(name: "ip", store: .counter, counts: .send, pairs: [])),
        SendAdmission.Limit(
            kind: .target, key: "t", rule: LimitRule(name: "target", store: .log, counts: .send, pairs: [])),
    ]

    @Test func knownRepliesAreTyped() throws {
        func parse(_ line: String) throws -> SendAdmission.Reply {
            try SendAdmission.parse(.bulkString(Array(line.utf8)), limits: logs)
        }
        let admitted = try parse("0 1-0 7")
        #expect(admitted.outcome == .admitted(entryId: "1-0") && admitted.stamp == "7")
        let counted = try parse("0  8")
        #expect(counted.outcome == .admitted(entryId: "") && counted.stamp == "8")
        #expect(try parse("1 1500 2").outcome == .limited(retryAfterMs: 1500, by: .target))
        #expect(try parse("2").outcome == .addressTaken)
        #expect(try parse("3").outcome == .addressUnknown)
        #expect(try parse("4").outcome == .bound)
        #expect(try parse("5").outcome == .outboxFull)
    }

    @Test(arguments: [
        RESPValue.integer(1), .null, .array([]), .array([.integer(0), .bulkString(Array("1-0".utf8)), .integer(7)]),
        .bulkString([]), .bulkString(Array("9".utf8)), .bulkString(Array("1 5 3".utf8)),
        .bulkString(Array("1 1.5 1".utf8)), .bulkString(Array("0 1-0".utf8)), .bulkString(Array("0 1-0 x".utf8)),
        .bulkString(Array("2 ".utf8)), .simpleString("OK"), .bulkString(Array("1 5 0".utf8)),
        .bulkString(Array("0 1-0 99999999999999999999".utf8)),
        .bulkString(Array("00 1-0 7".utf8)),
    ])
    func anyOtherReplyIsAStoreFault(_ reply: RESPValue) {
        #expect(throws: StoreFault(keyKind: "send script", detail: "unexpected reply")) {
            try SendAdmission.parse(reply, limits: logs)
        }
    }
}
