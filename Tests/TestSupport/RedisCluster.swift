import Foundation
import RedisClient

/// A real Redis Cluster on free loopback ports: `primaries` cluster-enabled `redis-server`s, the slots split evenly
/// among them, joined with `CLUSTER MEET`, ready once every node says `cluster_state:ok`. Stopped with the test.
public final class RedisCluster: Sendable {
    /// The nodes, each a primary.
    public let nodes: [RedisServer]

    /// `host:port` of every node, for a seed list.
    public var seeds: [String] { nodes.map { "127.0.0.1:\($0.port)" } }

    private init(nodes: [RedisServer]) { self.nodes = nodes }

    /// Starts the nodes, assigns the slots and waits until the cluster is up.
    public static func start(primaries: Int = 3) async throws -> RedisCluster {
        var nodes: [RedisServer] = []
        for _ in 0..<primaries {
            nodes.append(
                try await RedisServer.start(arguments: ["--cluster-enabled", "yes", "--cluster-node-timeout", "2000"]))
        }
        let cluster = RedisCluster(nodes: nodes)
        let meetPort = String(nodes[0].port)
        let share = 16384 / primaries
        for (index, node) in nodes.enumerated() {
            let first = index * share
            let last = index == primaries - 1 ? 16383 : first + share - 1
            try await withRedisClient(url: node.url) { client in
                _ = try await client.send("CLUSTER", "ADDSLOTSRANGE", .string(String(first)), .string(String(last)))
                if index > 0 {
                    _ = try await client.send("CLUSTER", "MEET", "127.0.0.1", .string(meetPort))
                }
            }
        }
        for node in nodes {
            try await withRedisClient(url: node.url) { client in
                try await waitUntil(timeout: .seconds(20), "node \(node.port) sees the cluster ok") {
                    let info = try await client.send("CLUSTER", "INFO").string ?? ""
                    return info.contains("cluster_state:ok") && info.contains("cluster_known_nodes:\(primaries)")
                }
            }
        }
        return cluster
    }

    /// Stops every node.
    public func stop() { for node in nodes { node.stop() } }
}
