import SettingKit
import Verification
import VerifydHTTP

/// The listener and the limits on what a request may be.
enum HTTPGroup {
    /// The defaults, kept by the HTTP module.
    private static let defaults = HTTPSettings()
    static let host = Setting<String?>.text(
        "VERIFYD_HOST", group: .http, format: "address", defaultText: defaults.host,
        help: "address to listen on (0.0.0.0 in containers)")
    static let port = Setting<Int>.integer(
        "VERIFYD_PORT", group: .http, default: defaults.port, in: 0...65535,
        help: "port to listen on (0: any free port)")
    static let requestTimeout = Setting<Duration>.milliseconds(
        "VERIFYD_REQUEST_TIMEOUT_MS", group: .http, default: defaults.requestTimeout, in: 100...600_000,
        help: "a request must arrive whole within this; also the keep-alive idle limit")
    static let maxHeaderBytes = Setting<Int>.integer(
        "VERIFYD_MAX_HEADER_BYTES", group: .http, default: defaults.maxHeaderBytes, in: 1024...65536,
        help: "largest request header block"
    )
    static let drainDelay = Setting<Duration>.milliseconds(
        "VERIFYD_DRAIN_DELAY_MS", group: .http, default: defaults.drainDelay, in: 0...600_000,
        help: "on SIGTERM, answer /health/ready 503 this long before closing the listener")
    static let trustedProxies = Setting<[CIDR]>(
        "VERIFYD_TRUSTED_PROXIES", group: .http, format: "CIDR list", default: [], defaultText: "none",
        help: "proxies whose X-Forwarded-For is believed, e.g. 10.0.0.0/8,::1"
    ) { text in
        CIDR.parseList(text).map { .success($0) }
            ?? .failure(SettingProblem("expected CIDR ranges such as 10.0.0.0/8,fd00::/8"))
    }

    static func read(into configuration: inout VerifydConfiguration, _ read: inout SettingsReader) {
        configuration.http.host = read(host) ?? configuration.http.host
        configuration.http.port = read(port)
        configuration.http.requestTimeout = read(requestTimeout)
        configuration.http.maxHeaderBytes = read(maxHeaderBytes)
        configuration.http.drainDelay = read(drainDelay)
        configuration.http.trustedProxies = read(trustedProxies)
    }
}
