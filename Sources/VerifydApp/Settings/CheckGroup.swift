import SettingKit
import Verification
import VerifydHTTP

/// The internal route that checks codes.
enum CheckGroup {
    static let internalToken = Setting<String?>.secret(
        "VERIFYD_INTERNAL_TOKEN", group: .check, defaultText: "unset: route off (404)",
        help: "bearer token of POST /internal/v1/check-verify-code")
    static let maxAttempts = Setting<Int>.integer(
        "VERIFYD_MAX_CHECK_ATTEMPTS", group: .check, default: 5, in: 1...100,
        help: "wrong checks before a code is destroyed")

    static let failureLimits = Setting.limits(
        "VERIFYD_CHECK_FAILURE_LIMITS", group: .check, default: SendSettings.defaultCheckFailureLimits, logged: true,
        help: "wrong checks per target across its codes; past them its codes are revoked and checks answer 33203")

    static func read(into configuration: inout VerifydConfiguration, _ read: inout SettingsReader) {
        configuration.http.internalToken = read(internalToken)
        configuration.maxCheckAttempts = read(maxAttempts)
        configuration.send.checkFailureLimits = read(failureLimits)
    }
}
