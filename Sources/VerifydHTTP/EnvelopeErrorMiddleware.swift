import HTTPTypes
import Hummingbird
import Logging
import NIOHTTP1
import RedisClient
import Verification

/// Turns every error into an envelope: HTTP errors keep their status, a body that breaks HTTP framing (bad chunk
/// sizes, a connection closed mid-body) a 400 that closes the connection, Redis trouble becomes 503 with
/// `Retry-After` when it cannot be reached, and an answer verifyd does not expect (a script error, a mirror key of
/// the wrong type) a 500 logged with the kind of key and counted; anything else a logged 500. Clients never see a
/// bare error page.
struct EnvelopeErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            return Envelope(
                Self.code(for: error.status), language: FresnsHeaders.language(of: request), status: error.status,
                headers: (error as? HTTPError)?.headers ?? [:]
            ).response()
        } catch let error as HTTPParserError {
            context.logger.info("malformed HTTP body", metadata: ["error": "\(error)"])
            return Envelope(
                .parameterError, language: FresnsHeaders.language(of: request), status: .badRequest,
                headers: [.connection: "close"]
            ).response()
        } catch let error as RedisError where error.isConnectivity {
            context.logger.warning("redis unavailable for request", metadata: ["error": "\(error)"])
            return Self.unavailable(request)
        } catch let shortfall as ReplicaShortfall {
            context.logger.warning("send withdrawn: not on enough replicas", metadata: ["error": "\(shortfall)"])
            return Self.unavailable(request)
        } catch let fault as StoreFault {
            return Self.storeFault(fault.keyKind, fault.detail, request, context)
        } catch let error as RedisError {
            return Self.storeFault("unknown", "\(error)", request, context)
        } catch {
            context.logger.error("unexpected error", metadata: ["error": "\(type(of: error))"])
            return Envelope(.internalError, language: FresnsHeaders.language(of: request), status: .internalServerError)
                .response()
        }
    }

    /// 503 with `Retry-After`: Redis cannot be reached, or could not keep the write safe; the client retries.
    private static func unavailable(_ request: Request) -> Response {
        Envelope(
            .serviceUnavailable, language: FresnsHeaders.language(of: request), status: .serviceUnavailable,
            headers: [FresnsHeaders.retryAfter: "1"]
        ).response()
    }

    /// 500, logged with the kind of key and counted: Redis answered what verifyd does not expect.
    private static func storeFault(_ keyKind: String, _ detail: String, _ request: Request, _ context: Context)
        -> Response
    {
        context.logger.error("redis answered unexpectedly", metadata: ["key": "\(keyKind)", "error": "\(detail)"])
        VerificationMetrics.storeFault(keyKind)
        return Envelope(.internalError, language: FresnsHeaders.language(of: request), status: .internalServerError)
            .response()
    }

    static func code(for status: HTTPResponse.Status) -> ResultCode {
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
