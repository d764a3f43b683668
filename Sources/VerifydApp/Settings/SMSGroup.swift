import DeliveryDrivers
import SettingKit

/// SMS delivery: none, the development log, or a gateway's HTTP webhook.
enum SMSGroup {
    static let driver = DriverChoice.setting(
        "VERIFYD_SMS", group: .sms, format: "https://… webhook (http:// for local use), log or none",
        help: "SMS delivery")
    static let token = Setting<String?>.text(
        "VERIFYD_SMS_TOKEN", group: .sms, secrecy: .secret, help: "bearer token sent to the SMS webhook")
    static let timeout = Setting<Duration>.milliseconds(
        "VERIFYD_SMS_TIMEOUT_MS", group: .sms, default: .seconds(10), in: 100...600_000,
        help: "deadline of one webhook call")

    static func read(into configuration: inout VerifydConfiguration, _ read: inout SettingsReader) {
        let choice = read(driver)
        let token = read(token)
        let timeout = read(timeout)
        switch choice {
        case .none: configuration.sms = .none
        case .log: configuration.sms = .log
        case .url(let url):
            do {
                configuration.sms = .webhook(try WebhookSettings(url: url, bearerToken: token, timeout: timeout))
            } catch {
                read.problem("VERIFYD_SMS: \(error)")
            }
        }
    }
}
