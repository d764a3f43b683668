import Foundation
import Verification

/// An email domain as an operator gives it for the blocked set (`verifyd domains add|import`): trimmed, without a
/// final dot, in the canonical form of targets' domains (a Unicode domain becomes its `xn--` form), and checked to be
/// a host name the set can match.
enum BlockedDomainName {
    /// The most characters of a bad input quoted back in an error.
    private static let quotedLength = 80

    /// The domain as the blocked set holds it, or why `text` is not a domain.
    static func parse(_ text: some StringProtocol) -> Result<String, Problem> {
        var domain = String(text).trimmingCharacters(in: .whitespacesAndNewlines)
        if domain.hasSuffix(".") { domain.removeLast() }
        guard !domain.isEmpty else { return .failure(Problem("empty domain")) }
        let quoted = quote(domain)
        guard domain.contains(".") || domain.contains("。") else {
            return .failure(Problem("\(quoted) has no dot: a top-level domain alone is not accepted"))
        }
        // The one domain normalization of targets (IDNA 2008 to ASCII, lowercase, label lengths), then the stricter
        // host-name rules of a set that sends are matched against.
        guard let canonical = AddressFormat.emailDomain(domain) else {
            return .failure(Problem("\(quoted) is not a domain name (IDNA 2008, labels of 1 to 63 characters)"))
        }
        domain = canonical
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            guard label.utf8.allSatisfy(isLetterDigitOrHyphen) else {
                return .failure(Problem("\(quoted) has a character other than letters, digits, hyphens and dots"))
            }
        }
        // `xn--` labels (punycode) pass as they are: letters, digits and hyphens.
        guard let last = labels.last, !last.utf8.allSatisfy(isDigit) else {
            return .failure(Problem("\(quoted) ends in a number: not a domain name"))
        }
        return .success(domain)
    }

    /// The domain of one line of an import file: nil for a blank line or a comment (`#` to the end of the line).
    static func parseLine(_ line: some StringProtocol) -> Result<String, Problem>? {
        let content = line.prefix { $0 != "#" }
        guard !content.allSatisfy(\.isWhitespace) else { return nil }
        return parse(content)
    }

    /// Why an input is not a domain the blocked set accepts.
    struct Problem: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    private static func isLetterDigitOrHyphen(_ byte: UInt8) -> Bool {
        isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || byte == UInt8(ascii: "-")
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    /// `text` in quotes, control characters escaped, cut to `quotedLength` characters.
    private static func quote(_ text: String) -> String {
        let shown = text.count > quotedLength ? String(text.prefix(quotedLength)) + "…" : text
        return shown.debugDescription
    }
}
