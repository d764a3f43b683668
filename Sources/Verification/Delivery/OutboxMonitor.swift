import Logging
import RedisClient
import ServiceLifecycle

/// Samples the outbox every few seconds for the depth and oldest-entry-age gauges.
public struct OutboxMonitor: Service {
    let redis: RedisClient
    let keys: KeyLayout
    let interval: Duration

    /// A monitor reading through `redis`.
    public init(redis: RedisClient, keys: KeyLayout, interval: Duration = .seconds(5)) {
        self.redis = redis
        self.keys = keys
        self.interval = interval
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if let (depth, age) = try? await sample() {
                VerificationMetrics.outbox(depth: depth, oldestAgeSeconds: age)
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// The outbox length and the age (s, by Redis time) of its oldest entry, in one round trip.
    func sample() async throws -> (Int64, Double) {
        let replies = try await redis.pipeline([
            RedisCommand("XLEN", [.string(keys.outbox)]),
            RedisCommand("XRANGE", [.string(keys.outbox), "-", "+", "COUNT", 1]),
            RedisCommand("TIME"),
        ])
        let depth = replies[0].int ?? 0
        let time = replies[2].array ?? []
        let nowMs = (time.first?.int ?? 0) * 1000 + (time.count > 1 ? (time[1].int ?? 0) / 1000 : 0)
        let oldestId = replies[1].array?.first?.array?.first?.string ?? ""
        guard let oldestMs = oldestId.split(separator: "-").first.flatMap({ Int64($0) }) else { return (depth, 0) }
        return (depth, Double(max(0, nowMs - oldestMs)) / 1000)
    }
}

extension OutboxMonitor: CustomStringConvertible {
    /// Only the name, as services are listed in ServiceLifecycle's logs.
    public var description: String { "OutboxMonitor" }
}
