/// One setting, declared once: its variable, group, format, default, secrecy, one-line help and parser.
///
/// The environment variable (`VERIFYD_REDIS_URL`), the command-line option (`--redis-url`), `--help`,
/// `verifyd config` and the docs table are all derived from the declaration.
public struct Setting<Value: Sendable>: Sendable {
    /// What a reader of the docs, `--help` or `verifyd config` sees.
    public let info: SettingInfo
    /// The value when the setting is not given (or is invalid).
    public let fallback: Value
    let parse: @Sendable (String) -> Result<Value, SettingProblem>

    /// A setting parsed by `parse`, which answers the value or what is wrong with the text.
    public init(
        _ name: String, group: SettingGroup, format: String, default fallback: Value, defaultText: String,
        secrecy: Secrecy = .none, help: String, parse: @escaping @Sendable (String) -> Result<Value, SettingProblem>
    ) {
        self.info = SettingInfo(
            name: name, group: group, format: format, defaultText: defaultText, secrecy: secrecy, help: help)
        self.fallback = fallback
        self.parse = parse
    }
}

/// What is wrong with a setting's text, as a phrase after the variable's name.
public struct SettingProblem: Error, Sendable, Equatable {
    /// For example `expected an integer in 1...64, got 0`.
    public let message: String

    /// A problem with this message.
    public init(_ message: String) { self.message = message }
}

/// A setting's description, without its type: the catalog's row.
public struct SettingInfo: Sendable, Hashable {
    /// The environment variable, `VERIFYD_…`.
    public let name: String
    /// The subsystem it configures.
    public let group: SettingGroup
    /// The values it takes, in a few words.
    public let format: String
    /// The default, as the docs print it.
    public let defaultText: String
    /// Whether `verifyd config` and logs hide it.
    public let secrecy: Secrecy
    /// One line of help.
    public let help: String

    /// The command-line option: `VERIFYD_REDIS_URL` → `--redis-url`.
    public var option: String {
        "--" + name.dropFirst(SettingInfo.prefix.count).lowercased().split(separator: "_").joined(separator: "-")
    }

    /// The prefix of every variable.
    public static let prefix = "VERIFYD_"

    /// The value as `verifyd config` may print it.
    public func display(_ value: String) -> String {
        switch secrecy {
        case .none: return value
        case .secret: return "<redacted>"
        case .urlCredentials: return Secrecy.redactingURLPassword(value)
        }
    }
}

/// The subsystems settings belong to, in the order the docs list them.
public enum SettingGroup: String, Sendable, CaseIterable, Hashable {
    case redis, http, send, check, delivery, email, sms, abuse, logging

    /// A heading for the docs and `--help`.
    public var title: String {
        switch self {
        case .redis: return "Redis"
        case .http: return "HTTP server"
        case .send: return "Sending codes"
        case .check: return "Checking codes"
        case .delivery: return "Delivery worker and templates"
        case .email: return "Email (SMTP)"
        case .sms: return "SMS (webhook)"
        case .abuse: return "Abuse limits"
        case .logging: return "Logging"
        }
    }
}

/// How much of a value may be shown.
public enum Secrecy: Sendable, Hashable {
    /// Shown as given.
    case none
    /// Never shown.
    case secret
    /// A URL whose password is hidden: `redis://user:***@host`.
    case urlCredentials

    /// `scheme://user:password@host…` with the password replaced by `***`.
    static func redactingURLPassword(_ url: String) -> String {
        guard let scheme = url.firstRange(of: "://"), let at = url[scheme.upperBound...].lastIndex(of: "@") else {
            return url
        }
        let credentials = url[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }
}
