/// A message ready for a provider: the opened code and where it goes.
public struct DeliveryMessage: Sendable, Equatable {
    /// The outbox entry id.
    public var id: String
    public var channel: Channel
    public var recipient: String
    public var countryCode: Int?
    public var nationalNumber: String?
    public var templateId: Int
    public var language: Language
    public var code: String
    /// Redis time (ms) when the code expires.
    public var expiresAt: Int64
}

/// Hands a message to a provider. Implementations are the seam for SMTP, SMS webhooks and the dev `log` driver.
public protocol DeliveryDriver: Sendable {
    /// Delivers one message; throws when the provider did not accept it (the entry stays pending and is retried).
    func deliver(_ message: DeliveryMessage) async throws
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
