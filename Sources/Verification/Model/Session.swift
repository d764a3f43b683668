import Foundation

/// The login a request claims: the aid and its token from the headers (`X-Fresns-Aid`/`aid`, `X-Fresns-Aid-Token`/`token`).
public struct Session: Sendable, Equatable {
    public var aid: String?
    public var token: String?

    /// A claimed login; empty strings count as absent.
    public init(aid: String?, token: String?) {
        self.aid = aid.flatMap { $0.isEmpty ? nil : $0 }
        self.token = token.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Whether an aid looks like one (Fresns aids are short alphanumeric strings) and may reach Redis.
    static func isPlausibleAid(_ aid: String) -> Bool {
        (1...64).contains(aid.utf8.count) && aid.utf8.allSatisfy { isAlphanumeric($0) || $0 == 45 || $0 == 95 }
    }

    /// Whether a token is printable ASCII without spaces or colons (so it cannot reach another key).
    static func isPlausibleToken(_ token: String) -> Bool {
        (1...256).contains(token.utf8.count) && token.utf8.allSatisfy { $0 > 32 && $0 < 127 && $0 != 58 }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
    }
}

/// An account as the mirror holds it.
public struct MirroredAccount: Sendable, Equatable {
    public var aid: String
    public var email: String?
    public var countryCode: Int?
    public var purePhone: String?

    /// The account's bound email in its canonical form, if it has a valid one.
    var boundEmail: String? {
        guard let email, !email.isEmpty,
            case .success(let target) = Target.parse(channel: .email, account: email, countryCode: nil)
        else { return nil }
        return target.key
    }

    /// The account's bound phone as a canonical target, if it has a valid one.
    var boundPhone: Target? {
        guard let countryCode, let purePhone, !purePhone.isEmpty,
            case .success(let target) = Target.parse(channel: .sms, account: purePhone, countryCode: countryCode)
        else { return nil }
        return target
    }

    /// An account from the fields of its mirror hash (`HGETALL`).
    init(aid: String, fields: [String: String]) {
        self.aid = aid
        self.email = fields["email"].flatMap { $0.isEmpty ? nil : $0 }
        self.countryCode = fields["countryCode"].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        self.purePhone = fields["purePhone"].flatMap { $0.isEmpty ? nil : $0 }
    }
}
