import Logging
import RedisClient

/// The check-verify-code use case: normalize like sending, then one atomic script.
public struct CheckVerifyCode: Sendable {
    let redis: RedisClient
    let keys: KeyLayout
    let crypto: CodeCrypto
    let maxAttempts: Int
    let script: RedisScript
    let logger: Logger
    let counters = RequestCounters()

    /// The use case; a code is destroyed after `maxAttempts` wrong attempts, and a target's codes are revoked once
    /// its wrong checks reach `failureLimits` (empty: no such budget).
    public init(
        redis: RedisClient, keys: KeyLayout, crypto: CodeCrypto, maxAttempts: Int,
        failureLimits: [RateLimit] = SendSettings.defaultCheckFailureLimits, logger: Logger
    ) {
        self.redis = redis
        self.keys = keys
        self.crypto = crypto
        self.maxAttempts = maxAttempts
        self.script = CheckScript.script(failures: failureLimits)
        self.logger = logger
    }

    /// 0 when the code matches (and is consumed); 33202 when empty; 33203 for wrong, expired, used or none, and
    /// while the target is locked by its wrong checks; format errors as when sending. Throws `RedisError` when Redis
    /// cannot answer, `StoreFault` when it answers what verifyd does not expect.
    public func check(_ request: CheckRequest) async throws -> ResultCode {
        guard !request.code.isEmpty else {
            counters.checked(.empty)
            return .codeEmpty
        }
        let target: Target
        switch Target.parse(channel: request.channel, account: request.account, countryCode: request.countryCode) {
        case .failure(let code): return code
        case .success(let parsed): target = parsed
        }
        // Any non-empty submission is hashed and compared: a malformed code is simply a wrong attempt.
        let candidate = crypto.hash(code: request.code, target: target, templateId: request.templateId)
        let codeKeys = SendRequest.templateIds.map { RedisArgument.string(keys.code(target, templateId: $0)) }
        let reply = try await StoreFault.about("check script") {
            try await redis.eval(
                script,
                keys: [
                    .string(keys.code(target, templateId: request.templateId)), .string(keys.checkFailures(target)),
                    .string(keys.checkLock(target)),
                ] + codeKeys,
                arguments: [.string(candidate), .integer(Int64(maxAttempts))])
        }
        guard case .integer(let result) = reply, (0...2).contains(result) else {
            throw StoreFault(keyKind: "check script", detail: "unexpected reply")
        }
        let outcome = [RequestCounters.CheckOutcome.refused, .ok, .locked][Int(result)]
        counters.checked(outcome)
        if result == 2 { counters.rateLimited(.checkFailures) }
        logger.info(
            "code checked",
            metadata: [
                "target": "\(target.masked)", "template": "\(request.templateId)", "outcome": "\(outcome.rawValue)",
            ])
        return result == 1 ? .ok : .codeIncorrect
    }
}
