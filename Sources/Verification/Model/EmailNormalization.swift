import CIDN2
import Foundation

/// The canonical form of an email's two halves, and the mailbox a plus-address or a Gmail dot variant reaches.
///
/// The local part is lowercased and, when it is not ASCII, put in Unicode NFC; invisible and unassigned characters
/// are refused. The domain is converted to its ASCII form by IDNA 2008 with UTS #46 non-transitional mapping
/// (libidn2, `IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT`): `Bücher.DE` and `xn--bcher-kva.de` are both
/// `xn--bcher-kva.de`, `faß.de` stays distinct from `fass.de`, and a malformed `xn--` label is refused. An ASCII
/// domain without an `xn--` label needs no IDNA: it is lowercased and checked, as the fast path of every request.
enum EmailNormalization {
    /// The most UTF-8 bytes of input looked at; a longer address is refused before any work.
    static let maxInputBytes = 1024

    /// The canonical local part, or nil.
    static func localPart(_ raw: Substring) -> String? {
        var local: String
        switch scanASCII(raw) {
        case .refused: return nil
        case .lowered(let lowered): local = lowered
        case .unicode:
            local = raw.lowercased().precomposedStringWithCanonicalMapping
            guard hasOnlyAllowedScalars(local, ascii: false) else { return nil }
        }
        guard !local.isEmpty, local.utf8.count <= 64 else { return nil }
        return local
    }

    /// The canonical (ASCII) domain, or nil.
    static func domain(_ raw: Substring) -> String? {
        guard !raw.isEmpty, raw.utf8.count <= 253 * 4 else { return nil }
        let domain: String
        switch scanASCII(raw) {
        case .refused: return nil
        case .lowered(let lowered) where !hasALabel(lowered): domain = lowered
        default:
            guard hasOnlyAllowedScalars(raw, ascii: false), let converted = toASCII(raw.lowercased()),
                hasOnlyAllowedScalars(converted, ascii: true)
            else { return nil }
            domain = converted.lowercased()
        }
        return hasValidLabels(domain) ? domain : nil
    }

    /// What a byte scan of a value found: all of it allowed ASCII (given lowercased), a refused ASCII byte, or a
    /// byte beyond ASCII (for the Unicode path to judge).
    private enum ASCIIScan {
        case lowered(String)
        case refused
        case unicode
    }

    /// The fast path of every request: one pass over the bytes, then the lowercased copy.
    private static func scanASCII(_ value: Substring) -> ASCIIScan {
        // Read from the string's storage: iterating a `Substring.UTF8View` costs tens of instructions a byte.
        var value = value
        return value.withUTF8 { bytes in
            var refused = false
            for byte in bytes {
                if byte >= 0x80 { return .unicode }
                if !isAllowedASCII(byte) { refused = true }
            }
            if refused { return .refused }
            return .lowered(
                String(unsafeUninitializedCapacity: bytes.count) { buffer in
                    for index in bytes.indices {
                        let byte = bytes[index]
                        buffer[index] = byte &- 0x41 < 26 ? byte | 0x20 : byte
                    }
                    return bytes.count
                })
        }
    }

    /// A printable ASCII byte other than the refused `{ } < > " @` (see `hasOnlyAllowedScalars`).
    private static func isAllowedASCII(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x7B, 0x7D, 0x3C, 0x3E, 0x22, 0x40: return false
        case 0x21...0x7E: return true
        default: return false
        }
    }

    /// At most 253 bytes, at least two labels, each of 1 to 63 bytes and neither starting nor ending with `-`.
    private static func hasValidLabels(_ domain: String) -> Bool {
        var domain = domain
        return domain.withUTF8(hasValidLabels(bytes:))
    }

    private static func hasValidLabels(bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count <= 253 else { return false }
        var labels = 0
        var length = 0
        var previous: UInt8 = UInt8(ascii: ".")
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                guard length > 0, previous != UInt8(ascii: "-") else { return false }
                labels += 1
                length = 0
            } else {
                if length == 0 && byte == UInt8(ascii: "-") { return false }
                length += 1
                guard length <= 63 else { return false }
            }
            previous = byte
        }
        guard length > 0, previous != UInt8(ascii: "-") else { return false }
        return labels + 1 >= 2
    }

    /// The mailbox an address reaches, when it differs from the address: `+tag` dropped from the local part (every
    /// domain), and at gmail.com and googlemail.com the dots too, with googlemail.com read as gmail.com.
    static func mailbox(of email: String) -> String? {
        guard let at = email.utf8.lastIndex(of: UInt8(ascii: "@")) else { return nil }
        // Most addresses fold to themselves: answer that without building a string.
        let domainBytes = email.utf8[email.utf8.index(after: at)...]
        let isGmail = domainBytes.elementsEqual("gmail.com".utf8) || domainBytes.elementsEqual("googlemail.com".utf8)
        guard isGmail || email.utf8[..<at].contains(UInt8(ascii: "+")) else { return nil }
        var local = Substring(email[..<at])
        var domain = String(email[email.index(after: at)...])
        if let plus = local.firstIndex(of: "+"), plus != local.startIndex { local = local[..<plus] }
        if domain == "gmail.com" || domain == "googlemail.com" {
            domain = "gmail.com"
            let undotted = local.filter { $0 != "." }
            if !undotted.isEmpty { local = Substring(undotted) }
        }
        let folded = local + "@" + domain
        return folded == email ? nil : folded
    }

    /// Whether a lowercased ASCII domain has a label in IDNA's ASCII-compatible encoding (`xn--`).
    private static func hasALabel(_ domain: String) -> Bool {
        var domain = domain
        return domain.withUTF8(hasALabel(bytes:))
    }

    private static func hasALabel(bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var position = 0
        var matching = true
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                position = 0
                matching = true
                continue
            }
            if matching && position < 4 {
                matching = byte == aLabelPrefix[position]
                if matching && position == 3 { return true }
            }
            position += 1
        }
        return false
    }

    private static let aLabelPrefix = Array("xn--".utf8)

    /// libidn2's ASCII form of a domain, or nil when IDNA 2008 refuses it.
    private static func toASCII(_ domain: String) -> String? {
        var output: UnsafeMutablePointer<CChar>?
        let status = domain.withCString { idn2_to_ascii_8z($0, &output, Self.idnaFlags) }
        defer { idn2_free(output) }
        guard status == Int32(IDN2_OK.rawValue), let output else { return nil }
        return String(cString: output)
    }

    private static let idnaFlags = Int32(IDN2_NONTRANSITIONAL.rawValue | IDN2_NFC_INPUT.rawValue)

    /// No control, whitespace or line separator; no `{ } < > "` (braces would change the Redis Cluster hash tag of
    /// the target's keys; no real mailbox needs any of them); no `@`; and beyond ASCII, nothing invisible (format
    /// characters such as bidi marks and zero-width joiners), private or unassigned.
    private static func hasOnlyAllowedScalars(_ value: some StringProtocol, ascii: Bool) -> Bool {
        for scalar in value.unicodeScalars {
            switch scalar.value {
            case ...0x20, 0x7F: return false
            case 0x7B, 0x7D, 0x3C, 0x3E, 0x22, 0x40: return false
            case 0x21...0x7E: continue
            case 0x80...0x9F, 0x2028, 0x2029: return false
            default:
                if ascii { return false }
                switch scalar.properties.generalCategory {
                case .format, .privateUse, .unassigned, .surrogate, .spaceSeparator, .lineSeparator,
                    .paragraphSeparator, .control:
                    return false
                default: if scalar.properties.isWhitespace { return false }
                }
            }
        }
        return true
    }
}
