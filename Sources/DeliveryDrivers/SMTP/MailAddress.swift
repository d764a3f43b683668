import Foundation
import Verification

/// A sender or recipient: an address and an optional display name (`Name <addr>`).
public struct MailAddress: Sendable, Equatable {
    public var name: String?
    public var address: String

    /// Parses `addr` or `Name <addr>`; no CR, LF or other control characters anywhere.
    public init(parsing text: String) throws(MailConfigurationError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw MailConfigurationError("control characters are not allowed: \(text.debugDescription)")
        }
        var name: String?
        var address = trimmed
        if trimmed.hasSuffix(">"), let open = trimmed.lastIndex(of: "<") {
            address = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
            let display = trimmed[..<open].trimmingCharacters(in: .whitespaces)
                .trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            name = display.isEmpty ? nil : display
        }
        guard let valid = AddressFormat.email(address) else {
            throw MailConfigurationError("not an email address: \(address)")
        }
        self.name = name
        self.address = valid
    }

    /// The header form: `=?UTF-8?B?…?= <addr>` for non-ASCII names, `"Name" <addr>` otherwise.
    var headerValue: String {
        guard let name else { return "<\(address)>" }
        if name.allSatisfy({ $0.isASCII }) {
            let quoted = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(quoted)\" <\(address)>"
        }
        return "\(MailEncoding.encodedWord(name)) <\(address)>"
    }
}
