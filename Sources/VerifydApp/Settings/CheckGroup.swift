import SettingKit
import VerifydHTTP

/// The internal route that checks codes.
enum CheckGroup {
    static let internalToken = Setting<String?>(
        "VERIFYD_INTERNAL_TOKEN", group: .check, format: "16+ characters", default: nil,
        defaultText: "unset: route off (404)", secrecy: .secret,
        help: "bearer token of POST /internal/v1/check-verify-code"
    ) { $0.utf8.count < 16 ? .failure(SettingProblem("must be at least 16 characters")) : .success($0) }
    static let maxAttempts = Setting<Int>.integer(
        "VERIFYD_MAX_CHECK_ATTEMPTS", group: .check, default: 5, in: 1...100,
        help: "wrong checks before a code is destroyed")

    static func read(into configuration: inout VerifydConfiguration, _ read: inout SettingsReader) {
        configuration.http.internalToken = read(internalToken)
        configuration.maxCheckAttempts = read(maxAttempts)
    }
}
