import Logging
import NIOConcurrencyHelpers

/// Reading the slot map and following it with the pools.
extension ClusterRouter {
    /// Asks the connected primaries, then the seeds, then the other known nodes (replicas last) for the map;
    /// applies the first that covers every slot with live primaries. Failing that, the first that covers every
    /// slot, else the first partial one (a cluster missing slots still serves the others). A node's view can lag a
    /// failover: it flags the failed primary before it hears which replica took over, and the promoted replica's
    /// own map is whole.
    func refresh() async {
        let (connected, unreachable, replicas) = state.withLockedValue { state in
            let known = state.topology?.primaries ?? []
            let up = known.filter { state.pools[$0]?.isConnected == true }
            return (up, known.filter { !up.contains($0) }, state.topology?.replicas ?? [])
        }
        var candidates: [ClusterTopology.Node] = []
        for node in connected + seeds + unreachable + replicas where !candidates.contains(node) {
            candidates.append(node)
        }
        var fallback: ClusterTopology?
        var lastError: (any Error)?
        for node in candidates {
            if Task.isCancelled { return }
            do {
                let topology = try await readTopology(from: node)
                if topology.coversAllSlots && topology.failedPrimaries.isEmpty {
                    apply(topology)
                    return
                }
                if let best = fallback, best.coversAllSlots || !topology.coversAllSlots { continue }
                if !topology.primaries.isEmpty { fallback = topology }
            } catch {
                lastError = error
            }
        }
        if let fallback {
            apply(fallback)
            return
        }
        state.withLockedValue { $0.lastRefresh = .now }
        RedisMetrics.topologyRefreshed(ok: false)
        logger.warning(
            "redis cluster map unreadable",
            metadata: ["redis": "\(configuration.redacted)", "error": "\(lastError.map { "\($0)" } ?? "no slots")"])
    }

    /// `CLUSTER SHARDS` (Redis 7), or `CLUSTER SLOTS` where that is unknown, through the node's pool when it has a
    /// live connection, else through a connection of its own.
    private func readTopology(from node: ClusterTopology.Node) async throws -> ClusterTopology {
        let pooled = state.withLockedValue { $0.pools[node] }.flatMap { try? $0.connection() }
        let connection: RedisConnection
        if let pooled {
            connection = pooled
        } else {
            connection = try await RedisConnection.connect(configuration(of: node), on: group, name: name)
        }
        do {
            let topology = try await Self.readTopology(through: connection, host: node.host)
            if pooled == nil { await connection.close() }
            return topology
        } catch {
            if pooled == nil { await connection.close() }
            throw error
        }
    }

    private static func readTopology(through connection: RedisConnection, host: String) async throws
        -> ClusterTopology
    {
        let shards = try await connection.pipeline([RedisCommand("CLUSTER", ["SHARDS"])])[0]
        if case .error = shards {
            return try ClusterTopology(
                slots: try await connection.send(RedisCommand("CLUSTER", ["SLOTS"])), seedHost: host)
        }
        return try ClusterTopology(shards: shards, seedHost: host)
    }

    /// Makes `topology` the map: starts pools for new primaries, closes those of nodes that left it.
    private func apply(_ topology: ClusterTopology) {
        let retired = state.withLockedValue { state in
            state.topology = topology
            state.lastRefresh = .now
            state.refreshes += 1
            for node in topology.primaries { _ = pool(of: node, in: &state) }
            var retired: [Task<Void, Never>] = []
            for node in state.pools.keys where !topology.primaries.contains(node) {
                state.retiredReconnects += state.pools.removeValue(forKey: node)?.reconnectCount ?? 0
                if let task = state.tasks.removeValue(forKey: node) { retired.append(task) }
            }
            return retired
        }
        for task in retired { task.cancel() }
        RedisMetrics.topologyRefreshed(ok: true)
    }

    /// Records a MOVED reply at once: `slot` lives on `node` now (the full map follows with the next refresh).
    func learn(slot: Int, movedTo node: ClusterTopology.Node) {
        state.withLockedValue { state in
            state.topology?.assign(slot...slot, to: node)
            _ = pool(of: node, in: &state)
        }
    }
}
