import Verification

/// Email over SMTP: an RFC 5322 multipart message sent through libcurl.
///
/// Copies share one transport: one thread drives every transfer, and SMTP connections are reused, several messages
/// a session. The transport stops when the last copy is released.
public struct SMTPDeliveryDriver: DeliveryDriver {
    public let name = "smtp"
    private let settings: SMTPSettings
    private let transport: CurlSMTPTransport

    /// A driver for `settings`; at most `concurrency` transfers (and SMTP connections) at once.
    public init(settings: SMTPSettings, concurrency: Int) {
        self.settings = settings
        self.transport = CurlSMTPTransport(settings: settings, concurrency: concurrency)
    }

    public func deliver(_ message: DeliveryMessage) async throws {
        guard case .email(let email) = message.content else { throw DeliveryFailure.permanent("not an email") }
        let mail = MailMessage(
            from: settings.from, to: message.recipient, subject: email.subject, text: email.text, html: email.html)
        try await transport.send(to: message.recipient, message: try mail.render())
    }
}
