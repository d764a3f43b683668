import Foundation
import Testing

@testable import Verification

/// The request bodies' JSON reader: strict RFC 8259, flat members, nothing deep or invalid gets through.
@Suite struct JSONObjectReaderTests {
    private func read(_ text: String) -> [String: JSONScalar]? { JSONObjectReader.members(Array(text.utf8)) }

    @Test func readsEveryScalarKind() {
        let members = read(
            #" { "s" : "a\"b\\c\/d\n" , "i":-42, "big":9223372036854775808, "d":2.5e1, "t":true, "f":false, "n":null, "o":{"x":[1,{"y":[]}]}, "a":[] } "#
        )
        #expect(members?["s"] == .string("a\"b\\c/d\n"))
        #expect(members?["i"] == .integer(-42))
        #expect(members?["big"] == .number(9_223_372_036_854_775_808))
        #expect(members?["d"] == .number(25))
        #expect(members?["t"] == .bool(true) && members?["f"] == .bool(false) && members?["n"] == .null)
        #expect(members?["o"] == .structured && members?["a"] == .structured)
        #expect(members?.count == 9)
    }

    /// Up to 18 digits an integer is read digit by digit; longer ones through the text, up to Int64's edges.
    @Test func readsIntegersAtEveryLength() {
        let members = read(
            #"{"a":999999999999999999,"b":-999999999999999999,"c":1000000000000000000,"d":-0,"e":0,"#
                + #""f":9223372036854775807,"g":-9223372036854775808,"h":7}"#)
        #expect(members?["a"] == .integer(999_999_999_999_999_999))
        #expect(members?["b"] == .integer(-999_999_999_999_999_999))
        #expect(members?["c"] == .integer(1_000_000_000_000_000_000))
        #expect(members?["d"] == .integer(0) && members?["e"] == .integer(0) && members?["h"] == .integer(7))
        #expect(members?["f"] == .integer(.max) && members?["g"] == .integer(.min))
    }

    @Test func decodesUnicodeEscapesAndPairsSurrogates() {
        #expect(read(#"{"k":"\u00e9\u4E2D\ud83d\ude00"}"#)?["k"] == .string("é中😀"))
        #expect(read("{\"k\":\"é中😀\"}")?["k"] == .string("é中😀"))
    }

    @Test(arguments: [
        "", " ", "{", "}", "[]", "null", "{}{}", "{} x", #"{"a":1,}"#, #"{"a" 1}"#, #"{a:1}"#, #"{'a':1}"#,
        #"{"a":01}"#, #"{"a":1.}"#, #"{"a":.5}"#, #"{"a":1e}"#, #"{"a":-}"#, #"{"a":+1}"#, #"{"a":NaN}"#,
        #"{"a":tru}"#, #"{"a":nul}"#, #"{"a":"x}"#, #"{"a":"\x"}"#, #"{"a":"\u12"}"#, #"{"a":"\ud800"}"#,
        #"{"a":"\ud800\u0041"}"#, #"{"a":"\udc00"}"#, "{\"a\":\"tab\there\"}", "{\"a\":\"line\nbreak\"}",
        #"{"a":[1,]}"#, #"{"a":[1 2]}"#, #"{"a":{"b"}}"#, #"{"a":{"b":}}"#, #"{"a":{,}}"#, #"{"a":[}"#, #"{"a":{]}"#,
        #"{"a":[[]]]}"#,
    ])
    func rejectsInvalidJSON(_ text: String) {
        #expect(read(text) == nil)
    }

    @Test func rejectsInvalidUTF8InNamesAndValues() {
        #expect(JSONObjectReader.members(Array(#"{"a":"x"#.utf8) + [0xFF] + Array(#""}"#.utf8)) == nil)
        #expect(JSONObjectReader.members(Array(#"{""#.utf8) + [0xC3] + Array(#"":1}"#.utf8)) == nil)
        #expect(JSONObjectReader.members(Array(#"{"a":"\u0000"}"#.utf8))?["a"] == .string("\u{0}"))
    }

    @Test func limitsNestingWithoutRecursion() {
        let ok = "{\"a\":" + String(repeating: "[", count: 64) + String(repeating: "]", count: 64) + "}"
        #expect(read(ok)?["a"] == .structured)
        let deep = "{\"a\":" + String(repeating: "[", count: 65) + String(repeating: "]", count: 65) + "}"
        #expect(read(deep) == nil)
        let huge = "{\"a\":" + String(repeating: "[", count: 1_000_000) + "}"
        #expect(read(huge) == nil)
    }

    @Test func lastDuplicateWins() {
        #expect(read(#"{"a":1,"a":"two"}"#)?["a"] == .string("two"))
    }

    /// Whatever Foundation's JSONDecoder accepts as a flat object of these shapes, the reader reads the same way.
    @Test func agreesWithJSONSerializationOnValidBodies() throws {
        let bodies = [
            #"{"type":"email","useType":5,"templateId":1,"account":"a@b.co","countryCode":null}"#,
            #"{"type":"sms","useType":"2","templateId":8,"account":13800138000,"countryCode":"+86"}"#,
            #"{"x":-0.0,"y":1E+2,"z":"\u2028","w":"\/"}"#,
        ]
        for body in bodies {
            let ours = try #require(read(body))
            let theirs = try #require(JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
            #expect(Set(ours.keys) == Set(theirs.keys))
            for (key, value) in theirs {
                switch (ours[key], value) {
                case (.string(let a)?, let b as String): #expect(a == b)
                case (.null?, is NSNull): break
                case (.integer(let a)?, let b as NSNumber): #expect(Double(a) == b.doubleValue)
                case (.number(let a)?, let b as NSNumber): #expect(a == b.doubleValue)
                default: Issue.record("\(key): \(String(describing: ours[key])) vs \(value)")
                }
            }
        }
    }
}
