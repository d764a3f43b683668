import RedisClient

/// What a send asks of Redis, and where it runs: the limits of other entities (client IP, country code, a folded
/// mailbox), the target's limits and owner rule, and the code with its delivery record.
///
/// When one script may touch every key (a standalone Redis), everything runs in one call: one round trip. Otherwise
/// (a cluster, where the foreign limits live in other slots) each foreign limit is reserved first, on its own node,
/// and the target's part runs second. A foreign limit that refuses releases the others; a target that refuses
/// releases what counts sends (a lookup stays counted: the request reached the owner rule), so a refused send
/// leaves no trace in any send budget.
struct SendAdmission: Sendable {
    /// One limit a send counts against: its key and its rule.
    struct Limit: Sendable {
        var kind: LimitKind
        var key: String
        var rule: LimitRule
    }

    /// The code to store and its delivery record.
    struct Code: Sendable {
        var key: String
        var outbox: String
        var hash: String
        var ttlMs: Int64
        /// The outbox entry's values, in the order of `OutboxEntry.fieldNames`.
        var fieldValues: [String]
    }

    /// How the admission ended.
    enum Outcome: Sendable, Equatable {
        case admitted(entryId: String)
        case limited(retryAfterMs: Int64, by: LimitKind)
        /// The address must be free and belongs to an account.
        case addressTaken
        /// The address must belong to an account and does not.
        case addressUnknown
        /// The logged-in account's own address of the channel is already filled.
        case bound
        /// The target's outbox stream holds as many deliveries as it may.
        case outboxFull
    }

    /// Limits in other slots than the target's: client IP and country budgets, a folded mailbox.
    var foreign: [Limit]
    /// Limits in the target's slot.
    var targetLimits: [Limit]
    var owner: (rule: AddressOwnerRule, key: String)?
    var bound: Bool
    var code: Code
    /// The most entries the code's outbox stream may hold; 0 for no cap.
    var outboxCap: Int
    /// Replicas that must confirm the code before the send is admitted.
    var replicaAcknowledgement: ReplicaAcknowledgement?
    /// The scripts, knowing every limit's rule.
    var scripts: SendScript

    /// Runs the admission. A refusal leaves no trace in any send budget; neither does a failure after a foreign limit
    /// was reserved (released on a best-effort basis, since Redis may be what failed).
    func run(on redis: RedisClient) async throws -> Outcome {
        if foreign.isEmpty || redis.canCombine(allKeys) {
            return try await call(redis, foreign: foreign, target: targetLimits, withTarget: true).outcome
        }
        var reserved: [(limit: Limit, stamp: String)] = []
        var refusal: Outcome?
        var failure: (any Error)?
        // Every reservation is awaited, even after one failed, so that each one made is known and can be released.
        await withTaskGroup(of: (Limit, Result<Reply, any Error>).self) { group in
            for limit in foreign {
                group.addTask {
                    do {
                        return (
                            limit, .success(try await call(redis, foreign: [limit], target: [], withTarget: false))
                        )
                    } catch {
                        return (limit, .failure(error))
                    }
                }
            }
            for await (limit, result) in group {
                switch result {
                case .success(let reply):
                    if case .admitted = reply.outcome {
                        reserved.append((limit, reply.stamp))
                    } else if refusal == nil {
                        refusal = reply.outcome
                    }
                case .failure(let error): failure = failure ?? error
                }
            }
        }
        do {
            if let failure { throw failure }
            if let refusal {
                try await release(reserved, on: redis)
                return refusal
            }
            let reply = try await call(redis, foreign: [], target: targetLimits, withTarget: true)
            if case .admitted = reply.outcome { return reply.outcome }
            try await release(reserved.filter { $0.limit.rule.counts == .send }, on: redis)
            return reply.outcome
        } catch {
            try? await release(reserved, on: redis)
            throw error
        }
    }

    private var allKeys: [String] {
        (foreign + targetLimits).map(\.key) + (owner.map { [$0.key] } ?? []) + [code.key, code.outbox]
    }

    struct Reply {
        var outcome: Outcome
        /// The Redis time written to the logs, for a release.
        var stamp: String
    }

    /// One call of the admit script: these foreign limits and, with `withTarget`, the target's limits, owner rule
    /// and code.
    private func call(_ redis: RedisClient, foreign: [Limit], target: [Limit], withTarget: Bool) async throws -> Reply {
        let limits = foreign + target
        var keys: [RedisArgument] = []
        keys.reserveCapacity(limits.count + 3)
        for limit in limits { keys.append(.string(limit.key)) }
        var arguments: [RedisArgument] = []
        arguments.reserveCapacity(8 + limits.count + code.fieldValues.count)
        arguments.append(.integer(Int64(foreign.count)))
        arguments.append(.integer(Int64(limits.count)))
        arguments.append(.string(withTarget ? owner?.rule.rawValue ?? "" : ""))
        arguments.append(.string(withTarget && bound ? "bound" : ""))
        arguments.append(.string(withTarget ? "1" : "0"))
        arguments.append(.integer(Int64(withTarget ? outboxCap : 0)))
        for limit in limits { arguments.append(.string(limit.rule.name)) }
        if withTarget {
            if let owner { keys.append(.string(owner.key)) }
            keys.append(.string(code.key))
            keys.append(.string(code.outbox))
            arguments.append(.string(code.hash))
            arguments.append(.integer(code.ttlMs))
            for value in code.fieldValues { arguments.append(.string(value)) }
        }
        guard withTarget, let acknowledgement = replicaAcknowledgement else {
            let reply = try await StoreFault.about("send script") {
                try await redis.eval(scripts.admit, keys: keys, arguments: arguments)
            }
            return try Self.parse(reply, limits: limits)
        }
        return try await callAndWait(redis, keys: keys, arguments: arguments, limits: limits, for: acknowledgement)
    }

    /// The target's script followed, on the same connection, by `WAIT`: a refusal wrote nothing and needs no
    /// replica, an admission counts only once `replicas` replicas confirm it. When they do not within the timeout,
    /// the admission is withdrawn (its log entries, code and outbox entry) and the send fails with
    /// `ReplicaShortfall` (503): the client's retry is a fresh send. A worker that read the entry before the
    /// withdrawal finds the code gone and drops it.
    private func callAndWait(
        _ redis: RedisClient, keys: [RedisArgument], arguments: [RedisArgument], limits: [Limit],
        for acknowledgement: ReplicaAcknowledgement
    ) async throws -> Reply {
        let wait = RedisCommand(
            "WAIT",
            [.integer(Int64(acknowledgement.replicas)), .integer(acknowledgement.timeout.wholeMilliseconds)])
        let replies = try await redis.eval(
            scripts.admit, keys: keys, arguments: arguments, followedBy: [wait],
            timeout: acknowledgement.timeout + redis.configuration.commandTimeout)
        if case .error(let message) = replies[0] { throw StoreFault(keyKind: "send script", detail: message) }
        let reply = try Self.parse(replies[0], limits: limits)
        guard case .admitted(let entryId) = reply.outcome else { return reply }
        guard let confirmed = replies[1].int, confirmed >= acknowledgement.replicas else {
            VerificationMetrics.unreplicated()
            // Best effort: when the primary itself is gone, so is what it held.
            try? await withdraw(
                limits.filter { $0.rule.counts == .send }, stamp: reply.stamp, code: (code.hash, entryId), on: redis)
            throw ReplicaShortfall(wanted: acknowledgement.replicas, confirmed: Int(replies[1].int ?? 0))
        }
        return reply
    }

    /// Reads the admit script's reply (one line of words, see `SendScript`); anything else is a `StoreFault`.
    static func parse(_ reply: RESPValue, limits: [Limit]) throws -> Reply {
        guard case .bulkString(let bytes) = reply else {
            throw StoreFault(keyKind: "send script", detail: "unexpected reply")
        }
        // The words stay slices of the reply; only the entry id and the stamp become strings.
        let words = bytes.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        func text(_ index: Int) -> String { String(decoding: words[index], as: UTF8.self) }
        func number(_ index: Int) -> Int64? { Int64(text(index)) }
        let kind = words[0].count == 1 ? words[0].first! : 0
        switch (kind, words.count) {
        case (UInt8(ascii: "0"), 3) where number(2) != nil:
            return Reply(outcome: .admitted(entryId: text(1)), stamp: text(2))
        case (UInt8(ascii: "1"), 3):
            guard let retry = number(1), let index = number(2).map(Int.init), limits.indices.contains(index - 1) else {
                break
            }
            return Reply(outcome: .limited(retryAfterMs: retry, by: limits[index - 1].kind), stamp: "")
        case (UInt8(ascii: "2"), 1): return Reply(outcome: .addressTaken, stamp: "")
        case (UInt8(ascii: "3"), 1): return Reply(outcome: .addressUnknown, stamp: "")
        case (UInt8(ascii: "4"), 1): return Reply(outcome: .bound, stamp: "")
        case (UInt8(ascii: "5"), 1): return Reply(outcome: .outboxFull, stamp: "")
        default: break
        }
        throw StoreFault(keyKind: "send script", detail: "unexpected reply")
    }

    /// Takes back reservations of foreign limits, each on its own node.
    private func release(_ reserved: [(limit: Limit, stamp: String)], on redis: RedisClient) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (limit, stamp) in reserved {
                group.addTask { try await withdraw([limit], stamp: stamp, code: nil, on: redis) }
            }
            try await group.waitForAll()
        }
    }

    /// Runs the withdraw script on `limits` (one slot) and, with `code`, on the code and its outbox entry.
    private func withdraw(
        _ limits: [Limit], stamp: String, code withdrawn: (hash: String, entryId: String)?, on redis: RedisClient
    ) async throws {
        var keys: [RedisArgument] = limits.map { .string($0.key) }
        var arguments: [RedisArgument] = [.integer(Int64(limits.count)), .string(stamp)]
        for limit in limits { arguments.append(.string(limit.rule.name)) }
        if let withdrawn {
            keys += [.string(code.key), .string(code.outbox)]
            arguments += [.string(withdrawn.hash), .string(withdrawn.entryId)]
        }
        _ = try await StoreFault.about("send script") {
            try await redis.eval(scripts.withdraw, keys: keys, arguments: arguments)
        }
    }
}

/// Redis admitted a send but fewer replicas than `VERIFYD_REDIS_WAIT_REPLICAS` confirmed it in time; the admission
/// was withdrawn. Answered 503 with `Retry-After`, like an unreachable Redis.
public struct ReplicaShortfall: Error, Sendable, Equatable, CustomStringConvertible {
    /// Replicas asked for.
    public let wanted: Int
    /// Replicas that confirmed within the timeout.
    public let confirmed: Int

    public var description: String { "\(confirmed) of \(wanted) replica(s) confirmed the code in time" }
}

/// Whether an address must be free or already belong to an account.
enum AddressOwnerRule: String, Sendable {
    /// Refused with 34205 (email) or 34206 (phone) when some account has it.
    case free
    /// Refused with 34301 when no account has it.
    case taken
}
