import HTTPTypes
import Hummingbird
import Metrics

/// Counts requests by route, method, HTTP status and envelope code, and times them by route.
/// The route is the matched route template (`unknown` otherwise), so label values stay bounded.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    static var codeHeader: HTTPField.Name { HTTPField.Name("X-Verifyd-Code")! }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        let route = context.endpointPath ?? "unknown"
        let elapsed = (ContinuousClock.now - started).components
        Timer(label: "verifyd_http_request_duration_seconds", dimensions: [("route", route)])
            .recordNanoseconds(elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000)
        Counter(
            label: "verifyd_http_requests_total",
            dimensions: [
                ("route", route), ("method", request.method.rawValue), ("status", String(response.status.code)),
                ("code", response.headers[Self.codeHeader] ?? "none"),
            ]
        ).increment()
        return response
    }
}
