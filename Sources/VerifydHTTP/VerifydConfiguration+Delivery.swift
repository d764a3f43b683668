import DeliveryDrivers
import Verification

extension VerifydConfiguration {
    /// Reads the drivers, templates and worker settings.
    mutating func readDelivery(_ reader: inout EnvironmentReader) {
        let concurrency = reader.integer("VERIFYD_DELIVERY_CONCURRENCY", in: 1...256) ?? 8
        delivery.concurrency = concurrency
        delivery.keys = send.keys
        if let attempts = reader.integer("VERIFYD_DELIVERY_MAX_ATTEMPTS", in: 1...50) { delivery.retry.maxAttempts = attempts }
        if let backoff = reader.duration("VERIFYD_DELIVERY_BACKOFF", in: .milliseconds(10)...(.seconds(600))) {
            delivery.retry.base = backoff
            delivery.retry.maximum = max(backoff, .seconds(30))
        }
        if let idle = reader.duration("VERIFYD_DELIVERY_CLAIM_IDLE", in: .milliseconds(300)...(.seconds(86400))) {
            delivery.claimIdle = idle
            // Held entries are touched this often, so a live worker's entries never look idle to others.
            delivery.claimEvery = min(.seconds(5), idle / 3)
            delivery.blockTime = min(.seconds(1), idle / 3)
        }

        switch reader.string("VERIFYD_EMAIL")?.lowercased() {
        case nil, "none": email = .none
        case "log": email = .log
        case .some:
            let url = reader.string("VERIFYD_EMAIL") ?? ""
            let startTLS = reader.string("VERIFYD_SMTP_STARTTLS").map { SMTPSettings.StartTLS(rawValue: $0.lowercased()) }
            if case .some(nil) = startTLS { reader.problem("VERIFYD_SMTP_STARTTLS: expected required, opportunistic or off") }
            let timeout = reader.integer("VERIFYD_SMTP_TIMEOUT_MS", in: 100...600_000).map(Duration.milliseconds) ?? .seconds(30)
            guard let fromText = reader.string("VERIFYD_EMAIL_FROM") else {
                reader.problem("VERIFYD_EMAIL_FROM: required when VERIFYD_EMAIL is an SMTP URL")
                break
            }
            do {
                let from = try MailAddress(parsing: fromText)
                email = .smtp(
                    try SMTPSettings(
                        url: url, startTLS: (startTLS ?? .opportunistic) ?? .opportunistic, from: from, timeout: timeout,
                        caFile: reader.string("VERIFYD_SMTP_CA_FILE")))
            } catch {
                reader.problem("VERIFYD_EMAIL / VERIFYD_EMAIL_FROM: \(error)")
            }
        }

        switch reader.string("VERIFYD_SMS")?.lowercased() {
        case nil, "none": sms = .none
        case "log": sms = .log
        case .some:
            let timeout = reader.integer("VERIFYD_SMS_TIMEOUT_MS", in: 100...600_000).map(Duration.milliseconds) ?? .seconds(10)
            do {
                sms = .webhook(
                    try WebhookSettings(url: reader.string("VERIFYD_SMS") ?? "", bearerToken: reader.string("VERIFYD_SMS_TOKEN"), timeout: timeout))
            } catch {
                reader.problem("VERIFYD_SMS: \(error)")
            }
        }

        templatesPath = reader.string("VERIFYD_TEMPLATES")
        if let name = reader.string("VERIFYD_SITE_NAME") {
            if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                reader.problem("VERIFYD_SITE_NAME: control characters (CR, LF…) are not allowed")
            } else {
                siteName = name
            }
        }
        if let language = reader.string("VERIFYD_DEFAULT_LANG") {
            if LanguageTag.isValid(language) { defaultLanguage = language } else {
                reader.problem("VERIFYD_DEFAULT_LANG: not a language tag: \(language)")
            }
        }
    }

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
