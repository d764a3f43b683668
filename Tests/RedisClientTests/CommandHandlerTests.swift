import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import TestSupport
import Testing

@testable import RedisClient

/// The pipelining handler on an `EmbeddedChannel`: FIFO replies, deadlines, backpressure.
@Suite struct CommandHandlerTests {
    private func request(_ loop: EmbeddedEventLoop, deadline: NIODeadline) -> RedisRequest {
        RedisRequest(encoded: ByteBuffer(string: "PING\r\n"), promise: loop.makePromise(), deadline: deadline)
    }

    @Test func completesRepliesInOrder() throws {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(handler: RedisCommandHandler(maxPending: 8), loop: loop)
        let first = request(loop, deadline: .now() + .seconds(5))
        let second = request(loop, deadline: .now() + .seconds(5))
        try channel.writeOutbound(first)
        try channel.writeOutbound(second)
        try channel.writeInbound(RESPValue.integer(1))
        try channel.writeInbound(RESPValue.integer(2))
        #expect(try first.promise.futureResult.outcome() == .integer(1))
        #expect(try second.promise.futureResult.outcome() == .integer(2))
        _ = try channel.finish()
    }

    @Test func missedDeadlineFailsEverythingAndCloses() throws {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(handler: RedisCommandHandler(maxPending: 8), loop: loop)
        let start = NIODeadline.uptimeNanoseconds(0)
        let early = request(loop, deadline: start + .milliseconds(100))
        let late = request(loop, deadline: start + .seconds(10))
        try channel.writeOutbound(early)
        try channel.writeOutbound(late)
        loop.advanceTime(by: .milliseconds(150))
        #expect(throws: RedisError.timeout) { try early.promise.futureResult.outcome() }
        #expect(throws: RedisError.timeout) { try late.promise.futureResult.outcome() }
        #expect(!channel.isActive)
    }

    /// The timer outlives an answered command and, when it fires early, re-arms for what is still pending.
    @Test func timerKeptAfterARepliedCommandStillCatchesTheNextOne() throws {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(handler: RedisCommandHandler(maxPending: 8), loop: loop)
        let start = NIODeadline.uptimeNanoseconds(0)
        let answered = request(loop, deadline: start + .milliseconds(100))
        try channel.writeOutbound(answered)
        try channel.writeInbound(RESPValue.integer(1))
        #expect(try answered.promise.futureResult.outcome() == .integer(1))
        let next = request(loop, deadline: start + .seconds(10))
        try channel.writeOutbound(next)
        loop.advanceTime(by: .milliseconds(150))
        #expect(throws: TestFailure.self) { try next.promise.futureResult.outcome() }  // still pending
        loop.advanceTime(by: .seconds(10))
        #expect(throws: RedisError.timeout) { try next.promise.futureResult.outcome() }
    }

    @Test func refusesWhenTooManyArePending() throws {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(handler: RedisCommandHandler(maxPending: 2), loop: loop)
        let requests = (0..<3).map { _ in request(loop, deadline: .now() + .seconds(5)) }
        for r in requests { _ = try? channel.writeOutbound(r) }
        #expect(throws: RedisError.overloaded) { try requests[2].promise.futureResult.outcome() }
        try channel.writeInbound(RESPValue.simpleString("PONG"))
        #expect(try requests[0].promise.futureResult.outcome() == .simpleString("PONG"))
        _ = try? channel.finish()
    }

    @Test func closingFailsPendingCommands() throws {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(handler: RedisCommandHandler(maxPending: 8), loop: loop)
        let pending = request(loop, deadline: .now() + .seconds(5))
        try channel.writeOutbound(pending)
        channel.pipeline.fireChannelInactive()
        #expect(throws: RedisError.connectionClosed) { try pending.promise.futureResult.outcome() }
        _ = try? channel.finish()
    }
}

extension EventLoopFuture where Value == RESPValue {
    /// The result of an embedded-loop future, which completes synchronously (`wait()` would trap there).
    func outcome() throws -> RESPValue {
        let box = NIOLockedValueBox<Result<RESPValue, any Error>?>(nil)
        whenComplete { result in box.withLockedValue { $0 = result } }
        guard let result = box.withLockedValue({ $0 }) else { throw TestFailure("future still pending") }
        return try result.get()
    }
}
