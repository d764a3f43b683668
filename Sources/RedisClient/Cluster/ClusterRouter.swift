import Logging
import NIOConcurrencyHelpers
import NIOCore

/// The cluster half of `RedisClient`: the slot map, a `ConnectionPool` per primary, and the refresh of the map.
///
/// A pool is created when its node appears in the map (or in a redirect) and closed when the node leaves the map.
/// The map is read again at start, every few seconds, and whenever a command meets a redirect, a node without a
/// live connection or a connection error; one refresh runs at a time and requests made meanwhile fold into one.
final class ClusterRouter: Sendable {
    let configuration: RedisConfiguration
    let seeds: [ClusterTopology.Node]
    let group: any EventLoopGroup
    let logger: Logger
    let name: String?
    let state: NIOLockedValueBox<State>

    /// How often the map is read while everything is connected, and while something is not.
    static let refreshInterval: Duration = .seconds(5)
    static let degradedRefreshInterval: Duration = .milliseconds(500)
    /// The shortest pause between two refreshes, so failing commands cannot make the client hammer the nodes.
    static let refreshGap: Duration = .milliseconds(100)

    struct State {
        var topology: ClusterTopology?
        var pools: [ClusterTopology.Node: ConnectionPool] = [:]
        var tasks: [ClusterTopology.Node: Task<Void, Never>] = [:]
        /// Set while `runUntilCancelled` runs: wakes the refresh loop (buffering one request).
        var refreshSignal: AsyncStream<Void>.Continuation?
        var lastRefresh: ContinuousClock.Instant?
        var nextAny = 0
        var redirects = 0
        var refreshes = 0
        var retiredReconnects = 0
    }

    init(
        configuration: RedisConfiguration, seeds: [ClusterTopology.Node], group: any EventLoopGroup, logger: Logger,
        name: String?
    ) {
        self.configuration = configuration
        self.seeds = seeds
        self.group = group
        self.logger = logger
        self.name = name
        self.state = NIOLockedValueBox(State())
    }

    /// Reads the map, keeps the pools of its primaries running and the map fresh until cancelled; then closes all.
    func runUntilCancelled() async {
        let (signals, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        state.withLockedValue { state in
            state.refreshSignal = continuation
            for (node, pool) in state.pools where state.tasks[node] == nil {
                state.tasks[node] = Task { await pool.runUntilCancelled() }
            }
        }
        continuation.yield()
        await withDiscardingTaskGroup { group in
            group.addTask {
                for await _ in signals {
                    await self.refresh()
                    try? await Task.sleep(for: Self.refreshGap)
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(100))
                    if self.refreshIsDue { self.requestRefresh() }
                }
                continuation.finish()
            }
        }
        let tasks = state.withLockedValue { state in
            state.refreshSignal = nil
            defer { state.tasks = [:] }
            return Array(state.tasks.values)
        }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }

    /// Asks the refresh loop to read the map again (at once, or after the one running now).
    func requestRefresh() {
        _ = state.withLockedValue { $0.refreshSignal?.yield() }
    }

    private var refreshIsDue: Bool {
        let (last, connected) = state.withLockedValue { ($0.lastRefresh, Self.isConnected($0)) }
        guard let last else { return false }
        return ContinuousClock.now - last >= (connected ? Self.refreshInterval : Self.degradedRefreshInterval)
    }

    /// True when the map covers every slot and every primary's pool has a live connection.
    var isConnected: Bool { state.withLockedValue { Self.isConnected($0) } }

    private static func isConnected(_ state: State) -> Bool {
        guard let topology = state.topology, topology.coversAllSlots else { return false }
        return topology.primaries.allSatisfy { state.pools[$0]?.isConnected == true }
    }

    /// True when a map is known and at least one primary's pool has a live connection: some shards can be served.
    var isServing: Bool {
        state.withLockedValue { state in
            guard let topology = state.topology else { return false }
            return topology.primaries.contains { state.pools[$0]?.isConnected == true }
        }
    }

    /// Lost connections re-established, over all pools, those of nodes that left included.
    var reconnectCount: Int {
        state.withLockedValue { state in state.pools.values.reduce(state.retiredReconnects) { $0 + $1.reconnectCount } }
    }

    /// The configuration of one node's pool: the cluster's credentials and limits, that node's address.
    func configuration(of node: ClusterTopology.Node) -> RedisConfiguration {
        var configuration = self.configuration
        configuration.endpoint = .tcp(host: node.host, port: node.port)
        configuration.database = 0
        return configuration
    }

    /// The pool of `node`, created (and started, while running) when there is none yet.
    func pool(of node: ClusterTopology.Node) -> ConnectionPool {
        state.withLockedValue { state in pool(of: node, in: &state) }
    }

    func pool(of node: ClusterTopology.Node, in state: inout State) -> ConnectionPool {
        if let pool = state.pools[node] { return pool }
        let pool = ConnectionPool(configuration: configuration(of: node), group: group, logger: logger, name: name)
        state.pools[node] = pool
        if state.refreshSignal != nil { state.tasks[node] = Task { await pool.runUntilCancelled() } }
        return pool
    }
}
