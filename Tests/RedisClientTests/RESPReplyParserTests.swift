import NIOCore
import RedisClient
import Testing

/// The public hiredis reply parser on its own: feeds, partial replies, protocol errors.
@Suite struct RESPReplyParserTests {
    @Test func parsesEveryReplyType() throws {
        let parser = RESPReplyParser()
        try parser.feed(Array("+OK\r\n-ERR bad\r\n:-7\r\n$3\r\na\u{0}b\r\n$0\r\n\r\n$-1\r\n*-1\r\n*0\r\n".utf8))
        var values: [RESPValue] = []
        while let value = try parser.next() { values.append(value) }
        #expect(
            values == [
                .simpleString("OK"), .error("ERR bad"), .integer(-7), .bulkString([0x61, 0, 0x62]), .bulkString([]),
                .null, .null, .array([]),
            ])
        #expect(try parser.next() == nil)
    }

    @Test func parsesTheSendScriptReply() throws {
        let parser = RESPReplyParser()
        try parser.feed(ByteBuffer(string: "*2\r\n:0\r\n$15\r\n1732700000000-0\r\n"))
        let reply = try #require(try parser.next())
        #expect(reply == .array([.integer(0), .bulkString(Array("1732700000000-0".utf8))]))
        #expect(reply.array?.first?.int == 0)
        #expect(reply.array?.last?.string == "1732700000000-0")
        #expect(try parser.next() == nil)
    }

    @Test func parsesAFieldMapWithNestedArraysAndNulls() throws {
        let parser = RESPReplyParser()
        try parser.feed(ByteBuffer(string: "*4\r\n$2\r\nto\r\n$11\r\na@x.example\r\n$3\r\nttl\r\n$3\r\n600\r\n"))
        try parser.feed(ByteBuffer(string: "*3\r\n:1\r\n*1\r\n$1\r\nx\r\n$-1\r\n"))
        #expect(try parser.next()?.fieldMap == ["to": "a@x.example", "ttl": "600"])
        #expect(try parser.next() == .array([.integer(1), .array([.bulkString([0x78])]), .null]))
        #expect(try parser.next() == nil)
    }

    @Test func keepsPartialRepliesAcrossFeeds() throws {
        let parser = RESPReplyParser()
        let wire = Array("*2\r\n:0\r\n$15\r\n1732700000000-0\r\n+OK\r\n".utf8)
        var values: [RESPValue] = []
        // One byte at a time: nothing comes out until a reply is complete, and it comes out exactly once.
        for (index, byte) in wire.enumerated() {
            try parser.feed([byte])
            while let value = try parser.next() { values.append(value) }
            let expected = index < 29 ? 0 : index < wire.count - 1 ? 1 : 2  // the array reply ends at byte 29
            #expect(values.count == expected)
        }
        #expect(
            values == [
                .array([.integer(0), .bulkString(Array("1732700000000-0".utf8))]), .simpleString("OK"),
            ])
    }

    @Test func emptyFeedsChangeNothing() throws {
        let parser = RESPReplyParser()
        try parser.feed([])
        try parser.feed(ByteBuffer())
        #expect(try parser.next() == nil)
        try parser.feed(ByteBuffer(string: ":42\r"))
        try parser.feed([])
        #expect(try parser.next() == nil)
        try parser.feed(ByteBuffer(string: "\n"))
        #expect(try parser.next() == .integer(42))
    }

    @Test func rejectsBytesThatAreNotRESP() throws {
        let parser = RESPReplyParser()
        try parser.feed(ByteBuffer(string: "+OK\r\n?what\r\n"))
        #expect(try parser.next() == .simpleString("OK"))
        #expect {
            _ = try parser.next()
        } throws: { error in
            guard case RedisError.protocolError(let message) = error else { return false }
            return message.contains("Protocol error")
        }
        // hiredis keeps its error: later feeds are refused too.
        #expect(throws: RedisError.self) { try parser.feed(ByteBuffer(string: "+OK\r\n")) }
    }

    /// Arrays in arrays, empty ones and nulls among them: each element lands in the innermost array still short
    /// of elements, and the replies after it start afresh.
    @Test func buildsNestedArraysInOrder() throws {
        let parser = RESPReplyParser()
        try parser.feed(ByteBuffer(string: "*3\r\n*2\r\n*1\r\n:1\r\n$-1\r\n*0\r\n*-1\r\n:2\r\n"))
        #expect(try parser.next() == .array([.array([.array([.integer(1)]), .null]), .array([]), .null]))
        #expect(try parser.next() == .integer(2))
        #expect(try parser.next() == nil)
    }

    /// An outbox read's shape (streams, entries, field lists, a deleted entry's null), fed in chunks of random
    /// sizes, comes out whole and once, however the bytes were cut.
    @Test func aStreamReadComesOutWholeHoweverItIsCut() throws {
        let wire = Array(
            ("*2\r\n*2\r\n$4\r\nob:0\r\n*2\r\n*2\r\n$3\r\n1-0\r\n*4\r\n$2\r\nto\r\n$9\r\na@x.local\r\n"
                + "$4\r\ncode\r\n$0\r\n\r\n*2\r\n$3\r\n2-0\r\n*-1\r\n*2\r\n$4\r\nob:1\r\n*0\r\n+OK\r\n").utf8)
        let entries: RESPValue = .array([
            .array([
                .bulkString(Array("1-0".utf8)),
                .array([
                    .bulkString(Array("to".utf8)), .bulkString(Array("a@x.local".utf8)),
                    .bulkString(Array("code".utf8)), .bulkString([]),
                ]),
            ]),
            .array([.bulkString(Array("2-0".utf8)), .null]),
        ])
        let expected: [RESPValue] = [
            .array([
                .array([.bulkString(Array("ob:0".utf8)), entries]),
                .array([.bulkString(Array("ob:1".utf8)), .array([])]),
            ]),
            .simpleString("OK"),
        ]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let parser = RESPReplyParser()
            var values: [RESPValue] = []
            var offset = 0
            while offset < wire.count {
                let end = min(wire.count, offset + Int.random(in: 1...16, using: &generator))
                try parser.feed(Array(wire[offset..<end]))
                while let value = try parser.next() { values.append(value) }
                offset = end
            }
            #expect(values == expected)
        }
    }

    /// A reply cut short by bytes that are not RESP is dropped, and a parser released with a reply half read
    /// frees it: neither leaves anything behind for the next reply or crashes.
    @Test func aPartialReplyIsDroppedOnErrorOrRelease() throws {
        let broken = RESPReplyParser()
        try broken.feed(ByteBuffer(string: "*3\r\n:1\r\n*2\r\n:2\r\n?what\r\n"))
        #expect(throws: RedisError.self) { _ = try broken.next() }
        #expect(throws: RedisError.self) { _ = try broken.next() }
        var released: RESPReplyParser? = RESPReplyParser()
        try released?.feed(ByteBuffer(string: "*2\r\n*2\r\n:1\r\n"))
        #expect(try released?.next() == nil)
        released = nil
        let fresh = RESPReplyParser()
        try fresh.feed(ByteBuffer(string: "*1\r\n:7\r\n"))
        #expect(try fresh.next() == .array([.integer(7)]))
    }
}
