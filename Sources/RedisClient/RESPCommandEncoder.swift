import CHiredis
import NIOCore

/// Encodes commands as RESP with hiredis' `redisFormatSdsCommandArgv` (binary safe, length aware).
///
/// Its sds variant, not `redisFormatCommandArgv`: that one frames every argument with libc's `sprintf`, about half of
/// the encoding's instructions for a script call's thirty arguments.
public enum RESPCommandEncoder {
    /// Appends the RESP encoding of `command` to `buffer`.
    public static func encode(_ command: RedisCommand, into buffer: inout ByteBuffer) throws(RedisError) {
        var blob: [UInt8] = []
        blob.reserveCapacity(512)
        var lengths: [Int] = []
        lengths.reserveCapacity(command.arguments.count)
        for argument in command.arguments {
            let start = blob.count
            argument.appendWireBytes(to: &blob)
            lengths.append(blob.count - start)
        }
        blob.append(0)  // never an empty buffer, so the base address is never nil
        let written: Int32 = blob.withUnsafeBytes { bytes in
            withUnsafeTemporaryAllocation(of: UnsafePointer<CChar>?.self, capacity: lengths.count) { argv in
                var next = bytes.baseAddress!
                for (index, length) in lengths.enumerated() {
                    argv[index] = next.assumingMemoryBound(to: CChar.self)
                    next += length
                }
                var target: sds? = nil
                let n = lengths.withUnsafeBufferPointer { lens in
                    redisFormatSdsCommandArgv(&target, Int32(lens.count), argv.baseAddress, lens.baseAddress)
                }
                guard n > 0, let target else { return -1 }
                defer { redisFreeSdsCommand(target) }
                buffer.writeBytes(UnsafeRawBufferPointer(start: target, count: Int(n)))
                return n
            }
        }
        guard written > 0 else { throw .protocolError("hiredis could not encode \(command.name)") }
    }
}
