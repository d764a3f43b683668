/// A validated check-verify-code body (the parameters of Fresns' internal `checkCode` command).
public struct CheckRequest: Sendable, Equatable {
    public var channel: Channel
    public var account: String
    public var countryCode: Int?
    public var templateId: Int
    /// The submitted code, trimmed; empty when none was given.
    public var code: String

    /// A request from its parts; `account` and `code` as given (already trimmed).
    public init(channel: Channel, account: String, countryCode: Int?, templateId: Int, code: String) {
        self.channel = channel
        self.account = account
        self.countryCode = countryCode
        self.templateId = templateId
        self.code = code
    }

    /// Parses a JSON body: not an object or a bad value → 30000, a required field missing → 30001.
    /// A missing or empty `verifyCode` is not an error here: the check answers 33202 for it.
    public static func parse(json body: some Collection<UInt8>) -> Result<CheckRequest, ResultCode> {
        Result { () throws(ResultCode) in
            let fields = try RequestFields(json: body)
            let channel = try fields.channel()
            let templateId = try fields.integer("templateId", in: SendRequest.templateIds)
            let account = try fields.account()
            let countryCode = try fields.countryCode()
            let code: String
            switch fields.raw("verifyCode") {
            case nil, .null?: code = ""
            case .string(let s)?: code = s.trimmingSpaces()
            case .integer(let i)? where i >= 0: code = String(i)
            default: throw .parameterError
            }
            return CheckRequest(
                channel: channel, account: account, countryCode: countryCode, templateId: templateId, code: code)
        }
    }
}
