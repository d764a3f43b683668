import Logging
import NIOHTTP1
import RedisClient
import Verification

/// Every error a route throws, as an envelope: Redis trouble becomes 503 with `Retry-After` when it cannot be
/// reached (or could not keep the write safe), an answer verifyd does not expect (a script error, a mirror key of
/// the wrong type) a 500 logged with the kind of key and counted, anything else a logged 500. Clients never see a
/// bare error page.
enum ErrorEnvelope {
    /// The envelope for `error`, thrown while answering a client that reads `language`.
    static func envelope(for error: any Error, language: Language, logger: Logger) -> Envelope {
        switch error {
        case let error as RedisError where error.isConnectivity:
            logger.warning("redis unavailable for request", metadata: ["error": "\(error)"])
            return unavailable(language)
        case let shortfall as ReplicaShortfall:
            logger.warning("send withdrawn: not on enough replicas", metadata: ["error": "\(shortfall)"])
            return unavailable(language)
        case let fault as StoreFault:
            return storeFault(fault.keyKind, fault.detail, language, logger)
        case let error as RedisError:
            return storeFault("unknown", "\(error)", language, logger)
        default:
            logger.error("unexpected error", metadata: ["error": "\(type(of: error))"])
            return Envelope(.internalError, language: language, status: .internalServerError)
        }
    }

    /// The envelope of an HTTP-level refusal (no such route, a body too large, a malformed request), by status.
    static func envelope(for status: HTTPResponseStatus, language: Language) -> Envelope {
        Envelope(code(for: status), language: language, status: status)
    }

    /// 503 with `Retry-After`: Redis cannot be reached, or could not keep the write safe; the client retries.
    private static func unavailable(_ language: Language) -> Envelope {
        Envelope(
            .serviceUnavailable, language: language, status: .serviceUnavailable,
            headers: [(FresnsHeaders.retryAfter, "1")])
    }

    /// 500, logged with the kind of key and counted: Redis answered what verifyd does not expect.
    private static func storeFault(_ keyKind: String, _ detail: String, _ language: Language, _ logger: Logger)
        -> Envelope
    {
        logger.error("redis answered unexpectedly", metadata: ["key": "\(keyKind)", "error": "\(detail)"])
        VerificationMetrics.storeFault(keyKind)
        return Envelope(.internalError, language: language, status: .internalServerError)
    }

    static func code(for status: HTTPResponseStatus) -> ResultCode {
        switch status.code {
        case 401: return .unauthorized
        case 404: return .notFound
        case 405: return .methodNotAllowed
        case 408: return .requestTimeout
        case 413: return .payloadTooLarge
        case 503: return .serviceUnavailable
        case 500...: return .internalError
        default: return .parameterError
        }
    }
}
