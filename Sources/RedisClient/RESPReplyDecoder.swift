import CHiredis
import NIOCore

/// Parses RESP replies with hiredis' `redisReader`. Confined to its channel's event loop.
final class RESPReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = RESPValue

    private var reader: UnsafeMutablePointer<redisReader>?

    init() {
        reader = redisReaderCreate()
    }

    deinit {
        if let reader { redisReaderFree(reader) }
    }

    func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let reader else { throw RedisError.protocolError("reader unavailable") }
        if buffer.readableBytes > 0 {
            let fed = buffer.withUnsafeReadableBytes { raw in
                redisReaderFeed(reader, raw.baseAddress!.assumingMemoryBound(to: CChar.self), raw.count)
            }
            buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            guard fed == REDIS_OK else { throw RedisError.protocolError(Self.errorText(reader)) }
        }
        while true {
            var raw: UnsafeMutableRawPointer? = nil
            guard redisReaderGetReply(reader, &raw) == REDIS_OK else {
                throw RedisError.protocolError(Self.errorText(reader))
            }
            guard let raw else { return .needMoreData }
            let reply = raw.assumingMemoryBound(to: redisReply.self)
            let value = Self.convert(reply)
            freeReplyObject(raw)
            context.fireChannelRead(wrapInboundOut(value))
        }
    }

    func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }

    /// Converts hiredis' reply tree into a value, reading strings by length (they may hold NUL bytes).
    static func convert(_ reply: UnsafeMutablePointer<redisReply>) -> RESPValue {
        let r = reply.pointee
        switch r.type {
        case REDIS_REPLY_STRING:
            return .bulkString(bytes(r.str, r.len))
        case REDIS_REPLY_STATUS:
            return .simpleString(String(decoding: bytes(r.str, r.len), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            return .error(String(decoding: bytes(r.str, r.len), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            return .integer(Int64(r.integer))
        case REDIS_REPLY_ARRAY:
            var items: [RESPValue] = []
            items.reserveCapacity(Int(r.elements))
            for i in 0..<Int(r.elements) {
                if let child = r.element[i] { items.append(convert(child)) } else { items.append(.null) }
            }
            return .array(items)
        default:
            return .null
        }
    }

    private static func bytes(_ pointer: UnsafeMutablePointer<CChar>?, _ length: Int) -> [UInt8] {
        guard let pointer, length > 0 else { return [] }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
            Array(UnsafeBufferPointer(start: $0, count: length))
        }
    }

    private static func errorText(_ reader: UnsafeMutablePointer<redisReader>) -> String {
        withUnsafeBytes(of: reader.pointee.errstr) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }
}
