import Hummingbird
import RedisClient
import Verification

/// `GET /health/live` (the process answers; no Redis call) and `GET /health/ready` (Redis serving, not stopping).
struct HealthController: Sendable {
    let redis: RedisClient
    let readiness: Readiness

    /// Adds the routes.
    func register(on router: Router<VerifydRequestContext>) {
        router.get("/health/live") { _, _ in
            Envelope(.ok, language: .en, dataJSON: "{\"status\":\"live\"}")
        }
        router.get("/health/ready") { _, _ in
            let redisUp = redis.isServing
            let stopping = readiness.isStopping
            let ready = redisUp && !stopping
            let data =
                "{\"status\":\"\(ready ? "ready" : "unavailable")\",\"redis\":\(redisUp),\"stopping\":\(stopping)}"
            return Envelope(
                ready ? .ok : .serviceUnavailable, language: .en, status: ready ? .ok : .serviceUnavailable,
                dataJSON: data)
        }
    }
}
