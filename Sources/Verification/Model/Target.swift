/// The normalized address a code is sent to: the key of its rate limit and its code.
public struct Target: Sendable, Hashable, CustomStringConvertible {
    public let channel: Channel
    /// The lowercased email, or the phone key as Fresns stores it: the country code followed by the national number.
    public let key: String
    /// For SMS: the country calling code.
    public let countryCode: Int?
    /// For SMS: the national number, digits only.
    public let nationalNumber: String?

    /// An email target; `address` must already be normalized.
    public static func email(_ address: String) -> Target {
        Target(channel: .email, key: address, countryCode: nil, nationalNumber: nil)
    }

    /// An SMS target from its country code and national number.
    public static func phone(countryCode: Int, number: String) -> Target {
        Target(channel: .sms, key: "\(countryCode)\(number)", countryCode: countryCode, nationalNumber: number)
    }

    /// The target of an address as a client gives it: the one normalization that sending, checking and the mirror
    /// share. Answers 34101 (email), 34102 (phone), 34103 (country code) or 30001 (no country code for SMS).
    public static func parse(channel: Channel, account: String, countryCode: Int?) -> Result<Target, ResultCode> {
        switch channel {
        case .email:
            guard let email = AddressFormat.email(account) else { return .failure(.emailFormat) }
            return .success(.email(email))
        case .sms:
            guard let countryCode else { return .failure(.parameterMissing) }
            guard let number = AddressFormat.phone(account) else { return .failure(.phoneFormat) }
            guard AddressFormat.isCountryCode(countryCode) else { return .failure(.countryCode) }
            return .success(.phone(countryCode: countryCode, number: number))
        }
    }

    /// A masked form for logs: `a***@example.com`, `86138****8000`.
    public var masked: String { Masking.mask(key) }

    public var description: String { masked }
}

/// Masks personal data for logs.
public enum Masking {
    /// Keeps the first letter of an email's local part and its domain, or the ends of a phone number.
    public static func mask(_ value: String) -> String {
        if let at = value.lastIndex(of: "@") {
            return "\(value.prefix(1))***\(value[at...])"
        }
        guard value.count > 7 else { return String(repeating: "*", count: value.count) }
        return "\(value.prefix(value.count - 8))****\(value.suffix(4))"
    }
}
