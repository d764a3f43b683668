import Metrics

/// The client's metrics, through swift-metrics (whatever backend the process bootstrapped).
enum RedisMetrics {
    /// The timer of round trips (a command or a pipeline, from write to the last reply). Each connection makes it
    /// once, when it connects: making it asks the backend to look it up by label, dearer than the recording.
    static func roundTripTimer() -> Timer { Timer(label: "verifyd_redis_round_trip_seconds") }

    /// A failed call, by kind (`timeout`, `unavailable`, `closed`, `overloaded`, `cluster_down`, `server`,
    /// `protocol`).
    static func error(_ error: RedisError) {
        let kind: String
        switch error {
        case .timeout: kind = "timeout"
        case .unavailable: kind = "unavailable"
        case .connectionClosed: kind = "closed"
        case .overloaded: kind = "overloaded"
        case .clusterDown: kind = "cluster_down"
        case .server: kind = "server"
        case .protocolError, .invalidConfiguration: kind = "protocol"
        }
        Counter(label: "verifyd_redis_errors_total", dimensions: [("kind", kind)]).increment()
    }

    /// A lost connection was re-established.
    static func reconnected() { Counter(label: "verifyd_redis_reconnects_total").increment() }

    /// A cluster node redirected a command, by kind (`moved`, `ask`).
    static func redirected(_ kind: RedirectKind) {
        Counter(label: "verifyd_redis_redirects_total", dimensions: [("kind", kind.rawValue)]).increment()
    }

    /// The cluster's slot map was read again, by result (`ok`, `failed`).
    static func topologyRefreshed(ok: Bool) {
        Counter(label: "verifyd_redis_topology_refreshes_total", dimensions: [("result", ok ? "ok" : "failed")])
            .increment()
    }

    /// Which redirect a cluster node answered.
    enum RedirectKind: String {
        case moved
        case ask
    }
}
