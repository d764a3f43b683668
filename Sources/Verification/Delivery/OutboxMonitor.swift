import Logging
import RedisClient
import ServiceLifecycle

/// Samples the outbox every `interval`: its depth and the age of each channel's oldest queued entry, for the gauges
/// and for the backlog that refuses sends a channel cannot deliver in time. Every 15 samples it also trims the dead
/// letters older than `deadLetterRetention`, so that stream stays bounded; every 60 it removes the group's consumers
/// with nothing pending idle for longer than `idleConsumerTTL` (`IdleConsumerSweep`).
public struct OutboxMonitor: Service {
    let redis: RedisClient
    let keys: KeyLayout
    let backlog: DeliveryBacklog?
    let interval: Duration
    let deadLetterRetention: Duration?
    let idleConsumerTTL: Duration?

    /// Samples between two trims of the dead letters.
    static let samplesPerTrim = 15
    /// Samples between two sweeps of idle consumers.
    static let samplesPerSweep = 60
    /// How long a consumer with nothing pending may stay idle before a sweep removes it.
    public static let defaultIdleConsumerTTL = Duration.seconds(86_400)

    /// A monitor reading through `redis`, feeding `backlog` when given, trimming dead letters older than
    /// `deadLetterRetention` when given, removing consumers idle for longer than `idleConsumerTTL` when given.
    public init(
        redis: RedisClient, keys: KeyLayout, backlog: DeliveryBacklog? = nil, interval: Duration = .seconds(1),
        deadLetterRetention: Duration? = nil, idleConsumerTTL: Duration? = defaultIdleConsumerTTL
    ) {
        self.redis = redis
        self.keys = keys
        self.backlog = backlog
        self.interval = interval
        self.deadLetterRetention = deadLetterRetention
        self.idleConsumerTTL = idleConsumerTTL
    }

    public func run() async throws {
        var samples = 0
        var cursors = OldestEntryScan.Cursors()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if let (depth, ages) = try? await sample(&cursors) {
                VerificationMetrics.outbox(depth: depth, oldestAges: ages)
                backlog?.record(ages)
            }
            if let deadLetterRetention, samples % Self.samplesPerTrim == 0 {
                try? await trimDeadLetters(olderThan: deadLetterRetention)
            }
            if let idleConsumerTTL, samples % Self.samplesPerSweep == 0 {
                _ = try? await IdleConsumerSweep(redis: redis, keys: keys, idle: idleConsumerTTL).run()
            }
            samples += 1
            try? await Task.sleep(for: interval)
        }
    }

    /// Milliseconds since 1970 in a `TIME` reply (seconds, microseconds).
    static func milliseconds(ofTime reply: RESPValue) -> Int64 {
        let time = reply.array ?? []
        return (time.first?.int ?? 0) * 1000 + (time.count > 1 ? (time[1].int ?? 0) / 1000 : 0)
    }

    /// Trims every shard's dead letters added before `retention` ago, by Redis' clock (`XTRIM … MINID`).
    func trimDeadLetters(olderThan retention: Duration) async throws {
        let nowMs = Self.milliseconds(ofTime: try await redis.send(RedisCommand("TIME")))
        let minimum = nowMs - retention.wholeMilliseconds
        guard minimum > 0 else { return }
        _ = try await redis.pipeline(
            OutboxShard.all.map { RedisCommand("XTRIM", [.string(keys.outboxDead($0)), "MINID", .integer(minimum)]) })
    }

    /// Each shard's depth and the age of each channel's oldest entry, summed and maxed over the shards. The shards
    /// are read one after another: each script is short, and Redis serves other clients between them.
    func sample(_ cursors: inout OldestEntryScan.Cursors) async throws -> (Int64, [Channel: Duration]) {
        let scan = OldestEntryScan(redis: redis, keys: keys)
        var depth: Int64 = 0
        var ages: [Channel: Duration] = [:]
        for shard in OutboxShard.all {
            let (shardDepth, shardAges) = try await scan.sample(shard, &cursors)
            depth += shardDepth
            ages.merge(shardAges, uniquingKeysWith: max)
        }
        return (depth, ages)
    }
}

extension OutboxMonitor: CustomStringConvertible {
    /// Only the name, as services are listed in ServiceLifecycle's logs.
    public var description: String { "OutboxMonitor" }
}
