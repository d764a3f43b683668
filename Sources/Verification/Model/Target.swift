/// The normalized address a code is sent to: the key of its rate limit and its code.
public struct Target: Sendable, Hashable, CustomStringConvertible {
    public let channel: Channel
    /// The canonical email (see `AddressFormat.email`), or the phone's E.164 digits without `+`: the country calling
    /// code followed by the national significant number, as Fresns stores `countryCode` and `purePhone`.
    public let key: String
    /// For SMS: the country calling code.
    public let countryCode: Int?
    /// For SMS: the national significant number, digits only (no trunk prefix).
    public let nationalNumber: String?
    /// For email: the mailbox the address reaches when that differs from `key` (`+tag` dropped; at gmail.com and
    /// googlemail.com, dots too), for a per-mailbox limit next to the exact address's; nil otherwise.
    public let mailbox: String?
    /// The index of the shard its keys live in (`OutboxShard`), computed once.
    let shardIndex: Int

    init(channel: Channel, key: String, countryCode: Int?, nationalNumber: String?, mailbox: String? = nil) {
        self.channel = channel
        self.key = key
        self.countryCode = countryCode
        self.nationalNumber = nationalNumber
        self.mailbox = mailbox
        self.shardIndex = OutboxShard.index(ofKey: key)
    }

    /// An email target; `address` must already be canonical (`AddressFormat.email`).
    public static func email(_ address: String) -> Target {
        Target(
            channel: .email, key: address, countryCode: nil, nationalNumber: nil,
            mailbox: EmailNormalization.mailbox(of: address))
    }

    /// An SMS target from its country code and national significant number, already canonical.
    public static func phone(countryCode: Int, number: String) -> Target {
        Target(channel: .sms, key: "\(countryCode)\(number)", countryCode: countryCode, nationalNumber: number)
    }

    /// The target of an address as a client gives it: the one normalization that sending, checking, the mirror and
    /// `verifyd keys` share. Emails become canonical (`AddressFormat.email`), phones E.164 by their country's rules
    /// (`PhoneNumberRules`). Answers 34101 (email), 34102 (phone), 34103 (unassigned country code) or 30001 (no
    /// country code for SMS).
    public static func parse(channel: Channel, account: String, countryCode: Int?) -> Result<Target, ResultCode> {
        switch channel {
        case .email:
            guard let email = AddressFormat.email(account) else { return .failure(.emailFormat) }
            return .success(.email(email))
        case .sms:
            guard let countryCode else { return .failure(.parameterMissing) }
            return AddressFormat.phone(countryCode: countryCode, number: account).map {
                .phone(countryCode: countryCode, number: $0.national)
            }
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
        // ASCII (phone keys, and nearly every email) is cut by bytes, one character each; other text by characters.
        value.utf8.allSatisfy({ $0 < 0x80 })
            ? mask(value, by: value.utf8, at: UInt8(ascii: "@")) : mask(value, by: value, at: "@")
    }

    /// `mask`, counting and cutting `value` by the elements of `units` (its bytes or its characters).
    private static func mask<Units: BidirectionalCollection>(
        _ value: String, by units: Units, at sign: Units.Element
    ) -> String where Units.Index == String.Index, Units.Element: Equatable {
        if let at = units.lastIndex(of: sign) {
            return String(concatenating: [
                String(value[..<units.index(after: units.startIndex)]), "***", String(value[at...]),
            ])
        }
        let count = units.count
        guard count > 7 else { return String(repeating: "*", count: count) }
        let kept = String(value[..<units.index(units.endIndex, offsetBy: -8)])
        return String(concatenating: [kept, "****", String(value[units.index(units.endIndex, offsetBy: -4)...])])
    }
}
