/// What a provider gets: the recipient, the rendered content and the code.
public struct DeliveryMessage: Sendable, Equatable {
    /// The outbox entry id.
    public var id: String
    public var channel: Channel
    /// The email, or the phone key (country code + number).
    public var recipient: String
    public var countryCode: Int?
    public var nationalNumber: String?
    public var templateId: Int
    /// The language tag the client asked for.
    public var langTag: String
    public var code: String
    /// Redis time (ms) when the code expires.
    public var expiresAt: Int64
    /// The rendered email or SMS parameters.
    public var content: Content

    /// The rendered form for the channel.
    public enum Content: Sendable, Equatable {
        case email(RenderedEmail)
        case sms(RenderedSMS)
    }
}

/// Why a delivery failed, as far as retrying goes.
public enum DeliveryFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// Worth retrying: timeouts, connection errors, 5xx / SMTP 4xx.
    case transient(String)
    /// Never worth retrying: 4xx / SMTP 5xx, invalid recipient.
    case permanent(String)

    public var description: String {
        switch self {
        case .transient(let reason): return "transient: \(reason)"
        case .permanent(let reason): return "permanent: \(reason)"
        }
    }
}

/// Hands a message to a provider. Implementations are the seam for SMTP, SMS webhooks and the dev `log` driver.
public protocol DeliveryDriver: Sendable {
    /// A short name for logs and metrics (`smtp`, `webhook`, `log`).
    var name: String { get }
    /// Delivers one message. Throw `DeliveryFailure`; any other error counts as transient.
    func deliver(_ message: DeliveryMessage) async throws
}

/// A driver that takes several messages in one call, all accepted or all failed (the `log` driver writes their
/// lines at once). The worker hands it the messages of entries read together, and settles them together.
public protocol BatchDeliveryDriver: DeliveryDriver {
    /// Delivers every message, or throws for all of them (as `deliver`).
    func deliver(batch messages: [DeliveryMessage]) async throws
}

/// The driver configured for each channel.
public struct DeliveryDrivers: Sendable {
    private let drivers: [Channel: any DeliveryDriver]

    /// Drivers by channel; a channel without one is not configured (32100).
    public init(_ drivers: [Channel: any DeliveryDriver]) { self.drivers = drivers }

    /// The channels that have a driver.
    public var enabledChannels: Set<Channel> { Set(drivers.keys) }

    /// The driver of a channel.
    public func driver(for channel: Channel) -> (any DeliveryDriver)? { drivers[channel] }
}
