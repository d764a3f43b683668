import Foundation
import Logging
import Testing

@testable import VerifydHTTP

/// The JSON log line, written by hand: valid JSON whatever the text, fixed keys first, metadata by key.
@Suite struct JSONLogHandlerTests {
    @Test func aLineIsOneJSONObjectWithEveryFieldAndItsTextIntact() throws {
        let awkward = "quote \" backslash \\ newline \n tab \t bell \u{07} nul \u{00} é 漢 🙂"
        let metadata: Logger.Metadata = [
            "target": "a***@example.com", "ts": "not the time", "attempt": .stringConvertible(3),
            "list": .array(["x", .dictionary(["b": "2", "a": "1"])]),
        ]
        let bytes = JSONLogHandler.line(
            timestamp: "2026-11-30T02:04:48.123Z", level: .info, message: awkward, label: "verifyd",
            source: "Verification", metadata: metadata)
        #expect(!bytes.contains(0x0A), "one line")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(object["ts"] as? String == "2026-11-30T02:04:48.123Z", "a metadata key cannot replace a fixed one")
        #expect(object["level"] as? String == "info")
        #expect(object["msg"] as? String == awkward)
        #expect(object["label"] as? String == "verifyd")
        #expect(object["source"] as? String == "Verification")
        #expect(object["target"] as? String == "a***@example.com")
        #expect(object["attempt"] as? String == "3")
        let list = try #require(object["list"] as? [Any])
        #expect(list.first as? String == "x")
        #expect((list.last as? [String: String]) == ["a": "1", "b": "2"])
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix(#"{"ts":"2026-11-30T02:04:48.123Z","level":"info","msg":"#))
        #expect(text.contains(#""attempt":"3","list":["x",{"a":"1","b":"2"}],"target""#), "metadata in key order")
        #expect(text.contains(#"bell \u0007 nul \u0000"#))
    }

    /// An event's own metadata wins over the provider's (the request id), which wins over the handler's.
    @Test func anEventsOwnMetadataWinsOverTheProvidersAndTheHandlers() throws {
        let provider = Logger.MetadataProvider { ["request_id": "from-provider", "shared": "provider", "p": "1"] }
        var handler = JSONLogHandler(label: "verifyd", level: .info, metadataProvider: provider)
        handler[metadataKey: "shared"] = "handler"
        handler[metadataKey: "request_id"] = "from-handler"
        handler[metadataKey: "h"] = "2"
        let event = LogEvent(
            level: .warning, message: "hello", metadata: ["shared": "event", "e": "3"], source: "Tests",
            file: #fileID, function: #function, line: #line)
        let bytes = handler.line(for: event)
        #expect(bytes.last == 0x0A)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes.dropLast())) as? [String: Any])
        #expect(object["shared"] as? String == "event")
        #expect(object["request_id"] as? String == "from-provider")
        #expect(object["e"] as? String == "3")
        #expect(object["p"] as? String == "1")
        #expect(object["h"] as? String == "2")
        #expect(object["level"] as? String == "warning")
        #expect(object["msg"] as? String == "hello")
        #expect(object["source"] as? String == "Tests")
        #expect(object.count == 10, "\(object.keys.sorted())")
    }

    @Test func timestampsAreUTCWithMilliseconds() {
        #expect(JSONLogHandler.timestamp(seconds: 0, milliseconds: 0) == "1970-01-01T00:00:00.000Z")
        #expect(JSONLogHandler.timestamp(seconds: 1_796_004_288, milliseconds: 7) == "2026-11-30T02:04:48.007Z")
        #expect(JSONLogHandler.timestamp(seconds: 951_868_799, milliseconds: 999) == "2000-02-29T23:59:59.999Z")
        let now = JSONLogHandler.now()
        #expect(now.utf8.count == 24 && now.hasSuffix("Z"), "\(now)")
    }
}
