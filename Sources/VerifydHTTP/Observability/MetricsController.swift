import NIOCore
import NIOHTTP1
import Prometheus

/// `GET /metrics`: the Prometheus text format of every metric of the process.
struct MetricsController: Sendable {
    let registry: PrometheusCollectorRegistry

    func metrics() -> OutgoingResponse {
        OutgoingResponse(
            status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"],
            body: ByteBuffer(bytes: registry.emitToBuffer()))
    }
}
