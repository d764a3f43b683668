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

    @Test func aMalformedReplyIsAProtocolError() {
        #expect(throws: RedisError.self) { try ClusterTopology(shards: .integer(1), seedHost: "h") }
        #expect(throws: RedisError.self) {
            try ClusterTopology(slots: .array([.array([.integer(5), .integer(1), .array([])])]), seedHost: "h")
        }
    }
}
