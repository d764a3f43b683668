import Configuration

/// Reads declared settings from the command line and the environment (through swift-configuration), collecting
/// every problem instead of stopping at the first, and remembering what it read for `verifyd config`.
public struct SettingsReader: Sendable {
    /// A setting as read: its description and the text given, if any.
    public struct Entry: Sendable {
        /// The declaration.
        public let info: SettingInfo
        /// The text given (trimmed), or nil for the default.
        public let given: String?
    }

    private let source: ConfigReader
    /// Every problem found, one line each: `VERIFYD_PORT: expected an integer …`.
    public private(set) var problems: [String] = []
    /// The settings read so far, in order, each once.
    public private(set) var entries: [Entry] = []

    /// Options (`--redis-url value`, already split by `SettingOptions`) override the environment.
    public init(environment: [String: String], options: [String: String] = [:]) {
        let optionValues = Dictionary(
            uniqueKeysWithValues: options.map {
                (AbsoluteConfigKey(Self.key($0.key)), ConfigValue(.string($0.value), isSecret: false))
            })
        self.source = ConfigReader(providers: [
            InMemoryProvider(name: "options", values: optionValues),
            EnvironmentVariablesProvider(environmentVariables: environment),
        ])
    }

    /// The value of `setting`: the given text parsed, or its default when unset or invalid (a problem is recorded).
    public mutating func callAsFunction<Value>(_ setting: Setting<Value>) -> Value {
        let info = setting.info
        let text = source.string(forKey: ConfigKey(Self.key(info.name)), isSecret: info.secrecy != .none)?.trimmed
        let given = text?.isEmpty == false ? text : nil
        if !entries.contains(where: { $0.info.name == info.name }) { entries.append(Entry(info: info, given: given)) }
        guard let given else { return setting.fallback }
        switch setting.parse(given) {
        case .success(let value): return value
        case .failure(let problem):
            problems.append("\(info.name): \(problem.message)")
            return setting.fallback
        }
    }

    /// Whether `setting` was given (even if invalid); reading it first records that.
    public mutating func wasGiven<Value>(_ setting: Setting<Value>) -> Bool {
        if !entries.contains(where: { $0.info.name == setting.info.name }) { _ = self(setting) }
        return entries.first(where: { $0.info.name == setting.info.name })?.given != nil
    }

    /// Records problems found before reading (in the options), ahead of the others.
    public mutating func prepend(problems earlier: [String]) { problems.insert(contentsOf: earlier, at: 0) }

    /// Records a problem that involves more than one setting.
    public mutating func problem(_ text: String) { problems.append(text) }

    /// `VERIFYD_REDIS_URL` → `verifyd.redis.url`, which the environment provider encodes back to the variable.
    static func key(_ name: String) -> [String] {
        name.lowercased().split(separator: "_").map(String.init)
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    var trimmed: String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isBlank($0) }), let last = lastIndex(where: { !isBlank($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
