import TestSupport
import Testing

@testable import RedisClient

/// The slot function agrees with Redis' own `CLUSTER KEYSLOT`.
@Suite struct HashSlotTests {
    @Test func theSpecificationsVectors() {
        // CRC16 of "123456789" is 0x31C3 in the cluster specification.
        #expect(HashSlot.checksum("123456789") == 0x31C3)
        #expect(HashSlot.of("foo") == 12182)
        #expect(HashSlot.of("{user1000}.following") == HashSlot.of("{user1000}.followers"))
        #expect(
            HashSlot.of("foo{}{bar}") == Int(HashSlot.checksum("foo{}{bar}") % 16384),
            "an empty first tag hashes the whole key")
        #expect(HashSlot.of("foo{{bar}}zap") == HashSlot.of("{bar"), "the tag ends at the first }")
    }

    @Test func everyKeyLandsInTheSlotRedisGivesIt() async throws {
        let redis = try await RedisServer.start(arguments: [
            "--cluster-enabled", "yes", "--cluster-port", String(try FreePort.find()),
        ])
        defer { redis.stop() }
        var keys = [
            "", "a", "verify:outbox", "verify:{a@example.com}:code:1", "verify:{8613800138000}:sends",
            "{}", "{", "}", "{}x", "x{}{y}", "a{b}c{d}", "名前{用户}", "verify:{ip:2001:db8::/64}:sends",
        ]
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789{}:@.-_é")
        for _ in 0..<300 {
            keys.append(String((0..<Int.random(in: 1...24, using: &generator)).map { _ in alphabet.randomElement()! }))
        }
        let all = keys
        try await withRedisClient(url: redis.url) { client in
            for key in all {
                let slot = try await client.send("CLUSTER", "KEYSLOT", .string(key)).int
                #expect(slot == Int64(HashSlot.of(key)), "\(key)")
                // Bytes in an array, and bytes with no contiguous storage, take the same slot.
                #expect(HashSlot.of(Array(key.utf8)) == HashSlot.of(key), "\(key)")
                #expect(HashSlot.of(key.utf8.lazy.map { $0 }) == HashSlot.of(key), "\(key)")
            }
        }
    }
}
