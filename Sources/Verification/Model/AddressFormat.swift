import Foundation

/// Format rules for addresses, applied before anything reaches Redis or a provider.
public enum AddressFormat {
    /// The normalized email (trimmed, lowercased), or nil when it is not a plausible address:
    /// at most 254 bytes, exactly one `@`, no whitespace or control characters, a dotted domain.
    public static func email(_ raw: String) -> String? {
        let value = raw.trimmingCharacters(in: .whitespaces).lowercased()
        let bytes = Array(value.utf8)
        guard (3...254).contains(bytes.count) else { return nil }
        guard bytes.filter({ $0 == UInt8(ascii: "@") }).count == 1 else { return nil }
        for scalar in value.unicodeScalars {
            if scalar.properties.isWhitespace || scalar.value < 0x20 || scalar.value == 0x7F { return nil }
            if (0x80...0x9F).contains(scalar.value) || scalar == "\u{2028}" || scalar == "\u{2029}" { return nil }
            // Braces would change the Redis Cluster hash tag of the target's keys; no real mailbox needs them.
            if scalar == "{" || scalar == "}" || scalar == "<" || scalar == ">" || scalar == "\"" { return nil }
        }
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        let local = parts[0]
        let domain = parts[1]
        guard !local.isEmpty, local.utf8.count <= 64 else { return nil }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 63 }) else { return nil }
        guard labels.allSatisfy({ !$0.hasPrefix("-") && !$0.hasSuffix("-") }) else { return nil }
        return value
    }

    /// The national number if it is 4–15 ASCII digits.
    public static func phone(_ raw: String) -> String? {
        let value = raw.trimmingCharacters(in: .whitespaces)
        guard (4...15).contains(value.utf8.count), value.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return value
    }

    /// Whether a country calling code is in 1–999.
    public static func isCountryCode(_ code: Int) -> Bool { (1...999).contains(code) }
}
