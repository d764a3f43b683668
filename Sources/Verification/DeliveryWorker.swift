import Foundation
import Logging
import RedisClient
import ServiceLifecycle

/// Consumes the outbox with a consumer group and hands each entry to its channel's driver.
///
/// Each entry goes to one worker; it is acknowledged (and deleted) only after the driver accepted it.
/// Entries left pending by a worker that died are claimed by another after `claimIdle`.
public struct DeliveryWorker: Service {
    /// Settings of the worker loop.
    public struct Settings: Sendable {
        public var keys = KeyLayout()
        public var batchSize = 16
        public var blockTime: Duration = .seconds(1)
        public var claimIdle: Duration = .seconds(60)
        public var claimEvery: Duration = .seconds(10)
        /// A name unique to this process.
        public var consumer = DeliveryWorker.defaultConsumerName()

        /// Defaults: 16 per batch, 1 s block, claim after 60 s idle.
        public init() {}
    }

    private let redis: RedisClient
    private let drivers: DeliveryDrivers
    private let crypto: CodeCrypto
    private let settings: Settings
    private let logger: Logger

    /// A worker with its own Redis connection (blocking reads must not stall the shared pool).
    public init(
        redisConfiguration: RedisConfiguration, drivers: DeliveryDrivers, crypto: CodeCrypto, settings: Settings,
        logger: Logger
    ) {
        var configuration = redisConfiguration
        configuration.poolSize = 1
        self.redis = RedisClient(configuration: configuration, logger: logger, connectionName: "verifyd-worker")
        self.drivers = drivers
        self.crypto = crypto
        self.settings = settings
        self.logger = logger
    }

    /// `host-pid-random`: unique per process, readable in `XINFO CONSUMERS`.
    public static func defaultConsumerName() -> String {
        let host = ProcessInfo.processInfo.hostName.prefix(40)
        return "\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(UInt16.random(in: .min ... .max))"
    }

    /// Delivers until graceful shutdown; the batch in hand is finished first.
    public func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await redis.runUntilCancelled() }
            await loop()
            group.cancelAll()
        }
    }

    private func loop() async {
        let stream = OutboxStream(redis: redis, keys: settings.keys, consumer: settings.consumer)
        let clock = ContinuousClock()
        var groupReady = false
        var nextClaim = clock.now
        var failures = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                if !groupReady {
                    try await stream.ensureGroup()
                    groupReady = true
                }
                if clock.now >= nextClaim {
                    for entry in try await stream.claimStale(minIdle: settings.claimIdle, count: settings.batchSize) {
                        await process(entry, on: stream)
                    }
                    nextClaim = clock.now + settings.claimEvery
                }
                for entry in try await stream.readNew(count: settings.batchSize, block: settings.blockTime) {
                    await process(entry, on: stream)
                }
                failures = 0
            } catch {
                failures += 1
                if case RedisError.server(let message) = error, message.hasPrefix("NOGROUP") { groupReady = false }
                let unreachable = (error as? RedisError)?.isConnectivity == true
                if (failures == 1 && !unreachable) || failures == 50 {
                    logger.warning("outbox read failed", metadata: ["error": "\(error)", "failures": "\(failures)"])
                }
                try? await Task.sleep(for: .milliseconds(min(1000, 50 * failures)))
            }
        }
    }

    private func process(_ entry: OutboxStream.Entry, on stream: OutboxStream) async {
        do {
            guard let item = OutboxEntry(fields: entry.fields) else {
                return try await stream.deadLetter(entry.id, reason: "malformed")
            }
            let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
            guard item.expiresAt > nowMs else { return try await stream.deadLetter(entry.id, reason: "expired") }
            let context = OutboxEntry.sealContext(channel: item.channel, recipient: item.recipient, templateId: item.templateId)
            guard let code = try? crypto.open(item.sealedCode, context: context) else {
                return try await stream.deadLetter(entry.id, reason: "unsealable")
            }
            guard let driver = drivers.driver(for: item.channel) else {
                logger.warning("no driver for outbox entry; left pending", metadata: ["id": "\(entry.id)"])
                return
            }
            let message = DeliveryMessage(
                id: entry.id, channel: item.channel, recipient: item.recipient, countryCode: item.countryCode,
                nationalNumber: item.nationalNumber, templateId: item.templateId, language: item.language, code: code,
                expiresAt: item.expiresAt)
            try await driver.deliver(message)
            try await stream.complete(entry.id)
            logger.info(
                "code delivered",
                metadata: ["id": "\(entry.id)", "channel": "\(item.channel.rawValue)", "to": "\(Masking.mask(item.recipient))"])
        } catch {
            logger.warning("delivery failed; entry stays pending", metadata: ["id": "\(entry.id)", "error": "\(error)"])
        }
    }
}
