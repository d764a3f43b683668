import SettingKit
import Verification

extension Setting where Value == [RateLimit] {
    /// A list of `count/seconds` limits; with `canBeOff`, `off` (or `none`, `0`) turns the limit off. A limit kept as
    /// an exact log (`logged`) allows counts up to `RateLimit.maxLoggedCount`.
    static func limits(
        _ name: String, group: SettingGroup, default fallback: [RateLimit], canBeOff: Bool = true,
        logged: Bool = false, help: String
    ) -> Setting {
        let text = fallback.isEmpty ? "off" : fallback.map(\.description).joined(separator: ",")
        return Setting(
            name, group: group, format: canBeOff ? "count/seconds list or off" : "count/seconds list",
            default: fallback, defaultText: text, help: help
        ) { given in
            if canBeOff, ["off", "none", "0"].contains(given.lowercased()) { return .success([]) }
            if logged, let limits = RateLimit.parseList(given),
                limits.contains(where: { $0.count > RateLimit.maxLoggedCount })
            {
                return .failure(
                    SettingProblem("counts above \(RateLimit.maxLoggedCount) are not allowed here, got \(given)"))
            }
            return RateLimit.parseList(given).map { .success($0) }
                ?? .failure(
                    SettingProblem(
                        "expected count/seconds pairs such as \(text == "off" ? "20/600,100/86400" : text)"
                            + (canBeOff ? ", or off" : "") + ", got \(given)"))
        }
    }
}
