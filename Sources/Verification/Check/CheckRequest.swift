import Foundation

/// A validated check-verify-code body (the parameters of Fresns' internal `checkCode` command).
public struct CheckRequest: Sendable, Equatable {
    public var channel: Channel
    public var account: String
    public var countryCode: Int?
    public var templateId: Int
    /// The submitted code, trimmed; empty when none was given.
    public var code: String

    /// Parses a JSON body: not an object or a bad value → 30000, a required field missing → 30001.
    /// A missing or empty `verifyCode` is not an error here: the check answers 33202 for it.
    public static func parse(json body: some Collection<UInt8>) -> Result<CheckRequest, ResultCode> {
        guard let fields = try? JSONDecoder().decode([String: JSONScalar].self, from: Data(body)) else {
            return .failure(.parameterError)
        }
        func present(_ name: String) -> JSONScalar? {
            guard let value = fields[name], !value.isBlank else { return nil }
            return value
        }
        guard let type = present("type") else { return .failure(.parameterMissing) }
        guard case .string(let typeName) = type, let channel = Channel(rawValue: typeName) else {
            return .failure(.parameterError)
        }
        guard let template = present("templateId") else { return .failure(.parameterMissing) }
        guard let templateId = template.integer, SendRequest.templateIds.contains(templateId) else {
            return .failure(.parameterError)
        }
        guard let given = present("account") else { return .failure(.parameterMissing) }
        let account: String
        switch given {
        case .string(let s): account = s.trimmingCharacters(in: .whitespaces)
        case .integer(let i) where i > 0: account = String(i)
        default: return .failure(.parameterError)
        }
        var countryCode: Int?
        if let value = present("countryCode") {
            guard let number = value.integer else { return .failure(.parameterError) }
            countryCode = number
        }
        var code = ""
        switch fields["verifyCode"] {
        case nil, .null?: code = ""
        case .string(let s)?: code = s.trimmingCharacters(in: .whitespaces)
        case .integer(let i)? where i >= 0: code = String(i)
        default: return .failure(.parameterError)
        }
        return .success(CheckRequest(channel: channel, account: account, countryCode: countryCode, templateId: templateId, code: code))
    }
}
