import NIOCore
import NIOEmbedded
import Testing

@testable import RedisClient

/// Command framing, and hiredis' parsing, without a server.
@Suite struct RESPCodecTests {
    @Test func encodesBinarySafeArguments() throws {
        var buffer = ByteBuffer()
        RESPCommandEncoder.encode(RedisCommand("SET", ["key", .bytes([0x61, 0x00, 0x62]), 42]), into: &buffer)
        let expected = "*4\r\n$3\r\nSET\r\n$3\r\nkey\r\n$3\r\na\u{0}b\r\n$2\r\n42\r\n"
        #expect(buffer.readString(length: buffer.readableBytes) == expected)
    }

    @Test func encodesEmptyArguments() throws {
        var buffer = ByteBuffer()
        RESPCommandEncoder.encode(RedisCommand("SET", ["k", ""]), into: &buffer)
        #expect(buffer.readString(length: buffer.readableBytes) == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n")
    }

    @Test func encodesIntegersAndMultibyteText() {
        var buffer = ByteBuffer()
        RESPCommandEncoder.encode(RedisCommand("X", [0, -7, .integer(.min), .integer(.max), "漢é"]), into: &buffer)
        let expected =
            "*6\r\n$1\r\nX\r\n$1\r\n0\r\n$2\r\n-7\r\n$20\r\n-9223372036854775808\r\n"
            + "$19\r\n9223372036854775807\r\n$5\r\n漢é\r\n"
        #expect(buffer.readString(length: buffer.readableBytes) == expected)
    }

    /// Many arguments of every length up to 1,100 bytes, appended after bytes already in the buffer, read back by
    /// hiredis' reader: each argument comes back whole, with its length framed right.
    @Test func longCommandsReadBackWhole() throws {
        var arguments: [RedisArgument] = []
        for length in stride(from: 0, through: 1_100, by: 7) {
            arguments.append(
                length % 2 == 0
                    ? .string(String(repeating: "a", count: length))
                    : .bytes(
                        (0..<length).map { UInt8(truncatingIfNeeded: $0) }))
        }
        var buffer = ByteBuffer(string: "+OK\r\n")
        RESPCommandEncoder.encode(RedisCommand("MSET", arguments), into: &buffer)
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RESPReplyDecoder()))
        try channel.writeInbound(buffer)
        #expect(try channel.readInbound(as: RESPValue.self) == .simpleString("OK"))
        let echoed = try #require(try channel.readInbound(as: RESPValue.self)?.array)
        #expect(echoed.count == arguments.count + 1)
        #expect(echoed.first == .bulkString(Array("MSET".utf8)))
        for (argument, value) in zip(arguments, echoed.dropFirst()) {
            switch argument {
            case .string(let text): #expect(value == .bulkString(Array(text.utf8)))
            case .bytes(let bytes): #expect(value == .bulkString(bytes))
            case .integer: Issue.record("no integers here")
            }
        }
        _ = try channel.finish()
    }

    @Test func decodesRepliesSplitAcrossReads() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RESPReplyDecoder()))
        let wire = "+OK\r\n:-7\r\n$3\r\na\u{0}b\r\n$-1\r\n*3\r\n:1\r\n*1\r\n$1\r\nx\r\n*-1\r\n-ERR bad\r\n"
        let bytes = Array(wire.utf8)
        // Feed in small uneven pieces: the reader must keep partial replies.
        var index = 0
        var size = 1
        while index < bytes.count {
            let end = min(bytes.count, index + size)
            try channel.writeInbound(ByteBuffer(bytes: bytes[index..<end]))
            index = end
            size = size % 5 + 1
        }
        var values: [RESPValue] = []
        while let value: RESPValue = try channel.readInbound() { values.append(value) }
        #expect(
            values == [
                .simpleString("OK"), .integer(-7), .bulkString([0x61, 0, 0x62]), .null,
                .array([.integer(1), .array([.bulkString([0x78])]), .null]), .error("ERR bad"),
            ])
        _ = try channel.finish()
    }

    @Test func rejectsNonRESPBytes() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RESPReplyDecoder()))
        #expect(throws: RedisError.self) { try channel.writeInbound(ByteBuffer(string: "?what\r\n")) }
        _ = try? channel.finish()
    }
}
