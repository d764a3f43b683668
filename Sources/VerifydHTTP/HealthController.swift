import NIOHTTP1
import RedisClient
import Verification

/// `GET /health/live` (the process answers; no Redis call) and `GET /health/ready` (Redis serving, not stopping).
struct HealthController: Sendable {
    let redis: RedisClient
    let readiness: Readiness

    /// The process answers.
    func live() -> Envelope {
        Envelope(.ok, language: .en, dataJSON: "{\"status\":\"live\"}")
    }

    /// Redis is serving and the process is not stopping.
    func ready() -> Envelope {
        let redisUp = redis.isServing
        let stopping = readiness.isStopping
        let ready = redisUp && !stopping
        let data = "{\"status\":\"\(ready ? "ready" : "unavailable")\",\"redis\":\(redisUp),\"stopping\":\(stopping)}"
        return Envelope(
            ready ? .ok : .serviceUnavailable, language: .en, status: ready ? .ok : .serviceUnavailable,
            dataJSON: data)
    }
}
