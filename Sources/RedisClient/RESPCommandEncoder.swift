import NIOCore

/// Frames commands as RESP arrays of bulk strings (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`), binary safe.
///
/// Written straight into the buffer, sized once: hiredis' `redisFormatSdsCommandArgv`, which framed them before, built
/// each command in an sds string of its own, grown piece by piece with a format parser, and took about 4 µs for a
/// send's script call of 27 arguments. Replies are still parsed by hiredis (`RESPReplyParser`).
public enum RESPCommandEncoder {
    /// Appends the RESP encoding of `command` to `buffer`.
    public static func encode(_ command: RedisCommand, into buffer: inout ByteBuffer) {
        var size = 3 + decimalLength(UInt64(command.arguments.count))
        for argument in command.arguments {
            let length = argument.wireLength
            size += 5 + decimalLength(UInt64(length)) + length
        }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { raw in
            var out = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            out.pointee = UInt8(ascii: "*")
            out = writeDecimal(UInt64(command.arguments.count), at: out + 1)
            out = writeLineEnd(at: out)
            for argument in command.arguments {
                out.pointee = UInt8(ascii: "$")
                out = writeDecimal(UInt64(argument.wireLength), at: out + 1)
                out = writeLineEnd(at: out)
                out = argument.writeWireBytes(at: out)
                out = writeLineEnd(at: out)
            }
            return size
        }
    }

    /// The decimal digits of `value`.
    static func decimalLength(_ value: UInt64) -> Int {
        var digits = 1
        var rest = value
        while rest >= 10 {
            rest /= 10
            digits += 1
        }
        return digits
    }

    /// Writes the decimal digits of `value` at `start`; returns the end.
    static func writeDecimal(_ value: UInt64, at start: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        let end = start + decimalLength(value)
        var position = end
        var rest = value
        repeat {
            position -= 1
            position.pointee = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        } while rest > 0
        return end
    }

    private static func writeLineEnd(at start: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        start[0] = 0x0D
        start[1] = 0x0A
        return start + 2
    }
}
