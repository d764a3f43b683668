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
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if let (depth, ages) = try? await sample() {
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

    /// The first entry of each channel among the oldest `ARGV[1]` entries, Redis' time and the stream's length.
    /// ARGV[2…] are the channels. Entries are scanned in pages of 256 until every channel is found.
    static let oldestScript = RedisScript(
        """
        local budget = tonumber(ARGV[1])
        local found, missing = {}, #ARGV - 1
        local start, scanned = '-', 0
        while missing > 0 and scanned < budget do
          local page = redis.call('XRANGE', KEYS[1], start, '+', 'COUNT', 256)
          for _, entry in ipairs(page) do
            local fields = entry[2]
            for i = 1, #fields, 2 do
              if fields[i] == 'channel' then
                if not found[fields[i + 1]] then found[fields[i + 1]] = entry[1]; missing = missing - 1 end
                break
              end
            end
            if missing == 0 then break end
          end
          scanned = scanned + #page
          if #page < 256 then break end
          start = '(' .. page[#page][1]
        end
        local reply = {redis.call('XLEN', KEYS[1]), redis.call('TIME')}
        for i = 2, #ARGV do reply[#reply + 1] = found[ARGV[i]] or '' end
        return reply
        """)

    /// Entries scanned per shard for a channel's oldest: 10,000 over the 16 shards, so a channel with nothing queued
    /// behind another's backlog costs each sample a bounded scan.
    static let scanPerShard = 10_000 / OutboxShard.count

    /// The outbox length over every shard and, per channel, how long its oldest entry has waited (by Redis'
    /// clock); a channel with no entry among a shard's oldest `scanPerShard` counts as not waiting there.
    func sample() async throws -> (Int64, [Channel: Duration]) {
        try await withThrowingTaskGroup(of: (Int64, [Channel: Duration]).self) { group in
            for shard in OutboxShard.all { group.addTask { try await sample(shard) } }
            var depth: Int64 = 0
            var ages: [Channel: Duration] = [:]
            for try await (shardDepth, shardAges) in group {
                depth += shardDepth
                ages.merge(shardAges, uniquingKeysWith: max)
            }
            return (depth, ages)
        }
    }

    private func sample(_ shard: OutboxShard) async throws -> (Int64, [Channel: Duration]) {
        let channels = Channel.allCases
        let reply = try await redis.eval(
            Self.oldestScript, keys: [.string(keys.outbox(shard))],
            arguments: [.integer(Int64(Self.scanPerShard))] + channels.map { .string($0.rawValue) })
        let parts = reply.array ?? []
        guard parts.count == 2 + channels.count else { return (0, [:]) }
        let nowMs = Self.milliseconds(ofTime: parts[1])
        var ages: [Channel: Duration] = [:]
        for (index, channel) in channels.enumerated() {
            let id = parts[2 + index].string ?? ""
            guard let oldestMs = OutboxStream.addedMilliseconds(id) else { continue }
            ages[channel] = .milliseconds(max(0, nowMs - oldestMs))
        }
        return (parts[0].int ?? 0, ages)
    }
}

extension OutboxMonitor: CustomStringConvertible {
    /// Only the name, as services are listed in ServiceLifecycle's logs.
    public var description: String { "OutboxMonitor" }
}
