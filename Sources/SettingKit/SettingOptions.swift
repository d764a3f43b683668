/// Command-line options for declared settings: `--redis-url URL` or `--redis-url=URL` sets `VERIFYD_REDIS_URL`.
public enum SettingOptions {
    /// The variables the arguments set, or every problem (unknown option, missing value).
    public static func parse(_ arguments: [String], known: [SettingInfo]) -> Result<[String: String], SettingsError> {
        let byOption = Dictionary(known.map { ($0.option, $0.name) }, uniquingKeysWith: { first, _ in first })
        var values: [String: String] = [:]
        var problems: [String] = []
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--") else {
                problems.append("unexpected argument \(argument)")
                continue
            }
            let parts = argument.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let option = String(parts[0])
            guard let name = byOption[option] else {
                problems.append("unknown option \(option) (see --help)")
                continue
            }
            if parts.count == 2 {
                values[name] = String(parts[1])
            } else if index < arguments.endIndex {
                values[name] = arguments[index]
                index += 1
            } else {
                problems.append("\(option): missing value")
            }
        }
        return problems.isEmpty ? .success(values) : .failure(SettingsError(problems: problems))
    }
}

/// The problems found in a configuration, one line each.
public struct SettingsError: Error, CustomStringConvertible, Sendable {
    /// One line per problem.
    public let problems: [String]

    /// The problems.
    public init(problems: [String]) { self.problems = problems }

    /// `configuration error: …` lines.
    public var description: String { problems.map { "configuration error: " + $0 }.joined(separator: "\n") }
}
