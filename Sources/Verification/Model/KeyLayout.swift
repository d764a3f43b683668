/// Every Redis key verifyd reads or writes, under one prefix (default `verify:`).
///
/// Every atomic step touches keys of one hash slot, so the same layout serves a standalone Redis and a Redis
/// Cluster: a target's send log, its codes, its owner key and the outbox stream it is queued on share the hash
/// tag of the target's `OutboxShard`. Budgets of other entities (client IP, country code) have tags of their own.
public struct KeyLayout: Sendable, Equatable {
    /// The prefix of every key.
    public let prefix: String
    /// How the mirror names a login token's key.
    public var tokenNaming: TokenNaming

    /// A layout under `prefix`.
    public init(prefix: String = "verify:", tokenNaming: TokenNaming = .plain) {
        self.prefix = prefix
        self.tokenNaming = tokenNaming
    }

    // Mirror (written by the main application, read by verifyd).
    /// Hash with `email`, `countryCode`, `purePhone` of one account.
    public func account(_ aid: String) -> String { String(concatenating: [prefix, "account:", aid]) }
    /// String whose existence means the token is valid for the aid: named by the token itself, or by the hex SHA-256
    /// of the token (`VERIFYD_MIRROR_TOKENS=sha256`), so that tokens need not appear in key names.
    public func token(aid: String, token: String) -> String {
        String(concatenating: [prefix, "token:", aid, ":", tokenNaming.name(of: token)])
    }
    /// String holding the aid of the account an address belongs to (the target's key), in the target's shard.
    public func owner(_ target: Target) -> String { targetKey(target, "owner:") }

    /// Hash with `secret`, `platformId`, `enabled` of a Fresns app key (for signatures).
    public func app(_ appId: String) -> String { prefix + "app:" + appId }
    /// Set of email domains refused with 34110 (operators add disposable domains).
    public var blockedEmailDomains: String { prefix + "email-domains:blocked" }

    // Written by verifyd, per target (in the target's shard).
    /// List of the Redis times (ms) of recent accepted sends to a target, newest first.
    public func sendLog(_ target: Target) -> String { targetKey(target, "sends:") }
    /// List of the Redis times (ms) of a target's recent wrong checks, newest first, across its codes.
    public func checkFailures(_ target: Target) -> String { targetKey(target, "fails:") }
    /// String that exists while a target is locked by its wrong checks; its TTL is the time left.
    public func checkLock(_ target: Target) -> String { targetKey(target, "locked:") }
    /// Hash of the pending code of a target and template (`hash`, `attempts`, `issued`).
    public func code(_ target: Target, templateId: Int) -> String {
        targetKey(target, "code:", templateId: templateId)
    }

    // Written by verifyd, per shard.
    /// Stream of the shard's deliveries waiting for a worker.
    public func outbox(_ shard: OutboxShard) -> String { String(concatenating: [prefix, "{", shard.tag, "}:outbox"]) }
    /// Stream of the shard's deliveries that can never succeed, each with its `reason`.
    public func outboxDead(_ shard: OutboxShard) -> String {
        String(concatenating: [prefix, "{", shard.tag, "}:outbox:dead"])
    }
    /// Hash of the shard's delivery counters: `delivered`, `retries`, `dead`, `duplicates`, `superseded`.
    public func stats(_ shard: OutboxShard) -> String { String(concatenating: [prefix, "{", shard.tag, "}:stats"]) }
    /// Consumer group of the delivery workers on every outbox stream.
    public var outboxGroup: String { "verifyd" }

    // Budgets of other entities, each in a slot of its own: window counters (`LimitLua`), one string per budget.
    /// Counts of recent accepted sends from one client IP (IPv6: its network, `IPAddress.limitKey`).
    public func ipSendCount(_ ip: String) -> String { String(concatenating: [prefix, "{ip:", ip, "}:sent"]) }
    /// Counts of recent requests from one client IP that reached the address owner check.
    public func ipLookupCount(_ ip: String) -> String { String(concatenating: [prefix, "{ip:", ip, "}:looked"]) }
    /// Counts of recent accepted SMS sends to one country code.
    public func countrySendCount(_ countryCode: Int) -> String {
        String(concatenating: [prefix, "{cc:", String(countryCode), "}:sent"])
    }

    /// `<prefix>{<shard tag>}:<kind><target key>`, and `:<template>` when given, written into one string (these are
    /// made on every send and check).
    private func targetKey(_ target: Target, _ kind: String, templateId: Int? = nil) -> String {
        let tag = OutboxShard(of: target).tag
        guard let templateId else { return String(concatenating: [prefix, "{", tag, "}:", kind, target.key]) }
        return String(concatenating: [prefix, "{", tag, "}:", kind, target.key, ":", String(templateId)])
    }
}

/// The standalone layout of verifyd before Redis Cluster support, read only by `verifyd mirror migrate`.
public struct LegacyKeyLayout: Sendable, Equatable {
    /// The prefix of every key.
    public let prefix: String

    /// The legacy layout under `prefix`.
    public init(prefix: String = "verify:") { self.prefix = prefix }

    /// Hash: lowercased email → aid.
    public var emailIndex: String { prefix + "accounts:email" }
    /// Hash: country code + phone digits (no separator) → aid.
    public var phoneIndex: String { prefix + "accounts:phone" }
    /// The one outbox stream.
    public var outbox: String { prefix + "outbox" }
    /// The one dead-letter stream.
    public var outboxDead: String { prefix + "outbox:dead" }
    /// The one stats hash.
    public var stats: String { prefix + "stats" }

    /// The sharded name of a legacy per-target key (`{<target>}:code:<template>`, `{<target>}:sends`), or nil for
    /// any other key (budgets, keys of the sharded layout).
    func renamed(_ key: String, in layout: KeyLayout) -> String? {
        guard key.hasPrefix(prefix + "{"), let close = key.firstIndex(of: "}") else { return nil }
        let tagged = key[key.index(key.startIndex, offsetBy: prefix.count + 1)..<close]
        let rest = key[key.index(after: close)...]
        let targetKey = String(tagged)
        guard !targetKey.hasPrefix("ip:"), !targetKey.hasPrefix("cc:"), !OutboxShard.tags.contains(targetKey) else {
            return nil
        }
        let target: Target
        if targetKey.contains("@") {
            target = .email(targetKey)
        } else if targetKey.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
            target = Target(channel: .sms, key: targetKey, countryCode: nil, nationalNumber: nil)
        } else {
            return nil
        }
        if rest == ":sends" { return layout.sendLog(target) }
        if rest.hasPrefix(":code:"), let template = Int(rest.dropFirst(6)) {
            return layout.code(target, templateId: template)
        }
        return nil
    }
}
