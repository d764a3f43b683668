import Foundation

/// A validated send-verify-code body: types and values checked, nothing looked up yet.
public struct SendRequest: Sendable, Equatable {
    public var channel: Channel
    public var useType: UseType
    public var templateId: Int
    /// The `account` as given (trimmed); nil for useType 4, which ignores it.
    public var account: String?
    /// The `countryCode`, when given.
    public var countryCode: Int?

    /// A request from already-typed values.
    public init(channel: Channel, useType: UseType, templateId: Int, account: String?, countryCode: Int?) {
        self.channel = channel
        self.useType = useType
        self.templateId = templateId
        self.account = account
        self.countryCode = countryCode
    }

    /// Template ids Fresns defines.
    public static let templateIds = 1...8

    /// Parses a JSON body: not an object or a bad value → 30000, a required field missing → 30001.
    public static func parse(json body: some Collection<UInt8>) -> Result<SendRequest, ResultCode> {
        guard let fields = try? JSONDecoder().decode([String: JSONScalar].self, from: Data(body)) else {
            return .failure(.parameterError)
        }
        return parse(fields: fields)
    }

    static func parse(fields: [String: JSONScalar]) -> Result<SendRequest, ResultCode> {
        func present(_ name: String) -> JSONScalar? {
            guard let value = fields[name], !value.isBlank else { return nil }
            return value
        }
        guard let type = present("type") else { return .failure(.parameterMissing) }
        guard case .string(let typeName) = type, let channel = Channel(rawValue: typeName) else {
            return .failure(.parameterError)
        }
        guard let use = present("useType") else { return .failure(.parameterMissing) }
        guard let useNumber = use.integer, let useType = UseType(rawValue: useNumber) else {
            return .failure(.parameterError)
        }
        guard let template = present("templateId") else { return .failure(.parameterMissing) }
        guard let templateId = template.integer, templateIds.contains(templateId) else {
            return .failure(.parameterError)
        }
        var account: String? = nil
        if useType.needsAccount {
            guard let given = present("account") else { return .failure(.parameterMissing) }
            switch given {
            case .string(let s): account = s.trimmingCharacters(in: .whitespaces)
            case .integer(let i) where i > 0: account = String(i)
            default: return .failure(.parameterError)
            }
        }
        var countryCode: Int? = nil
        if let code = present("countryCode") {
            guard let number = code.integer else { return .failure(.parameterError) }
            countryCode = number
        }
        return .success(
            SendRequest(
                channel: channel, useType: useType, templateId: templateId, account: account,
                countryCode: countryCode))
    }
}
