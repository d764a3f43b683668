import NIOCore

/// Turns inbound bytes into RESP replies with a `RESPReplyParser`. Confined to its channel's event loop.
final class RESPReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = RESPValue

    private let parser = RESPReplyParser()

    func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if buffer.readableBytes > 0 {
            // The parser keeps what it was fed, so every byte is consumed, even when hiredis refuses them.
            defer { buffer.moveReaderIndex(to: buffer.writerIndex) }
            try parser.feed(buffer)
        }
        while let value = try parser.next() {
            context.fireChannelRead(wrapInboundOut(value))
        }
        return .needMoreData
    }

    func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }
}
