import NIOCore
import NIOHTTP1
import Verification

/// A request as verifyd's routes see it: its head, its whole body (at most the configured size) and the socket
/// peer.
struct IncomingRequest: Sendable {
    var head: HTTPRequestHead
    var body: ByteBuffer
    /// The TCP peer (the load balancer when there is one).
    var remoteAddress: SocketAddress?

    /// The path, without the query.
    var path: Substring {
        let uri = head.uri
        // Bytes, not Characters: a search by Character runs Unicode's grapheme breaking over every one of them.
        guard let query = uri.utf8.firstIndex(of: UInt8(ascii: "?")) else { return uri[...] }
        return uri[..<query]
    }

    /// The first value of the header `name` (any case).
    func header(_ name: String) -> String? { head.headers.first(name: name) }

    /// The TCP peer's IP address, from the socket address's bytes (not printed and parsed again); nil for a Unix
    /// socket.
    var peerAddress: IPAddress? {
        switch remoteAddress {
        // `sin_addr` and `sin6_addr` by their offsets, after family and port (and the flow label): their members come
        // from a module of NIO's own that verifyd does not import.
        case .v4(let address):
            withUnsafeBytes(of: address.address) { IPAddress(bytes: Array($0[4..<8])) }
        case .v6(let address):
            withUnsafeBytes(of: address.address) { IPAddress(bytes: Array($0[8..<24])) }
        case .unixDomainSocket, nil:
            nil
        }
    }
}

/// What a route answers: status, headers and body.
struct OutgoingResponse: Sendable {
    var status: HTTPResponseStatus
    var headers: HTTPHeaders
    var body: ByteBuffer

    /// A response of `status` with `headers` and `body`.
    init(status: HTTPResponseStatus, headers: HTTPHeaders = [:], body: ByteBuffer = ByteBuffer()) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}
