import RedisClient

/// Reads the mirror of accounts and sessions that the main application writes. Never writes.
struct AccountMirror: Sendable {
    let keys: KeyLayout

    /// Commands that check a token and load its account, in this order: EXISTS token, HGETALL account.
    func loginCommands(aid: String, token: String) -> [RedisCommand] {
        [
            RedisCommand("EXISTS", [.string(keys.token(aid: aid, token: token))]),
            RedisCommand("HGETALL", [.string(keys.account(aid))]),
        ]
    }

    /// The command that tells whether an address belongs to some account.
    func ownerCommand(_ target: Target) -> RedisCommand {
        RedisCommand(
            "HEXISTS", [.string(target.channel == .email ? keys.emailIndex : keys.phoneIndex), .string(target.key)])
    }

    /// Reads an account from its HGETALL reply; nil when the hash does not exist.
    static func account(aid: String, from reply: RESPValue) -> MirroredAccount? {
        guard let fields = reply.fieldMap, !fields.isEmpty else { return nil }
        return MirroredAccount(aid: aid, fields: fields)
    }
}
