import Foundation
import NIOConcurrencyHelpers
import TestSupport

/// A `verifyd serve` child process on a free port, its stdout and stderr captured in files.
final class VerifydProcess: Sendable {
    let port: Int
    private let process: Process
    private let stdoutURL: URL
    private let stderrURL: URL

    private init(port: Int, process: Process, stdoutURL: URL, stderrURL: URL) {
        self.port = port
        self.process = process
        self.stdoutURL = stdoutURL
        self.stderrURL = stderrURL
    }

    /// The built `verifyd` binary, next to the test bundle (`swift build` builds it; `make test` does).
    static func binary() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["VERIFYD_BINARY"] { return URL(fileURLWithPath: path) }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("verifyd")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        let fallback = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../.build/debug/verifyd")
        if FileManager.default.isExecutableFile(atPath: fallback.path) { return fallback }
        throw TestFailure("verifyd binary not found: run `swift build` first (make test does)")
    }

    /// Starts `verifyd serve` (waits until /health/ready answers 200) or `verifyd worker` (waits for its
    /// start-up log line).
    static func start(environment: [String: String], command: String = "serve") async throws -> VerifydProcess {
        let port = try FreePort.find()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "verifyd-proc-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let out = directory.appendingPathComponent("stdout")
        let err = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let child = Process()
        child.executableURL = try binary()
        child.arguments = [command]
        child.environment = environment.merging([
            "VERIFYD_PORT": String(port), "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "",
        ]) { _, new in new }
        child.standardOutput = try FileHandle(forWritingTo: out)
        child.standardError = try FileHandle(forWritingTo: err)
        try child.run()
        let instance = VerifydProcess(port: port, process: child, stdoutURL: out, stderrURL: err)
        try await waitUntil(timeout: .seconds(20), "verifyd on port \(port) is ready") {
            guard child.isRunning else { throw TestFailure("verifyd exited: \(instance.errorOutput())") }
            if command == "worker" { return instance.errorOutput().contains("verifyd worker") }
            return (try? await instance.isReady()) == true
        }
        return instance
    }

    private func isReady() async throws -> Bool {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                let answer = try await getStatus(port: self.port, path: "/health/ready")
                return answer == 200
            }
            defer { group.cancelAll() }
            return try await group.next() ?? false
        }
    }

    /// Lines printed on standard output (the log driver's JSON lines).
    func outputLines() -> [String] {
        let text = (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
    }

    /// Everything printed on standard error (the logs).
    func errorOutput() -> String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    /// Sends SIGTERM and waits for the exit status.
    func terminate(timeout: Duration) async throws -> Int32 {
        process.terminate()
        return try await exitStatus(timeout: timeout)
    }

    /// Waits for the process to exit and returns its status.
    func exitStatus(timeout: Duration) async throws -> Int32 {
        try await waitUntil(timeout: timeout, "verifyd exits") { !self.process.isRunning }
        return process.terminationStatus
    }

    /// The shared objects mapped into the process (from `/proc/<pid>/maps`), by path.
    func mappedLibraries() throws -> Set<String> {
        // Read to its end: /proc files report a size of 0, which `String(contentsOfFile:)` would trust.
        let path = "/proc/\(process.processIdentifier)/maps"
        guard let file = FileHandle(forReadingAtPath: path) else { throw TestFailure("cannot open \(path)") }
        defer { try? file.close() }
        let maps = String(decoding: file.readDataToEndOfFile(), as: UTF8.self)
        return Set(maps.split(separator: "\n").compactMap { line in line.split(separator: " ").last.map(String.init) })
    }

    /// Sends a signal (SIGHUP to reload templates, SIGKILL to crash).
    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Kills the process if it still runs.
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Runs `verifyd serve` to its exit (for configuration errors), as a child process of `Blocking`.
    static func runToExit(environment: [String: String]) async throws -> (status: Int32, stderr: String) {
        try await Blocking.childProcess {
            let child = Process()
            child.executableURL = try binary()
            child.arguments = ["serve"]
            child.environment = environment
            let pipe = Pipe()
            child.standardError = pipe
            child.standardOutput = FileHandle.nullDevice
            try child.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            child.waitUntilExit()
            return (child.terminationStatus, String(decoding: data, as: UTF8.self))
        }
    }

    /// Runs `verifyd ARGUMENTS` to its exit against the Redis at `url`, as an operator would, with `input` on its
    /// standard input; its status and both outputs. A child process of `Blocking`.
    static func command(_ arguments: [String], url: String, input: String = "") async throws -> (
        status: Int32, stdout: String, stderr: String
    ) {
        try await Blocking.childProcess {
            let child = Process()
            child.executableURL = try binary()
            child.arguments = arguments
            child.environment = ["VERIFYD_REDIS_URL": url, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? ""]
            let stdin = Pipe()
            let out = Pipe()
            let err = Pipe()
            child.standardInput = stdin
            child.standardOutput = out
            child.standardError = err
            try child.run()
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
            // Standard error is small; read it after standard output, which may be large (a list).
            let stdout = out.fileHandleForReading.readDataToEndOfFile()
            let stderr = err.fileHandleForReading.readDataToEndOfFile()
            child.waitUntilExit()
            return (
                child.terminationStatus, String(decoding: stdout, as: UTF8.self),
                String(decoding: stderr, as: UTF8.self)
            )
        }
    }
}
