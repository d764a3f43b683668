import RedisClient

/// What a send asks of Redis, and where it runs: the budgets of other entities (client IP, country code), the
/// target's limits and owner rule, and the code with its delivery record.
///
/// When one script may touch every key (a standalone Redis), everything runs in one call: one round trip. Otherwise
/// (a cluster, where the budgets live in other slots) the budgets are reserved first, each on its own node, and the
/// target's part runs second; a budget that refuses releases the others, and a target that refuses releases them
/// all, so a refused send leaves no trace in any budget.
struct SendAdmission: Sendable {
    /// One log of recent admitted sends and its limits.
    struct Log: Sendable {
        var kind: LimitKind
        var key: String
        var limits: [RateLimit]
    }

    /// The code to store and its delivery record.
    struct Code: Sendable {
        var key: String
        var outbox: String
        var hash: String
        var ttlMs: Int64
        var fields: [RedisFieldPair]
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
    }

    var budgets: [Log]
    var targetLogs: [Log]
    var owner: (rule: AddressOwnerRule, key: String)?
    var bound: Bool
    var code: Code
    /// Replicas that must confirm the code before the send is admitted.
    var replicaAcknowledgement: ReplicaAcknowledgement?

    /// Runs the admission. A refusal leaves no trace in any log; so does a failure after a budget was reserved
    /// (released on a best-effort basis, since Redis may be what failed).
    func run(on redis: RedisClient) async throws -> Outcome {
        if budgets.isEmpty || redis.canCombine(allKeys) {
            return try await call(redis, budgets: budgets, targets: targetLogs, withTarget: true).outcome
        }
        var reserved: [(log: Log, stamp: String)] = []
        var refusal: Outcome?
        var failure: (any Error)?
        // Every reservation is awaited, even after one failed, so that each one made is known and can be released.
        await withTaskGroup(of: (Log, Result<Reply, any Error>).self) { group in
            for budget in budgets {
                group.addTask {
                    do {
                        return (
                            budget, .success(try await call(redis, budgets: [budget], targets: [], withTarget: false))
                        )
                    } catch {
                        return (budget, .failure(error))
                    }
                }
            }
            for await (log, result) in group {
                switch result {
                case .success(let reply):
                    if case .admitted = reply.outcome {
                        reserved.append((log, reply.stamp))
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
            let reply = try await call(redis, budgets: [], targets: targetLogs, withTarget: true)
            if case .admitted = reply.outcome { return reply.outcome }
            try await release(reserved, on: redis)
            return reply.outcome
        } catch {
            try? await release(reserved, on: redis)
            throw error
        }
    }

    private var allKeys: [String] {
        (budgets + targetLogs).map(\.key) + (owner.map { [$0.key] } ?? []) + [code.key, code.outbox]
    }

    struct Reply {
        var outcome: Outcome
        /// The Redis time written to the logs, for a release.
        var stamp: String
    }

    /// One call of the admit script: these budgets and, with `withTarget`, the target's logs, owner rule and code.
    private func call(_ redis: RedisClient, budgets: [Log], targets: [Log], withTarget: Bool) async throws -> Reply {
        let logs = budgets + targets
        var keys: [RedisArgument] = logs.map { .string($0.key) }
        var arguments: [RedisArgument] = [
            .integer(Int64(budgets.count)), .integer(Int64(targets.count)),
            .string(withTarget ? owner?.rule.rawValue ?? "" : ""), .string(withTarget && bound ? "bound" : ""),
            .string(withTarget ? "1" : "0"),
        ]
        for log in logs {
            arguments.append(.integer(Int64(log.limits.count)))
            for limit in log.limits {
                arguments += [.integer(Int64(limit.count)), .integer(Int64(limit.window) * 1000)]
            }
        }
        if withTarget {
            if let owner { keys.append(.string(owner.key)) }
            keys += [.string(code.key), .string(code.outbox)]
            arguments += [.string(code.hash), .integer(code.ttlMs)]
            for pair in code.fields { arguments += [.string(pair.field), .string(pair.value)] }
        }
        guard withTarget, let acknowledgement = replicaAcknowledgement else {
            let reply = try await StoreFault.about("send script") {
                try await redis.eval(SendScript.admit, keys: keys, arguments: arguments)
            }
            return try Self.parse(reply, logs: logs)
        }
        return try await callAndWait(redis, keys: keys, arguments: arguments, logs: logs, for: acknowledgement)
    }

    /// The target's script followed, on the same connection, by `WAIT`: a refusal wrote nothing and needs no
    /// replica, an admission counts only once `replicas` replicas confirm it. When they do not within the timeout,
    /// the admission is withdrawn (its log entries, code and outbox entry) and the send fails with
    /// `ReplicaShortfall` (503): the client's retry is a fresh send. A worker that read the entry before the
    /// withdrawal finds the code gone and drops it.
    private func callAndWait(
        _ redis: RedisClient, keys: [RedisArgument], arguments: [RedisArgument], logs: [Log],
        for acknowledgement: ReplicaAcknowledgement
    ) async throws -> Reply {
        let wait = RedisCommand(
            "WAIT",
            [.integer(Int64(acknowledgement.replicas)), .integer(acknowledgement.timeout.wholeMilliseconds)])
        let replies = try await redis.eval(
            SendScript.admit, keys: keys, arguments: arguments, followedBy: [wait],
            timeout: acknowledgement.timeout + redis.configuration.commandTimeout)
        if case .error(let message) = replies[0] { throw StoreFault(keyKind: "send script", detail: message) }
        let reply = try Self.parse(replies[0], logs: logs)
        guard case .admitted(let entryId) = reply.outcome else { return reply }
        guard let confirmed = replies[1].int, confirmed >= acknowledgement.replicas else {
            VerificationMetrics.unreplicated()
            // Best effort: when the primary itself is gone, so is what it held.
            try? await withdraw(logs: logs, stamp: reply.stamp, code: (code.hash, entryId), on: redis)
            throw ReplicaShortfall(wanted: acknowledgement.replicas, confirmed: Int(replies[1].int ?? 0))
        }
        return reply
    }

    /// Reads the admit script's reply; anything else is a `StoreFault`.
    static func parse(_ reply: RESPValue, logs: [Log]) throws -> Reply {
        guard let parts = reply.array, let status = parts.first?.int else {
            throw StoreFault(keyKind: "send script", detail: "unexpected reply")
        }
        switch (status, parts.count) {
        case (0, 3):
            return Reply(
                outcome: .admitted(entryId: parts[1].string ?? ""), stamp: parts[2].int.map { String($0) } ?? "")
        case (1, 3):
            guard let retry = parts[1].int, let index = parts[2].int, logs.indices.contains(Int(index) - 1) else {
                break
            }
            return Reply(outcome: .limited(retryAfterMs: retry, by: logs[Int(index) - 1].kind), stamp: "")
        case (2, 1): return Reply(outcome: .addressTaken, stamp: "")
        case (3, 1): return Reply(outcome: .addressUnknown, stamp: "")
        case (4, 1): return Reply(outcome: .bound, stamp: "")
        default: break
        }
        throw StoreFault(keyKind: "send script", detail: "unexpected reply")
    }

    /// Takes back budget reservations of a refused send, each on its own node.
    private func release(_ reserved: [(log: Log, stamp: String)], on redis: RedisClient) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (log, stamp) in reserved {
                group.addTask { try await withdraw(logs: [log], stamp: stamp, code: nil, on: redis) }
            }
            try await group.waitForAll()
        }
    }

    /// Runs the withdraw script on `logs` (one slot) and, with `code`, on the code and its outbox entry.
    private func withdraw(
        logs: [Log], stamp: String, code withdrawn: (hash: String, entryId: String)?, on redis: RedisClient
    )
        async throws
    {
        var keys: [RedisArgument] = logs.map { .string($0.key) }
        var arguments: [RedisArgument] = [.integer(Int64(logs.count)), .string(stamp)]
        if let withdrawn {
            keys += [.string(code.key), .string(code.outbox)]
            arguments += [.string(withdrawn.hash), .string(withdrawn.entryId)]
        }
        _ = try await StoreFault.about("send script") {
            try await redis.eval(SendScript.withdraw, keys: keys, arguments: arguments)
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
