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
        // The head is measured, then copied piece by piece into the buffer once: each of ByteBuffer's string writes
        // is a call of a few hundred instructions, and each append to an array about a hundred.
        let code = String(status.code)
        let reason = status.reasonPhrase
        let length = String(body.readableBytes)
        func kept(_ name: String) -> Bool {
            !Self.named(name, "content-length") && !(closing && Self.named(name, "connection"))
        }
        // `HTTP/1.1 ` code ` ` reason CRLF; each header `name: value` CRLF; `Content-Length: ` length, perhaps
        // CRLF `Connection: close`, then CRLF CRLF.
        var size = 9 + code.utf8.count + 1 + reason.utf8.count + 2
        for (name, value) in headers where kept(name) { size += name.utf8.count + 2 + value.utf8.count + 2 }
        size += 16 + length.utf8.count + (closing ? 19 : 0) + 4
        var buffer = allocator.buffer(capacity: size + (omitBody ? 0 : body.readableBytes))
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { raw in
            var writer = HeadWriter(at: raw.baseAddress!.assumingMemoryBound(to: UInt8.self))
            writer.put(version.minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ")
            writer.put(text: code)
            writer.put(" ")
            writer.put(text: reason)
            writer.put("\r\n")
            for (name, value) in headers where kept(name) {
                writer.put(text: name)
                writer.put(": ")
                writer.put(text: value)
                writer.put("\r\n")
            }
            writer.put("Content-Length: ")
            writer.put(text: length)
            if closing { writer.put("\r\nConnection: close") }
            writer.put("\r\n\r\n")
            return size
        }
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

/// Copies the pieces of a head into memory measured for them.
private struct HeadWriter {
    var position: UnsafeMutablePointer<UInt8>

    init(at start: UnsafeMutablePointer<UInt8>) { position = start }

    mutating func put(_ literal: StaticString) {
        position.update(from: literal.utf8Start, count: literal.utf8CodeUnitCount)
        position += literal.utf8CodeUnitCount
    }

    mutating func put(text: String) {
        let copied = text.utf8.withContiguousStorageIfAvailable { bytes in
            if let base = bytes.baseAddress { position.update(from: base, count: bytes.count) }
            return bytes.count
        }
        if let copied {
            position += copied
            return
        }
        for byte in text.utf8 {
            position.pointee = byte
            position += 1
        }
    }
}
