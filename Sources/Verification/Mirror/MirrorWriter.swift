import RedisClient

/// Writes the mirror the way the main application should: the account hash, and an owner key for each of its
/// addresses in that address's shard. Every command touches one key, so it works the same on a cluster; a changed
/// address's old owner key is deleted only while it still names this account. For `verify mirror`.
public struct MirrorWriter: Sendable {
    /// The client it writes through.
    public let redis: RedisClient
    /// The layout it writes.
    public let keys: KeyLayout

    /// A writer through `redis`.
    public init(redis: RedisClient, keys: KeyLayout) {
        self.redis = redis
        self.keys = keys
    }

    /// KEYS: an owner key. ARGV: an aid. Deletes the key when it still holds that aid.
    static let unlinkScript = RedisScript(
        """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """)

    /// An account to write, validated.
    public struct Account: Sendable, Equatable {
        public var aid: String
        public var email: String?
        public var countryCode: Int?
        public var purePhone: String?

        /// Validates and canonicalizes as `Target.parse` does (the owner keys and the hash's `email`, `countryCode`
        /// and `purePhone` agree: a national number with its trunk prefix is stored without it); nil with the reason
        /// when invalid.
        public static func validated(
            aid: String, email: String?, countryCode: Int?, purePhone: String?
        ) -> Result<Account, MirrorError> {
            guard Session.isPlausibleAid(aid) else {
                return .failure(MirrorError("aid must be 1-64 characters of A-Z a-z 0-9 _ -"))
            }
            var account = Account(aid: aid)
            if let email, !email.isEmpty {
                guard case .success(let target) = Target.parse(channel: .email, account: email, countryCode: nil) else {
                    return .failure(MirrorError("invalid email"))
                }
                account.email = target.key
            }
            if let purePhone, !purePhone.isEmpty {
                guard let countryCode else { return .failure(MirrorError("a phone needs a countryCode")) }
                switch Target.parse(channel: .sms, account: purePhone, countryCode: countryCode) {
                case .success(let target):
                    account.countryCode = countryCode
                    account.purePhone = target.nationalNumber
                case .failure(.countryCode):
                    return .failure(MirrorError("countryCode must be an assigned country calling code"))
                case .failure:
                    return .failure(MirrorError("purePhone is not a valid number of that country"))
                }
            }
            return .success(account)
        }

        init(aid: String) { self.aid = aid }

        /// The targets of its addresses.
        var targets: [Target] {
            var targets: [Target] = []
            if let email { targets.append(.email(email)) }
            if let countryCode, let purePhone { targets.append(.phone(countryCode: countryCode, number: purePhone)) }
            return targets
        }
    }

    /// Writes one account.
    public func put(_ account: Account) async throws {
        try await putMany([account])
    }

    /// Accounts written per pipeline: up to three commands each, well below a connection's pending-command limit.
    static let batchSize = 256

    /// Writes accounts, each batch in three pipelined round trips: read their old addresses; write the owner keys and
    /// the account hashes; unlink the owner keys of addresses they no longer have.
    public func putMany(_ accounts: [Account]) async throws {
        var start = 0
        while start < accounts.count {
            let end = min(accounts.count, start + Self.batchSize)
            try await putBatch(accounts[start..<end])
            start = end
        }
    }

    private func putBatch(_ accounts: ArraySlice<Account>) async throws {
        guard !accounts.isEmpty else { return }
        let old = try await checked(redis.pipeline(accounts.map { addressesCommand($0.aid) }), "mirror account")
        var writes: [RedisCommand] = []
        for account in accounts {
            for target in account.targets {
                writes.append(RedisCommand("SET", [.string(keys.owner(target)), .string(account.aid)]))
            }
            writes.append(
                RedisCommand(
                    "HSET",
                    [
                        .string(keys.account(account.aid)), "email", .string(account.email ?? ""), "countryCode",
                        .string(account.countryCode.map(String.init) ?? ""), "purePhone",
                        .string(account.purePhone ?? ""),
                    ]))
        }
        _ = try await checked(redis.pipeline(writes), "mirror owner")
        var stale: [(Target, String)] = []
        for (account, reply) in zip(accounts, old) {
            let kept = Set(account.targets)
            stale += Self.targets(fromAddresses: reply).filter { !kept.contains($0) }.map { ($0, account.aid) }
        }
        try await unlink(stale)
    }

    /// Deletes an account and the owner keys that still name it; false when it did not exist.
    public func delete(aid: String) async throws -> Bool {
        let old = try await checked(redis.pipeline([addressesCommand(aid)]), "mirror account")
        try await unlink(Self.targets(fromAddresses: old[0]).map { ($0, aid) })
        return try await redis.send(RedisCommand("DEL", [.string(keys.account(aid))])).int == 1
    }

    private func addressesCommand(_ aid: String) -> RedisCommand {
        RedisCommand("HMGET", [.string(keys.account(aid)), "email", "countryCode", "purePhone"])
    }

    /// The targets of an account's addresses as an `HMGET email countryCode purePhone` reply holds them.
    static func targets(fromAddresses reply: RESPValue) -> [Target] {
        let fields = (reply.array ?? []).map { $0.string ?? "" }
        guard fields.count == 3 else { return [] }
        var targets: [Target] = []
        if case .success(let email) = Target.parse(channel: .email, account: fields[0], countryCode: nil) {
            targets.append(email)
        }
        if let countryCode = Int(fields[1]),
            case .success(let phone) = Target.parse(channel: .sms, account: fields[2], countryCode: countryCode)
        {
            targets.append(phone)
        }
        return targets
    }

    private func unlink(_ owners: [(Target, String)]) async throws {
        for (target, aid) in owners {
            _ = try await StoreFault.about("mirror owner") {
                try await redis.eval(Self.unlinkScript, keys: [.string(keys.owner(target))], arguments: [.string(aid)])
            }
        }
    }

    private func checked(_ replies: [RESPValue], _ kind: String) throws -> [RESPValue] {
        if let error = replies.first(where: { if case .error = $0 { true } else { false } }) {
            throw StoreFault(keyKind: kind, detail: error.string ?? "error")
        }
        return replies
    }

    /// Marks a login token valid, for `ttl` seconds when given.
    public func addToken(aid: String, token: String, ttl: Int?) async throws {
        guard Session.isPlausibleAid(aid), Session.isPlausibleToken(token) else {
            throw MirrorError("invalid aid or token")
        }
        if let ttl, ttl <= 0 { throw MirrorError("--ttl must be a positive number of seconds") }
        var arguments: [RedisArgument] = [.string(keys.token(aid: aid, token: token)), "1"]
        if let ttl { arguments += ["EX", .integer(Int64(ttl))] }
        _ = try await redis.send(RedisCommand("SET", arguments))
    }

    /// Revokes a login token; false when it did not exist.
    public func revokeToken(aid: String, token: String) async throws -> Bool {
        try await redis.send(RedisCommand("DEL", [.string(keys.token(aid: aid, token: token))])).int == 1
    }

    /// The account as the mirror holds it, or nil.
    public func get(aid: String) async throws -> [String: String]? {
        let fields = try await redis.send(RedisCommand("HGETALL", [.string(keys.account(aid))])).fieldMap ?? [:]
        return fields.isEmpty ? nil : fields
    }

    /// The aid an address belongs to, per the mirror, or nil.
    public func owner(of target: Target) async throws -> String? {
        try await redis.send(RedisCommand("GET", [.string(keys.owner(target))])).string
    }

    /// Counts over every shard: queued deliveries, dead letters, delivery counters; and blocked email domains.
    public func stats() async throws -> [(String, Int64)] {
        var commands: [RedisCommand] = []
        for shard in OutboxShard.all {
            commands += [
                RedisCommand("XLEN", [.string(keys.outbox(shard))]),
                RedisCommand("XLEN", [.string(keys.outboxDead(shard))]),
                RedisCommand("HMGET", [.string(keys.stats(shard))] + Self.counters.map { .string($0) }),
            ]
        }
        commands.append(RedisCommand("SCARD", [.string(keys.blockedEmailDomains)]))
        let replies = try checked(try await redis.pipeline(commands), "outbox")
        var totals = [Int64](repeating: 0, count: 2 + Self.counters.count)
        for shard in OutboxShard.all {
            let base = shard.index * 3
            totals[0] += replies[base].int ?? 0
            totals[1] += replies[base + 1].int ?? 0
            for (index, value) in (replies[base + 2].array ?? []).enumerated() { totals[2 + index] += value.int ?? 0 }
        }
        let names = ["outbox entries", "dead letters"] + Self.counters
        return zip(names, totals).map { ($0, $1) } + [("blocked domains", replies.last?.int ?? 0)]
    }

    /// The delivery counters of each shard's stats hash.
    static let counters = ["delivered", "retries", "dead", "duplicates", "superseded"]
}

/// A mirror input problem.
public struct MirrorError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    /// An error saying `description`.
    public init(_ description: String) { self.description = description }
}
