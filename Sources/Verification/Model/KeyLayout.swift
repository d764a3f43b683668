/// Every Redis key verifyd reads or writes, under one prefix (default `verify:`).
///
/// Keys of one target share the hash tag `{<target>}` so a Redis Cluster can run the send script on them.
public struct KeyLayout: Sendable, Equatable {
    /// The prefix of every key.
    public let prefix: String

    /// A layout under `prefix`.
    public init(prefix: String = "verify:") { self.prefix = prefix }

    // Mirror (written by the main application, read by verifyd).
    /// Hash: lowercased email → aid.
    public var emailIndex: String { prefix + "accounts:email" }
    /// Hash: country code + phone digits → aid.
    public var phoneIndex: String { prefix + "accounts:phone" }
    /// Hash with `email`, `countryCode`, `purePhone` of one account.
    public func account(_ aid: String) -> String { prefix + "account:" + aid }
    /// String whose existence means the token is valid for the aid.
    public func token(aid: String, token: String) -> String { prefix + "token:" + aid + ":" + token }

    /// Hash with `secret`, `platformId`, `enabled` of a Fresns app key (for signatures).
    public func app(_ appId: String) -> String { prefix + "app:" + appId }
    /// Set of email domains refused with 34110 (operators add disposable domains).
    public var blockedEmailDomains: String { prefix + "email-domains:blocked" }

    // Written by verifyd.
    /// List of the Redis times (ms) of recent accepted sends to a target, newest first.
    public func sendLog(_ target: Target) -> String { prefix + "{" + target.key + "}:sends" }
    /// List of the Redis times of recent accepted sends from one client IP (IPv6: its /64).
    public func ipSendLog(_ ip: String) -> String { prefix + "{ip:" + ip + "}:sends" }
    /// List of the Redis times of recent accepted SMS sends to one country code.
    public func countrySendLog(_ countryCode: Int) -> String { prefix + "{cc:" + String(countryCode) + "}:sends" }
    /// Hash of the pending code of a target and template (`hash`, `attempts`, `issued`).
    public func code(_ target: Target, templateId: Int) -> String {
        prefix + "{" + target.key + "}:code:" + String(templateId)
    }
    /// Stream of deliveries waiting for a worker.
    public var outbox: String { prefix + "outbox" }
    /// Stream of deliveries that can never succeed, each with its `reason`.
    public var outboxDead: String { prefix + "outbox:dead" }
    /// Hash of delivery counters: `delivered`, `retries`, `dead`.
    public var stats: String { prefix + "stats" }
    /// Consumer group of the delivery workers on the outbox.
    public var outboxGroup: String { "verifyd" }
}
