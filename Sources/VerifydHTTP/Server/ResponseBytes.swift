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
        // The head is gathered as bytes first: appends to an array inline, where each of ByteBuffer's string writes
        // is a call of a few hundred instructions.
        var head: [UInt8] = []
        head.reserveCapacity(256)
        head.append(contentsOf: version.minor == 0 ? "HTTP/1.0 ".utf8 : "HTTP/1.1 ".utf8)
        head.append(contentsOf: String(status.code).utf8)
        head.append(UInt8(ascii: " "))
        head.append(contentsOf: status.reasonPhrase.utf8)
        head.append(contentsOf: "\r\n".utf8)
        for (name, value) in headers
        where !Self.named(name, "content-length") && !(closing && Self.named(name, "connection")) {
            head.append(contentsOf: name.utf8)
            head.append(contentsOf: ": ".utf8)
            head.append(contentsOf: value.utf8)
            head.append(contentsOf: "\r\n".utf8)
        }
        head.append(contentsOf: "Content-Length: ".utf8)
        head.append(contentsOf: String(body.readableBytes).utf8)
        if closing { head.append(contentsOf: "\r\nConnection: close".utf8) }
        head.append(contentsOf: "\r\n\r\n".utf8)
        var buffer = allocator.buffer(capacity: head.count + (omitBody ? 0 : body.readableBytes))
        buffer.writeBytes(head)
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
