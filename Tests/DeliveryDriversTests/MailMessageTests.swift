import Foundation
import Testing
import Verification

@testable import DeliveryDrivers

/// The RFC 5322 message the SMTP driver sends, and its refusal of header injection.
@Suite struct MailMessageTests {
    private func message(subject: String = "【站点】您的验证码", to: String = "a@example.com") throws -> MailMessage {
        MailMessage(
            from: try MailAddress(parsing: "Fresns 站点 <noreply@example.com>"), to: to, subject: subject,
            text: "code 123456", html: "<b>123456</b>")
    }

    @Test func rendersHeadersAndBothParts() throws {
        let text = String(decoding: try message().render(), as: UTF8.self)
        #expect(text.contains("From: =?UTF-8?B?"))
        #expect(text.contains("<noreply@example.com>\r\n"))
        #expect(text.contains("To: <a@example.com>\r\n"))
        #expect(text.contains("Subject: =?UTF-8?B?"))
        #expect(text.contains("\r\nDate: ") && text.contains("\r\nMessage-ID: <") && text.contains("@example.com>\r\n"))
        #expect(text.contains("Content-Type: multipart/alternative; boundary="))
        #expect(
            text.contains("Content-Type: text/plain; charset=UTF-8")
                && text.contains("Content-Type: text/html; charset=UTF-8"))
        #expect(text.contains(Data("code 123456".utf8).base64EncodedString()))
        #expect(!text.contains("\n\n"), "every line ends with CRLF")
    }

    @Test func refusesCRAndLFInHeaders() throws {
        #expect(throws: DeliveryFailure.self) { try message(subject: "hi\r\nBcc: victim@example.com").render() }
        #expect(throws: DeliveryFailure.self) { try message(to: "a@example.com\r\nRCPT TO:<b@example.com>").render() }
        #expect(throws: MailConfigurationError.self) { try MailAddress(parsing: "Evil\r\nBcc: x@y.z <a@example.com>") }
    }

    @Test func smtpURLs() throws {
        let from = try MailAddress(parsing: "noreply@example.com")
        let plain = try SMTPSettings(url: "smtp://user:p%40ss@mail.example.com", startTLS: .required, from: from)
        #expect(plain.port == 587 && plain.username == "user" && plain.password == "p@ss" && !plain.implicitTLS)
        #expect(!plain.redacted.contains("p@ss"))
        let tls = try SMTPSettings(url: "smtps://mail.example.com", startTLS: .off, from: from)
        #expect(tls.port == 465 && tls.implicitTLS)
        #expect(throws: MailConfigurationError.self) { try SMTPSettings(url: "http://x", startTLS: .off, from: from) }
    }

    @Test func datesAreRFC5322InUTC() {
        #expect(MailEncoding.date(Date(timeIntervalSince1970: 1_795_801_200)) == "Fri, 27 Nov 2026 17:40:00 +0000")
        #expect(MailEncoding.date(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 +0000")
        #expect(MailEncoding.date(Date(timeIntervalSince1970: 951_868_799.9)) == "Tue, 29 Feb 2000 23:59:59 +0000")
    }

    @Test func theDataSectionIsDotStuffedAndEnded() {
        func data(_ text: String) -> String {
            String(decoding: SMTPEncoding.dataSection(Array(text.utf8)), as: UTF8.self)
        }
        #expect(data("a\r\n.b\r\n..c\r\n") == "a\r\n..b\r\n...c\r\n.\r\n")
        #expect(data(".\r\nend") == "..\r\nend\r\n.\r\n", "a lone dot line is doubled; a last line gets its CRLF")
        #expect(data("") == ".\r\n")
    }
}
