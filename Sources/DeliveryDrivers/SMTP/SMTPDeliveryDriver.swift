import Verification

/// Email over SMTP: an RFC 5322 multipart message sent through libcurl.
public struct SMTPDeliveryDriver: DeliveryDriver {
    public let name = "smtp"
    private let settings: SMTPSettings
    private let transport: CurlSMTPTransport

    /// A driver for `settings`; `concurrency` transfers can run at once.
    public init(settings: SMTPSettings, concurrency: Int) {
        self.settings = settings
        self.transport = CurlSMTPTransport(settings: settings, threads: concurrency)
    }

    public func deliver(_ message: DeliveryMessage) async throws {
        guard case .email(let email) = message.content else { throw DeliveryFailure.permanent("not an email") }
        let mail = MailMessage(
            from: settings.from, to: message.recipient, subject: email.subject, text: email.text, html: email.html)
        try await transport.send(to: message.recipient, message: try mail.render())
    }
}
