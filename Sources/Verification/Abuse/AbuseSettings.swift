/// Limits beyond Fresns', against SMS pumping, enumeration and floods.
public struct AbuseSettings: Sendable, Equatable {
    /// Accepted sends per client IP (IPv6 per network of `ipv6PrefixLength` bits); empty turns them off.
    public var ipLimits: [RateLimit]
    /// Requests that reach the address owner check (useType 1, 2 and 3) per client IP; empty turns them off.
    public var lookupLimits: [RateLimit]
    /// SMS country codes allowed; nil allows all.
    public var smsCountryCodes: Set<Int>?
    /// Accepted SMS sends per country code, across all targets; empty turns them off.
    public var countryLimits: [RateLimit]
    /// The IPv6 network one client's budgets count (56: a subscriber's usual delegation).
    public var ipv6PrefixLength: Int

    /// Defaults: per IP 20 per 10 minutes and 100 per day, 30 lookups per 10 minutes and 200 per day; every
    /// country, 200 SMS per hour and 2,000 per day per country; IPv6 per /56.
    public init(
        ipLimits: [RateLimit] = AbuseSettings.defaultIPLimits,
        lookupLimits: [RateLimit] = AbuseSettings.defaultLookupLimits, smsCountryCodes: Set<Int>? = nil,
        countryLimits: [RateLimit] = AbuseSettings.defaultCountryLimits,
        ipv6PrefixLength: Int = AbuseSettings.defaultIPv6PrefixLength
    ) {
        self.ipLimits = ipLimits
        self.lookupLimits = lookupLimits
        self.smsCountryCodes = smsCountryCodes
        self.countryLimits = countryLimits
        self.ipv6PrefixLength = ipv6PrefixLength
    }

    /// `20/600,100/86400`.
    public static let defaultIPLimits = [RateLimit(count: 20, window: 600)!, RateLimit(count: 100, window: 86400)!]
    /// `30/600,200/86400`.
    public static let defaultLookupLimits = [
        RateLimit(count: 30, window: 600)!, RateLimit(count: 200, window: 86400)!,
    ]
    /// `200/3600,2000/86400`.
    public static let defaultCountryLimits = [
        RateLimit(count: 200, window: 3600)!, RateLimit(count: 2000, window: 86400)!,
    ]
    /// 56.
    public static let defaultIPv6PrefixLength = IPAddress.defaultIPv6PrefixLength
}

/// Which limit refused a request.
public enum LimitKind: String, Sendable, CaseIterable {
    /// The target's sends (`VERIFYD_RATE_LIMITS`).
    case target
    /// The sends of one mailbox, its plus-address and dot variants folded (`VERIFYD_RATE_LIMITS`).
    case mailbox
    /// The client IP's accepted sends.
    case ip
    /// The client IP's lookups of address owners.
    case lookup
    /// The SMS country code's sends.
    case country
    /// The target's wrong checks (`VERIFYD_CHECK_FAILURE_LIMITS`).
    case checkFailures = "check_failures"
}
