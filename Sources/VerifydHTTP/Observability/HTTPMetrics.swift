import Metrics

/// Counts requests by route, method, HTTP status and envelope code, and times them by route. The route is one of
/// verifyd's routes (`unknown` otherwise), so label values stay bounded.
enum HTTPMetrics {
    /// One answered request.
    static func answered(route: String, method: String, status: UInt, code: String?, nanoseconds: Int64) {
        Timer(label: "verifyd_http_request_duration_seconds", dimensions: [("route", route)])
            .recordNanoseconds(nanoseconds)
        Counter(
            label: "verifyd_http_requests_total",
            dimensions: [("route", route), ("method", method), ("status", String(status)), ("code", code ?? "none")]
        ).increment()
    }
}
