import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle

/// A small pool of pipelined connections shared by all callers, kept up by reconnecting with jittered backoff.
///
/// Run it as a `Service`: `run()` keeps the connections up until graceful shutdown. While no connection is up,
/// every call fails at once with `RedisError.unavailable`, so no caller waits longer than its deadline.
public final class RedisClient: Service, Sendable {
    /// How the client reaches Redis.
    public let configuration: RedisConfiguration
    private let group: any EventLoopGroup
    private let logger: Logger
    private let name: String?
    private let state: NIOLockedValueBox<PoolState>

    private struct PoolState {
        var slots: [RedisConnection?]
        var next = 0
        var reconnects = 0
    }

    /// A client; nothing connects until `run()`.
    public init(
        configuration: RedisConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger,
        connectionName: String? = nil
    ) {
        self.configuration = configuration
        self.group = eventLoopGroup
        self.logger = logger
        self.name = connectionName
        self.state = NIOLockedValueBox(PoolState(slots: Array(repeating: nil, count: max(1, configuration.poolSize))))
    }

    /// Keeps every connection slot connected until graceful shutdown or cancellation, then closes them.
    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.runUntilCancelled() }
    }

    /// Keeps every connection slot connected until the calling task is cancelled, then closes them.
    /// For owners that must keep Redis past the start of graceful shutdown (a worker finishing a delivery).
    public func runUntilCancelled() async {
        await withDiscardingTaskGroup { group in
            for slot in 0..<self.state.withLockedValue({ $0.slots.count }) {
                group.addTask { await self.maintain(slot: slot) }
            }
        }
        let open = state.withLockedValue { state in
            defer { state.slots = state.slots.map { _ in nil } }
            return state.slots.compactMap { $0 }
        }
        for connection in open { await connection.close() }
    }

    private func maintain(slot: Int) async {
        let backoff = Backoff(maximum: configuration.maxReconnectDelay)
        var attempt = 0
        var wasConnected = false
        while !Task.isCancelled {
            do {
                let connection = try await RedisConnection.connect(configuration, on: group, name: name)
                attempt = 0
                state.withLockedValue {
                    if wasConnected { $0.reconnects += 1 }
                    $0.slots[slot] = connection
                }
                if wasConnected { RedisMetrics.reconnected() }
                logger.debug("redis connected", metadata: ["slot": "\(slot)", "redis": "\(configuration.redacted)"])
                wasConnected = true
                await connection.waitUntilClosed()
                state.withLockedValue { if $0.slots[slot] === connection { $0.slots[slot] = nil } }
                if Task.isCancelled { return }
                logger.warning("redis connection lost", metadata: ["slot": "\(slot)"])
            } catch {
                attempt += 1
                if attempt == 1 || attempt.isMultiple(of: 50) {
                    logger.warning("redis connect failed", metadata: ["error": "\(error)", "attempt": "\(attempt)"])
                }
            }
            try? await Task.sleep(for: backoff.delay(attempt: max(attempt, 1)))
        }
    }

    /// True while at least one connection is up.
    public var isConnected: Bool {
        state.withLockedValue { $0.slots.contains { $0?.isActive == true } }
    }

    /// How many times a lost connection was re-established.
    public var reconnectCount: Int { state.withLockedValue { $0.reconnects } }

    /// An open connection: the one owned by the calling thread's event loop when there is one (no thread hop when
    /// Swift Concurrency runs on NIO's loops), else the next one in turn.
    private func connection() throws(RedisError) -> RedisConnection {
        let picked: RedisConnection? = state.withLockedValue { state in
            if let local = state.slots.first(where: { $0?.isOnCurrentThread == true && $0?.isActive == true }) {
                return local
            }
            let count = state.slots.count
            for offset in 0..<count {
                let index = (state.next + offset) % count
                if let connection = state.slots[index], connection.isActive {
                    state.next = (index + 1) % count
                    return connection
                }
            }
            return nil
        }
        guard let picked else {
            RedisMetrics.error(.unavailable)
            throw .unavailable
        }
        return picked
    }

    /// Whether one script or multi-key command may touch all of `keys`: always on a standalone Redis; on a cluster
    /// only when they share a hash slot.
    public func canCombine(_ keys: [String]) -> Bool { true }

    /// Sends one command; an error reply is thrown as `RedisError.server`.
    public func send(_ command: RedisCommand, timeout: Duration? = nil) async throws -> RESPValue {
        try await connection().send(command, timeout: timeout)
    }

    /// Sends one command built from its parts.
    public func send(_ name: String, _ arguments: RedisArgument...) async throws -> RESPValue {
        try await send(RedisCommand(name, arguments))
    }

    /// Sends commands in one round trip on one connection; replies in order, error replies as values.
    public func pipeline(_ commands: [RedisCommand], timeout: Duration? = nil) async throws -> [RESPValue] {
        try await connection().pipeline(commands, timeout: timeout)
    }

    /// Runs a script by EVALSHA; when Redis lost its script cache (NOSCRIPT), sends the source with EVAL.
    public func eval(_ script: RedisScript, keys: [RedisArgument], arguments: [RedisArgument]) async throws -> RESPValue
    {
        let connection = try connection()
        let tail: [RedisArgument] = [.integer(Int64(keys.count))] + keys + arguments
        do {
            return try await connection.send(RedisCommand("EVALSHA", [.string(script.sha1)] + tail))
        } catch RedisError.server(let message) where message.hasPrefix("NOSCRIPT") {
            return try await connection.send(RedisCommand("EVAL", [.string(script.source)] + tail))
        }
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
