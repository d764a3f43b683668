import Foundation
import Verification

/// How to reach the SMTP relay: `smtp://[user:password@]host[:port]` or `smtps://…`.
public struct SMTPSettings: Sendable, Equatable {
    /// STARTTLS on a plain `smtp://` connection (`smtps://` is TLS from the first byte, whatever this says).
    public enum StartTLS: String, Sendable {
        /// Fail unless the server offers STARTTLS and its certificate is trusted (verifyd's default).
        case required
        /// Use STARTTLS when offered (the certificate must then be trusted); plaintext when not.
        case opportunistic
        /// Never upgrade: plaintext.
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

    /// The URL without credentials, the TLS in use and the CA file if any, for logs:
    /// `smtp://host:587 (STARTTLS required)`.
    public var redacted: String {
        let shown = username == nil ? url : url.replacingOccurrences(of: "://", with: "://\(username!):***@")
        return "\(shown) (\(tls)\(caFile.map { ", CA file \($0)" } ?? ""))"
    }

    /// The TLS in use: `implicit TLS`, `STARTTLS required`, `STARTTLS opportunistic` or `no TLS`.
    public var tls: String {
        if implicitTLS { return "implicit TLS" }
        switch startTLS {
        case .required: return "STARTTLS required"
        case .opportunistic: return "STARTTLS opportunistic"
        case .off: return "no TLS"
        }
    }
}

/// A problem with the mail configuration.
public struct MailConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension SMTPSettings: SecretHolding {
    public var redactedDescription: String {
        "SMTPSettings(host: \(host), port: \(port), tls: \(tls), user: \(username == nil ? "none" : "redacted"), password: \(password == nil ? "none" : "redacted"))"
    }
}
