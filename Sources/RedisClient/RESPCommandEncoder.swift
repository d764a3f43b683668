import CHiredis
import NIOCore

/// Encodes commands as RESP with hiredis' `redisFormatCommandArgv` (binary safe, length aware).
public enum RESPCommandEncoder {
    /// Appends the RESP encoding of `command` to `buffer`.
    public static func encode(_ command: RedisCommand, into buffer: inout ByteBuffer) throws(RedisError) {
        var blob: [UInt8] = []
        blob.reserveCapacity(512)
        var offsets: [Int] = []
        var lengths: [Int] = []
        offsets.reserveCapacity(command.arguments.count)
        lengths.reserveCapacity(command.arguments.count)
        for argument in command.arguments {
            let start = blob.count
            argument.appendWireBytes(to: &blob)
            offsets.append(start)
            lengths.append(blob.count - start)
        }
        blob.append(0)  // never an empty buffer, so the base address is never nil
        let written: Int32 = blob.withUnsafeBufferPointer { base in
            base.withMemoryRebound(to: CChar.self) { chars in
                var argv: [UnsafePointer<CChar>?] = offsets.map { UnsafePointer(chars.baseAddress! + $0) }
                return lengths.withUnsafeBufferPointer { lens in
                    var target: UnsafeMutablePointer<CChar>? = nil
                    let n = argv.withUnsafeMutableBufferPointer { args in
                        redisFormatCommandArgv(&target, Int32(args.count), args.baseAddress, lens.baseAddress)
                    }
                    guard n > 0, let target else { return -1 }
                    defer { redisFreeCommand(target) }
                    _ = target.withMemoryRebound(to: UInt8.self, capacity: Int(n)) { bytes in
                        buffer.writeBytes(UnsafeBufferPointer(start: bytes, count: Int(n)))
                    }
                    return n
                }
            }
        }
        guard written > 0 else { throw .protocolError("hiredis could not encode \(command.name)") }
    }
}
