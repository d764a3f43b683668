/// Limits beyond Fresns', against SMS pumping, enumeration and floods.
public struct AbuseSettings: Sendable, Equatable {
    /// Accepted sends per client IP (IPv6 per /64); empty turns them off.
    public var ipLimits: [RateLimit]
    /// SMS country codes allowed; nil allows all.
    public var smsCountryCodes: Set<Int>?
    /// Accepted SMS sends per country code, across all targets; empty turns them off.
    public var countryLimits: [RateLimit]

    /// Defaults: 20 per 10 minutes and 100 per day per IP, every country, no country budget.
    public init(
        ipLimits: [RateLimit] = AbuseSettings.defaultIPLimits, smsCountryCodes: Set<Int>? = nil,
        countryLimits: [RateLimit] = []
    ) {
        self.ipLimits = ipLimits
        self.smsCountryCodes = smsCountryCodes
        self.countryLimits = countryLimits
    }

    /// `20/600,100/86400`.
    public static let defaultIPLimits = [RateLimit(count: 20, window: 600)!, RateLimit(count: 100, window: 86400)!]
}

/// Which limit refused a send.
public enum LimitKind: String, Sendable, CaseIterable {
    case target, ip, country
}
