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
        guard value.utf8.allSatisfy({ $0 < 0x80 }) else { return maskCharacters(value) }
        // ASCII (phone keys, and nearly every email): one character per byte, so the text is cut at byte offsets.
        let bytes = value.utf8
        if let at = bytes.lastIndex(of: UInt8(ascii: "@")) {
            return String(concatenating: [
                String(value[..<bytes.index(after: bytes.startIndex)]), "***", String(value[at...]),
            ])
        }
        guard bytes.count > 7 else { return String(repeating: "*", count: bytes.count) }
        let kept = String(value[..<bytes.index(bytes.endIndex, offsetBy: -8)])
        return String(concatenating: [kept, "****", String(value[bytes.index(bytes.endIndex, offsetBy: -4)...])])
    }

    /// `mask` by characters, for text that is not ASCII.
    private static func maskCharacters(_ value: String) -> String {
        if let at = value.lastIndex(of: "@") {
            return "\(value.prefix(1))***\(value[at...])"
        }
        guard value.count > 7 else { return String(repeating: "*", count: value.count) }
        return "\(value.prefix(value.count - 8))****\(value.suffix(4))"
    }
}
