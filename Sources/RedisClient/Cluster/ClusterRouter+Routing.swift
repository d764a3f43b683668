import NIOConcurrencyHelpers

/// Which node a command, or each command of a pipeline, goes to.
extension ClusterRouter {
    /// Commands bound for one node, by their index in the pipeline.
    struct Routed: Sendable {
        var node: ClusterTopology.Node
        var pool: ConnectionPool
        var indices: [Int]
    }

    /// Splits a pipeline by node; keyless commands join the first group.
    func route(_ commands: [RedisCommand]) throws(RedisError) -> [Routed] {
        let slots = commands.map(RoutingKey.slot(of:))
        var groups: [Routed] = []
        for (index, slot) in slots.enumerated() where slot != nil {
            let (node, pool) = try self.node(forSlot: slot)
            if let existing = groups.firstIndex(where: { $0.node == node }) {
                groups[existing].indices.append(index)
            } else {
                groups.append(Routed(node: node, pool: pool, indices: [index]))
            }
        }
        let keyless = slots.indices.filter { slots[$0] == nil }
        if !keyless.isEmpty {
            if groups.isEmpty {
                let (node, pool) = try self.node(forSlot: nil)
                groups.append(Routed(node: node, pool: pool, indices: []))
            }
            groups[0].indices += keyless
            groups[0].indices.sort()
        }
        return groups
    }

    /// The primary serving `slot`, or any primary (in turn, a connected one first) for a keyless command or a slot
    /// the map does not cover (the node's redirect or CLUSTERDOWN then decides). `.unavailable` without a map.
    func node(forSlot slot: Int?) throws(RedisError) -> (ClusterTopology.Node, ConnectionPool) {
        let picked: (ClusterTopology.Node, ConnectionPool)?
        var unserved = false
        picked = state.withLockedValue { state in
            guard let topology = state.topology else { return nil }
            if let slot, let node = topology.primary(forSlot: slot) { return (node, pool(of: node, in: &state)) }
            unserved = slot != nil
            let primaries = topology.primaries
            guard !primaries.isEmpty else { return nil }
            let start = state.nextAny
            state.nextAny &+= 1
            let ordered = (0..<primaries.count).map { primaries[(start + $0) % primaries.count] }
            let node = ordered.first { state.pools[$0]?.isConnected == true } ?? ordered[0]
            return (node, pool(of: node, in: &state))
        }
        if unserved { requestRefresh() }
        guard let picked else {
            requestRefresh()
            RedisMetrics.error(.unavailable)
            throw .unavailable
        }
        return picked
    }
}
