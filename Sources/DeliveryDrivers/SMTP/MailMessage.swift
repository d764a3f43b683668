import Foundation
import Verification

/// An RFC 5322 message: headers, then MIME `multipart/alternative` with a plain-text and an HTML part (UTF-8).
struct MailMessage {
    var from: MailAddress
    var to: String
    var subject: String
    var text: String
    var html: String
    var date = Date()

    /// The message bytes, CRLF line ends. Throws when a header value would carry a CR or LF.
    func render() throws(DeliveryFailure) -> [UInt8] {
        for value in [to, subject, from.address, from.name ?? ""]
        where value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) {
            throw .permanent("CR or LF in a mail header")
        }
        guard AddressFormat.email(to) == to else { throw .permanent("invalid recipient") }
        let boundary = "verifyd-" + UUID().uuidString
        let domain = from.address.split(separator: "@").last.map(String.init) ?? "localhost"
        let subjectHeader = subject.allSatisfy({ $0.isASCII }) ? subject : MailEncoding.encodedWord(subject)
        var lines = [
            "From: \(from.headerValue)",
            "To: <\(to)>",
            "Subject: \(subjectHeader)",
            "Date: \(MailEncoding.date(date))",
            "Message-ID: <\(UUID().uuidString.lowercased())@\(domain)>",
            "MIME-Version: 1.0",
            "Content-Type: multipart/alternative; boundary=\"\(boundary)\"",
            "",
            "--\(boundary)",
            "Content-Type: text/plain; charset=UTF-8",
            "Content-Transfer-Encoding: base64",
            "",
        ]
        lines += MailEncoding.base64Lines(text)
        lines += ["--\(boundary)", "Content-Type: text/html; charset=UTF-8", "Content-Transfer-Encoding: base64", ""]
        lines += MailEncoding.base64Lines(html)
        lines += ["--\(boundary)--", ""]
        return Array(lines.joined(separator: "\r\n").utf8)
    }
}

/// RFC 2047 encoded words, RFC 5322 dates, base64 bodies.
enum MailEncoding {
    /// `=?UTF-8?B?…?=`, split so no encoded word exceeds 75 characters.
    static func encodedWord(_ text: String) -> String {
        var words: [String] = []
        var chunk = ""
        for character in text {
            let candidate = chunk + String(character)
            if Data(candidate.utf8).base64EncodedString().count > 60, !chunk.isEmpty {
                words.append(chunk)
                chunk = String(character)
            } else {
                chunk = candidate
            }
        }
        if !chunk.isEmpty { words.append(chunk) }
        return words.map { "=?UTF-8?B?\(Data($0.utf8).base64EncodedString())?=" }.joined(separator: "\r\n ")
    }

    /// `Fri, 27 Nov 2026 17:40:00 +0000` (UTC). Composed by hand: a DateFormatter made per message cost more than
    /// the rest of the message, and one shared across threads is not safe.
    static func date(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let day =
            "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900)"
        return "\(day) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) +0000"
    }

    /// The UTF-8 text in base64, 76 characters a line.
    static func base64Lines(_ text: String) -> [String] {
        let encoded = Data(text.utf8).base64EncodedString()
        var lines: [String] = []
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(String(encoded[index..<end]))
            index = end
        }
        return lines
    }
}
