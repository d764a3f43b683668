import RedisClient

/// Converts a standalone Redis from verifyd's legacy layout (one email index hash, one phone index hash, one
/// outbox stream, keys tagged by target) to the sharded layout: an owner key per address, and each pending code,
/// send log and queued delivery in its target's shard. Idempotent and re-runnable after a crash: the indexes are
/// copied and left in place (instances of the old version still read them), and each key and delivery moves in one
/// command or script. A key the new layout already has (a code sent after the switch) wins over the legacy one.
/// Then it moves owner keys to their canonical target (`OwnerKeyCanonicalization`), on a cluster too.
public struct MirrorMigration: Sendable {
    let redis: RedisClient
    let keys: KeyLayout
    let legacy: LegacyKeyLayout
    let scanNodes: [RedisClient]

    /// What one run did.
    public struct Report: Sendable, Equatable {
        /// Owner keys written from the legacy indexes.
        public var owners = 0
        /// Index entries skipped: an unparsable address, or a phone whose account hash no longer has it.
        public var skipped = 0
        /// Pending codes and send logs moved to their shard.
        public var keys = 0
        /// Deliveries and dead letters moved to their shard.
        public var entries = 0
        /// Owner keys moved to their canonical target's key.
        public var canonicalized = 0
        /// Owner keys whose target is not a valid address today, left as they are.
        public var unreadableOwners = 0
    }

    /// A migration of the layout under `keys.prefix`. `scanNodes` are the nodes whose owner keys are re-canonicalized
    /// (each primary of a cluster; nil: `redis` itself, a standalone Redis).
    public init(redis: RedisClient, keys: KeyLayout, scanNodes: [RedisClient]? = nil) {
        self.redis = redis
        self.keys = keys
        self.legacy = LegacyKeyLayout(prefix: keys.prefix)
        self.scanNodes = scanNodes ?? [redis]
    }

    /// KEYS: 1 legacy stream, 2 the shard's stream. ARGV: 1 the entry id, 2 the consumer group. Copies the entry
    /// with its fields and deletes it from the legacy stream, in one step.
    static let moveScript = RedisScript(
        """
        local entry = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
        if not entry[1] then return 0 end
        redis.call('XADD', KEYS[2], '*', unpack(entry[1][2]))
        pcall(redis.call, 'XACK', KEYS[1], ARGV[2], ARGV[1])
        redis.call('XDEL', KEYS[1], ARGV[1])
        return 1
        """)

    /// Runs the migration, calling `progress` after each page with the report so far.
    public func run(progress: (Report) -> Void = { _ in }) async throws -> Report {
        var report = Report()
        try await copyIndex(legacy.emailIndex, report: &report, progress: progress) { field, _ in
            guard case .success(let target) = Target.parse(channel: .email, account: field, countryCode: nil) else {
                return nil
            }
            return target
        }
        try await copyIndex(legacy.phoneIndex, report: &report, progress: progress) { field, account in
            // The legacy field joins country code and number without a separator: the account hash tells them apart.
            let fields = (account.array ?? []).map { $0.string ?? "" }
            guard fields.count == 2, fields[0] + fields[1] == field, let countryCode = Int(fields[0]),
                case .success(let target) = Target.parse(channel: .sms, account: fields[1], countryCode: countryCode)
            else { return nil }
            return target
        }
        try await moveTargetKeys(report: &report, progress: progress)
        try await moveStream(legacy.outbox, to: keys.outbox, report: &report, progress: progress)
        try await moveStream(legacy.outboxDead, to: keys.outboxDead, report: &report, progress: progress)
        try await canonicalizeOwners(report: &report, progress: progress)
        return report
    }

    /// Moves owner keys written under a target that is not canonical today to their canonical key.
    private func canonicalizeOwners(report: inout Report, progress: (Report) -> Void) async throws {
        let pass = OwnerKeyCanonicalization(keys: keys)
        var owners = OwnerKeyCanonicalization.Report()
        for node in scanNodes {
            try await pass.run(scanning: node, writingThrough: redis, report: &owners) { owners in
                var current = report
                current.canonicalized = owners.moved
                current.unreadableOwners = owners.unreadable
                progress(current)
            }
        }
        report.canonicalized = owners.moved
        report.unreadableOwners = owners.unreadable
    }

    /// Copies one legacy index into owner keys, page by page (HSCAN).
    private func copyIndex(
        _ index: String, report: inout Report, progress: (Report) -> Void,
        target: (_ field: String, _ account: RESPValue) -> Target?
    ) async throws {
        var cursor = "0"
        repeat {
            let page = try await redis.send(RedisCommand("HSCAN", [.string(index), .string(cursor), "COUNT", 500]))
            guard let parts = page.array, parts.count == 2, let next = parts[0].string else {
                throw StoreFault(keyKind: "legacy index", detail: "unexpected HSCAN reply")
            }
            let items = (parts[1].array ?? []).compactMap(\.string)
            let pairs = stride(from: 0, to: items.count - 1, by: 2).map { (items[$0], items[$0 + 1]) }
            let accounts = try await redis.pipeline(
                pairs.map { RedisCommand("HMGET", [.string(keys.account($0.1)), "countryCode", "purePhone"]) })
            var writes: [RedisCommand] = []
            for ((field, aid), account) in zip(pairs, accounts) {
                guard let target = target(field, account) else {
                    report.skipped += 1
                    continue
                }
                writes.append(RedisCommand("SET", [.string(keys.owner(target)), .string(aid)]))
            }
            if !writes.isEmpty { _ = try await redis.pipeline(writes) }
            report.owners += writes.count
            progress(report)
            cursor = next
        } while cursor != "0"
    }

    /// Moves the legacy per-target keys, `{<target>}:code:<template>` and `{<target>}:sends`, found with SCAN.
    private func moveTargetKeys(report: inout Report, progress: (Report) -> Void) async throws {
        try await KeyScan(node: redis, pattern: keys.prefix + "{*}:*", keyKind: "legacy keys").forEachPage { page in
            for key in page {
                guard let renamed = legacy.renamed(key, in: keys) else { continue }
                if try await redis.send(RedisCommand("RENAMENX", [.string(key), .string(renamed)])).int != 1 {
                    _ = try await redis.send(RedisCommand("DEL", [.string(key)]))
                }
                report.keys += 1
            }
            progress(report)
        }
    }

    /// Moves every entry of a legacy stream to the stream of its target's shard.
    private func moveStream(
        _ stream: String, to shardStream: (OutboxShard) -> String, report: inout Report,
        progress: (Report) -> Void
    ) async throws {
        while true {
            let page = try await redis.send(RedisCommand("XRANGE", [.string(stream), "-", "+", "COUNT", 500]))
            let entries = OutboxStream.entries(page)
            guard !entries.isEmpty else { return }
            for entry in entries {
                // An entry without a readable target (never written by verifyd) goes to shard 0.
                let shard =
                    OutboxEntry(fields: entry.fields).map { OutboxShard(of: $0.target) } ?? OutboxShard(index: 0)
                _ = try await redis.eval(
                    Self.moveScript, keys: [.string(stream), .string(shardStream(shard))],
                    arguments: [.string(entry.id), .string(keys.outboxGroup)])
                report.entries += 1
            }
            progress(report)
        }
    }
}
