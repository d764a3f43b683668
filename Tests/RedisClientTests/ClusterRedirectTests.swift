import NIOCore
import NIOEmbedded
import Testing

@testable import RedisClient

/// A cluster node's redirects, as bytes on an `EmbeddedChannel` through the decoder and the pipelining handler,
/// read into what they ask of the client, and applied to the slot map.
@Suite struct ClusterRedirectTests {
    /// Replies of a node to three pipelined commands, decoded and answered in order.
    private func replies(_ wire: String) throws -> [RESPValue] {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(loop: loop)
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RESPReplyDecoder()))
        try channel.pipeline.syncOperations.addHandler(RedisCommandHandler(maxPending: 8))
        let requests = (0..<3).map { _ in
            RedisRequest(
                encoded: ByteBuffer(string: "GET k\r\n"), promise: loop.makePromise(), deadline: .distantFuture)
        }
        for request in requests { try channel.writeOutbound(request) }
        try channel.writeInbound(ByteBuffer(string: wire))
        let values = try requests.map { request -> RESPValue in
            var value: RESPValue?
            request.promise.futureResult.whenSuccess { value = $0 }
            loop.run()
            return try #require(value)
        }
        _ = try channel.finish()
        return values
    }

    @Test func movedAskAndRetryRepliesAreReadAndMovedUpdatesTheMap() throws {
        let wire =
            "-MOVED 3999 10.0.0.2:6381\r\n-ASK 3999 :6380\r\n-TRYAGAIN Multiple keys request during rehashing\r\n"
        let values = try replies(wire)
        let asked = values.map { value -> ClusterReply? in
            guard case .error(let message) = value else { return nil }
            return ClusterReply(error: message, origin: "10.0.0.1")
        }
        let moved = ClusterTopology.Node(host: "10.0.0.2", port: 6381)
        #expect(asked[0] == .moved(slot: 3999, node: moved))
        #expect(
            asked[1] == .ask(slot: 3999, node: .init(host: "10.0.0.1", port: 6380)), "an empty host is the origin's")
        #expect(asked[2] == .retry)
        #expect(ClusterReply(error: "ERR unknown command", origin: "10.0.0.1") == nil)
        #expect(ClusterReply(error: "MOVED 16384 10.0.0.2:6381", origin: "10.0.0.1") == nil, "a slot out of range")

        // What the router does with MOVED: that one slot now belongs to the new node; its neighbours do not move.
        let old = ClusterTopology.Node(host: "10.0.0.1", port: 6379)
        let map = RESPValue.array([
            .array([.integer(0), .integer(16383), .array([.bulkString(Array("10.0.0.1".utf8)), .integer(6379)])])
        ])
        var topology = try ClusterTopology(slots: map, seedHost: "10.0.0.1")
        if case .moved(let slot, let node)? = asked[0] { topology.assign(slot...slot, to: node) }
        #expect(topology.primary(forSlot: 3999) == moved)
        #expect(topology.primary(forSlot: 3998) == old && topology.primary(forSlot: 4000) == old)
        #expect(topology.primaries == [old, moved] && topology.coversAllSlots)
    }
}
