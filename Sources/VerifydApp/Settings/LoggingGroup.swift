import Logging
import SettingKit

/// What the process logs, and how.
enum LoggingGroup {
    static let level = Setting<Logger.Level>(
        "VERIFYD_LOG_LEVEL", group: .logging, format: "trace, debug, info, notice, warning, error, critical",
        default: .info, defaultText: "info", help: "the least severe level logged"
    ) { text in
        Logger.Level(rawValue: text.lowercased()).map { .success($0) }
            ?? .failure(SettingProblem("unknown level \(text)"))
    }
    static let format = Setting<Bool?>(
        "VERIFYD_LOG_FORMAT", group: .logging, format: "json or text", default: nil,
        defaultText: "json (text with VERIFYD_DEV=1)", help: "json: one object per line; text: for people"
    ) { text in
        switch text.lowercased() {
        case "json": return .success(true)
        case "text": return .success(false)
        default: return .failure(SettingProblem("expected json or text, got \(text.lowercased())"))
        }
    }

    static func read(into configuration: inout VerifydConfiguration, _ read: inout SettingsReader) {
        configuration.logLevel = read(level)
        configuration.logJSON = read(format) ?? !read(SendGroup.dev)
    }
}
