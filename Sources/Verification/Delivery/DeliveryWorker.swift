import Foundation
import Logging
import RedisClient
import ServiceLifecycle

/// Consumes the outbox with a consumer group and hands each entry to its channel's driver.
///
/// Each entry goes to one worker at a time; it is acknowledged (and deleted) only after the provider accepted it.
/// Transient failures are retried with backoff up to `retry.maxAttempts`; permanent ones, exhausted ones and
/// expired codes go to the dead-letter stream. Entries left pending by a worker that died (or stopped while
/// waiting to retry) are claimed by another after `claimIdle`.
public struct DeliveryWorker: Service {
    /// Settings of the worker loop.
    public struct Settings: Sendable {
        public var keys = KeyLayout()
        public var batchSize = 16
        public var blockTime: Duration = .seconds(1)
        public var claimIdle: Duration = .seconds(60)
        public var claimEvery: Duration = .seconds(5)
        public var retry = RetryPolicy()
        /// Provider calls at once, per driver.
        public var concurrency = 8
        /// Entries held at once (delivering or waiting to retry).
        public var maxHeld = 256
        /// A name unique to this process.
        public var consumer = DeliveryWorker.defaultConsumerName()

        /// Defaults: batches of 16, 1 s block, claim after 60 s idle, 5 attempts from 1 s.
        public init() {}
    }

    private let reader: RedisClient
    private let redis: RedisClient
    private let processor: DeliveryProcessor
    private let settings: Settings
    private let logger: Logger

    /// A worker using the shared `redis` pool, plus a connection of its own for blocking reads.
    public init(
        redis: RedisClient, drivers: DeliveryDrivers, crypto: CodeCrypto, templates: TemplateStore,
        settings: Settings, logger: Logger
    ) {
        var configuration = redis.configuration
        configuration.poolSize = 1
        self.reader = RedisClient(configuration: configuration, logger: logger, connectionName: "verifyd-worker")
        self.redis = redis
        self.settings = settings
        self.logger = logger
        self.processor = DeliveryProcessor(
            drivers: drivers, crypto: crypto, templates: templates, retry: settings.retry,
            concurrency: settings.concurrency, logger: logger)
    }

    /// `host-pid-random`: unique per process, readable in `XINFO CONSUMERS`.
    public static func defaultConsumerName() -> String {
        let host = ProcessInfo.processInfo.hostName.prefix(40)
        return "\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(UInt16.random(in: .min ... .max))"
    }

    /// Delivers until graceful shutdown; deliveries in flight finish, entries waiting to retry are handed back.
    public func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await reader.runUntilCancelled() }
            await loop()
            group.cancelAll()
        }
    }

    private func loop() async {
        let stream = OutboxStream(reader: reader, redis: redis, keys: settings.keys, consumer: settings.consumer)
        let held = InFlightEntries()
        let clock = ContinuousClock()
        var groupReady = false
        var nextClaim = clock.now
        var failures = 0
        await withDiscardingTaskGroup { deliveries in
            func start(_ entry: OutboxStream.Entry, attempt: Int) async {
                guard await held.add(entry.id) else { return }
                deliveries.addTask {
                    await processor.process(entry, firstAttempt: attempt, on: stream)
                    await held.remove(entry.id)
                }
            }
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                await held.waitBelow(settings.maxHeld)
                let room = settings.maxHeld - (await held.count)
                do {
                    if !groupReady {
                        try await stream.ensureGroup()
                        groupReady = true
                    }
                    if clock.now >= nextClaim {
                        try await stream.touch(Array(await held.ids))
                        for entry in try await stream.claimStale(
                            minIdle: settings.claimIdle, count: min(room, settings.batchSize))
                        {
                            await start(entry, attempt: max(1, try await stream.deliveryCount(entry.id)))
                        }
                        nextClaim = clock.now + settings.claimEvery
                    }
                    for entry in try await stream.readNew(
                        count: min(room, settings.batchSize), block: settings.blockTime)
                    {
                        await start(entry, attempt: 1)
                    }
                    failures = 0
                } catch {
                    failures += 1
                    if case RedisError.server(let message) = error, message.hasPrefix("NOGROUP") { groupReady = false }
                    let unreachable = (error as? RedisError)?.isConnectivity == true
                    if (failures == 1 && !unreachable) || failures == 50 {
                        logger.warning(
                            "outbox read failed", metadata: ["error": "\(error)", "failures": "\(failures)"])
                    }
                    try? await Task.sleep(for: .milliseconds(min(1000, 50 * failures)))
                }
            }
        }
    }
}

extension DeliveryWorker: CustomStringConvertible {
    /// Only the name: the default description would print the drivers and their settings.
    public var description: String { "DeliveryWorker" }
}
