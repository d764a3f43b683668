import RedisClient

/// One shard's outbox stream as the worker sees it: consumer-group reads, claims, acknowledgements, dead letters.
///
/// Blocking reads go through `reader` (a connection of their own); everything else through the shared `redis` pool.
/// Every script here touches keys of the shard's hash tag only.
final class OutboxStream: Sendable {
    let reader: RedisClient
    let redis: RedisClient
    let keys: KeyLayout
    let shard: OutboxShard
    let consumer: String
    /// The stream's key, and the keys of the shard's stats hash and dead letters: made once, not per command.
    let key: String
    let statsKey: String
    let deadKey: String

    init(reader: RedisClient, redis: RedisClient, keys: KeyLayout, shard: OutboxShard, consumer: String) {
        self.reader = reader
        self.redis = redis
        self.keys = keys
        self.shard = shard
        self.consumer = consumer
        self.key = keys.outbox(shard)
        self.statsKey = keys.stats(shard)
        self.deadKey = keys.outboxDead(shard)
    }

    /// A stream entry: its id and fields.
    struct Entry: Sendable {
        var id: String
        var fields: StreamFields
    }

    /// Dead-letters an entry atomically: copy it with the reason, the recipient and the phone number masked (ARGV[4],
    /// ARGV[5]: no address at rest in plaintext) and without the code's hash, then acknowledge and delete it.
    static let deadLetterScript = RedisScript(
        """
        local entry = redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2])
        if not entry[1] then return 0 end
        local fields = {'reason', ARGV[3], 'source', ARGV[2]}
        local original = entry[1][2]
        for i = 1, #original, 2 do
          local value = original[i + 1]
          if original[i] == 'to' then value = ARGV[4] elseif original[i] == 'phone' then value = ARGV[5] end
          if original[i] ~= 'hash' then
            fields[#fields + 1] = original[i]
            fields[#fields + 1] = value
          end
        end
        redis.call('XADD', KEYS[2], '*', unpack(fields))
        redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
        redis.call('HINCRBY', KEYS[3], 'dead', 1)
        return redis.call('XDEL', KEYS[1], ARGV[2])
        """)

    /// Creates the consumer group (from the start of the stream) unless it exists.
    func ensureGroup() async throws {
        do {
            _ = try await redis.send(
                RedisCommand("XGROUP", ["CREATE", .string(key), .string(keys.outboxGroup), "0", "MKSTREAM"]))
        } catch RedisError.server(let message) where message.hasPrefix("BUSYGROUP") {
            return
        }
    }

    /// Removes this consumer from the group when it has no pending entry (a pending one stays, for another worker to
    /// claim: deleting the consumer would drop it from the pending list).
    func leaveGroupIfIdle() async throws {
        let pending = try await redis.send(
            RedisCommand("XPENDING", [.string(key), .string(keys.outboxGroup), "-", "+", 1, .string(consumer)]))
        guard pending.array?.isEmpty == true else { return }
        _ = try await redis.send(
            RedisCommand("XGROUP", ["DELCONSUMER", .string(key), .string(keys.outboxGroup), .string(consumer)]))
    }

    /// New entries of several streams for this consumer, by stream, in one read that waits up to `block` for some, at
    /// most `count` from each. The streams must share their `reader` and be combinable in one command (every shard on
    /// a standalone Redis; one shard on a cluster).
    static func readNew(_ streams: [OutboxStream], count: Int, block: Duration) async throws -> [(
        stream: OutboxStream, entries: [Entry]
    )] {
        guard let first = streams.first else { return [] }
        let command = RedisCommand(
            "XREADGROUP",
            [
                "GROUP", .string(first.keys.outboxGroup), .string(first.consumer), "COUNT", .integer(Int64(count)),
                "BLOCK", .integer(block.wholeMilliseconds), "STREAMS",
            ] + streams.map { .string($0.key) } + streams.map { _ in ">" })
        let reply = try await first.reader.send(command, timeout: block + first.reader.configuration.commandTimeout)
        var found: [(OutboxStream, [Entry])] = []
        for item in reply.array ?? [] {
            guard let pair = item.array, pair.count == 2, let key = pair[0].string,
                let stream = streams.first(where: { $0.key == key })
            else {
                continue
            }
            found.append((stream, entries(pair[1])))
        }
        return found
    }

    /// Up to `count` of this consumer's own pending entries after the id `after` ("0" for all). After a read whose
    /// reply was lost (Redis killed or paused mid-read), Redis counts entries as delivered to this worker that it
    /// never received.
    func readOwnPending(after: String, count: Int) async throws -> [Entry] {
        let command = RedisCommand(
            "XREADGROUP",
            [
                "GROUP", .string(keys.outboxGroup), .string(consumer), "COUNT", .integer(Int64(count)), "STREAMS",
                .string(key), .string(after),
            ])
        let reply = try await redis.send(command)
        guard let streams = reply.array, let stream = streams.first?.array, stream.count == 2 else { return [] }
        return Self.entries(stream[1])
    }

    /// Up to `count` entries pending on any consumer for longer than `minIdle` (a dead worker's), now claimed by
    /// this one, scanning the pending list from `cursor`; also the cursor to go on from ("0-0" once all was seen).
    func claimStale(minIdle: Duration, count: Int, from cursor: String = "0-0") async throws -> (
        entries: [Entry], next: String
    ) {
        let command = RedisCommand(
            "XAUTOCLAIM",
            [
                .string(key), .string(keys.outboxGroup), .string(consumer),
                .integer(minIdle.wholeMilliseconds), .string(cursor), "COUNT", .integer(Int64(count)),
            ])
        let reply = try await redis.send(command)
        guard let parts = reply.array, parts.count >= 2 else { return ([], "0-0") }
        // Entries deleted meanwhile come back as nil; XAUTOCLAIM drops them from the PEL itself.
        return (Self.entries(parts[1]), parts[0].string ?? "0-0")
    }

    /// Acknowledges and deletes entries whose attempts are over (ARGV[4] on), counting ARGV[2] in the stats for each
    /// this call acknowledged, and ARGV[3] (unless empty) for each another worker already had. Returns how many this
    /// call acknowledged. One `XACK` and one `XDEL` per 512 entries.
    static let settleScript = RedisScript(
        """
        local counted = 0
        for i = 4, #ARGV, 512 do
          local last = math.min(i + 511, #ARGV)
          counted = counted + redis.call('XACK', KEYS[1], ARGV[1], unpack(ARGV, i, last))
          redis.call('XDEL', KEYS[1], unpack(ARGV, i, last))
        end
        local others = #ARGV - 3 - counted
        if counted > 0 then redis.call('HINCRBY', KEYS[2], ARGV[2], counted) end
        if others > 0 and ARGV[3] ~= '' then redis.call('HINCRBY', KEYS[2], ARGV[3], others) end
        return counted
        """)

    /// Acknowledges, deletes and counts delivered entries in one round trip: `delivered`, or `duplicates` for one
    /// another worker had already acknowledged (the at-least-once window). Returns how many this call acknowledged.
    /// When `retried`, an earlier try may have acknowledged them (its answer was lost), so none counts as a duplicate
    /// and all count as acknowledged.
    @discardableResult
    func complete(_ ids: [String], retried: Bool = false) async throws -> Int {
        let acknowledged = try await settle(ids, counting: "delivered", orElse: retried ? "" : "duplicates")
        return retried ? ids.count : acknowledged
    }

    /// Drops entries without delivering them (their codes were replaced by newer ones, used or expired), counting
    /// them as `superseded`.
    func dropSuperseded(_ ids: [String]) async throws {
        _ = try await settle(ids, counting: "superseded", orElse: "")
    }

    /// Runs the settle script; how many entries this call acknowledged.
    private func settle(_ ids: [String], counting field: String, orElse other: String) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        var arguments: [RedisArgument] = [.string(keys.outboxGroup), .string(field), .string(other)]
        arguments.reserveCapacity(3 + ids.count)
        for id in ids { arguments.append(.string(id)) }
        let reply = try await redis.eval(
            Self.settleScript, keys: [.string(key), .string(statsKey)], arguments: arguments)
        guard let acknowledged = reply.int, (0...Int64(ids.count)).contains(acknowledged) else {
            throw RedisError.protocolError("settle script answered \(reply) for \(ids.count) entries")
        }
        return Int(acknowledged)
    }

    /// The Redis time (ms since 1970) at which a stream entry was added: the first part of its id.
    static func addedMilliseconds(_ id: String) -> Int64? {
        Int64(id[..<(id.utf8.firstIndex(of: UInt8(ascii: "-")) ?? id.endIndex)])
    }

    /// The stored hashes of the codes targets and templates currently have, in one round trip: nil where there is
    /// none (used, expired or never issued). A failed lookup's place holds its error.
    func currentCodeHashes(_ codes: [(target: Target, templateId: Int)]) async throws -> [Result<String?, RedisError>] {
        let replies = try await redis.pipeline(
            codes.map { RedisCommand("HGET", [.string(keys.code($0.target, templateId: $0.templateId)), "hash"]) })
        return replies.map { reply in
            if case .error(let message) = reply { return .failure(.server(message)) }
            return .success(reply.string)
        }
    }

    /// How many times the entry was delivered to a consumer (XPENDING), 0 when it is no longer pending.
    func deliveryCount(_ id: String) async throws -> Int {
        let reply = try await redis.send(
            RedisCommand("XPENDING", [.string(key), .string(keys.outboxGroup), .string(id), .string(id), 1]))
        guard let row = reply.array?.first?.array, row.count == 4, let count = row[3].int else { return 0 }
        return Int(count)
    }

    /// Before a retry: takes the entry again if this worker still owns it, which resets its idle time and
    /// counts the delivery, and records the retry. Returns false when the entry is gone or another worker took it.
    func reclaimForRetry(_ id: String) async throws -> Bool {
        let owner = try await redis.send(
            RedisCommand("XPENDING", [.string(key), .string(keys.outboxGroup), .string(id), .string(id), 1]))
        guard owner.array?.first?.array?[1].string == consumer else { return false }
        let reply = try await redis.send(
            RedisCommand(
                "XCLAIM", [.string(key), .string(keys.outboxGroup), .string(consumer), 0, .string(id)]))
        guard let claimed = reply.array, let first = claimed.first, !first.isNull else { return false }
        _ = try await redis.send(RedisCommand("HINCRBY", [.string(statsKey), "retries", 1]))
        return true
    }

    /// Heartbeat: resets the idle time of entries this worker still holds (delivering or waiting to retry),
    /// so no other worker takes them over while this one is alive. Does not count as a delivery.
    func touch(_ ids: [String]) async throws {
        guard !ids.isEmpty else { return }
        let arguments: [RedisArgument] =
            [.string(key), .string(keys.outboxGroup), .string(consumer), 0]
            + ids.map { .string($0) } + ["JUSTID"]
        _ = try await redis.send(RedisCommand("XCLAIM", arguments))
    }

    /// Moves an entry that can never be delivered to the dead-letter stream with its reason, its recipient and phone
    /// number masked.
    func deadLetter(_ entry: Entry, reason: String) async throws {
        _ = try await redis.eval(
            Self.deadLetterScript, keys: [.string(key), .string(deadKey), .string(statsKey)],
            arguments: [
                .string(keys.outboxGroup), .string(entry.id), .string(reason),
                .string(Masking.mask(entry.fields["to"] ?? "")), .string(Masking.mask(entry.fields["phone"] ?? "")),
            ])
    }

    /// The entries of a stream reply (`XRANGE`, `XAUTOCLAIM`, each stream of `XREADGROUP`): id and fields; an item of
    /// another shape is skipped.
    static func entries(_ value: RESPValue) -> [Entry] {
        (value.array ?? []).compactMap { item -> Entry? in
            guard let pair = item.array, pair.count == 2, let id = pair[0].string, let fields = pair[1].array else {
                return nil
            }
            return Entry(id: id, fields: StreamFields(fields))
        }
    }
}
