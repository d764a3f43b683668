/// The rules of sending, as configured.
public struct SendSettings: Sendable {
    /// The key layout (prefix).
    public var keys: KeyLayout
    /// Rate limits per target.
    public var limits: [RateLimit]
    /// How long a code stays valid, in seconds.
    public var codeTTL: Int
    /// When true, useType 2 does not require the account to exist (Fresns' "login or register").
    public var loginOrRegister: Bool
    /// Channels with a delivery driver; the others answer 32100.
    public var enabledChannels: Set<Channel>
    /// Per-IP and per-country limits, the SMS country allow-list.
    public var abuse = AbuseSettings()
    /// Replicas that must hold a code before its send answers 200; nil answers once the primary has it.
    public var replicaAcknowledgement: ReplicaAcknowledgement?
    /// Wrong checks per target across its codes; past them its codes are revoked and sends refused. Empty: off.
    public var checkFailureLimits = SendSettings.defaultCheckFailureLimits
    /// Undelivered codes the outbox may hold (over its 16 shards, each holding a sixteenth); 0: no cap.
    public var outboxMax = SendSettings.defaultOutboxMax

    /// `1/60,5/600,10/86400`: Fresns' two limits and a daily cap.
    public static let defaultLimits = RateLimit.fresnsDefault + [RateLimit(count: 10, window: 86400)!]
    /// `10/3600,30/86400,100/2592000`: with 6-digit codes, at most 1 chance in 10,000 to guess one in 30 days.
    public static let defaultCheckFailureLimits = [
        RateLimit(count: 10, window: 3600)!, RateLimit(count: 30, window: 86400)!,
        RateLimit(count: 100, window: 2_592_000)!,
    ]
    /// 100,000 codes.
    public static let defaultOutboxMax = 100_000

    /// The cap of one outbox shard's stream: a sixteenth of `outboxMax`, rounded up; 0 when there is no cap.
    var outboxShardCap: Int { outboxMax == 0 ? 0 : (outboxMax + OutboxShard.count - 1) / OutboxShard.count }

    /// Settings with Fresns' defaults for anything not given.
    public init(
        keys: KeyLayout = KeyLayout(), limits: [RateLimit] = SendSettings.defaultLimits, codeTTL: Int = 600,
        loginOrRegister: Bool = false, enabledChannels: Set<Channel>
    ) {
        self.keys = keys
        self.limits = limits
        self.codeTTL = codeTTL
        self.loginOrRegister = loginOrRegister
        self.enabledChannels = enabledChannels
    }
}

/// What became of a send request.
public enum SendOutcome: Sendable, Equatable {
    /// The code is stored and its delivery queued.
    case accepted
    /// Refused with a Fresns code.
    case refused(ResultCode)
    /// Refused by a rate limit (of the target, the client IP or the country code); retry after this many seconds.
    case rateLimited(retryAfter: Int, by: LimitKind)
    /// Refused because the channel's delivery queue is backlogged; retry after this many seconds.
    case backlogged(retryAfter: Int)
    /// Refused because the outbox holds `VERIFYD_OUTBOX_MAX` undelivered codes; retry after this many seconds.
    case outboxFull(retryAfter: Int)
}

/// How many replicas must confirm an accepted send (Redis `WAIT`), and for how long to wait for them.
public struct ReplicaAcknowledgement: Sendable, Equatable {
    /// Replicas that must have the write.
    public var replicas: Int
    /// How long `WAIT` blocks at most; past it the send answers 503.
    public var timeout: Duration

    /// 100 ms: a replica on the same network answers within a millisecond.
    public static let defaultTimeout: Duration = .milliseconds(100)

    /// Waits for `replicas` replicas, up to `timeout`.
    public init(replicas: Int, timeout: Duration = defaultTimeout) {
        self.replicas = replicas
        self.timeout = timeout
    }
}
