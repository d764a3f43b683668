/// Renderings of a list of settings: the docs table, `--help` text and `verifyd config` lines.
public struct SettingsCatalog: Sendable {
    /// The settings, in declaration order.
    public let settings: [SettingInfo]

    /// A catalog of these settings.
    public init(_ settings: [SettingInfo]) { self.settings = settings }

    /// The settings of each group that has any, in the groups' order.
    public var grouped: [(group: SettingGroup, settings: [SettingInfo])] {
        SettingGroup.allCases.compactMap { group in
            let members = settings.filter { $0.group == group }
            return members.isEmpty ? nil : (group, members)
        }
    }

    /// One Markdown table per group, for docs/configuration.md.
    public func markdown() -> String {
        var lines: [String] = []
        for (group, members) in grouped {
            lines += [
                "", "### \(group.title)", "", "| Variable | Option | Values | Default | Meaning |",
                "| --- | --- | --- | --- | --- |",
            ]
            for info in members {
                let secret = info.secrecy == .secret ? " Secret: never printed." : ""
                let cells = [
                    "`\(info.name)`", "`\(info.option)`", info.format, info.defaultText, info.help + secret,
                ].map { $0.replacingPipes }
                lines.append("| " + cells.joined(separator: " | ") + " |")
            }
        }
        return lines.dropFirst().joined(separator: "\n") + "\n"
    }

    /// The settings for `--help`: option, variable, default and help, grouped.
    public func helpText() -> String {
        grouped.map { group, members in
            "\(group.title):\n"
                + members.map { "  \($0.option), \($0.name) (default: \($0.defaultText))\n      \($0.help)" }
                .joined(separator: "\n")
        }.joined(separator: "\n\n")
    }

    /// What was read, as an environment file by group: `NAME=value` for what was given (secrets redacted), and
    /// `# NAME=default (default)` for the rest.
    public static func effective(_ entries: [SettingsReader.Entry]) -> String {
        SettingGroup.allCases.compactMap { group in
            let members = entries.filter { $0.info.group == group }
            guard !members.isEmpty else { return nil }
            let lines = members.map { entry in
                entry.given.map { "\(entry.info.name)=\(entry.info.display($0))" }
                    ?? "# \(entry.info.name)=\(entry.info.defaultText) (default)"
            }
            return (["# \(group.title)"] + lines).joined(separator: "\n")
        }.joined(separator: "\n\n")
    }
}

extension String {
    fileprivate var replacingPipes: String {
        split(separator: "|", omittingEmptySubsequences: false).joined(separator: "\\|")
    }
}
