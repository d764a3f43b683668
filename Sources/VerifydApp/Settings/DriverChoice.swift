import SettingKit

/// What a channel's driver setting names: nothing, the development log, or a provider's URL.
enum DriverChoice: Sendable, Equatable {
    case none
    case log
    case url(String)

    /// A driver setting: `none` (the default), `log`, or a URL, whose password `verifyd config` hides.
    static func setting(_ name: String, group: SettingGroup, format: String, help: String) -> Setting<DriverChoice> {
        Setting(
            name, group: group, format: format, default: .none, defaultText: "none", secrecy: .urlCredentials,
            help: help
        ) { text in
            switch text.lowercased() {
            case "none": return .success(.none)
            case "log": return .success(.log)
            default: return .success(.url(text))
            }
        }
    }
}
