import DeliveryDrivers
import Foundation
import SettingKit

/// Email delivery: none, the development log, or an SMTP relay.
enum EmailGroup {
    static let driver = DriverChoice.setting(
        "VERIFYD_EMAIL", group: .email, format: "smtp://[user:password@]host[:port], smtps://…, log or none",
        help: "email delivery")
    static let startTLS = Setting<SMTPSettings.StartTLS>(
        "VERIFYD_SMTP_STARTTLS", group: .email, format: "required, opportunistic or off", default: .required,
        defaultText: "required",
        help: "STARTTLS on smtp://: required refuses a relay without it; opportunistic and off allow plaintext"
    ) { text in
        SMTPSettings.StartTLS(rawValue: text.lowercased()).map { .success($0) }
            ?? .failure(SettingProblem("expected required, opportunistic or off"))
    }
    static let from = Setting<String?>.text(
        "VERIFYD_EMAIL_FROM", group: .email, format: "addr or Name <addr>", defaultText: "required with smtp",
        help: "sender of every email")
    static let timeout = Setting<Duration>.milliseconds(
        "VERIFYD_SMTP_TIMEOUT_MS", group: .email, default: .seconds(30), in: 100...600_000,
        help: "deadline of one SMTP transfer, also of the relay's answer after DATA")
    static let caFile = Setting<String?>.text(
        "VERIFYD_SMTP_CA_FILE", group: .email, format: "path", defaultText: "the system's",
        help: "CA bundle (PEM) to trust for the SMTP relay's certificate instead of the system's")

    static func read(into configuration: inout VerifydConfiguration, _ read: inout SettingsReader) {
        let choice = read(driver)
        let startTLS = read(startTLS)
        let fromText = read(from)
        let timeout = read(timeout)
        let caFile = read(caFile)
        switch choice {
        case .none: configuration.email = .none
        case .log: configuration.email = .log
        case .url(let url):
            guard let fromText else {
                read.problem("VERIFYD_EMAIL_FROM: required when VERIFYD_EMAIL is an SMTP URL")
                return
            }
            if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
                read.problem("VERIFYD_SMTP_CA_FILE: cannot read \(caFile)")
                return
            }
            do {
                let sender = try MailAddress(parsing: fromText)
                configuration.email = .smtp(
                    try SMTPSettings(url: url, startTLS: startTLS, from: sender, timeout: timeout, caFile: caFile)
                )
            } catch {
                read.problem("VERIFYD_EMAIL / VERIFYD_EMAIL_FROM: \(error)")
            }
        }
    }
}
