import NIOCore
import NIOHTTP1

extension OutgoingResponse {
    /// The whole answer as HTTP/1 bytes, in one buffer: status line, headers, `Content-Length`, and the body unless
    /// `omitBody` (the answer to a HEAD request). One buffer is one write through the pipeline and one syscall.
    ///
    /// `Content-Length` (and, when `closing`, `Connection`) is written here, in place of any a route set. The other
    /// header names and values come from verifyd's own code (an incoming request id is checked before it is
    /// echoed), so they are written as they are.
    func bytes(version: HTTPVersion, closing: Bool, omitBody: Bool, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 192 + (omitBody ? 0 : body.readableBytes))
        buffer.writeStaticString("HTTP/1.")
        buffer.writeInteger(UInt8(ascii: version.minor == 0 ? "0" : "1"))
        buffer.writeInteger(UInt8(ascii: " "))
        buffer.writeString(String(status.code))
        buffer.writeInteger(UInt8(ascii: " "))
        buffer.writeString(status.reasonPhrase)
        buffer.writeStaticString("\r\n")
        for (name, value) in headers
        where !Self.named(name, "content-length") && !(closing && Self.named(name, "connection")) {
            buffer.writeString(name)
            buffer.writeStaticString(": ")
            buffer.writeString(value)
            buffer.writeStaticString("\r\n")
        }
        buffer.writeStaticString("Content-Length: ")
        buffer.writeString(String(body.readableBytes))
        if closing { buffer.writeStaticString("\r\nConnection: close") }
        buffer.writeStaticString("\r\n\r\n")
        if !omitBody { buffer.writeImmutableBuffer(body) }
        return buffer
    }

    /// Whether the header `name` is `lowercased`, in any case.
    private static func named(_ name: String, _ lowercased: StaticString) -> Bool {
        guard name.utf8.count == lowercased.utf8CodeUnitCount else { return false }
        return zip(name.utf8, UnsafeBufferPointer(start: lowercased.utf8Start, count: lowercased.utf8CodeUnitCount))
            .allSatisfy { $0 | 0x20 == $1 || $0 == $1 }
    }
}
