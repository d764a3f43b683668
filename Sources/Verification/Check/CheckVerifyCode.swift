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
    /// format errors as when sending. Throws `RedisError` when Redis cannot answer, `StoreFault` when it answers
    /// what verifyd does not expect.
    public func check(_ request: CheckRequest) async throws -> ResultCode {
        guard !request.code.isEmpty else {
            VerificationMetrics.checked("empty")
            return .codeEmpty
        }
        let target: Target
        switch Target.parse(channel: request.channel, account: request.account, countryCode: request.countryCode) {
        case .failure(let code): return code
        case .success(let parsed): target = parsed
        }
        // Any non-empty submission is hashed and compared: a malformed code is simply a wrong attempt.
        let candidate = crypto.hash(code: request.code, target: target, templateId: request.templateId)
        let reply = try await StoreFault.about("check script") {
            try await redis.eval(
                CheckScript.script, keys: [.string(keys.code(target, templateId: request.templateId))],
                arguments: [.string(candidate), .integer(Int64(maxAttempts))])
        }
        guard let result = reply.int, result == 0 || result == 1 else {
            throw StoreFault(keyKind: "check script", detail: "unexpected reply")
        }
        let matched = result == 1
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
