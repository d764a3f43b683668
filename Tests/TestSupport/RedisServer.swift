import Foundation
import NIOConcurrencyHelpers

/// A real `redis-server` on a free loopback port, started for one test and stopped with it.
public final class RedisServer: Sendable {
    /// The TCP port it listens on.
    public let port: Int
    /// Its working directory (AOF, socket).
    public let directory: URL
    private let extraArguments: [String]
    private let process = NIOLockedValueBox<Process?>(nil)

    /// `redis://127.0.0.1:<port>`.
    public var url: String { "redis://127.0.0.1:\(port)" }
    /// The Unix socket path, when started with `unixSocket: true`.
    public var socketPath: String { directory.appendingPathComponent("redis.sock").path }

    /// Starts a server; `arguments` are extra `redis-server` options such as `["--requirepass", "x"]`.
    public static func start(arguments: [String] = [], unixSocket: Bool = false) async throws -> RedisServer {
        var lastError: (any Error)?
        for _ in 0..<5 {
            let server = RedisServer(port: try FreePort.find(), arguments: arguments, unixSocket: unixSocket)
            do {
                try await server.launch()
                return server
            } catch {
                lastError = error
                server.kill()
            }
        }
        throw lastError ?? TestFailure("redis-server did not start")
    }

    private init(port: Int, arguments: [String], unixSocket: Bool) {
        self.port = port
        self.directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "verifyd-redis-\(port)-\(UUID().uuidString.prefix(8))")
        var extra = arguments
        if unixSocket {
            extra += ["--unixsocket", directory.appendingPathComponent("redis.sock").path, "--unixsocketperm", "700"]
        }
        self.extraArguments = extra
    }

    /// Starts (or restarts, on the same port) the process and waits until it answers PING.
    public func launch() async throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let child = Process()
        child.executableURL = try Executables.find("redis-server")
        child.arguments =
            [
                "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", directory.path, "--logfile", directory.appendingPathComponent("redis.log").path,
            ] + extraArguments
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()
        process.withLockedValue { $0 = child }
        try await waitUntil(timeout: .seconds(10), "redis-server on port \(port) answers") {
            guard child.isRunning else { throw TestFailure("redis-server exited with \(child.terminationStatus)") }
            return RawRedis.ping(port: self.port)
        }
    }

    /// Kills the process at once (SIGKILL) and waits for it to exit.
    public func kill() {
        guard let child = process.withLockedValue({ $0 }) else { return }
        if child.isRunning { Foundation.kill(child.processIdentifier, SIGKILL) }
        child.waitUntilExit()
        process.withLockedValue { $0 = nil }
    }

    /// True while the process runs (not killed or stopped by the test).
    public var isRunning: Bool { process.withLockedValue { $0?.isRunning == true } }

    /// Freezes the process (SIGSTOP): connections stay open, nothing answers.
    public func pause() { signal(SIGSTOP) }

    /// Thaws a paused process (SIGCONT).
    public func resume() { signal(SIGCONT) }

    private func signal(_ number: Int32) {
        if let pid = process.withLockedValue({ $0?.processIdentifier }) { Foundation.kill(pid, number) }
    }

    /// Stops the server and removes its directory.
    public func stop() {
        resume()
        kill()
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }
}

/// A test failure with a message.
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    /// A failure saying `description`.
    public init(_ description: String) { self.description = description }
}
