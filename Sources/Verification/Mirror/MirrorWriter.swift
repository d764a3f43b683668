import RedisClient

/// Writes the mirror the way the main application should: an account hash and both index hashes, updated
/// together in one script (old index entries removed when an address changes). For `verifyd mirror`.
public struct MirrorWriter: Sendable {
    let redis: RedisClient
    let keys: KeyLayout

    /// A writer through `redis`.
    public init(redis: RedisClient, keys: KeyLayout) {
        self.redis = redis
        self.keys = keys
    }

    /// KEYS: account, email index, phone index. ARGV: aid, email, countryCode, purePhone ("" = not bound).
    static let putScript = RedisScript(
        """
        local old = redis.call('HMGET', KEYS[1], 'email', 'countryCode', 'purePhone')
        local function unlink(index, field)
          if redis.call('HGET', index, field) == ARGV[1] then redis.call('HDEL', index, field) end
        end
        if old[1] and old[1] ~= '' and old[1] ~= ARGV[2] then unlink(KEYS[2], old[1]) end
        local oldPhone = (old[2] or '') .. (old[3] or '')
        if (old[2] or '') ~= '' and (old[3] or '') ~= '' and oldPhone ~= ARGV[3] .. ARGV[4] then unlink(KEYS[3], oldPhone) end
        redis.call('HSET', KEYS[1], 'email', ARGV[2], 'countryCode', ARGV[3], 'purePhone', ARGV[4])
        if ARGV[2] ~= '' then redis.call('HSET', KEYS[2], ARGV[2], ARGV[1]) end
        if ARGV[3] ~= '' and ARGV[4] ~= '' then redis.call('HSET', KEYS[3], ARGV[3] .. ARGV[4], ARGV[1]) end
        return 1
        """)

    /// KEYS: account, email index, phone index. ARGV: aid. Deletes the account and the index entries that
    /// still point to it.
    static let deleteScript = RedisScript(
        """
        local old = redis.call('HMGET', KEYS[1], 'email', 'countryCode', 'purePhone')
        local function unlink(index, field)
          if redis.call('HGET', index, field) == ARGV[1] then redis.call('HDEL', index, field) end
        end
        if old[1] and old[1] ~= '' then unlink(KEYS[2], old[1]) end
        if old[2] and old[2] ~= '' and old[3] and old[3] ~= '' then unlink(KEYS[3], old[2] .. old[3]) end
        return redis.call('DEL', KEYS[1])
        """)

    /// An account to write, validated.
    public struct Account: Sendable, Equatable {
        public var aid: String
        public var email: String?
        public var countryCode: Int?
        public var purePhone: String?

        /// Validates and normalizes (lowercased email, digits-only phone); nil with the reason when invalid.
        public static func validated(
            aid: String, email: String?, countryCode: Int?, purePhone: String?
        ) -> Result<Account, MirrorError> {
            guard Session.isPlausibleAid(aid) else {
                return .failure(MirrorError("aid must be 1-64 characters of A-Z a-z 0-9 _ -"))
            }
            var account = Account(aid: aid)
            if let email, !email.isEmpty {
                guard let normalized = AddressFormat.email(email) else { return .failure(MirrorError("invalid email")) }
                account.email = normalized
            }
            if let purePhone, !purePhone.isEmpty {
                guard let countryCode, AddressFormat.isCountryCode(countryCode) else {
                    return .failure(MirrorError("a phone needs a countryCode of 1-999"))
                }
                guard let phone = AddressFormat.phone(purePhone) else {
                    return .failure(MirrorError("purePhone must be 4-15 digits"))
                }
                account.countryCode = countryCode
                account.purePhone = phone
            }
            return .success(account)
        }

        init(aid: String) { self.aid = aid }
    }

    /// The command that writes one account (for pipelining many).
    func putCommand(_ account: Account) -> RedisCommand {
        RedisCommand(
            "EVALSHA",
            [
                .string(Self.putScript.sha1), 3, .string(keys.account(account.aid)), .string(keys.emailIndex),
                .string(keys.phoneIndex),
                .string(account.aid), .string(account.email ?? ""), .string(account.countryCode.map(String.init) ?? ""),
                .string(account.purePhone ?? ""),
            ])
    }

    /// Writes one account.
    public func put(_ account: Account) async throws {
        try await putMany([account])
    }

    /// Writes accounts in one pipelined round trip (the script is loaded first so EVALSHA cannot miss).
    public func putMany(_ accounts: [Account]) async throws {
        guard !accounts.isEmpty else { return }
        _ = try await redis.send(RedisCommand("SCRIPT", ["LOAD", .string(Self.putScript.source)]))
        let replies = try await redis.pipeline(accounts.map(putCommand))
        if let error = replies.first(where: { if case .error = $0 { true } else { false } }) {
            throw RedisError.server(error.string ?? "error")
        }
    }

    /// Deletes an account and its index entries; false when it did not exist.
    public func delete(aid: String) async throws -> Bool {
        let reply = try await redis.eval(
            Self.deleteScript, keys: [.string(keys.account(aid)), .string(keys.emailIndex), .string(keys.phoneIndex)],
            arguments: [.string(aid)])
        return reply.int == 1
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

    /// Counts: accounts with an email, accounts with a phone, pending codes, outbox and dead letters.
    public func stats() async throws -> [(String, Int64)] {
        let replies = try await redis.pipeline([
            RedisCommand("HLEN", [.string(keys.emailIndex)]), RedisCommand("HLEN", [.string(keys.phoneIndex)]),
            RedisCommand("XLEN", [.string(keys.outbox)]), RedisCommand("XLEN", [.string(keys.outboxDead)]),
            RedisCommand("SCARD", [.string(keys.blockedEmailDomains)]), RedisCommand("DBSIZE"),
        ])
        let names = [
            "emails indexed", "phones indexed", "outbox entries", "dead letters", "blocked domains", "keys in database",
        ]
        return zip(names, replies.map { $0.int ?? 0 }).map { ($0, $1) }
    }
}

/// A mirror input problem.
public struct MirrorError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    /// An error saying `description`.
    public init(_ description: String) { self.description = description }
}
