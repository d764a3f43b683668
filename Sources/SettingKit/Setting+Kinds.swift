/// The common kinds of setting: integers in a range, flags, durations, free text.
extension Setting where Value == Int {
    /// An integer within `range`.
    public static func integer(
        _ name: String, group: SettingGroup, default fallback: Int, in range: ClosedRange<Int>, help: String
    ) -> Setting<Int> {
        Setting(
            name, group: group, format: "integer \(range.lowerBound)…\(range.upperBound)", default: fallback,
            defaultText: "\(fallback)", help: help
        ) { text in
            guard let value = Int(text), range.contains(value) else {
                return .failure(.init("expected an integer in \(range.lowerBound)...\(range.upperBound), got \(text)"))
            }
            return .success(value)
        }
    }
}

extension Setting where Value == Bool {
    /// `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`).
    public static func flag(
        _ name: String, group: SettingGroup, default fallback: Bool, help: String
    ) -> Setting<Bool> {
        Setting(
            name, group: group, format: "true or false", default: fallback, defaultText: "\(fallback)", help: help
        ) { text in
            switch text.lowercased() {
            case "1", "true", "yes", "on": return .success(true)
            case "0", "false", "no", "off": return .success(false)
            default: return .failure(.init("expected true or false, got \(text)"))
            }
        }
    }
}

extension Setting where Value == Duration {
    /// A whole number of milliseconds within `range`.
    public static func milliseconds(
        _ name: String, group: SettingGroup, default fallback: Duration, in range: ClosedRange<Int>, help: String
    ) -> Setting<Duration> {
        let ms = Int(fallback.components.seconds * 1000 + fallback.components.attoseconds / 1_000_000_000_000_000)
        let integer = Setting<Int>.integer(name, group: group, default: ms, in: range, help: help)
        return Setting(
            name, group: group, format: "milliseconds \(range.lowerBound)…\(range.upperBound)",
            default: fallback, defaultText: "\(ms)", help: help
        ) { text in integer.parse(text).map { .milliseconds($0) } }
    }

    /// A duration written `1s`, `500ms`, `2m` or as bare milliseconds, within `range`.
    public static func duration(
        _ name: String, group: SettingGroup, default fallback: Duration, in range: ClosedRange<Duration>, help: String
    ) -> Setting<Duration> {
        Setting(
            name, group: group, format: "duration (500ms, 1s, 2m, 1h, 7d)", default: fallback,
            defaultText: Self.describe(fallback), help: help
        ) { text in
            guard let value = Self.parseDuration(text.lowercased()), range.contains(value) else {
                return .failure(
                    .init(
                        "expected a duration such as 1s or 500ms within \(Self.describe(range.lowerBound))"
                            + "...\(Self.describe(range.upperBound)), got \(text)"))
            }
            return .success(value)
        }
    }

    private static func parseDuration(_ text: String) -> Duration? {
        if let ms = Int(text) { return .milliseconds(ms) }
        for (suffix, factor) in [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        where text.hasSuffix(suffix) {
            if let number = Int(text.dropLast(suffix.count)) { return .milliseconds(number * factor) }
        }
        return nil
    }

    /// `500ms`, `1s`, `2m`, `7d`: the shortest exact form (hours and days from a day on).
    static func describe(_ duration: Duration) -> String {
        let ms = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if ms % 86_400_000 == 0, ms > 0 { return "\(ms / 86_400_000)d" }
        if ms % 3_600_000 == 0, ms >= 86_400_000 { return "\(ms / 3_600_000)h" }
        if ms % 60_000 == 0, ms > 0 { return "\(ms / 60_000)m" }
        if ms % 1000 == 0 { return "\(ms / 1000)s" }
        return "\(ms)ms"
    }
}

extension Setting where Value == String? {
    /// Free text; unset is nil.
    public static func text(
        _ name: String, group: SettingGroup, format: String = "text", defaultText: String = "unset",
        secrecy: Secrecy = .none, help: String
    ) -> Setting<String?> {
        Setting(
            name, group: group, format: format, default: nil, defaultText: defaultText, secrecy: secrecy, help: help
        ) { .success($0) }
    }
}

extension Setting where Value == String? {
    /// A secret of at least `minimumLength` bytes, never printed; unset is nil.
    public static func secret(
        _ name: String, group: SettingGroup, minimumLength: Int = 16, defaultText: String, help: String
    ) -> Setting<String?> {
        Setting(
            name, group: group, format: "\(minimumLength)+ characters", default: nil, defaultText: defaultText,
            secrecy: .secret, help: help
        ) { text in
            text.utf8.count < minimumLength
                ? .failure(SettingProblem("must be at least \(minimumLength) characters")) : .success(text)
        }
    }
}
