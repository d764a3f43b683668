import Logging
import NIOConcurrencyHelpers
import NIOCore

/// A small pool of pipelined connections to one server, kept up by reconnecting with jittered backoff while
/// `runUntilCancelled()` runs. While no connection is up, `connection()` fails at once with `.unavailable`.
final class ConnectionPool: Sendable {
    /// The server (a `.tcp` or `.unix` endpoint) and the connection settings.
    let configuration: RedisConfiguration
    private let group: any EventLoopGroup
    private let logger: Logger
    private let name: String?
    private let state: NIOLockedValueBox<State>

    private struct State {
        var slots: [RedisConnection?]
        var next = 0
        var reconnects = 0
        var tried = false
    }

    init(configuration: RedisConfiguration, group: any EventLoopGroup, logger: Logger, name: String?) {
        self.configuration = configuration
        self.group = group
        self.logger = logger
        self.name = name
        self.state = NIOLockedValueBox(State(slots: Array(repeating: nil, count: max(1, configuration.poolSize))))
    }

    /// Keeps every connection slot connected until the calling task is cancelled, then closes them.
    func runUntilCancelled() async {
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
                let connection = try await RedisConnection.connect(configuration, on: loop(of: slot), name: name)
                attempt = 0
                state.withLockedValue {
                    if wasConnected { $0.reconnects += 1 }
                    $0.slots[slot] = connection
                    $0.tried = true
                }
                if wasConnected { RedisMetrics.reconnected() }
                logger.debug("redis connected", metadata: ["slot": "\(slot)", "redis": "\(configuration.redacted)"])
                wasConnected = true
                await connection.waitUntilClosed()
                state.withLockedValue { if $0.slots[slot] === connection { $0.slots[slot] = nil } }
                if Task.isCancelled { return }
                logger.warning(
                    "redis connection lost", metadata: ["slot": "\(slot)", "redis": "\(configuration.redacted)"])
            } catch {
                state.withLockedValue { $0.tried = true }
                attempt += 1
                if attempt == 1 || attempt.isMultiple(of: 50) {
                    logger.warning(
                        "redis connect failed",
                        metadata: ["error": "\(error)", "attempt": "\(attempt)", "redis": "\(configuration.redacted)"])
                }
            }
            try? await Task.sleep(for: backoff.delay(attempt: max(attempt, 1)))
        }
    }

    /// The event loop of a slot: slot `i` on the group's `i`-th loop (round the loops), so that each loop has a
    /// connection of its own when the pool is as large as the group, and a request served on that loop writes to
    /// Redis without crossing threads (`pick` prefers the local connection).
    private func loop(of slot: Int) -> any EventLoop {
        let loops = Array(group.makeIterator())
        return loops.isEmpty ? group.next() : loops[slot % loops.count]
    }

    /// True while at least one connection is up.
    var isConnected: Bool {
        state.withLockedValue { $0.slots.contains { $0?.isActive == true } }
    }

    /// How many times a lost connection was re-established.
    var reconnectCount: Int { state.withLockedValue { $0.reconnects } }

    /// An open connection: the one owned by the calling thread's event loop when there is one (no thread hop when
    /// Swift Concurrency runs on NIO's loops), else the next one in turn.
    func connection() throws(RedisError) -> RedisConnection {
        guard let picked = state.withLockedValue(Self.pick) else {
            RedisMetrics.error(.unavailable)
            throw .unavailable
        }
        return picked
    }

    /// An open connection as `connection()` gives, but for a pool that has not tried to connect yet (a node just
    /// learnt of from the map or a redirect), waits for its first connection until `deadline`.
    func connection(waitingUntil deadline: ContinuousClock.Instant) async throws -> RedisConnection {
        while true {
            let (picked, connecting) = state.withLockedValue { (Self.pick(&$0), !$0.tried) }
            if let picked { return picked }
            guard connecting, ContinuousClock.now < deadline else {
                RedisMetrics.error(.unavailable)
                throw RedisError.unavailable
            }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    private static func pick(_ state: inout State) -> RedisConnection? {
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
}
