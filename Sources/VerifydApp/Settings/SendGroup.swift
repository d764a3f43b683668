import SettingKit
import Verification

/// Codes and the per-target rules of sending them.
enum SendGroup {
    static let rateLimits = Setting.limits(
        "VERIFYD_RATE_LIMITS", group: .send, default: SendSettings.defaultLimits, canBeOff: false, logged: true,
        help: "sends allowed per target (and per mailbox): 1 per minute, 5 per 10 minutes, 10 per day")
    static let outboxMax = Setting<Int>.integer(
        "VERIFYD_OUTBOX_MAX", group: .send, default: SendSettings.defaultOutboxMax, in: 0...100_000_000,
        help:
            "undelivered codes the outbox may hold (a sixteenth per shard); past it sends answer 503 (39503); 0: no cap"
    )
    static let codeLength = Setting<Int>.integer(
        "VERIFYD_CODE_LENGTH", group: .send, default: 6, in: 4...10, help: "digits per code")
    static let codeTTL = Setting<Int>.integer(
        "VERIFYD_CODE_TTL", group: .send, default: SendSettings(enabledChannels: []).codeTTL, in: 1...86400,
        help: "seconds a code stays valid")
    static let codeSecret = Setting<String?>.secret(
        "VERIFYD_CODE_SECRET", group: .send, defaultText: "required unless VERIFYD_DEV=1",
        help: "secret for code hashes and outbox encryption")
    static let dev = Setting<Bool>.flag(
        "VERIFYD_DEV", group: .send, default: false,
        help: "development: allows running without VERIFYD_CODE_SECRET, text logs by default")
    static let loginOrRegister = Setting<Bool>.flag(
        "VERIFYD_LOGIN_OR_REGISTER", group: .send, default: false,
        help: "useType 2 does not require an existing account")
    static let signature = Setting<Bool>.flag(
        "VERIFYD_SIGNATURE", group: .send, default: false,
        help: "send-verify-code requires a Fresns signature, app keys in verify:app:<appId>")

    /// The secret used when `VERIFYD_DEV=1` and none is given. Never for production.
    static let devSecret = "verifyd-development-secret-do-not-use-in-production"

    static func read(into configuration: inout VerifydConfiguration, _ read: inout SettingsReader) {
        configuration.send.limits = read(rateLimits)
        configuration.send.outboxMax = read(outboxMax)
        configuration.codeLength = read(codeLength)
        configuration.send.codeTTL = read(codeTTL)
        let secret = read(codeSecret)
        configuration.dev = read(dev)
        configuration.send.loginOrRegister = read(loginOrRegister)
        configuration.requireSignature = read(signature)
        if let secret {
            configuration.codeSecret = secret
        } else if configuration.dev {
            configuration.codeSecret = devSecret
        } else if !read.wasGiven(codeSecret) {
            read.problem("VERIFYD_CODE_SECRET: required (or set VERIFYD_DEV=1 for development)")
        }
    }
}
