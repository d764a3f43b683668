import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import VerifydHTTP

/// The request deadline on an `EmbeddedChannel`, with the loop's clock moved by hand.
@Suite struct RequestDeadlineHandlerTests {
    private static let head = HTTPServerRequestPart.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/"))

    /// An idle connection closes once the timeout passes, not before.
    @Test func anIdleConnectionClosesAfterTheTimeout() throws {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(handler: RequestDeadlineHandler(timeout: .seconds(10)), loop: loop)
        try channel.connect(to: .init(ipAddress: "127.0.0.1", port: 1)).wait()
        loop.advanceTime(by: .seconds(9))
        #expect(channel.isActive)
        loop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive)
    }

    /// Two requests pipelined: the first answer does not start the deadline while the second is still being
    /// answered, however long that takes; the second answer does.
    @Test func theDeadlineWaitsForTheLastAnswerDue() throws {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(handler: RequestDeadlineHandler(timeout: .seconds(10)), loop: loop)
        try channel.connect(to: .init(ipAddress: "127.0.0.1", port: 1)).wait()
        for _ in 0..<2 {
            try channel.writeInbound(Self.head)
            try channel.writeInbound(HTTPServerRequestPart.end(nil))
        }
        try channel.writeOutbound(ByteBuffer(string: "first answer"))
        loop.advanceTime(by: .seconds(30))
        #expect(channel.isActive, "the second request is still being answered")
        try channel.writeOutbound(ByteBuffer(string: "second answer"))
        loop.advanceTime(by: .seconds(9))
        #expect(channel.isActive)
        loop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive, "idle for the timeout after the last answer")
    }
}
