import RedisClient
import Testing

@testable import Verification

/// An outbox entry is read from its stream fields as Redis answers them (alternating names and values), found by
/// name without a dictionary.
@Suite struct StreamFieldsTests {
    private func fields(_ pairs: [(String, String)]) -> StreamFields {
        StreamFields(pairs.flatMap { [RESPValue.bulkString(Array($0.0.utf8)), .bulkString(Array($0.1.utf8))] })
    }

    private let email: [(String, String)] = [
        ("expires", "1796052218337"), ("hash", "ab12"), ("channel", "email"), ("to", "a@example.com"),
        ("template", "3"), ("use", "5"), ("lang", "zh-Hans"), ("ttl", "600"), ("code", "sealed"),
    ]

    @Test func fieldsAreFoundByNameAndAMissingOneIsNil() {
        let read = StreamFields([
            .bulkString(Array("to".utf8)), .bulkString(Array("a@example.com".utf8)), .bulkString(Array("n".utf8)),
            .null, .bulkString(Array("t".utf8)), .bulkString(Array("first".utf8)), .bulkString(Array("t".utf8)),
            .bulkString(Array("second".utf8)), .bulkString(Array("dangling".utf8)),
        ])
        #expect(read["to"] == "a@example.com")
        #expect(read["n"] == "", "a nil value reads as empty")
        #expect(read["t"] == "first")
        #expect(read["dangling"] == nil, "a name without a value")
        #expect(read["missing"] == nil && read["t "] == nil && read[""] == nil)
    }

    @Test func anEmailEntryIsReadWithItsHash() throws {
        let entry = try #require(OutboxEntry(fields: fields(email)))
        #expect(entry.channel == .email && entry.recipient == "a@example.com" && entry.templateId == 3)
        #expect(entry.useType == 5 && entry.langTag == "zh-Hans" && entry.ttl == 600 && entry.sealedCode == "sealed")
        #expect(entry.expiresAt == 1_796_052_218_337 && entry.codeHash == "ab12")
        #expect(entry.countryCode == nil && entry.target == .email("a@example.com"))
    }

    @Test func anSMSEntryWithoutAHashNamesItsPhone() throws {
        let sms =
            email.filter { $0.0 != "hash" }.map { $0.0 == "channel" ? ("channel", "sms") : $0 }
            .map { $0.0 == "to" ? ("to", "8613800138000") : $0 } + [("cc", "86"), ("phone", "13800138000")]
        let entry = try #require(OutboxEntry(fields: fields(sms)))
        #expect(entry.target == .phone(countryCode: 86, number: "13800138000") && entry.codeHash == nil)
    }

    @Test func anEntryMissingARequiredFieldIsMalformed() {
        for required in ["channel", "to", "template", "code", "expires"] {
            #expect(OutboxEntry(fields: fields(email.filter { $0.0 != required })) == nil, "without \(required)")
        }
        let badLang = email.map { $0.0 == "lang" ? ("lang", "not a tag") : $0 }
        #expect(OutboxEntry(fields: fields(badLang))?.langTag == "")
    }
}
