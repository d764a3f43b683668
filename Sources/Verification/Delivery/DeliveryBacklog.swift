import Logging
import NIOConcurrencyHelpers

/// How long each channel's oldest queued delivery has waited, as the outbox monitor last saw it. Sends consult it
/// so that a channel whose queue cannot deliver in time refuses new codes (503) instead of queueing them.
public final class DeliveryBacklog: Sendable {
    /// A channel whose oldest entry waited longer than this refuses new sends.
    public let maxWait: Duration
    /// Seconds a refused client is told to wait (`Retry-After`).
    public static let retryAfterSeconds = 10
    /// A sample older than this is ignored: no monitor has reached Redis lately, so nothing is known.
    static let staleAfter: Duration = .seconds(10)

    private struct Sample {
        var ages: [Channel: Duration]
        var at: ContinuousClock.Instant
    }

    private let sample = NIOLockedValueBox<Sample?>(nil)
    private let logger: Logger

    /// A backlog that refuses sends once a channel's oldest queued delivery waited `maxWait`.
    public init(maxWait: Duration, logger: Logger) {
        self.maxWait = maxWait
        self.logger = logger
    }

    /// Records what the monitor saw; logs each channel that starts or stops refusing sends.
    func record(_ ages: [Channel: Duration]) {
        let previous = sample.withLockedValue { current in
            defer { current = Sample(ages: ages, at: .now) }
            return current?.ages ?? [:]
        }
        for channel in Channel.allCases {
            let was = (previous[channel] ?? .zero) > maxWait
            let now = (ages[channel] ?? .zero) > maxWait
            guard was != now else { continue }
            if now {
                logger.warning(
                    "delivery backlog: new sends refused (503) until the queue catches up",
                    metadata: [
                        "channel": "\(channel.rawValue)", "oldest_wait_s": "\(ages[channel] ?? .zero)",
                        "max_wait_s": "\(maxWait)",
                    ])
            } else {
                logger.notice(
                    "delivery backlog cleared: sends accepted again", metadata: ["channel": "\(channel.rawValue)"])
            }
        }
    }

    /// Whether a new send on `channel` must be refused: its oldest queued delivery waited longer than `maxWait`.
    public func isBacklogged(_ channel: Channel) -> Bool {
        sample.withLockedValue { current in
            guard let current, ContinuousClock.now - current.at < Self.staleAfter else { return false }
            return (current.ages[channel] ?? .zero) > maxWait
        }
    }
}
