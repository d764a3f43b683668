import Foundation
import RedisClient

/// A delivery waiting in the outbox stream: who gets which template, and the sealed code.
public struct OutboxEntry: Sendable, Equatable {
    public var channel: Channel
    /// The email, or the phone key (country code + number).
    public var recipient: String
    public var countryCode: Int?
    public var nationalNumber: String?
    public var templateId: Int
    public var useType: Int
    /// The client's language tag (validated), for choosing the template language.
    public var langTag: String
    /// Seconds the code is valid, for `{time}`.
    public var ttl: Int
    /// The code, sealed with AES-GCM.
    public var sealedCode: String
    /// Redis time (ms since 1970) when the code expires; set by the send script.
    public var expiresAt: Int64
    /// The code's hash as stored with the code (`CodeCrypto.hash`), written by the send script: the worker compares
    /// it with the stored one instead of hashing the opened code again. Nil in entries written before it was.
    public var codeHash: String?

    /// The fields the send script writes, in the order of `fieldValues` (it adds `expires` and `hash` first); a
    /// phone's entry adds `phoneFieldNames`. The names are compiled into the script, so a send passes only the values.
    static let fieldNames = ["channel", "to", "template", "use", "lang", "ttl", "code"]
    static let phoneFieldNames = ["cc", "phone"]

    /// The values of `fieldNames`, then of `phoneFieldNames` for a phone.
    var fieldValues: [String] {
        var values = [
            channel.rawValue, recipient, String(templateId), String(useType), langTag, String(ttl), sealedCode,
        ]
        if let countryCode, let nationalNumber {
            values.append(String(countryCode))
            values.append(nationalNumber)
        }
        return values
    }

    /// The target whose code this is (its rate limit and code keys).
    var target: Target {
        if let countryCode, let nationalNumber { return .phone(countryCode: countryCode, number: nationalNumber) }
        return .email(recipient)
    }

    /// The data the sealed code is bound to: it cannot be replayed for another recipient or template.
    static func sealContext(channel: Channel, recipient: String, templateId: Int) -> String {
        String(concatenating: [channel.rawValue, "|", recipient, "|", String(templateId)])
    }

    /// An entry from a stream entry's fields; nil when a field is missing or malformed.
    init?(fields map: StreamFields) {
        guard let channel = map["channel"].flatMap(Channel.init(rawValue:)),
            let recipient = map["to"], !recipient.isEmpty,
            let templateId = map["template"].flatMap({ Int($0) }),
            let sealed = map["code"], let expires = map["expires"].flatMap({ Int64($0) })
        else { return nil }
        self.channel = channel
        self.recipient = recipient
        self.countryCode = map["cc"].flatMap { Int($0) }
        self.nationalNumber = map["phone"]
        self.templateId = templateId
        self.useType = map["use"].flatMap { Int($0) } ?? 0
        self.langTag = map["lang"].flatMap { LanguageTag.isValid($0) ? $0 : nil } ?? ""
        self.ttl = map["ttl"].flatMap { Int($0) } ?? 600
        self.sealedCode = sealed
        self.expiresAt = expires
        self.codeHash = map["hash"]
    }

    init(target: Target, templateId: Int, useType: Int, langTag: String, ttl: Int, sealedCode: String) {
        self.channel = target.channel
        self.recipient = target.key
        self.countryCode = target.countryCode
        self.nationalNumber = target.nationalNumber
        self.templateId = templateId
        self.useType = useType
        self.langTag = langTag
        self.ttl = ttl
        self.sealedCode = sealedCode
        self.expiresAt = 0
        self.codeHash = nil
    }
}

/// A stream entry's fields as read, found by name with a scan that compares bytes: an entry has about ten, too few
/// for hashing them into a dictionary to pay, and a value becomes a `String` only when it is asked for.
struct StreamFields: Sendable {
    private let items: [RESPValue]

    /// The fields of a reply's alternating names and values.
    init(_ items: [RESPValue]) { self.items = items }

    /// The value of the first field named `name` (empty when it is nil), or nil without one.
    subscript(name: String) -> String? {
        var name = name
        return name.withUTF8 { wanted in
            var index = 0
            while index + 1 < items.count {
                if case .bulkString(let bytes) = items[index], bytes.count == wanted.count,
                    bytes.withUnsafeBufferPointer({
                        wanted.count == 0 || memcmp($0.baseAddress!, wanted.baseAddress!, wanted.count) == 0
                    })
                {
                    return items[index + 1].string ?? ""
                }
                index += 2
            }
            return nil
        }
    }
}
