import Foundation
import Metrics
import NIOConcurrencyHelpers

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes lines to standard output or standard error from a thread of its own, so that no event loop waits on a slow
/// reader (a full pipe to a container runtime), and lines queued while the thread writes leave together in one
/// `write`. JSON log lines (`append`) and the log driver's lines (`write`, which waits until its line is written)
/// go through here.
///
/// A process that exits through `exit` writes what is queued first (an `atexit` handler, for up to two seconds).
public final class LineWriter: @unchecked Sendable {
    /// Standard output (the log driver's lines).
    public static let standardOutput = LineWriter(descriptor: 1)
    /// Standard error (log lines).
    public static let standardError = LineWriter(descriptor: 2)

    /// Queued log lines past this many bytes are dropped rather than held (and counted in
    /// `verifyd_log_lines_dropped_total`): a reader that stopped reading must not fill the memory.
    static let maxQueuedBytes = 16 << 20

    private struct Queue {
        var bytes: [UInt8] = []
        var waiters: [CheckedContinuation<Void, Never>] = []
        /// The writer thread is writing a batch it took.
        var writing = false
        var started = false
        var dropped = 0
    }

    private let descriptor: Int32
    private var streamName: String { descriptor == 1 ? "stdout" : descriptor == 2 ? "stderr" : "fd\(descriptor)" }
    /// Guards `queue` (hence `@unchecked Sendable`); its value says whether anything is queued.
    private let lock = ConditionLock(value: false)
    private var queue = Queue()

    /// A writer to `descriptor` (tests write to a pipe).
    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// Queues `line` (its newline included) and returns at once; dropped when the queue is full.
    public func append(_ line: [UInt8]) {
        enqueue(line, waiter: nil, droppable: true)
    }

    /// Queues `line` (its newline included) and returns once it is written (or its write failed).
    public func write(_ line: [UInt8]) async {
        await withCheckedContinuation { continuation in
            enqueue(line, waiter: continuation, droppable: false)
        }
    }

    /// Lines dropped so far because the queue was full.
    public var droppedLines: Int {
        lock.lock()
        defer { lock.unlock() }
        return queue.dropped
    }

    /// Blocks the calling thread until everything queued so far is written, for at most `timeout` seconds.
    public func drain(timeout: Double = 2) {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            lock.lock()
            let idle = queue.bytes.isEmpty && !queue.writing
            lock.unlock()
            if idle { return }
            usleep(1000)
        }
    }

    private func enqueue(_ line: [UInt8], waiter: CheckedContinuation<Void, Never>?, droppable: Bool) {
        lock.lock()
        if !queue.started {
            queue.started = true
            startThread()
        }
        if droppable && queue.bytes.count + line.count > Self.maxQueuedBytes {
            queue.dropped += 1
            lock.unlock()
            // Made here, not up front: dropping is rare, and the first line may come before metrics are set up.
            Counter(label: "verifyd_log_lines_dropped_total", dimensions: [("stream", streamName)]).increment()
            return
        }
        queue.bytes.append(contentsOf: line)
        if let waiter { queue.waiters.append(waiter) }
        // Wakes the thread only if it waits (a condition with no waiter costs no system call).
        lock.unlock(withValue: true)
    }

    /// Under the lock, on first use.
    private func startThread() {
        atexit { LineWriter.drainBoth() }
        let thread = Thread { [self] in run() }
        thread.name = "verifyd-" + streamName
        thread.start()
    }

    private static func drainBoth() {
        standardOutput.drain()
        standardError.drain()
    }

    private func run() {
        var batch: [UInt8] = []
        while true {
            lock.lock(whenValue: true)
            lock.unlock()
            // Lines come in bursts (a send and its delivery, every request of a loop's turn): one wake-up and one
            // write per millisecond carry them, where a wake-up per line cost more than writing it on the loop.
            usleep(1000)
            lock.lock()
            swap(&batch, &queue.bytes)
            let waiters = queue.waiters
            queue.waiters = []
            queue.writing = true
            lock.unlock(withValue: false)
            Self.writeAll(batch, to: descriptor)
            batch.removeAll(keepingCapacity: batch.capacity <= 1 << 16)
            lock.lock()
            queue.writing = false
            lock.unlock(withValue: !queue.bytes.isEmpty)
            for waiter in waiters { waiter.resume() }
        }
    }

    /// Writes every byte of `bytes`, retrying short writes and interruptions; drops the rest on another error (a
    /// line has nowhere else to go).
    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = systemWrite(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
    }
}

#if canImport(Glibc)
    private let systemWrite = Glibc.write
#elseif canImport(Darwin)
    private let systemWrite = Darwin.write
#endif
