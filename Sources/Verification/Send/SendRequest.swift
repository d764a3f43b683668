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
        Result { () throws(ResultCode) in try parse(RequestFields(json: body)) }
    }

    static func parse(fields: [String: JSONScalar]) -> Result<SendRequest, ResultCode> {
        Result { () throws(ResultCode) in try parse(RequestFields(fields: fields)) }
    }

    /// Checks the fields in Fresns' order: type, useType, templateId, account (not for useType 4), countryCode.
    private static func parse(_ fields: RequestFields) throws(ResultCode) -> SendRequest {
        let channel = try fields.channel()
        guard let useType = UseType(rawValue: try fields.integer("useType", in: 1...5)) else { throw .parameterError }
        let templateId = try fields.integer("templateId", in: templateIds)
        let account = useType.needsAccount ? try fields.account() : nil
        return SendRequest(
            channel: channel, useType: useType, templateId: templateId, account: account,
            countryCode: try fields.countryCode())
    }
}
