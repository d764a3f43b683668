import Logging
import NIOCore
import NIOHTTP1
import Verification

/// verifyd's routes: a method and a path each.
enum Route: String, CaseIterable, Sendable {
    case send = "/api/v2/common/send-verify-code"
    case check = "/internal/v1/check-verify-code"
    case live = "/health/live"
    case ready = "/health/ready"
    case metrics = "/metrics"
    case openapi = "/openapi.yaml"

    /// The method the route answers.
    var method: HTTPMethod {
        switch self {
        case .send, .check: return .POST
        case .live, .ready, .metrics, .openapi: return .GET
        }
    }

    /// The metrics label of the route.
    var label: String { rawValue }
}

/// The routes this instance serves and what answers each: thin controllers over the use cases. Routes that need
/// no I/O are answered on the event loop; the others in a task.
///
/// A class: each request's task captures one reference, not a copy of every controller.
final class Endpoints: Sendable {
    let send: SendVerifyCodeController
    let check: CheckVerifyCodeController?
    let health: HealthController
    let metrics: MetricsController?
    let logger: Logger

    init(
        send: SendVerifyCodeController, check: CheckVerifyCodeController?, health: HealthController,
        metrics: MetricsController?, logger: Logger
    ) {
        self.send = send
        self.check = check
        self.health = health
        self.metrics = metrics
        self.logger = logger
    }

    /// The routes served: the check route only with a token, `/metrics` only with a registry.
    var routes: [Route] {
        Route.allCases.filter { route in
            switch route {
            case .check: return check != nil
            case .metrics: return metrics != nil
            default: return true
            }
        }
    }

    /// The served route for `method` and `path`, if any. Empty path segments do not count (`/health/live/` and
    /// `//health/live` are `/health/live`), as with Hummingbird's router before.
    func route(_ method: HTTPMethod, _ path: Substring) -> Route? {
        let exact = Route(rawValue: String(path))
        guard
            let route = exact ?? Route(rawValue: "/" + path.split(separator: "/").joined(separator: "/")),
            route.method == method
        else { return nil }
        switch route {
        case .check where check == nil, .metrics where metrics == nil: return nil
        default: return route
        }
    }

    /// Whether `route` is answered right away, without I/O.
    static func isImmediate(_ route: Route) -> Bool {
        switch route {
        case .send, .check: return false
        case .live, .ready, .metrics, .openapi: return true
        }
    }

    /// The answer of a route that needs no I/O.
    func answerNow(_ route: Route, _ request: IncomingRequest) -> OutgoingResponse {
        switch route {
        case .live: return health.live().response()
        case .ready: return health.ready().response()
        case .metrics: return metrics?.metrics() ?? notFound(request)
        case .openapi:
            return OutgoingResponse(
                status: .ok, headers: ["Content-Type": "application/yaml; charset=utf-8"], body: Self.openapi)
        case .send, .check: return notFound(request)
        }
    }

    /// The answer of a route that calls Redis; every error is an envelope.
    func answer(_ route: Route, _ request: IncomingRequest) async -> OutgoingResponse {
        do {
            switch route {
            case .send: return try await send.send(request).response()
            case .check: return try await check?.check(request).response() ?? notFound(request)
            case .live, .ready, .metrics, .openapi: return answerNow(route, request)
            }
        } catch {
            return ErrorEnvelope.envelope(for: error, language: FresnsHeaders.language(of: request), logger: logger)
                .response()
        }
    }

    /// 404 in an envelope.
    func notFound(_ request: IncomingRequest) -> OutgoingResponse {
        ErrorEnvelope.envelope(for: .notFound, language: FresnsHeaders.language(of: request)).response()
    }

    /// The API's one description, served as it is.
    private static let openapi = ByteBuffer(bytes: PackageResources.openapi_yaml)
}
