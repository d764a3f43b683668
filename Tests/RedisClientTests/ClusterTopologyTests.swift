import TestSupport
import Testing

@testable import RedisClient

/// The slot map read from a real three-node cluster routes every key to the node that owns it.
@Suite struct ClusterTopologyTests {
    @Test func shardsAndSlotsRepliesGiveTheSameMapAndEveryKeyItsOwner() async throws {
        let cluster = try await RedisCluster.start(primaries: 3)
        defer { cluster.stop() }
        let (shards, slots) = try await withRedisClient(url: cluster.nodes[0].url) { client in
            (try await client.send("CLUSTER", "SHARDS"), try await client.send("CLUSTER", "SLOTS"))
        }
        let fromShards = try ClusterTopology(shards: shards, seedHost: "127.0.0.1")
        let fromSlots = try ClusterTopology(slots: slots, seedHost: "127.0.0.1")
        #expect(fromShards.coversAllSlots)
        #expect(Set(fromShards.primaries.map(\.port)) == Set(cluster.nodes.map(\.port)))
        for slot in stride(from: 0, to: HashSlot.count, by: 97) {
            #expect(fromShards.primary(forSlot: slot) == fromSlots.primary(forSlot: slot), "slot \(slot)")
        }
        let keys = (0..<60).map { "verify:{user\($0)@example.com}:code:1" } + ["verify:outbox", "a", "b", "c"]
        for key in keys {
            let owner = try #require(fromShards.primary(forKey: key))
            try await withRedisClient(url: "redis://127.0.0.1:\(owner.port)") { client in
                _ = try await client.send("SET", .string(key), "1")
            }
            let other = try #require(cluster.nodes.first { $0.port != owner.port })
            try await withRedisClient(url: other.url) { client in
                do {
                    _ = try await client.send("GET", .string(key))
                    Issue.record("\(key): a node that does not own its slot answered")
                } catch RedisError.server(let message) {
                    #expect(message.hasPrefix("MOVED \(HashSlot.of(key)) 127.0.0.1:\(owner.port)"), "\(message)")
                }
            }
        }
    }

    /// The reply a surviving node gave (Redis 7.0) after a primary's failure was agreed and before the promotion
    /// reached it: the failed primary still holds its slots but is named as failed, so the refresh asks on; its
    /// replica is kept as a node to ask.
    @Test func aPrimaryFlaggedFailedIsNamedAndItsReplicaIsKeptToAsk() throws {
        func text(_ value: String) -> RESPValue { .bulkString(Array(value.utf8)) }
        func node(_ port: Int64, _ role: String, _ health: String) -> RESPValue {
            .array(
                [
                    text("id"), text("n\(port)"), text("port"), .integer(port), text("ip"), text("127.0.0.1"),
                    text("endpoint"), text("127.0.0.1"), text("role"), text(role), text("replication-offset"),
                    .integer(0), text("health"), text(health),
                ])
        }
        func shard(_ range: ClosedRange<Int64>, _ nodes: [RESPValue]) -> RESPValue {
            .array([
                text("slots"), .array([.integer(range.lowerBound), .integer(range.upperBound)]), text("nodes"),
                .array(nodes),
            ])
        }
        let reply = RESPValue.array([
            shard(0...5460, [node(7101, "master", "fail"), node(7104, "replica", "online")]),
            shard(5461...10922, [node(7102, "master", "online"), node(7105, "replica", "fail")]),
            shard(10923...16383, [node(7103, "master", "online")]),
        ])
        let topology = try ClusterTopology(shards: reply, seedHost: "127.0.0.1")
        #expect(topology.coversAllSlots)
        #expect(topology.primary(forSlot: 0)?.port == 7101 && topology.primary(forSlot: 5461)?.port == 7102)
        #expect(topology.failedPrimaries.map(\.port) == [7101])
        #expect(topology.replicas.map(\.port) == [7104], "a replica flagged failed is not asked")
    }

    @Test func aMalformedReplyIsAProtocolError() {
        #expect(throws: RedisError.self) { try ClusterTopology(shards: .integer(1), seedHost: "h") }
        #expect(throws: RedisError.self) {
            try ClusterTopology(slots: .array([.array([.integer(5), .integer(1), .array([])])]), seedHost: "h")
        }
    }
}
