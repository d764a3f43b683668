import DeliveryDrivers
import Logging
import RedisClient
import SettingKit
import Verification
import VerifydHTTP

/// All settings of a verifyd process, one part per subsystem, read from the command line and `VERIFYD_*`
/// environment variables. Each setting is declared once, in `Settings/`, with its group.
public struct VerifydConfiguration: Sendable {
    /// What delivers email.
    public enum EmailDriver: Sendable, Equatable {
        /// The channel is not configured: requests get 32100.
        case none
        /// Prints codes to standard output (development only).
        case log
        /// An SMTP relay.
        case smtp(SMTPSettings)
    }

    /// What delivers SMS.
    public enum SMSDriver: Sendable, Equatable {
        /// The channel is not configured: requests get 32100.
        case none
        /// Prints codes to standard output (development only).
        case log
        /// An HTTP webhook of an SMS gateway.
        case webhook(WebhookSettings)
    }

    /// The Redis server and connection pool.
    public var redis = RedisGroup.url.fallback
    /// The key layout (prefix) every part shares.
    public var keys = KeyLayout()
    /// The HTTP server.
    public var http = HTTPSettings()
    /// The rules of sending.
    public var send = SendSettings(enabledChannels: [])
    /// Digits per code.
    public var codeLength = SendGroup.codeLength.fallback
    /// The secret of code hashes and sealed outbox entries.
    public var codeSecret = ""
    /// Development mode.
    public var dev = SendGroup.dev.fallback
    /// Whether send-verify-code requires a Fresns signature.
    public var requireSignature = SendGroup.signature.fallback
    /// Wrong checks before a code is destroyed.
    public var maxCheckAttempts = CheckGroup.maxAttempts.fallback
    /// The delivery worker.
    public var delivery = DeliveryWorker.Settings()
    /// A channel whose oldest queued code waited longer refuses new sends.
    public var maxDeliveryWait = DeliveryGroup.maxWait.fallback
    /// How long dead letters are kept.
    public var deadLetterRetention = DeliveryGroup.deadLetterRetention.fallback
    /// Whether `serve` runs a worker too.
    public var runWorker = DeliveryGroup.worker.fallback
    /// A Fresns templates file, or nil for the built-in templates.
    public var templatesPath: String?
    /// `{sitename}` in templates.
    public var siteName = DeliveryGroup.siteName.fallback
    /// The template language when the client's is missing.
    public var defaultLanguage = DeliveryGroup.defaultLanguage.fallback
    /// The email driver.
    public var email = EmailDriver.none
    /// The SMS driver.
    public var sms = SMSDriver.none
    /// The least severe level logged.
    public var logLevel = LoggingGroup.level.fallback
    /// JSON lines (production) or text (default with VERIFYD_DEV=1).
    public var logJSON = true

    /// Defaults only; see `load(environment:options:groups:)`.
    public init() {}

    /// Each group's reader, in the docs' order.
    static let readers: [(SettingGroup, @Sendable (inout VerifydConfiguration, inout SettingsReader) -> Void)] = [
        (.redis, RedisGroup.read), (.http, HTTPGroup.read), (.send, SendGroup.read), (.check, CheckGroup.read),
        (.delivery, DeliveryGroup.read), (.email, EmailGroup.read), (.sms, SMSGroup.read), (.abuse, AbuseGroup.read),
        (.logging, LoggingGroup.read),
    ]

    /// Reads the settings of `groups` (the others keep their defaults) and the rules that join them.
    public static func read(
        environment: [String: String], options: [String: String] = [:],
        groups: Set<SettingGroup> = Set(SettingGroup.allCases)
    ) -> (VerifydConfiguration, SettingsReader) {
        var configuration = VerifydConfiguration()
        var reader = SettingsReader(environment: environment, options: options)
        for (group, read) in readers where groups.contains(group) { read(&configuration, &reader) }
        configuration.send.keys = configuration.keys
        configuration.delivery.keys = configuration.keys
        // A send waiting for its replicas may still be withdrawn until its WAIT's deadline (the WAIT timeout plus the
        // command timeout: WAITs queue behind each other on a connection when replicas lag): its entry is held
        // that long before delivery.
        configuration.delivery.withdrawalWindow =
            configuration.send.replicaAcknowledgement.map { $0.timeout + configuration.redis.commandTimeout } ?? .zero
        configuration.send.enabledChannels = Set(
            [(Channel.email, configuration.email != .none), (Channel.sms, configuration.sms != .none)].filter(\.1).map(
                \.0))
        return (configuration, reader)
    }

    /// The configuration, or every problem found, one line each.
    public static func load(
        environment: [String: String], options: [String: String] = [:],
        groups: Set<SettingGroup> = Set(SettingGroup.allCases)
    ) -> Result<VerifydConfiguration, SettingsError> {
        let (configuration, reader) = read(environment: environment, options: options, groups: groups)
        return reader.problems.isEmpty ? .success(configuration) : .failure(SettingsError(problems: reader.problems))
    }

    /// Every setting, as declared: what `--help`, `verifyd config --markdown` and docs/configuration.md list.
    public static let catalog = SettingsCatalog(read(environment: [:]).1.entries.map(\.info))

    /// Whether the development secret is in use.
    public var usesDevelopmentSecret: Bool { codeSecret == SendGroup.devSecret }

    /// The driver names for logs: `smtp://host:port`, `webhook`, `log`, `none`.
    public var driverSummary: (email: String, sms: String) {
        let emailName: String
        switch email {
        case .none: emailName = "none"
        case .log: emailName = "log"
        case .smtp(let settings): emailName = settings.redacted
        }
        let smsName: String
        switch sms {
        case .none: smsName = "none"
        case .log: smsName = "log"
        case .webhook: smsName = "webhook"
        }
        return (emailName, smsName)
    }
}
