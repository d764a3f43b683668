import Foundation
import RedisClient

/// A real Redis Cluster on free loopback ports: `primaries` cluster-enabled `redis-server`s, the slots split evenly
/// among them, each with `replicasPerPrimary` replicas, ready once every node says `cluster_state:ok`. Stopped with
/// the test.
public final class RedisCluster: Sendable {
    /// The nodes: the primaries first (as started; a failover may change roles), then the replicas.
    public let nodes: [RedisServer]

    /// `host:port` of every node, for a seed list.
    public var seeds: [String] { nodes.map { "127.0.0.1:\($0.port)" } }

    /// `redis+cluster://` with every node as a seed.
    public var url: String { "redis+cluster://" + seeds.joined(separator: ",") }

    /// Each node's cluster bus port, in the order of `nodes`.
    private let busPorts: [Int]

    private init(nodes: [RedisServer], busPorts: [Int]) {
        self.nodes = nodes
        self.busPorts = busPorts
    }

    /// Starts the nodes, assigns the slots and waits until the cluster is up. Without replicas each node gets its own
    /// config epoch (`CLUSTER SET-CONFIG-EPOCH`), the slots are added with `CLUSTER ADDSLOTSRANGE` and the nodes
    /// joined with `CLUSTER MEET`, and every node knows every epoch before this returns; with replicas by
    /// `redis-cli --cluster create … --cluster-replicas N`, and the replicas are in sync before this returns.
    public static func start(primaries: Int = 3, replicasPerPrimary: Int = 0) async throws -> RedisCluster {
        let count = primaries * (1 + replicasPerPrimary)
        let timeout = replicasPerPrimary > 0 ? "1000" : "2000"
        var nodes: [RedisServer] = []
        var busPorts: [Int] = []
        for _ in 0..<count {
            // The bus port from FreePort too: by default it is the port + 10000, which FreePort may hand to another
            // test's server (a sink failed to bind one that way).
            let bus = try FreePort.find()
            busPorts.append(bus)
            nodes.append(
                try await RedisServer.start(arguments: [
                    "--cluster-enabled", "yes", "--cluster-node-timeout", timeout, "--cluster-port", String(bus),
                ]))
        }
        let cluster = RedisCluster(nodes: nodes, busPorts: busPorts)
        if replicasPerPrimary > 0 {
            try await cluster.create(replicasPerPrimary: replicasPerPrimary)
        } else {
            try await cluster.assignAndMeet()
        }
        for node in nodes {
            try await withRedisClient(url: node.url) { client in
                try await waitUntil(timeout: .seconds(20), "node \(node.port) sees the cluster ok") {
                    let info = try await client.send("CLUSTER", "INFO").string ?? ""
                    return info.contains("cluster_state:ok") && info.contains("cluster_known_nodes:\(count)")
                }
                if replicasPerPrimary == 0 {
                    // Nodes left at epoch 0 settle their collisions for a while after the cluster is up, and a bump
                    // racing a test's slot move can hand the slot back to its old owner.
                    try await waitUntil(timeout: .seconds(20), "node \(node.port) knows every node's epoch") {
                        try await Self.epochs(seenBy: client) == Set(1...count)
                    }
                }
                if replicasPerPrimary > 0 {
                    try await waitUntil(timeout: .seconds(20), "node \(node.port) is a primary or a synced replica") {
                        let info = try await client.send("INFO", "replication").string ?? ""
                        return info.contains("role:master") || info.contains("master_link_status:up")
                    }
                }
            }
        }
        return cluster
    }

    private func assignAndMeet() async throws {
        let meetPort = String(nodes[0].port)
        let meetBusPort = String(busPorts[0])
        let share = 16384 / nodes.count
        for (index, node) in nodes.enumerated() {
            let first = index * share
            let last = index == nodes.count - 1 ? 16383 : first + share - 1
            try await withRedisClient(url: node.url) { client in
                _ = try await client.send("CLUSTER", "SET-CONFIG-EPOCH", .string(String(index + 1)))
                _ = try await client.send("CLUSTER", "ADDSLOTSRANGE", .string(String(first)), .string(String(last)))
                if index > 0 {
                    _ = try await client.send("CLUSTER", "MEET", "127.0.0.1", .string(meetPort), .string(meetBusPort))
                }
            }
        }
    }

    /// The config epochs of the nodes `client`'s node knows (`CLUSTER NODES`, the seventh field).
    private static func epochs(seenBy client: RedisClient) async throws -> Set<Int> {
        let nodes = try await client.send("CLUSTER", "NODES").string ?? ""
        return Set(
            nodes.split(separator: "\n").compactMap { line in
                let fields = line.split(separator: " ")
                return fields.count > 6 ? Int(fields[6]) : nil
            })
    }

    private func create(replicasPerPrimary: Int) async throws {
        let cli = try Executables.find("redis-cli").path
        let arguments =
            [cli, "--cluster", "create"] + seeds + [
                "--cluster-replicas", String(replicasPerPrimary), "--cluster-yes",
            ]
        let environment = ProcessInfo.processInfo.environment
        let status = try await Spawn.run(arguments, environment: environment)
        guard status == 0 else { throw TestFailure("redis-cli --cluster create exited with \(status)") }
    }

    /// The slot map as a running node sees it.
    public func topology() async throws -> ClusterTopology {
        guard let node = nodes.first(where: \.isRunning) else { throw TestFailure("no node runs") }
        let shards = try await withRedisClient(url: node.url) { try await $0.send("CLUSTER", "SHARDS") }
        return try ClusterTopology(shards: shards, seedHost: "127.0.0.1")
    }

    /// The node serving `slot` now, as the cluster says.
    public func primary(ofSlot slot: Int) async throws -> RedisServer {
        let owner = try await topology().primary(forSlot: slot)
        guard let node = nodes.first(where: { $0.port == owner?.port }) else {
            throw TestFailure("no node serves slot \(slot)")
        }
        return node
    }

    /// The node serving `key`'s slot now.
    public func primary(ofKey key: String) async throws -> RedisServer {
        try await primary(ofSlot: HashSlot.of(key))
    }

    /// Kills (SIGKILL) the primary of `slot` and returns it.
    @discardableResult
    public func killPrimary(ofSlot slot: Int) async throws -> RedisServer {
        let node = try await primary(ofSlot: slot)
        node.kill()
        return node
    }

    /// Stops every node.
    public func stop() { for node in nodes { node.stop() } }
}
