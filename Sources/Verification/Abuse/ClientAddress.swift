/// Which address a request comes from, for the per-IP limits.
public struct ClientAddressResolver: Sendable {
    /// Proxies (load balancers) whose `X-Forwarded-For` is believed.
    public let trustedProxies: [CIDR]

    /// A resolver trusting `trustedProxies`.
    public init(trustedProxies: [CIDR]) { self.trustedProxies = trustedProxies }

    /// The socket peer, or — when the peer is a trusted proxy — the right-most `X-Forwarded-For` entry that is
    /// not itself a trusted proxy. A header from an untrusted peer is ignored, so it cannot be spoofed.
    public func resolve(peer: IPAddress?, forwardedFor: String?) -> IPAddress? {
        guard let peer else { return nil }
        guard isTrusted(peer), let forwardedFor else { return peer }
        var client = peer
        for entry in forwardedFor.split(separator: ",").reversed() {
            guard let address = IPAddress(String(entry)) else { return client }
            client = address
            if !isTrusted(address) { return address }
        }
        return client
    }

    private func isTrusted(_ address: IPAddress) -> Bool { trustedProxies.contains { $0.contains(address) } }
}
