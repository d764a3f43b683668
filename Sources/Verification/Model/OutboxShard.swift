import RedisClient

/// One of the 16 shards that a target's keys and its outbox stream live in.
///
/// A target's shard is the CRC16 (XMODEM, the checksum of Redis Cluster's `CLUSTER KEYSLOT`) of its key's UTF-8
/// bytes, modulo 16. Each shard has a fixed hash tag whose slot lies in the shard's sixteenth of the slot space
/// (tag `0aa` in slots 0–1023, `1ab` in 1024–2047, …), so a cluster whose slots are split evenly among 2, 4, 8 or 16
/// primaries gets an equal share of the shards, and 3 or 6 primaries a share within one shard of equal.
///
/// The count is part of the layout: instances that disagree on it would look for codes in different shards, so it
/// is a constant, not a setting. Changing it is a new layout with its own migration.
public struct OutboxShard: Sendable, Hashable, CustomStringConvertible {
    /// The number of shards.
    public static let count = 16
    /// The hash tag of each shard, by index.
    public static let tags = [
        "0aa", "1ab", "2bb", "3ba", "4db", "5da", "6fb", "7fa", "8fd", "9fc", "aaa", "bdc", "cbc", "dbc", "edb", "fad",
    ]
    /// Every shard, in index order.
    public static let all = (0..<count).map { OutboxShard(index: $0) }

    /// 0..<16.
    public let index: Int

    /// The shard with this index (0..<16).
    public init(index: Int) {
        precondition((0..<Self.count).contains(index), "shard index out of range")
        self.index = index
    }

    /// The shard of a target.
    public init(of target: Target) { self.init(index: target.shardIndex) }

    /// The shard index of a target key (an email, or country code and number): CRC16 of its bytes, modulo 16.
    public static func index(ofKey key: String) -> Int { Int(HashSlot.checksum(key) % UInt16(count)) }

    /// The hash tag its keys share.
    public var tag: String { Self.tags[index] }

    public var description: String { "shard \(index) {\(tag)}" }
}
