import Logging
import RedisClient

/// The check-verify-code use case: normalize like sending, then one atomic script.
public struct CheckVerifyCode: Sendable {
    let redis: RedisClient
    let keys: KeyLayout
    let crypto: CodeCrypto
    let maxAttempts: Int
    let logger: Logger

    /// The use case; a code is destroyed after `maxAttempts` wrong attempts.
    public init(redis: RedisClient, keys: KeyLayout, crypto: CodeCrypto, maxAttempts: Int, logger: Logger) {
        self.redis = redis
        self.keys = keys
        self.crypto = crypto
        self.maxAttempts = maxAttempts
        self.logger = logger
    }

    /// 0 when the code matches (and is consumed); 33202 when empty; 33203 for wrong, expired, used or none;
    /// format errors as when sending. Throws `RedisError` when Redis cannot answer.
    public func check(_ request: CheckRequest) async throws -> ResultCode {
        guard !request.code.isEmpty else {
            VerificationMetrics.checked("empty")
            return .codeEmpty
        }
        let target: Target
        switch request.channel {
        case .email:
            guard let email = AddressFormat.email(request.account) else { return .emailFormat }
            target = .email(email)
        case .sms:
            guard let countryCode = request.countryCode else { return .parameterMissing }
            guard let number = AddressFormat.phone(request.account) else { return .phoneFormat }
            guard AddressFormat.isCountryCode(countryCode) else { return .countryCode }
            target = .phone(countryCode: countryCode, number: number)
        }
        // Any non-empty submission is hashed and compared: a malformed code is simply a wrong attempt.
        let candidate = crypto.hash(code: request.code, target: target, templateId: request.templateId)
        let reply = try await redis.eval(
            CheckScript.script, keys: [.string(keys.code(target, templateId: request.templateId))],
            arguments: [.string(candidate), .integer(Int64(maxAttempts))])
        let matched = reply.int == 1
        VerificationMetrics.checked(matched ? "ok" : "refused")
        logger.info(
            "code checked",
            metadata: [
                "target": "\(target.masked)", "template": "\(request.templateId)",
                "outcome": "\(matched ? "ok" : "refused")",
            ])
        return matched ? .ok : .codeIncorrect
    }
}
