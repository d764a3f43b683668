import Foundation
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import VerifydHTTP

/// An answer serialized by verifyd, read back by NIO's own HTTP/1 response parser.
@Suite struct ResponseBytesTests {
    private static func text(
        _ response: OutgoingResponse, version: HTTPVersion = .http1_1, closing: Bool = false,
        omitBody: Bool = false
    ) -> String {
        String(buffer: response.bytes(version: version, closing: closing, omitBody: omitBody, allocator: .init()))
    }

    /// Parses `bytes` as one HTTP response with NIO's decoder: its head and its body.
    private static func parse(_ bytes: String) throws -> (head: HTTPResponseHead, body: String) {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHTTPClientHandlers()
        // The decoder reads an answer only to a request it saw go out.
        try channel.writeOutbound(
            HTTPClientRequestPart.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/")))
        try channel.writeOutbound(HTTPClientRequestPart.end(nil))
        try channel.writeInbound(ByteBuffer(string: bytes))
        var head: HTTPResponseHead?
        var body = ""
        while let part = try channel.readInbound(as: HTTPClientResponsePart.self) {
            switch part {
            case .head(let value): head = value
            case .body(let buffer): body += String(buffer: buffer)
            case .end: break
            }
        }
        _ = try channel.finish()
        return (try #require(head), body)
    }

    @Test func anAnswerIsItsStatusHeadersLengthAndBody() throws {
        let response = OutgoingResponse(
            status: .tooManyRequests, headers: ["Content-Type": "application/json", "X-Request-Id": "abc"],
            body: ByteBuffer(string: #"{"code":33201}"#))
        let text = Self.text(response)
        #expect(text.hasPrefix("HTTP/1.1 429 Too Many Requests\r\n"))
        let parsed = try Self.parse(text)
        #expect(parsed.head.status == .tooManyRequests)
        #expect(parsed.head.headers["Content-Length"] == ["14"])
        #expect(parsed.head.headers["X-Request-Id"] == ["abc"])
        #expect(parsed.body == #"{"code":33201}"#)
        #expect(parsed.head.isKeepAlive)
    }

    /// A route's own `Content-Length` (any case) is replaced by the body's, and `closing` replaces any `Connection`.
    @Test func lengthAndConnectionAreWrittenOnceByTheSerializer() throws {
        let response = OutgoingResponse(
            status: .ok, headers: ["content-LENGTH": "999", "Connection": "keep-alive"], body: ByteBuffer(string: "ok"))
        let text = Self.text(response, version: .http1_0, closing: true)
        #expect(text.hasPrefix("HTTP/1.0 200 OK\r\n"))
        #expect(
            text.components(separatedBy: "\r\n").filter { $0.lowercased().hasPrefix("content-length") }
                == ["Content-Length: 2"])
        #expect(!text.contains("keep-alive") && text.contains("Connection: close\r\n"))
        #expect(text.hasSuffix("\r\n\r\nok"))
    }

    /// The answer to a HEAD request keeps the length of the body it would have, without the body.
    @Test func omitBodyKeepsTheLength() {
        let text = Self.text(OutgoingResponse(status: .notFound, body: ByteBuffer(string: "nothing")), omitBody: true)
        #expect(text == "HTTP/1.1 404 Not Found\r\nContent-Length: 7\r\n\r\n")
    }

    /// The head is measured, then written into exactly that room: every piece counted once, multi-byte values and
    /// empty values included, against a head built by concatenation.
    @Test func theHeadFillsExactlyTheRoomMeasuredForIt() {
        let values = ["", "x", "application/json", "é漢🙂", String(repeating: "v", count: 300)]
        var generator = SystemRandomNumberGenerator()
        for round in 0..<200 {
            var headers = HTTPHeaders()
            var expected: [(String, String)] = []
            for index in 0..<Int.random(in: 0...6, using: &generator) {
                let name = ["X-\(index)", "Connection", "content-length", "x-lower-\(index)"].randomElement(
                    using: &generator)!
                let value = values.randomElement(using: &generator)!
                headers.add(name: name, value: value)
                expected.append((name, value))
            }
            let closing = round % 2 == 0
            let version: HTTPVersion = round % 3 == 0 ? .http1_0 : .http1_1
            let body = String(repeating: "b", count: round)
            let status: HTTPResponseStatus = [.ok, .tooManyRequests, .custom(code: 599, reasonPhrase: "Ünusual")][
                round % 3]
            var reference = "HTTP/1.\(version.minor) \(status.code) \(status.reasonPhrase)\r\n"
            for (name, value) in expected
            where name.lowercased() != "content-length" && !(closing && name.lowercased() == "connection") {
                reference += "\(name): \(value)\r\n"
            }
            reference += "Content-Length: \(round)\(closing ? "\r\nConnection: close" : "")\r\n\r\n"
            let response = OutgoingResponse(status: status, headers: headers, body: ByteBuffer(string: body))
            #expect(Self.text(response, version: version, closing: closing) == reference + body)
            #expect(Self.text(response, version: version, closing: closing, omitBody: true) == reference)
        }
    }
}
