/// Format rules for addresses, applied before anything reaches Redis or a provider.
public enum AddressFormat {
    /// The normalized email (trimmed, lowercased), or nil when it is not a plausible address:
    /// at most 254 bytes, exactly one `@`, no whitespace or control characters, a dotted domain.
    public static func email(_ raw: String) -> String? {
        let value = raw.trimmingSpaces().lowercased()
        guard (3...254).contains(value.utf8.count) else { return nil }
        var ats = 0
        for scalar in value.unicodeScalars {
            switch scalar.value {
            case ...0x20, 0x7F: return nil  // controls, and every ASCII whitespace
            // Braces would change the Redis Cluster hash tag of the target's keys; no real mailbox needs them.
            case 0x7B, 0x7D, 0x3C, 0x3E, 0x22: return nil  // { } < > "
            case 0x40: ats += 1  // @
            case 0x80...0x9F, 0x2028, 0x2029: return nil
            case 0xA0...: if scalar.properties.isWhitespace { return nil }
            default: break
            }
        }
        guard ats == 1, let at = value.utf8.firstIndex(of: UInt8(ascii: "@")) else { return nil }
        let local = value.utf8[..<at]
        let domain = value.utf8[value.utf8.index(after: at)...]
        guard !local.isEmpty, local.count <= 64 else { return nil }
        let labels = domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return nil }
        for label in labels {
            guard !label.isEmpty, label.count <= 63, label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-")
            else { return nil }
        }
        return value
    }

    /// The national number if it is 4–15 ASCII digits.
    public static func phone(_ raw: String) -> String? {
        let value = raw.trimmingSpaces()
        guard (4...15).contains(value.utf8.count), value.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return value
    }

    /// Whether a country calling code is in 1–999.
    public static func isCountryCode(_ code: Int) -> Bool { (1...999).contains(code) }
}
