import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
    import Glibc
#endif

/// Free loopback TCP ports for test servers.
///
/// Ports come from 20000–31999, below Linux's ephemeral range (32768+), so no outgoing connection can hold one,
/// and a port is never handed out twice in one test run, so parallel tests cannot race for the same port
/// between finding it and binding it.
public enum FreePort {
    private static let handedOut = NIOLockedValueBox<Set<Int>>([])

    /// A port nothing listens on now and that no other test of this run was given.
    public static func find() throws -> Int {
        for _ in 0..<1000 {
            let port = Int.random(in: 20000..<32000)
            let fresh = handedOut.withLockedValue { $0.insert(port).inserted }
            if fresh, canBind(port) { return port }
        }
        throw TestFailure("no free port found")
    }

    private static func canBind(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return Loopback.withAddress(port: port) { bind(fd, $0, $1) } == 0
    }
}

/// 127.0.0.1 addresses for the raw sockets of the fixtures.
enum Loopback {
    /// Calls `body` (bind, connect) with the IPv4 loopback address and `port`.
    static func withAddress(port: Int, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }
}

/// Executables on the PATH.
public enum Executables {
    /// The full path of `name`, searched on PATH and in /usr/bin, /usr/sbin, /usr/local/bin.
    public static func find(_ name: String) throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for directory in path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/sbin", "/usr/local/bin"] {
            let candidate = URL(fileURLWithPath: directory).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw TestFailure("\(name) not found on PATH: install it (make test does)")
    }
}

/// Waits until `condition` holds, checking every 20 ms; fails with `what` when `timeout` passes first.
public func waitUntil(
    timeout: Duration, _ what: String, condition: @Sendable () async throws -> Bool
) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    if try await condition() { return }
    throw TestFailure("timed out after \(timeout) waiting until \(what)")
}

/// Whether something accepts TCP connections on a loopback port.
public enum TCPProbe {
    public static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return Loopback.withAddress(port: port) { connect(fd, $0, $1) } == 0
    }
}

/// A blocking one-shot RESP exchange for fixtures (never used by the service itself).
enum RawRedis {
    /// Whether a Redis on the port answers PING with PONG.
    static func ping(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard Loopback.withAddress(port: port, { connect(fd, $0, $1) }) == 0 else { return false }
        let request = Array("PING\r\n".utf8)
        guard send(fd, request, request.count, 0) == request.count else { return false }
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = recv(fd, &buffer, buffer.count, 0)
        let reply = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : ""
        return reply.hasPrefix("+PONG") || reply.hasPrefix("-NOAUTH")
    }
}
