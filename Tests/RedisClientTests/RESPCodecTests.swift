import NIOCore
import NIOEmbedded
import Testing

@testable import RedisClient

/// hiredis encoding and parsing, without a server.
@Suite struct RESPCodecTests {
    @Test func encodesBinarySafeArguments() throws {
        var buffer = ByteBuffer()
        try RESPCommandEncoder.encode(RedisCommand("SET", ["key", .bytes([0x61, 0x00, 0x62]), 42]), into: &buffer)
        let expected = "*4\r\n$3\r\nSET\r\n$3\r\nkey\r\n$3\r\na\u{0}b\r\n$2\r\n42\r\n"
        #expect(buffer.readString(length: buffer.readableBytes) == expected)
    }

    @Test func encodesEmptyArguments() throws {
        var buffer = ByteBuffer()
        try RESPCommandEncoder.encode(RedisCommand("SET", ["k", ""]), into: &buffer)
        #expect(buffer.readString(length: buffer.readableBytes) == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n")
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
