import Metrics
import NIOConcurrencyHelpers

/// Counts requests by route, method, HTTP status and envelope code, and times them by route. The route is one of
/// verifyd's routes (`unknown` otherwise), so label values stay bounded.
///
/// Each counter and timer is made once, on first use, and kept: making one asks the metrics backend to look it up by
/// its labels, which is dear on every request. The backend must be bootstrapped before the first request (`serve`
/// does it at start).
enum HTTPMetrics {
    private struct Key: Hashable {
        var route: String
        var method: String
        var status: UInt
        var code: String?
    }

    private struct Instruments {
        var counters: [Key: Counter] = [:]
        var timers: [String: Timer] = [:]
    }

    private static let instruments = NIOLockedValueBox(Instruments())

    /// One answered request.
    static func answered(route: String, method: String, status: UInt, code: String?, nanoseconds: Int64) {
        let key = Key(route: route, method: method, status: status, code: code)
        let (counter, timer) = instruments.withLockedValue { made in
            let counter: Counter
            if let known = made.counters[key] {
                counter = known
            } else {
                counter = Counter(
                    label: "verifyd_http_requests_total",
                    dimensions: [
                        ("route", route), ("method", method), ("status", String(status)), ("code", code ?? "none"),
                    ])
                made.counters[key] = counter
            }
            let timer: Timer
            if let known = made.timers[route] {
                timer = known
            } else {
                timer = Timer(label: "verifyd_http_request_duration_seconds", dimensions: [("route", route)])
                made.timers[route] = timer
            }
            return (counter, timer)
        }
        timer.recordNanoseconds(nanoseconds)
        counter.increment()
    }
}
