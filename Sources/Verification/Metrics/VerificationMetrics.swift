import Metrics

/// The domain's metrics. Label values are bounded: channels, limit kinds, outcomes — never accounts or IPs.
public enum VerificationMetrics {
    /// An entry went to the dead-letter stream, by reason class.
    static func deadLetter(_ reason: String) {
        Counter(label: "verifyd_dead_letters_total", dimensions: [("reason", reason)]).increment()
    }

    /// The outbox's length and how long each channel's oldest queued entry has waited.
    static func outbox(depth: Int64, oldestAges: [Channel: Duration]) {
        Gauge(label: "verifyd_outbox_depth").record(depth)
        for channel in Channel.allCases {
            Gauge(label: "verifyd_outbox_oldest_age_seconds", dimensions: [("channel", channel.rawValue)])
                .record((oldestAges[channel] ?? .zero).seconds)
        }
    }

    /// A send was refused because its channel's queue is backlogged.
    static func backlogged(_ channel: Channel) {
        Counter(label: "verifyd_sends_backlogged_total", dimensions: [("channel", channel.rawValue)]).increment()
    }

    /// A send was refused because its outbox shard holds as many codes as `VERIFYD_OUTBOX_MAX` allows.
    static func outboxFull() {
        Counter(label: "verifyd_sends_outbox_full_total").increment()
    }

    /// An admitted send was not confirmed by enough replicas in time (`VERIFYD_REDIS_WAIT_REPLICAS`): answered 503.
    static func unreplicated() {
        Counter(label: "verifyd_sends_unreplicated_total").increment()
    }

    /// Redis answered what verifyd does not expect (a script error, a mirror key of the wrong type), by kind of key.
    public static func storeFault(_ keyKind: String) {
        Counter(label: "verifyd_store_faults_total", dimensions: [("key", keyKind)]).increment()
    }
}

/// The counters a send or a check counts on every request, made once with its use case: making a counter asks the
/// metrics backend to look it up by label, which costs more than the rest of the counting. Like the use cases, made
/// after the process bootstrapped its backend.
struct RequestCounters: Sendable {
    private let issued: [Channel: Counter]
    private let limited: [LimitKind: Counter]
    private let checks: [CheckOutcome: Counter]

    /// How a check ended, as `verifyd_codes_checked_total` labels it.
    enum CheckOutcome: String, Sendable, CaseIterable {
        case ok, refused, locked, empty
    }

    init() {
        issued = Dictionary(
            uniqueKeysWithValues: Channel.allCases.map {
                ($0, Counter(label: "verifyd_codes_issued_total", dimensions: [("channel", $0.rawValue)]))
            })
        limited = Dictionary(
            uniqueKeysWithValues: LimitKind.allCases.map {
                ($0, Counter(label: "verifyd_rate_limited_total", dimensions: [("limit", $0.rawValue)]))
            })
        checks = Dictionary(
            uniqueKeysWithValues: CheckOutcome.allCases.map {
                ($0, Counter(label: "verifyd_codes_checked_total", dimensions: [("outcome", $0.rawValue)]))
            })
    }

    /// A code was stored and its delivery queued.
    func issued(_ channel: Channel) { issued[channel]?.increment() }

    /// A send or a check was refused by a rate limit.
    func rateLimited(_ limit: LimitKind) { limited[limit]?.increment() }

    /// A code was checked.
    func checked(_ outcome: CheckOutcome) { checks[outcome]?.increment() }
}

/// The counters and the wait histogram of every delivery, made once with the worker's processor (as
/// `RequestCounters` are with the use cases).
struct DeliveryInstruments: Sendable {
    /// How a delivery attempt ended, as `verifyd_deliveries_total` labels it.
    enum Outcome: String, Sendable, CaseIterable {
        case delivered, retry, dead, duplicate, superseded
    }

    private let outcomes: [Channel: [Outcome: Counter]]
    private let waits: [Channel: Recorder]

    init() {
        outcomes = Dictionary(
            uniqueKeysWithValues: Channel.allCases.map { channel in
                let counters = Outcome.allCases.map { outcome in
                    let dimensions = [("channel", channel.rawValue), ("outcome", outcome.rawValue)]
                    return (outcome, Counter(label: "verifyd_deliveries_total", dimensions: dimensions))
                }
                return (channel, Dictionary(uniqueKeysWithValues: counters))
            })
        waits = Dictionary(
            uniqueKeysWithValues: Channel.allCases.map {
                let dimensions = [("channel", $0.rawValue)]
                return ($0, Recorder(label: "verifyd_delivery_wait_seconds", dimensions: dimensions, aggregate: true))
            })
    }

    /// A delivery attempt ended.
    func delivery(_ channel: Channel, _ outcome: Outcome) { outcomes[channel]?[outcome]?.increment() }

    /// The time from a send's acceptance to the provider's acceptance of its code.
    func deliveryWait(_ channel: Channel, seconds: Double) { waits[channel]?.record(seconds) }
}
