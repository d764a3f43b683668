import Foundation
import TestSupport
import Testing

@testable import Verification

/// The writer thread of log lines and log-driver lines, against a real pipe.
@Suite struct LineWriterTests {
    /// Lines appended from four tasks at once all arrive, each whole and once; a line written with `write` is in
    /// the pipe when `write` returns.
    @Test func everyLineArrivesWholeAndOnce() async throws {
        let pipe = try ReadPipe()
        pipe.startReading()
        let writer = LineWriter(descriptor: pipe.write)
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<4 {
                group.addTask {
                    for index in 0..<2_500 {
                        writer.append(
                            Array("line \(task)-\(index) \(String(repeating: "x", count: index % 50))\n".utf8))
                    }
                }
            }
        }
        await writer.write(Array("last\n".utf8))
        try await waitUntil(timeout: .seconds(10), "the reader has the last line") { pipe.text.hasSuffix("last\n") }
        let lines = pipe.text.split(separator: "\n")
        #expect(lines.count == 10_001)
        #expect(Set(lines).count == 10_001, "no line twice")
        for task in 0..<4 {
            for index in [0, 1_249, 2_499] {
                #expect(lines.contains("line \(task)-\(index) \(String(repeating: "x", count: index % 50))"))
            }
        }
    }

    /// A reader that stops reading costs at most twice the queue's bound (a batch being written, and the queue):
    /// past it, appended lines are dropped and counted,
    /// and `append` never blocks. Once the reader reads again, what was queued arrives.
    @Test func aStalledReaderDropsLinesInsteadOfBlocking() async throws {
        let pipe = try ReadPipe()
        let writer = LineWriter(descriptor: pipe.write)
        let line = Array((String(repeating: "y", count: 1_023) + "\n").utf8)
        let started = ContinuousClock.now
        // The thread holds at most one batch it cannot write, and the queue at most the bound behind it.
        for _ in 0..<(2 * LineWriter.maxQueuedBytes / line.count + 200) { writer.append(line) }
        #expect(ContinuousClock.now - started < .seconds(5), "appending did not wait for the reader")
        #expect(writer.droppedLines > 0)
        pipe.startReading()
        await writer.write(Array("after\n".utf8))
        try await waitUntil(timeout: .seconds(10), "the queued lines arrive") { pipe.text.hasSuffix("after\n") }
        #expect(pipe.text.utf8.count > LineWriter.maxQueuedBytes / 2)
    }
}
