import Logging
import Metrics
import NIOCore
import NIOPosix

/// One TCP or Unix-socket connection to Redis, owned by SwiftNIO, with pipelined commands.
public final class RedisConnection: Sendable {
    let channel: any Channel
    private let commandTimeout: Duration
    private let roundTrips = RedisMetrics.roundTripTimer()
    /// Whether a flush is queued on the event loop (see `flushSoon`).
    private let flushQueued: NIOLoopBoundBox<Bool>

    private init(channel: any Channel, commandTimeout: Duration) {
        self.channel = channel
        self.commandTimeout = commandTimeout
        self.flushQueued = .makeBoxSendingValue(false, as: Bool.self, eventLoop: channel.eventLoop)
    }

    /// Opens a connection and sends AUTH and SELECT (and a PING) before handing it out.
    public static func connect(
        _ configuration: RedisConfiguration, on group: any EventLoopGroup, name: String? = nil
    ) async throws -> RedisConnection {
        let maxPending = configuration.maxPendingPerConnection
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.init(configuration.commandTimeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RESPReplyDecoder()))
                    try channel.pipeline.syncOperations.addHandler(RedisCommandHandler(maxPending: maxPending))
                }
            }
        let channel: any Channel
        switch configuration.endpoint {
        case .tcp(let host, let port): channel = try await bootstrap.connect(host: host, port: port).get()
        case .unix(let path): channel = try await bootstrap.connect(unixDomainSocketPath: path).get()
        case .cluster:
            throw RedisError.invalidConfiguration(
                "a cluster has many nodes: connect to one with .tcp, or use RedisClient")
        }
        let connection = RedisConnection(channel: channel, commandTimeout: configuration.commandTimeout)
        do {
            try await connection.handshake(configuration, name: name)
        } catch {
            channel.close(promise: nil)
            throw error
        }
        return connection
    }

    private func handshake(_ configuration: RedisConfiguration, name: String?) async throws {
        var commands: [RedisCommand] = []
        if let password = configuration.password {
            if let user = configuration.username {
                commands.append(RedisCommand("AUTH", [.string(user), .string(password)]))
            } else {
                commands.append(RedisCommand("AUTH", [.string(password)]))
            }
        }
        if configuration.database != 0 {
            commands.append(RedisCommand("SELECT", [.integer(Int64(configuration.database))]))
        }
        if let name { commands.append(RedisCommand("CLIENT", ["SETNAME", .string(name)])) }
        commands.append(RedisCommand("PING"))
        for reply in try await pipeline(commands) {
            if case .error(let message) = reply { throw RedisError.server(message) }
        }
    }

    /// True while the socket is open.
    public var isActive: Bool { channel.isActive }

    /// True when called on the event loop that owns this connection's socket.
    var isOnCurrentThread: Bool { channel.eventLoop.inEventLoop }

    /// Sends one command; an error reply is thrown as `RedisError.server`.
    public func send(_ command: RedisCommand, timeout: Duration? = nil) async throws -> RESPValue {
        let reply = try await pipeline([command], timeout: timeout)[0]
        if case .error(let message) = reply {
            RedisMetrics.error(.server(message))
            throw RedisError.server(message)
        }
        return reply
    }

    /// Sends several commands in one write and returns their replies in order (error replies as values).
    public func pipeline(_ commands: [RedisCommand], timeout: Duration? = nil) async throws -> [RESPValue] {
        let started = ContinuousClock.now
        let futures = write(commands, timeout: timeout ?? commandTimeout)
        var replies: [RESPValue] = []
        replies.reserveCapacity(futures.count)
        do {
            for future in futures { replies.append(try await Self.reply(future)) }
        } catch let error as RedisError {
            RedisMetrics.error(error)
            throw error
        }
        let elapsed = (ContinuousClock.now - started).components
        roundTrips.recordNanoseconds(elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000)
        return replies
    }

    /// Awaits a reply on the caller's executor. NIO's `get()` is an async function of another module that first hops
    /// to the global executor: in `serve`, where tasks run on the event loops, one more round through a loop's task
    /// queue for every command.
    private static func reply(_ future: EventLoopFuture<RESPValue>) async throws -> RESPValue {
        try await withUnsafeThrowingContinuation { continuation in
            future.whenComplete { continuation.resume(with: $0) }
        }
    }

    private func write(_ commands: [RedisCommand], timeout: Duration) -> [EventLoopFuture<RESPValue>] {
        let deadline = NIODeadline.now() + .init(timeout)
        let loop = channel.eventLoop
        var requests: [RedisRequest] = []
        requests.reserveCapacity(commands.count)
        for command in commands {
            var buffer = channel.allocator.buffer(capacity: 64)
            RESPCommandEncoder.encode(command, into: &buffer)
            requests.append(RedisRequest(encoded: buffer, promise: loop.makePromise(), deadline: deadline))
        }
        let futures = requests.map(\.promise.futureResult)
        if loop.inEventLoop {
            guard Self.write(requests, on: channel) else { return futures }
            flushSoon()
        } else {
            let sendable = UnsafeTransfer(requests)
            let channel = self.channel
            loop.execute { if Self.write(sendable.value, on: channel) { channel.flush() } }
        }
        return futures
    }

    /// Writes the requests, unflushed; false when none was written. On the channel's event loop only. A channel
    /// closed since the connection was picked fails them at once: once its handlers are gone, nothing would ever
    /// answer them (and no deadline would fire).
    private static func write(_ requests: [RedisRequest], on channel: any Channel) -> Bool {
        guard channel.isActive else {
            for request in requests { request.promise.fail(RedisError.connectionClosed) }
            return false
        }
        for request in requests { channel.write(request, promise: nil) }
        return true
    }

    /// Flushes once the loop has run the jobs already queued on it. Commands written from the loop's own tasks
    /// (`verifyd serve`, where the loops are Swift's global executor, runs every request's task there) leave
    /// together: the sends of all the requests read in one turn of the loop go out in one `write`, and Redis reads
    /// them with one `read`. A command written from off the loop is flushed in the job that writes it.
    private func flushSoon() {
        guard !flushQueued.value else { return }
        flushQueued.value = true
        channel.eventLoop.execute {
            self.flushQueued.value = false
            self.channel.flush()
        }
    }

    /// Closes the connection; pending commands fail.
    public func close() async {
        try? await channel.close()
    }

    /// Completes when the connection has closed, or throws when the calling task is cancelled.
    func waitUntilClosed() async {
        let channel = self.channel
        await withTaskCancellationHandler {
            try? await channel.closeFuture.get()
        } onCancel: {
            channel.close(promise: nil)
        }
    }
}

/// Moves non-Sendable values to the channel's event loop, where they are used alone.
struct UnsafeTransfer<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
