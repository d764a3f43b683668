import RedisClient

/// Reads the mirror of accounts and sessions that the main application writes. Never writes.
struct AccountMirror: Sendable {
    let keys: KeyLayout

    /// Checks a login token and loads its account in one round trip: 31505 when the token is not valid, 31502 when
    /// the account is missing. A mirror key of the wrong type is a `StoreFault` naming it.
    func login(aid: String, token: String, on redis: RedisClient) async throws -> Result<MirroredAccount, ResultCode> {
        let replies = try await redis.pipeline([
            RedisCommand("EXISTS", [.string(keys.token(aid: aid, token: token))]),
            RedisCommand("HGETALL", [.string(keys.account(aid))]),
        ])
        for (reply, kind) in zip(replies, ["mirror token", "mirror account"]) {
            if case .error(let message) = reply { throw StoreFault(keyKind: kind, detail: message) }
        }
        guard replies.count == 2, let exists = replies[0].int, let fields = replies[1].fieldMap else {
            throw StoreFault(keyKind: "mirror account", detail: "unexpected reply")
        }
        guard exists == 1 else { return .failure(.tokenInvalid) }
        guard !fields.isEmpty else { return .failure(.accountNotFound) }
        return .success(MirroredAccount(aid: aid, fields: fields))
    }
}
