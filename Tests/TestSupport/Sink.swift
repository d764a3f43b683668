import Foundation
import NIOConcurrencyHelpers

/// A real SMTP or HTTP server for delivery tests: one of the Python scripts in `Tests/sinks`, on a free port,
/// recording what it receives as JSON lines in its directory.
public final class Sink: Sendable {
    /// Which server.
    public enum Kind: String, Sendable {
        case smtp = "smtp_sink.py"
        case http = "http_sink.py"
    }

    public let port: Int
    public let directory: URL
    private let process: Process

    private init(port: Int, directory: URL, process: Process) {
        self.port = port
        self.directory = directory
        self.process = process
    }

    /// Starts the sink (with extra command-line `arguments`) and waits until it accepts connections.
    public static func start(_ kind: Kind, arguments: [String] = []) async throws -> Sink {
        let port = try FreePort.find()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "verifyd-sink-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("sinks").appendingPathComponent(kind.rawValue)
        let child = Process()
        child.executableURL = try Python.interpreter()
        child.arguments = [script.path, "--port", String(port), "--dir", directory.path] + arguments
        child.standardOutput = FileHandle.nullDevice
        child.standardError = try FileHandle(
            forWritingTo: {
                let log = directory.appendingPathComponent("stderr")
                _ = FileManager.default.createFile(atPath: log.path, contents: nil)
                return log
            }())
        try child.run()
        let sink = Sink(port: port, directory: directory, process: child)
        try await waitUntil(timeout: .seconds(15), "the \(kind) sink listens on \(port)") {
            guard child.isRunning else { throw TestFailure("sink exited: \(sink.file("stderr"))") }
            return TCPProbe.accepts(port: port)
        }
        return sink
    }

    /// Writes a control file (`mode` for SMTP; `statuses` or `default` for HTTP).
    public func set(_ name: String, _ value: String) throws {
        try value.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    /// The JSON objects recorded in `name` (`messages.jsonl` or `requests.jsonl`).
    public func records(_ name: String) -> [[String: Any]] {
        file(name).split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// How many DATA commands the SMTP sink saw (accepted or not).
    public var smtpAttempts: Int { file("attempts").count }

    private func file(_ name: String) -> String {
        (try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)) ?? ""
    }

    /// Stops the sink and removes its directory.
    public func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }
}

/// The Python interpreter itself: `python3` on PATH may be a version-manager shim that forks, and killing the
/// shim would leave the server running.
enum Python {
    private static let resolved = NIOLockedValueBox<URL?>(nil)

    static func interpreter() throws -> URL {
        if let url = resolved.withLockedValue({ $0 }) { return url }
        let probe = Process()
        probe.executableURL = try Executables.find("python3")
        probe.arguments = ["-c", "import sys; print(sys.executable)"]
        let pipe = Pipe()
        probe.standardOutput = pipe
        try probe.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        probe.waitUntilExit()
        let path = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !path.isEmpty else { throw TestFailure("python3 did not report its executable") }
        let url = URL(fileURLWithPath: path)
        resolved.withLockedValue { $0 = url }
        return url
    }
}
