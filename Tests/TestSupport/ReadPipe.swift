import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A pipe whose read end is read into memory on a thread of its own until the write end closes: what a
/// `LineWriter` on the write end wrote.
public final class ReadPipe: @unchecked Sendable {
    /// The read end.
    public let read: Int32
    /// The write end, for a `LineWriter`.
    public let write: Int32
    private let lock = NSLock()
    private var received: [UInt8] = []

    /// A new pipe, not read until `startReading`.
    public init() throws {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw TestFailure("pipe failed") }
        (read, write) = (ends[0], ends[1])
    }

    /// Reads on a thread of its own until the write end closes.
    public func startReading() {
        Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = Glibc.read(read, &buffer, buffer.count)
                guard count > 0 else { return }
                lock.withLock { received += buffer[..<count] }
            }
        }.start()
    }

    /// What was read so far, as UTF-8.
    public var text: String { lock.withLock { String(decoding: received, as: UTF8.self) } }
}
