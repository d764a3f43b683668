import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing
import Verification

/// verifyd's HTTP/1.1 channel over real sockets: paths, pipelining, closing, and what every answer carries.
@Suite struct HTTPChannelTests {
    private static let send = #"{"type":"email","useType":5,"templateId":1,"account":"pipe@example.com"}"#

    private static func post(_ body: String, version: String = "1.1", extra: String = "") -> String {
        "POST /api/v2/common/send-verify-code HTTP/\(version)\r\nHost: x\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.utf8.count)\r\n\(extra)\r\n\(body)"
    }

    /// The answers in `text`, in order: each one's status line and its envelope code.
    private static func answers(_ text: String) -> [(status: String, code: String?, requestID: String?)] {
        text.components(separatedBy: "HTTP/1.").dropFirst().map { answer in
            let lines = answer.components(separatedBy: "\r\n")
            func header(_ name: String) -> String? {
                lines.first { $0.lowercased().hasPrefix(name.lowercased() + ":") }.map {
                    String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces)
                }
            }
            return (String(lines[0].dropFirst(2).prefix(3)), header("X-Verifyd-Code"), header("X-Request-Id"))
        }
    }

    @Test func emptyPathSegmentsDoNotCountAndAWrongMethodIs404() async throws {
        try await Harness.run { h async throws in
            #expect(try await h.request("/health/live/", method: .get).code == .ok)
            #expect(try await h.request("//health//live", method: .get).code == .ok)
            #expect(try await h.request("/health/live?probe=1", method: .get).code == .ok)
            let wrongMethod = try await h.request("/health/live", method: .post, body: "{}")
            #expect(wrongMethod.status == .notFound && wrongMethod.code == .notFound)
            let unknown = try await h.request("/health/alive", method: .get)
            #expect(unknown.status == .notFound && unknown.code == .notFound)
        }
    }

    /// Pipelined requests are answered in order, each with its own id; an HTTP/1.0 request closes the connection
    /// after its answer, with the answers before it whole.
    @Test func pipelinedRequestsAreAnsweredInOrderThenHTTP10Closes() async throws {
        try await Harness.run { h async throws in
            let port = try #require(h.client.port)
            let text = try await rawExchange(
                port: port,
                Array(
                    ("GET /health/live HTTP/1.1\r\nHost: x\r\nX-Request-Id: first-1\r\n\r\n" + Self.post(Self.send)
                        + Self.post(Self.send) + "GET /nowhere HTTP/1.0\r\n\r\n").utf8))
            let answers = Self.answers(text)
            #expect(answers.map(\.status) == ["200", "200", "200", "404"], "\(text)")
            #expect(answers.map(\.code) == ["0", "0", "33201", "39404"], "in order: the second send is too soon")
            #expect(answers.first?.requestID == "first-1", "a sane incoming id is echoed")
            #expect(Set(answers.compactMap(\.requestID)).count == 4, "every answer has an id of its own")
            #expect(text.contains("Connection: close"), "the HTTP/1.0 answer says it closes")
        }
    }

    /// A client that sends its request and closes its side still gets the whole answer; then the connection closes.
    @Test func aHalfClosedClientGetsItsAnswer() async throws {
        try await Harness.run { h async throws in
            let port = try #require(h.client.port)
            let socket = try RawSocket(port: port)
            try socket.write(Self.post(Self.send))
            socket.closeWriting()
            let text = try socket.readUntilClosed(timeout: 8)  // per read: under the 10-s deadline that follows the answer
            #expect(Self.answers(text).map(\.code) == ["0"], "\(text)")
        }
    }
}

/// A blocking TCP client: write, shut the write side, read until the server closes.
private final class RawSocket {
    private let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw TestFailure("connect failed: \(errno)") }
    }

    deinit { close(descriptor) }

    func write(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard send(descriptor, bytes, bytes.count, 0) == bytes.count else { throw TestFailure("short write") }
    }

    func closeWriting() { shutdown(descriptor, Int32(SHUT_WR)) }

    /// Everything read until the server closes, or until `timeout` seconds pass (then a failure).
    func readUntilClosed(timeout: Int) throws -> String {
        var time = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count == 0 { break }
            guard count > 0 else { throw TestFailure("the server did not close within \(timeout) s") }
            received += buffer[..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }
}
