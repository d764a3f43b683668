import Foundation
import Testing
import Verification

/// JSON string literals written by hand, against the JSON reader of Foundation.
@Suite struct JSONTextTests {
    @Test func escapesQuotesBackslashesAndControlCharacters() {
        #expect(JSONText.quoted(#"a"b\c"#) == #""a\"b\\c""#)
        #expect(JSONText.quoted("\n\r\t\u{0}\u{1F}") == #""\n\r\t\u0000\u001f""#)
        #expect(JSONText.quoted("") == #""""#)
        #expect(JSONText.quoted("\"") == #""\"""#)
        #expect(JSONText.quoted("ünï €") == "\"ünï €\"", "non-ASCII is written as its UTF-8")
    }

    /// Strings of every kind of run (plain, escaped at the start, middle and end, several in a row) read back the
    /// same through JSONSerialization.
    @Test func readsBackAsTheSameString() throws {
        let pieces = ["plain", "\"", "\\", "\n", "\u{1}", "é", "日本", "\u{7F}", " ", "\t\t"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let text = (0..<Int.random(in: 0...8, using: &generator)).map { _ in
                pieces.randomElement(using: &generator)!
            }.joined()
            let literal = JSONText.quoted(text)
            let read = try JSONSerialization.jsonObject(with: Data(literal.utf8), options: .fragmentsAllowed)
            #expect(read as? String == text, "\(literal)")
        }
    }
}
