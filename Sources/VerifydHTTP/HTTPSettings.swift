import Verification

/// The HTTP server's settings: where it listens and what a request may be.
public struct HTTPSettings: Sendable {
    /// Address to listen on.
    public var host = "127.0.0.1"
    /// Port to listen on; 0 picks a free one.
    public var port = 8080
    /// A request (head and body) must arrive within this; also how long a keep-alive connection may stay idle.
    public var requestTimeout: Duration = .seconds(10)
    /// The most header bytes a request may carry.
    public var maxHeaderBytes = 16 * 1024
    /// The largest body accepted.
    public var maxBodySize = 16 * 1024
    /// On SIGTERM, how long /health/ready answers 503 before the listener closes.
    public var drainDelay: Duration = .zero
    /// Proxies whose X-Forwarded-For is believed.
    public var trustedProxies: [CIDR] = []
    /// Bearer token of `/internal/v1/check-verify-code`; the route is off without one.
    public var internalToken: String?

    /// Defaults: 127.0.0.1:8080, 10 s per request, 16 KiB of headers and of body.
    public init() {}
}
