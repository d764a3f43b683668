import Hummingbird
import NIOCore

/// The request context: Hummingbird's core storage plus the socket peer, for the per-IP limits.
public struct VerifydRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The TCP peer (the load balancer when there is one).
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }
}
