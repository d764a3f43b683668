/// A Fresns result code (the `code` of the envelope), plus verifyd's own 39xxx codes for transport errors.
public enum ResultCode: Int, Error, Sendable, CaseIterable {
    case ok = 0
    case parameterError = 30000
    case parameterMissing = 30001
    case appIdInvalid = 31301
    case signatureError = 31302
    case signatureExpired = 31303
    case keyNotAllowed = 31304
    case notLoggedIn = 31501
    case accountNotFound = 31502
    case tokenMissing = 31503
    case tokenInvalid = 31505
    case noProvider = 32100
    case templateUnavailable = 33200
    case sentTooOften = 33201
    case codeEmpty = 33202
    case codeIncorrect = 33203
    case emailFormat = 34101
    case phoneFormat = 34102
    case countryCode = 34103
    case emailDomain = 34110
    case emailUsed = 34205
    case phoneUsed = 34206
    case accountNotExist = 34301
    case emailBound = 34401
    case phoneBound = 34402
    /// verifyd: the internal route needs a valid bearer token.
    case unauthorized = 39401
    /// verifyd: no such route.
    case notFound = 39404
    /// verifyd: the route exists with another method.
    case methodNotAllowed = 39405
    /// verifyd: the client was too slow to send its request.
    case requestTimeout = 39408
    /// verifyd: the body is over the size limit.
    case payloadTooLarge = 39413
    /// verifyd: an unexpected server error.
    case internalError = 39500
    /// verifyd: Redis is unreachable or too slow; retry later.
    case serviceUnavailable = 39503
    /// verifyd: the channel's delivery queue is backlogged beyond `VERIFYD_DELIVERY_MAX_WAIT`; retry later.
    case deliveryBacklog = 39504

    /// The message for this code in the given language.
    public func message(_ language: Language) -> String {
        if self == .ok { return "ok" }
        guard let entry = Self.messageTable[rawValue] else { return "Error \(rawValue)" }
        switch language {
        case .en: return entry.en
        case .zhHans: return entry.hans
        case .zhHant: return entry.hant
        }
    }
}
