import Foundation
import Verification

/// How to reach the SMTP relay: `smtp://[user:password@]host[:port]` or `smtps://…`.
public struct SMTPSettings: Sendable, Equatable {
    /// STARTTLS on a plain `smtp://` connection.
    public enum StartTLS: String, Sendable {
        /// Fail unless the server offers STARTTLS.
        case required
        /// Use STARTTLS when offered.
        case opportunistic
        /// Never upgrade.
        case off
    }

    public var url: String
    public var implicitTLS: Bool
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?
    public var startTLS: StartTLS
    public var from: MailAddress
    public var timeout: Duration
    /// A CA bundle to trust instead of the system's (for tests and private relays).
    public var caFile: String?

    /// Parses the URL; `from` is `VERIFYD_EMAIL_FROM`.
    public init(
        url text: String, startTLS: StartTLS, from: MailAddress, timeout: Duration = .seconds(30), caFile: String? = nil
    )
        throws(MailConfigurationError)
    {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "smtp" || scheme == "smtps", let host = components.host, !host.isEmpty
        else { throw MailConfigurationError("expected smtp://[user:password@]host[:port] or smtps://…") }
        implicitTLS = scheme == "smtps"
        self.host = host
        port = components.port ?? (implicitTLS ? 465 : 587)
        guard (1...65535).contains(port) else { throw MailConfigurationError("port out of range") }
        username = components.percentEncodedUser?.removingPercentEncoding.flatMap { $0.isEmpty ? nil : $0 }
        password = components.percentEncodedPassword?.removingPercentEncoding
        let hostPart = host.contains(":") ? "[\(host)]" : host
        url = "\(scheme)://\(hostPart):\(port)"
        self.startTLS = startTLS
        self.from = from
        self.timeout = timeout
        self.caFile = caFile
    }

    /// The URL without credentials, for logs.
    public var redacted: String {
        username == nil ? url : url.replacingOccurrences(of: "://", with: "://\(username!):***@")
    }
}

/// A problem with the mail configuration.
public struct MailConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension SMTPSettings: SecretHolding {
    public var redactedDescription: String {
        "SMTPSettings(host: \(host), port: \(port), user: \(username == nil ? "none" : "redacted"), password: \(password == nil ? "none" : "redacted"))"
    }
}
