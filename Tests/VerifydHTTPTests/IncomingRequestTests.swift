import NIOCore
import NIOHTTP1
import Testing
import Verification

@testable import VerifydHTTP

/// The peer's address is read from the socket address's bytes: the same address its text would parse to.
@Suite struct IncomingRequestTests {
    private func request(from address: SocketAddress?) -> IncomingRequest {
        IncomingRequest(
            head: HTTPRequestHead(version: .http1_1, method: .POST, uri: "/"), body: ByteBuffer(),
            remoteAddress: address)
    }

    @Test(arguments: ["203.0.113.7", "127.0.0.1", "2001:db8:1:2:3:4:5:6", "::1", "::ffff:198.51.100.9"])
    func peerAddressesMatchTheirText(_ text: String) throws {
        let peer = try #require(request(from: try SocketAddress(ipAddress: text, port: 4711)).peerAddress)
        #expect(peer == IPAddress(text))
        #expect(peer.bytes.count == (text.hasPrefix("::ffff:") || !text.contains(":") ? 4 : 16))
    }

    @Test func aUnixSocketOrNoPeerHasNoAddress() throws {
        #expect(request(from: try SocketAddress(unixDomainSocketPath: "/tmp/verifyd.sock")).peerAddress == nil)
        #expect(request(from: nil).peerAddress == nil)
    }
}
