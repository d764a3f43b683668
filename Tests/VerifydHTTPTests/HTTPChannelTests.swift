import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOPosix
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

    /// A long pipeline in one write (about 6 KB: it spans several of NIO's 2 KB reads, so the socket's reading is
    /// held and resumed while the sends wait for Redis) is answered whole and in order. Answers wait their turn on the
    /// cooperative pool the whole test run shares: 121 of them took 8 s in a full local run, so it is 61 now, within
    /// 30 s.
    @Test func aLongPipelineIsAnsweredInOrder() async throws {
        try await Harness.run { h async throws in
            let port = try #require(h.client.port)
            let live = "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n"
            let pairs = 30
            let text = try await rawExchange(
                port: port,
                Array(
                    (String(repeating: Self.post(Self.send) + live, count: pairs) + "GET /nowhere HTTP/1.0\r\n\r\n")
                        .utf8), timeout: .seconds(30))
            let codes = Self.answers(text).map(\.code)
            let expected = ["0", "0"] + Array(repeating: ["33201", "0"], count: pairs - 1).flatMap { $0 } + ["39404"]
            #expect(codes == expected, "\(codes.count) answers")
        }
    }

    /// Input that stops being HTTP after valid requests: those are answered first, in order, the last of them says
    /// it closes, and no 400 follows; input that is not HTTP from the start gets the 400 envelope.
    @Test func garbageAfterValidRequestsClosesAfterTheirAnswers() async throws {
        try await Harness.run { h async throws in
            let port = try #require(h.client.port)
            let live = "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n"
            let text = try await rawExchange(
                port: port, Array((live + Self.post(Self.send) + "\u{1}\u{2} junk\r\n\r\n").utf8))
            let answers = Self.answers(text)
            #expect(answers.map(\.status) == ["200", "200"], "\(text)")
            #expect(answers.map(\.code) == ["0", "0"], "the send after the health check was answered too")
            #expect(text.hasSuffix("{\"code\":0,\"message\":\"ok\",\"data\":null}"), "the send's answer is the last")
            #expect(text.components(separatedBy: "Connection: close").count == 2, "only the last answer closes")
            let garbage = try await rawExchange(port: port, Array("\u{1}\u{2} junk\r\n\r\n".utf8))
            #expect(garbage.hasPrefix("HTTP/1.1 400") && garbage.contains("Connection: close"), "\(garbage)")
        }
    }

    /// The answer to a HEAD request has its headers (with the length of the body it would have) and no body.
    @Test func aHeadRequestGetsNoBody() async throws {
        try await Harness.run { h async throws in
            let port = try #require(h.client.port)
            let text = try await rawExchange(
                port: port, Array("HEAD /health/live HTTP/1.1\r\nHost: x\r\n\r\nGET /health/live HTTP/1.0\r\n\r\n".utf8)
            )
            let parts = text.components(separatedBy: "\r\n\r\n")
            #expect(parts.count == 3 && parts[0].hasPrefix("HTTP/1.1 404"), "\(text)")
            #expect(!parts[0].contains("Content-Length: 0"), "the length of the body it would have")
            #expect(parts[1].hasPrefix("HTTP/1.0 200"), "the next answer follows the head at once: \(text)")
        }
    }

    /// SIGTERM while a request is arriving: the listener closes, the request is still answered whole once the rest
    /// of it comes, then the connection closes and the process exits 0.
    @Test func shutdownAnswersTheRequestArriving() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        let instance = try await VerifydProcess.start(environment: testEnvironment(redis: redis))
        defer { instance.stop() }
        let socket = try RawSocket(port: instance.port)
        // One write: the server reads the second request's head in the same read as the first request, so it has it
        // by the time the first answer is out.
        try socket.write(
            "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\nGET /health/live HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nab"
        )
        let first = try await socket.read(until: "\"live\"}}", timeout: 8)
        #expect(Self.answers(first).map(\.status) == ["200"], "\(first)")
        instance.signal(SIGTERM)
        try await waitUntil(timeout: .seconds(10), "the listener closes") {
            (try? RawSocket(port: instance.port)) == nil
        }
        try socket.write("cd")
        let rest = try await socket.readUntilClosed(timeout: 8)
        #expect(Self.answers(rest).map(\.status) == ["200"], "the request arriving at shutdown is answered: \(rest)")
        #expect(try await instance.exitStatus(timeout: .seconds(10)) == 0)
    }

    /// A client that sends its request and closes its side still gets the whole answer; then the connection closes.
    @Test func aHalfClosedClientGetsItsAnswer() async throws {
        try await Harness.run { h async throws in
            let port = try #require(h.client.port)
            let socket = try RawSocket(port: port)
            try socket.write(Self.post(Self.send))
            socket.closeWriting()
            let text = try await socket.readUntilClosed(timeout: 8)  // per read: under the 10-s deadline that follows the answer
            #expect(Self.answers(text).map(\.code) == ["0"], "\(text)")
        }
    }
}

/// A TCP client on a blocking socket: write, shut the write side, read until the server closes. Its reads wait on
/// threads of their own (`Blocking`).
/// `@unchecked Sendable`: its one stored property is never mutated, and a test reads from one task at a time.
private final class RawSocket: @unchecked Sendable {
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

    private func setReadTimeout(_ seconds: Int) {
        var time = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
    }

    /// What is read until it contains `marker` (within `timeout` seconds per read).
    func read(until marker: String, timeout: Int) async throws -> String {
        try await Blocking.wait { try self.blockingRead(until: marker, timeout: timeout) }
    }

    /// Everything read until the server closes, or until `timeout` seconds pass per read (then a failure).
    func readUntilClosed(timeout: Int) async throws -> String {
        try await Blocking.wait { try self.blockingReadUntilClosed(timeout: timeout) }
    }

    private func blockingRead(until marker: String, timeout: Int) throws -> String {
        setReadTimeout(timeout)
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !String(decoding: received, as: UTF8.self).contains(marker) {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            guard count > 0 else { throw TestFailure("no \(marker) within \(timeout) s") }
            received += buffer[..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }

    private func blockingReadUntilClosed(timeout: Int) throws -> String {
        setReadTimeout(timeout)
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count == 0 { break }
            guard count > 0 else {
                let text = String(decoding: received, as: UTF8.self)
                throw TestFailure("the server did not close within \(timeout) s; read by then: \(text.suffix(300))")
            }
            received += buffer[..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }
}
