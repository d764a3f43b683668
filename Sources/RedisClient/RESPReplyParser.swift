import CHiredis
import NIOCore

/// Parses RESP replies with hiredis' `redisReader`: feed it bytes, then take complete replies one at a time.
///
/// Keeps partial replies between feeds. Not thread safe: one owner at a time (a channel's event loop, a benchmark).
public final class RESPReplyParser {
    private let reader: UnsafeMutablePointer<redisReader>?

    /// A parser with no bytes buffered.
    public init() {
        reader = redisReaderCreate()
    }

    deinit {
        if let reader { redisReaderFree(reader) }
    }

    /// Appends received bytes; throws `RedisError.protocolError` when hiredis refuses them.
    public func feed(_ bytes: UnsafeRawBufferPointer) throws(RedisError) {
        guard let reader else { throw .protocolError("reader unavailable") }
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        guard redisReaderFeed(reader, base.assumingMemoryBound(to: CChar.self), bytes.count) == REDIS_OK else {
            throw .protocolError(Self.errorText(reader))
        }
    }

    /// Appends the readable bytes of `buffer` (its reader index is not moved).
    public func feed(_ buffer: ByteBuffer) throws(RedisError) {
        try buffer.withUnsafeReadableBytes { raw in Result { () throws(RedisError) in try feed(raw) } }.get()
    }

    /// Appends `bytes`.
    public func feed(_ bytes: [UInt8]) throws(RedisError) {
        try bytes.withUnsafeBytes { raw in Result { () throws(RedisError) in try feed(raw) } }.get()
    }

    /// The next complete reply, or nil when more bytes are needed; throws `RedisError.protocolError` on bytes that are not RESP.
    public func next() throws(RedisError) -> RESPValue? {
        guard let reader else { throw .protocolError("reader unavailable") }
        var raw: UnsafeMutableRawPointer? = nil
        guard redisReaderGetReply(reader, &raw) == REDIS_OK else {
            throw .protocolError(Self.errorText(reader))
        }
        guard let raw else { return nil }
        defer { freeReplyObject(raw) }
        return Self.convert(raw.assumingMemoryBound(to: redisReply.self))
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
