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
        var local = raw.lowercased()
        let ascii = local.utf8.allSatisfy { $0 < 0x80 }
        if !ascii { local = local.precomposedStringWithCanonicalMapping }
        guard !local.isEmpty, local.utf8.count <= 64, hasOnlyAllowedScalars(local, ascii: ascii) else { return nil }
        return local
    }

    /// The canonical (ASCII) domain, or nil.
    static func domain(_ raw: Substring) -> String? {
        guard !raw.isEmpty, raw.utf8.count <= 253 * 4, hasOnlyAllowedScalars(raw, ascii: false) else { return nil }
        let lowered = raw.lowercased()
        let ascii = lowered.utf8.allSatisfy { $0 < 0x80 }
        let domain: String
        if ascii && !hasALabel(lowered) {
            domain = lowered
        } else {
            guard let converted = toASCII(lowered), hasOnlyAllowedScalars(converted, ascii: true) else { return nil }
            domain = converted.lowercased()
        }
        guard domain.utf8.count <= 253 else { return nil }
        let labels = domain.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return nil }
        for label in labels {
            guard !label.isEmpty, label.count <= 63, label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-")
            else { return nil }
        }
        return domain
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

    /// Whether a lowercased ASCII domain has a label in IDNA's ASCII-compatible encoding.
    private static func hasALabel(_ domain: String) -> Bool {
        domain.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).contains {
            $0.starts(with: "xn--".utf8)
        }
    }

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
