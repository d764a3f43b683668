import Foundation
import DeliveryDrivers
import Logging
import RedisClient
import Verification

/// All settings of a verifyd process, read from `VERIFYD_*` environment variables and validated together.
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
        case none
        case log
        /// An HTTP webhook of an SMS gateway.
        case webhook(WebhookSettings)
    }

    public var host = "127.0.0.1"
    public var port = 8080
    public var redis = try! RedisConfiguration(url: "redis://127.0.0.1:6379")
    public var send = SendSettings(enabledChannels: [])
    public var codeLength = 6
    public var codeSecret = ""
    public var dev = false
    public var email = EmailDriver.none
    public var sms = SMSDriver.none
    public var templatesPath: String?
    public var siteName = "verifyd"
    public var defaultLanguage = "en"
    public var delivery = DeliveryWorker.Settings()
    public var runWorker = true
    /// Bearer token of `/internal/v1/check-verify-code`; the route is off without one.
    public var internalToken: String?
    public var maxCheckAttempts = 5
    /// Whether send-verify-code requires a Fresns signature.
    public var requireSignature = false
    /// Proxies whose X-Forwarded-For is believed.
    public var trustedProxies: [CIDR] = []
    /// A request (head and body) must arrive within this.
    public var requestTimeout: Duration = .seconds(10)
    /// The most header bytes a request may carry.
    public var maxHeaderBytes = 16 * 1024
    public var maxBodySize = 16 * 1024
    public var idleTimeout: Duration = .seconds(30)
    public var drainDelay: Duration = .zero
    public var logLevel = Logger.Level.info
    /// JSON lines (production) or text (default with VERIFYD_DEV=1).
    public var logJSON = true

    /// The secret used when `VERIFYD_DEV=1` and none is given. Never for production.
    public static let devSecret = "verifyd-development-secret-do-not-use-in-production"

    /// Every variable with its meaning, for `--help` and the README.
    public static let variables: [(name: String, help: String)] = [
        ("VERIFYD_HOST", "address to listen on (default 127.0.0.1; 0.0.0.0 in containers)"),
        ("VERIFYD_PORT", "port to listen on (default 8080)"),
        ("VERIFYD_REDIS_URL", "redis://[user:password@]host[:port][/db] or unix:///path (default redis://127.0.0.1:6379)"),
        ("VERIFYD_REDIS_TIMEOUT_MS", "deadline of each Redis command in ms (default 1000)"),
        ("VERIFYD_REDIS_POOL_SIZE", "pipelined Redis connections per process (default 2)"),
        ("VERIFYD_KEY_PREFIX", "prefix of every Redis key (default verify:)"),
        ("VERIFYD_RATE_LIMITS", "count/seconds pairs per target (default 1/60,5/600)"),
        ("VERIFYD_CODE_LENGTH", "digits per code, 4-10 (default 6)"),
        ("VERIFYD_CODE_TTL", "seconds a code stays valid, 1-86400 (default 600)"),
        ("VERIFYD_CODE_SECRET", "secret for code hashes and outbox encryption, 16+ characters (required unless VERIFYD_DEV=1)"),
        ("VERIFYD_DEV", "1 for development: allows running without VERIFYD_CODE_SECRET"),
        ("VERIFYD_EMAIL", "email delivery: smtp://[user:password@]host[:port], smtps://…, log or none (default none)"),
        ("VERIFYD_SMTP_STARTTLS", "STARTTLS on smtp://: required, opportunistic or off (default opportunistic)"),
        ("VERIFYD_EMAIL_FROM", "sender, `addr` or `Name <addr>` (required with smtp)"),
        ("VERIFYD_SMTP_TIMEOUT_MS", "deadline of one SMTP transfer in ms (default 30000)"),
        ("VERIFYD_SMTP_CA_FILE", "CA bundle to trust for the SMTP relay instead of the system's"),
        ("VERIFYD_SMS", "SMS delivery: https://… webhook (http:// for local use), log or none (default none)"),
        ("VERIFYD_SMS_TOKEN", "bearer token sent to the SMS webhook"),
        ("VERIFYD_SMS_TIMEOUT_MS", "deadline of one webhook call in ms (default 10000)"),
        ("VERIFYD_TEMPLATES", "Fresns verifycode_template1…8 JSON file (default: built-in templates); SIGHUP reloads it"),
        ("VERIFYD_SITE_NAME", "{sitename} in templates (default verifyd)"),
        ("VERIFYD_DEFAULT_LANG", "template language when the client's is missing (default en)"),
        ("VERIFYD_DELIVERY_BACKOFF", "first retry delay, doubling after each failure: 1s, 500ms or ms (default 1s)"),
        ("VERIFYD_DELIVERY_MAX_ATTEMPTS", "delivery attempts before the dead-letter stream, 1-50 (default 5)"),
        ("VERIFYD_DELIVERY_CONCURRENCY", "provider calls at once per driver, 1-256 (default 8)"),
        ("VERIFYD_DELIVERY_CLAIM_IDLE", "take over entries pending this long on another worker: 60s, ms (default 60s)"),
        ("VERIFYD_LOGIN_OR_REGISTER", "true: useType 2 does not require an existing account (default false)"),
        ("VERIFYD_WORKER", "true: `serve` also runs a delivery worker (default true)"),
        ("VERIFYD_INTERNAL_TOKEN", "bearer token of POST /internal/v1/check-verify-code, 16+ characters (unset: route off, 404)"),
        ("VERIFYD_MAX_CHECK_ATTEMPTS", "wrong checks before a code is destroyed, 1-100 (default 5)"),
        ("VERIFYD_SIGNATURE", "on: send-verify-code requires a Fresns signature, app keys in verify:app:<appId> (default off)"),
        ("VERIFYD_IP_RATE_LIMITS", "count/seconds pairs per client IP (IPv6 per /64), or off (default 20/600,100/86400)"),
        ("VERIFYD_TRUSTED_PROXIES", "CIDR list whose X-Forwarded-For is believed, e.g. 10.0.0.0/8,::1 (default none)"),
        ("VERIFYD_SMS_COUNTRY_CODES", "SMS country codes allowed, e.g. 86,852,1 (default all); others get 34103"),
        ("VERIFYD_SMS_COUNTRY_RATE_LIMITS", "count/seconds pairs per SMS country code over all targets (default none)"),
        ("VERIFYD_REQUEST_TIMEOUT_MS", "a request must arrive whole within this; also the keep-alive idle limit (default 10000)"),
        ("VERIFYD_MAX_HEADER_BYTES", "largest request header block, 1024-65536 (default 16384)"),
        ("VERIFYD_DRAIN_DELAY_MS", "on SIGTERM, answer /health/ready 503 this long before closing the listener (default 0)"),
        ("VERIFYD_LOG_LEVEL", "trace, debug, info, notice, warning, error, critical (default info)"),
        ("VERIFYD_LOG_FORMAT", "json (one object per line) or text (default json; text with VERIFYD_DEV=1)"),
    ]

    /// Defaults only; see `load(environment:)`.
    public init() {}

    /// Reads and validates the environment; every problem is reported, one line each.
    public static func load(environment env: [String: String]) -> Result<VerifydConfiguration, ConfigurationError> {
        var config = VerifydConfiguration()
        var reader = EnvironmentReader(env)
        config.host = reader.string("VERIFYD_HOST") ?? config.host
        config.port = reader.integer("VERIFYD_PORT", in: 0...65535) ?? config.port
        if let url = reader.string("VERIFYD_REDIS_URL") {
            do { config.redis = try RedisConfiguration(url: url) } catch {
                reader.problem("VERIFYD_REDIS_URL: \(error)")
            }
        }
        if let ms = reader.integer("VERIFYD_REDIS_TIMEOUT_MS", in: 10...60000) { config.redis.commandTimeout = .milliseconds(ms) }
        if let size = reader.integer("VERIFYD_REDIS_POOL_SIZE", in: 1...64) { config.redis.poolSize = size }
        if let prefix = reader.string("VERIFYD_KEY_PREFIX") {
            if prefix.contains(where: { $0 == "{" || $0 == "}" || $0.isWhitespace }) {
                reader.problem("VERIFYD_KEY_PREFIX: must not contain braces or spaces")
            } else {
                config.send.keys = KeyLayout(prefix: prefix)
            }
        }
        if let text = reader.string("VERIFYD_RATE_LIMITS") {
            if let limits = RateLimit.parseList(text) { config.send.limits = limits } else {
                reader.problem("VERIFYD_RATE_LIMITS: expected count/seconds pairs such as 1/60,5/600, got \(text)")
            }
        }
        config.codeLength = reader.integer("VERIFYD_CODE_LENGTH", in: 4...10) ?? config.codeLength
        config.send.codeTTL = reader.integer("VERIFYD_CODE_TTL", in: 1...86400) ?? config.send.codeTTL
        config.dev = reader.bool("VERIFYD_DEV") ?? false
        if let secret = reader.string("VERIFYD_CODE_SECRET") {
            if secret.utf8.count < 16 { reader.problem("VERIFYD_CODE_SECRET: must be at least 16 characters") }
            config.codeSecret = secret
        } else if config.dev {
            config.codeSecret = devSecret
        } else {
            reader.problem("VERIFYD_CODE_SECRET: required (or set VERIFYD_DEV=1 for development)")
        }
        config.readDelivery(&reader)
        config.send.enabledChannels = Set(
            [(Channel.email, config.email != .none), (Channel.sms, config.sms != .none)].filter(\.1).map(\.0))
        config.send.loginOrRegister = reader.bool("VERIFYD_LOGIN_OR_REGISTER") ?? false
        config.runWorker = reader.bool("VERIFYD_WORKER") ?? true
        config.readProtection(&reader)
        if let ms = reader.integer("VERIFYD_DRAIN_DELAY_MS", in: 0...600_000) { config.drainDelay = .milliseconds(ms) }
        switch reader.string("VERIFYD_LOG_FORMAT")?.lowercased() {
        case nil: config.logJSON = !config.dev
        case "json": config.logJSON = true
        case "text": config.logJSON = false
        case let other?: reader.problem("VERIFYD_LOG_FORMAT: expected json or text, got \(other)")
        }
        if let level = reader.string("VERIFYD_LOG_LEVEL") {
            if let parsed = Logger.Level(rawValue: level.lowercased()) { config.logLevel = parsed } else {
                reader.problem("VERIFYD_LOG_LEVEL: unknown level \(level)")
            }
        }
        return reader.problems.isEmpty ? .success(config) : .failure(ConfigurationError(problems: reader.problems))
    }
}

/// The problems found in a configuration, one line each.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let problems: [String]
    public var description: String { problems.map { "configuration error: " + $0 }.joined(separator: "\n") }
}

/// Reads typed values from the environment and collects problems.
struct EnvironmentReader {
    let env: [String: String]
    var problems: [String] = []

    init(_ env: [String: String]) { self.env = env }

    mutating func problem(_ text: String) { problems.append(text) }

    func string(_ name: String) -> String? {
        guard let value = env[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    mutating func integer(_ name: String, in range: ClosedRange<Int>) -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            problem("\(name): expected an integer in \(range.lowerBound)...\(range.upperBound), got \(text)")
            return nil
        }
        return value
    }

    mutating func bool(_ name: String) -> Bool? {
        guard let text = string(name)?.lowercased() else { return nil }
        switch text {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default:
            problem("\(name): expected true or false, got \(text)")
            return nil
        }
    }

    /// A duration written `1s`, `500ms`, `2m` or as milliseconds.
    mutating func duration(_ name: String, in range: ClosedRange<Duration>) -> Duration? {
        guard let text = string(name)?.lowercased() else { return nil }
        let units: [(String, Int)] = [("ms", 1), ("s", 1000), ("m", 60_000)]
        var value: Duration?
        if let ms = Int(text) { value = .milliseconds(ms) }
        for (suffix, factor) in units where value == nil && text.hasSuffix(suffix) {
            if let number = Int(text.dropLast(suffix.count)) { value = .milliseconds(number * factor) }
        }
        guard let value, range.contains(value) else {
            problem("\(name): expected a duration such as 1s or 500ms within \(range.lowerBound)...\(range.upperBound), got \(text)")
            return nil
        }
        return value
    }
}
