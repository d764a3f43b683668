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
}
