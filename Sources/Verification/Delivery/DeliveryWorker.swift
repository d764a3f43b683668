import Foundation
import Logging
import RedisClient
import ServiceLifecycle

/// Consumes every shard's outbox stream with a consumer group and hands each entry to its channel's driver.
///
/// Each entry goes to one worker at a time; it is acknowledged (and deleted) only after the provider accepted it.
/// Transient failures are retried with backoff up to `retry.maxAttempts`; permanent ones, exhausted ones and
/// expired codes go to the dead-letter stream. A worker holds at most twice as many entries as it has delivery
/// slots, so a backlog stays in the stream for every live worker to share; it touches the entries it holds every
/// `claimEvery`, and entries left pending by a worker that died (or stopped while waiting to retry) are claimed by
/// another, all at once, once they have been idle for `claimIdle`.
public struct DeliveryWorker: Service {
    /// Settings of the worker loop.
    public struct Settings: Sendable {
        /// The key layout (prefix).
        public var keys = KeyLayout()
        /// The most entries one claim asks for, and new entries reads ask for over every shard (a sixteenth of it
        /// from each shard's stream). Entries of a stream read together are delivered together where the driver
        /// takes batches.
        public var batchSize = 512
        /// How long a read waits for new entries.
        public var blockTime: Duration = .seconds(1)
        /// Entries of another worker idle this long are taken over.
        public var claimIdle: Duration = .seconds(10)
        /// How often held entries are touched and stale ones claimed.
        public var claimEvery: Duration = .milliseconds(3333)
        /// Retries of transient failures.
        public var retry = RetryPolicy()
        /// Provider calls at once, per driver.
        public var concurrency = 256
        /// A name unique to this process.
        public var consumer = DeliveryWorker.defaultConsumerName()
        /// How long after it was queued an entry may still be withdrawn (`VERIFYD_REDIS_WAIT_REPLICAS`: its send
        /// is waiting for replicas); the worker checks its code only once that has passed. Zero without the wait.
        public var withdrawalWindow: Duration = .zero

        /// Defaults: batches of 512, 1 s block, claim after 10 s idle, 256 calls per driver, 5 attempts from 1 s.
        public init() {}
    }

    private let redis: RedisClient
    private let processor: DeliveryProcessor
    private let settings: Settings
    /// The most entries held at once: twice the delivery slots (`concurrency` per driver).
    private let maxHeld: Int
    private let logger: Logger

    /// A worker using the shared `redis` pool, plus connections of its own for blocking reads.
    public init(
        redis: RedisClient, drivers: DeliveryDrivers, crypto: CodeCrypto, templates: TemplateStore,
        settings: Settings, logger: Logger
    ) {
        self.redis = redis
        self.settings = settings
        self.maxHeld = 2 * settings.concurrency * max(1, drivers.enabledChannels.count)
        self.logger = logger
        self.processor = DeliveryProcessor(
            drivers: drivers, crypto: crypto, templates: templates, retry: settings.retry,
            concurrency: settings.concurrency, withdrawalWindow: settings.withdrawalWindow, logger: logger)
    }

    /// `host-pid-random`: unique per process, readable in `XINFO CONSUMERS`.
    public static func defaultConsumerName() -> String {
        let host = ProcessInfo.processInfo.hostName.prefix(40)
        return "\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(UInt16.random(in: .min ... .max))"
    }

    /// The shards read together with one blocking read: all of them when one command may name every stream (a
    /// standalone Redis), else each alone (a cluster, where each shard's stream is in a slot of its own).
    private func readGroups() -> [[OutboxShard]] {
        redis.canCombine(OutboxShard.all.map(settings.keys.outbox)) ? [OutboxShard.all] : OutboxShard.all.map { [$0] }
    }

    /// Delivers until graceful shutdown; deliveries in flight finish, entries waiting to retry are handed back, and
    /// the consumer leaves each shard's group where it holds nothing (so `XINFO CONSUMERS` lists live workers).
    public func run() async throws {
        var configuration = redis.configuration
        configuration.poolSize = 1
        let held = HeldEntries()
        let loops = readGroups().map { shards in
            let reader = RedisClient(configuration: configuration, logger: logger, connectionName: "verifyd-worker")
            return (
                reader,
                shards.map { shard in
                    OutboxStream(
                        reader: reader, redis: redis, keys: settings.keys, shard: shard, consumer: settings.consumer)
                }
            )
        }
        try await withThrowingDiscardingTaskGroup { group in
            for (reader, _) in loops { group.addTask { await reader.runUntilCancelled() } }
            await withDiscardingTaskGroup { readers in
                for (_, streams) in loops { readers.addTask { await loop(streams, held: held) } }
            }
            // All shards at once: a Redis that does not answer delays the exit by one command deadline, not 16.
            await withDiscardingTaskGroup { leaving in
                for stream in loops.flatMap(\.1) { leaving.addTask { try? await stream.leaveGroupIfIdle() } }
            }
            group.cancelAll()
        }
    }

    private func loop(_ streams: [OutboxStream], held: HeldEntries) async {
        let clock = ContinuousClock()
        var groupsReady = false
        var recoverOwn = false
        var nextClaim = clock.now
        var failures = 0
        await withDiscardingTaskGroup { deliveries in
            /// Delivers a claimed entry (taken over, or found on this worker's own list) unless this worker holds it
            /// already. Once held, it is first checked to be still pending: a delivery of it that finished just
            /// before has acknowledged it, and it must not go out again. Its attempt number is its delivery count.
            func start(_ entry: OutboxStream.Entry, on stream: OutboxStream) {
                guard held.add(entry.id, of: stream.shard) else { return }
                deliveries.addTask {
                    let attempt = (try? await stream.deliveryCount(entry.id)) ?? 0
                    if attempt > 0 { await processor.process(entry, firstAttempt: attempt, on: stream) }
                    held.remove(entry.id, of: stream.shard)
                }
            }
            /// Delivers new entries of one stream together, skipping any this worker holds already.
            func startFresh(_ entries: [OutboxStream.Entry], on stream: OutboxStream) {
                let taken = entries.filter { held.add($0.id, of: stream.shard) }
                guard !taken.isEmpty else { return }
                deliveries.addTask {
                    await processor.processFresh(taken, on: stream) { ids in held.remove(ids, of: stream.shard) }
                }
            }
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                // Wakes for room, and for the heartbeat even when every slot is busy.
                await held.waitBelow(maxHeld, timeout: max(.zero, nextClaim - clock.now))
                do {
                    if !groupsReady {
                        for stream in streams { try await stream.ensureGroup() }
                        groupsReady = true
                    }
                    if clock.now >= nextClaim {
                        for stream in streams {
                            try await stream.touch(held.ids(of: stream.shard))
                            try await claimStale(stream, held: held, start: start)
                        }
                        nextClaim = clock.now + settings.claimEvery
                    }
                    if recoverOwn {
                        for stream in streams { try await recoverOwnPending(stream, held: held, start: start) }
                        recoverOwn = false
                    }
                    let room = maxHeld - held.count
                    if room > 0 {
                        // Never BLOCK 0 (forever): at least 1 ms, at most until the next heartbeat.
                        let block = max(.milliseconds(1), min(settings.blockTime, nextClaim - clock.now))
                        // A share per shard, whether this loop reads them all (standalone) or one (a cluster, where
                        // the 16 loops read at once): together they ask for at most `batchSize`.
                        let each = max(1, min(room, settings.batchSize) / OutboxShard.all.count)
                        for (stream, entries) in try await OutboxStream.readNew(streams, count: each, block: block) {
                            startFresh(entries, on: stream)
                        }
                    }
                    failures = 0
                } catch {
                    failures += 1
                    recoverOwn = true
                    if case RedisError.server(let message) = error, message.hasPrefix("NOGROUP") { groupsReady = false }
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

    /// Takes up the entries a lost read reply left on this worker's own pending list, now rather than after the
    /// claim timeout. Those it holds already are skipped by `start`.
    private func recoverOwnPending(
        _ stream: OutboxStream, held: HeldEntries, start: (OutboxStream.Entry, OutboxStream) -> Void
    ) async throws {
        var after = "0"
        while maxHeld > held.count {
            let page = try await stream.readOwnPending(after: after, count: settings.batchSize)
            guard let last = page.last else { return }
            for entry in page { start(entry, stream) }
            after = last.id
        }
    }

    /// Claims every entry left idle by another worker, following XAUTOCLAIM's cursor until none is left or no
    /// room is.
    private func claimStale(
        _ stream: OutboxStream, held: HeldEntries, start: (OutboxStream.Entry, OutboxStream) -> Void
    ) async throws {
        var cursor = "0-0"
        repeat {
            let room = maxHeld - held.count
            guard room > 0 else { return }
            let claimed = try await stream.claimStale(
                minIdle: settings.claimIdle, count: min(room, settings.batchSize), from: cursor)
            for entry in claimed.entries {
                start(entry, stream)
            }
            cursor = claimed.next
        } while cursor != "0-0"
    }
}

extension DeliveryWorker: CustomStringConvertible {
    /// Only the name: the default description would print the drivers and their settings.
    public var description: String { "DeliveryWorker" }
}
