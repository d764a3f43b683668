import RedisClient
import Verification

/// Reads the sharded outbox the way an operator would with `redis-cli`: every shard's stream, dead letters and
/// counters, summed.
public struct OutboxProbe: Sendable {
    let store: RedisClient
    let keys: KeyLayout

    /// A probe through `store`, for the layout under `keys`.
    public init(_ store: RedisClient, keys: KeyLayout = KeyLayout()) {
        self.store = store
        self.keys = keys
    }

    /// Entries queued over every shard (XLEN).
    public func length() async throws -> Int {
        try await sum(OutboxShard.all.map { RedisCommand("XLEN", [.string(keys.outbox($0))]) })
    }

    /// Dead letters over every shard.
    public func deadLength() async throws -> Int {
        try await sum(OutboxShard.all.map { RedisCommand("XLEN", [.string(keys.outboxDead($0))]) })
    }

    /// Entries pending in the consumer group over every shard (0 for a shard without the group yet).
    public func pending() async throws -> Int {
        var total = 0
        for shard in OutboxShard.all {
            let reply = try await store.pipeline([RedisCommand("XPENDING", [.string(keys.outbox(shard)), "verifyd"])])
            total += Int(reply[0].array?.first?.int ?? 0)
        }
        return total
    }

    /// A delivery counter (`delivered`, `retries`, `dead`, `duplicates`, `superseded`) over every shard.
    public func stat(_ field: String) async throws -> Int {
        try await sum(OutboxShard.all.map { RedisCommand("HGET", [.string(keys.stats($0)), .string(field)]) })
    }

    /// Every queued entry over every shard as (id, fields), oldest first.
    public func entries() async throws -> [(id: String, fields: [String: String])] {
        var all: [(id: String, fields: [String: String])] = []
        for shard in OutboxShard.all {
            for item in try await store.send("XRANGE", .string(keys.outbox(shard)), "-", "+").array ?? [] {
                guard let pair = item.array, pair.count == 2, let id = pair[0].string else { continue }
                all.append((id, pair[1].fieldMap ?? [:]))
            }
        }
        return all.sorted { Self.order($0.id) < Self.order($1.id) }
    }

    /// The newest queued entry's fields, or nil when none is queued.
    public func newest() async throws -> [String: String]? { try await entries().last?.fields }

    private func sum(_ commands: [RedisCommand]) async throws -> Int {
        try await store.pipeline(commands).reduce(0) { $0 + Int($1.int ?? 0) }
    }

    private static func order(_ id: String) -> (Int64, Int64) {
        let parts = id.split(separator: "-").map { Int64($0) ?? 0 }
        return (parts.first ?? 0, parts.count > 1 ? parts[1] : 0)
    }
}
