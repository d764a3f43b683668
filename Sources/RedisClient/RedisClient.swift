import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// Redis for all callers: a small pool of pipelined connections to one server, or with a `redis+cluster://` URL one
/// such pool per primary of a Redis Cluster, commands routed by hash slot. Connections are kept up by reconnecting
/// with jittered backoff.
///
/// Run it as a `Service`: `run()` keeps the connections up until graceful shutdown. While no connection is up (to
/// the node of a command's slot, in a cluster), the call fails at once with `RedisError.unavailable`, so no caller
/// waits longer than its deadline.
public final class RedisClient: Service, Sendable {
    /// How the client reaches Redis.
    public let configuration: RedisConfiguration
    private let mode: Mode

    /// One server, or a cluster.
    private enum Mode: Sendable {
        case standalone(ConnectionPool)
        case cluster(ClusterRouter)
    }

    /// A client; nothing connects until `run()`.
    public init(
        configuration: RedisConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger,
        connectionName: String? = nil
    ) {
        self.configuration = configuration
        if case .cluster(let seeds) = configuration.endpoint {
            mode = .cluster(
                ClusterRouter(
                    configuration: configuration, seeds: seeds, group: eventLoopGroup, logger: logger,
                    name: connectionName))
        } else {
            mode = .standalone(
                ConnectionPool(
                    configuration: configuration, group: eventLoopGroup, logger: logger, name: connectionName))
        }
    }

    /// Keeps the connections up until graceful shutdown or cancellation, then closes them.
    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.runUntilCancelled() }
    }

    /// Keeps the connections up (and a cluster's slot map fresh) until the calling task is cancelled, then closes
    /// them. For owners that must keep Redis past the start of graceful shutdown (a worker finishing a delivery).
    public func runUntilCancelled() async {
        switch mode {
        case .standalone(let pool): await pool.runUntilCancelled()
        case .cluster(let router): await router.runUntilCancelled()
        }
    }

    /// True while a connection is up; in a cluster, while the map covers every slot and every primary is connected.
    public var isConnected: Bool {
        switch mode {
        case .standalone(let pool): return pool.isConnected
        case .cluster(let router): return router.isConnected
        }
    }
    /// True while some commands can be served: standalone, as `isConnected`; on a cluster, once the slot map is
    /// known and at least one primary is connected (a primary failing over leaves the other shards working).
    public var isServing: Bool {
        switch mode {
        case .standalone(let pool): return pool.isConnected
        case .cluster(let router): return router.isServing
        }
    }

    /// How many times a lost connection was re-established.
    public var reconnectCount: Int {
        switch mode {
        case .standalone(let pool): return pool.reconnectCount
        case .cluster(let router): return router.reconnectCount
        }
    }

    /// Whether one script or multi-key command may touch all of `keys`: always on a standalone Redis (where `keys`
    /// is not even built); on a cluster only when they share a hash slot.
    public func canCombine(_ keys: @autoclosure () -> [String]) -> Bool {
        guard case .cluster = mode else { return true }
        let keys = keys()
        guard let first = keys.first else { return true }
        let slot = HashSlot.of(first)
        return keys.allSatisfy { HashSlot.of($0) == slot }
    }

    /// Sends one command; an error reply is thrown as `RedisError.server`.
    public func send(_ command: RedisCommand, timeout: Duration? = nil) async throws -> RESPValue {
        switch mode {
        case .standalone(let pool): return try await pool.connection().send(command, timeout: timeout)
        case .cluster(let router): return try await router.send(command, timeout: timeout)
        }
    }

    /// Sends one command built from its parts.
    public func send(_ name: String, _ arguments: RedisArgument...) async throws -> RESPValue {
        try await send(RedisCommand(name, arguments))
    }

    /// Sends commands in one round trip (in a cluster: one per node, all at once); replies in order, error replies
    /// as values.
    public func pipeline(_ commands: [RedisCommand], timeout: Duration? = nil) async throws -> [RESPValue] {
        switch mode {
        case .standalone(let pool): return try await pool.connection().pipeline(commands, timeout: timeout)
        case .cluster(let router): return try await router.pipeline(commands, timeout: timeout)
        }
    }

    /// Runs a script by EVALSHA; when Redis lost its script cache (NOSCRIPT), sends the source with EVAL. In a
    /// cluster both go to the node of the first key (any primary for a keyless script).
    public func eval(_ script: RedisScript, keys: [RedisArgument], arguments: [RedisArgument]) async throws -> RESPValue
    {
        let bySHA = Self.scriptCall(script, bySHA: true, keys: keys, arguments: arguments)
        switch mode {
        case .standalone(let pool):
            let connection = try pool.connection()
            do {
                return try await connection.send(bySHA)
            } catch RedisError.server(let message) where message.hasPrefix("NOSCRIPT") {
                return try await connection.send(
                    Self.scriptCall(script, bySHA: false, keys: keys, arguments: arguments))
            }
        case .cluster(let router):
            do {
                return try await router.send(bySHA, timeout: nil)
            } catch RedisError.server(let message) where message.hasPrefix("NOSCRIPT") {
                return try await router.send(
                    Self.scriptCall(script, bySHA: false, keys: keys, arguments: arguments), timeout: nil)
            }
        }
    }

    /// `EVALSHA sha1 numkeys keys… arguments…` (or `EVAL source …`), its arguments gathered into one array (a chain
    /// of `+` made one array per step, each retaining every argument again).
    private static func scriptCall(
        _ script: RedisScript, bySHA: Bool, keys: [RedisArgument], arguments: [RedisArgument]
    ) -> RedisCommand {
        var all: [RedisArgument] = []
        all.reserveCapacity(3 + keys.count + arguments.count)
        all.append(.string(bySHA ? "EVALSHA" : "EVAL"))
        all.append(.string(bySHA ? script.sha1 : script.source))
        all.append(.integer(Int64(keys.count)))
        all.append(contentsOf: keys)
        all.append(contentsOf: arguments)
        return RedisCommand(all: all)
    }

    /// Runs a script by EVALSHA with `following` commands pipelined after it on the same connection (a `WAIT` that
    /// must follow the script's writes), and again with EVAL when Redis lost its script cache (NOSCRIPT): the
    /// following commands then run twice, so they must be harmless to repeat (a `WAIT`, a read). Replies in order,
    /// error replies as values.
    public func eval(
        _ script: RedisScript, keys: [RedisArgument], arguments: [RedisArgument], followedBy following: [RedisCommand],
        timeout: Duration? = nil
    ) async throws -> [RESPValue] {
        let replies = try await pipeline(
            [Self.scriptCall(script, bySHA: true, keys: keys, arguments: arguments)] + following, timeout: timeout)
        guard case .error(let message) = replies.first, message.hasPrefix("NOSCRIPT") else { return replies }
        return try await pipeline(
            [Self.scriptCall(script, bySHA: false, keys: keys, arguments: arguments)] + following, timeout: timeout)
    }

    /// Redirects (MOVED, ASK) followed so far; 0 on a standalone Redis.
    var redirectCount: Int {
        if case .cluster(let router) = mode { return router.redirectCount }
        return 0
    }

    /// Cluster maps read and applied so far; 0 on a standalone Redis.
    var topologyRefreshCount: Int {
        if case .cluster(let router) = mode { return router.refreshCount }
        return 0
    }

    /// Runs the client for the duration of `body`, which gets it once a connection is up, or nil when none came
    /// up within `connectTimeout`. For short-lived owners (commands, tests) that are not in a service group.
    public func withRunning<T>(connectTimeout: Duration, _ body: (RedisClient?) async throws -> T) async rethrows -> T {
        let task = Task { await self.runUntilCancelled() }
        defer { task.cancel() }
        let connected = await waitUntilConnected(timeout: connectTimeout)
        let result = try await body(connected ? self : nil)
        task.cancel()
        await task.value
        return result
    }

    /// Waits until a connection is up or the timeout passes; returns whether one is up.
    public func waitUntilConnected(timeout: Duration) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if isConnected { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return isConnected
    }
}
