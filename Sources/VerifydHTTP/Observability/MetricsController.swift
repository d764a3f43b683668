import Hummingbird
import Prometheus

/// `GET /metrics`: the Prometheus text format of every metric of the process.
struct MetricsController: Sendable {
    let registry: PrometheusCollectorRegistry

    /// Adds the route.
    func register(on router: Router<VerifydRequestContext>) {
        router.get("/metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(
                status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
    }
}
