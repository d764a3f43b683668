import Foundation
import Testing

@testable import Verification

/// Step 5: email, phone and country-code formats, and normalization.
@Suite struct AddressFormatTests {
    @Test func normalizesEmail() {
        #expect(AddressFormat.email("  Alice.B+tag@Example.COM ") == "alice.b+tag@example.com")
        #expect(AddressFormat.email("用户@例子.中国") == "用户@xn--fsqu00a.xn--fiqs8s")
    }

    @Test(arguments: [
        "plain", "a@b", "a@@b.co", "a@b@c.co", "a b@c.co", "a@b .co", "a\t@b.co", "a\u{0}@b.co", "a\r\n@b.co",
        "@b.co", "a@.co", "a@b.", "a@-b.co", "a{x}@b.co", "<a@b.co>", String(repeating: "a", count: 250) + "@b.co",
    ])
    func rejectsEmail(_ value: String) {
        #expect(AddressFormat.email(value) == nil)
    }

    @Test func phones() throws {
        #expect(try AddressFormat.phone(countryCode: 86, number: "13800138000").get().national == "13800138000")
        #expect(try AddressFormat.phone(countryCode: 86, number: "１３８００１３８０００").get().e164 == "8613800138000")
        for bad in ["123", "1234567890123456", "138-0013-8000", "+8613800138000", "13800138000\n", "", "１３８ ００"] {
            #expect(AddressFormat.phone(countryCode: 86, number: bad) == .failure(.phoneFormat), "\(bad)")
        }
    }

    @Test func countryCodesMustBeAssigned() {
        #expect(AddressFormat.isCountryCode(1) && AddressFormat.isCountryCode(86) && AddressFormat.isCountryCode(800))
        for code in [0, 8, 999, 1000, -86, 28, 292, Int.max, Int.min] {
            #expect(!AddressFormat.isCountryCode(code), "\(code)")
        }
    }

    @Test func masksForLogs() {
        #expect(Masking.mask("alice@example.com") == "a***@example.com")
        #expect(Masking.mask("8613800138000") == "86138****8000")
        #expect(Masking.mask("1234") == "****")
        #expect(Masking.mask("12345678") == "****5678")
        #expect(Masking.mask("a@b@example.com") == "a***@example.com")
        #expect(Masking.mask("@example.com") == "@***@example.com")
        #expect(Masking.mask("élodie@exemple.fr") == "é***@exemple.fr", "a first letter of two bytes stays whole")
        #expect(Masking.mask("1234567890ü") == "123****890ü", "not ASCII: counted and cut by characters")
        #expect(Masking.mask("ü123456") == "*******")
        #expect(Masking.mask("") == "")
    }

    /// The request path trims as Foundation's `.whitespaces` does (Zs and tab), not newlines.
    @Test func trimmingSpacesMatchesFoundationWhitespaces() {
        let texts = [
            "", " ", "\t a b \t", "\u{3000}x\u{00A0}", "\nx\n", " \u{2028}x", "x", "é ", " \u{301}x", "ab", "a\u{3000}",
            "\u{3000}a", "\u{7F}x\u{7F}", "x\t", "\u{1F}x", "!~",
        ]
        for text in texts {
            #expect(text.trimmingSpaces() == text.trimmingCharacters(in: .whitespaces), "\(text.debugDescription)")
        }
    }

    /// A blank value is what Fresns treats as not given: empty, or whitespace only (Unicode's, not only ASCII's).
    @Test func blankValuesAreWhitespaceOnly() {
        for text in ["", " ", "\t\n", "\u{3000}", "\u{2028} ", "\r\n", "a", "!", "\u{7F}", " a", "\u{3000}a", "é"] {
            #expect(JSONScalar.string(text).isBlank == text.allSatisfy(\.isWhitespace), "\(text.debugDescription)")
        }
        #expect(JSONScalar.null.isBlank && !JSONScalar.integer(0).isBlank)
    }

    @Test func parentDomainsOfAnEmail() {
        #expect(
            BlockedEmailDomains.candidates("a@x.mail.example.com") == [
                "x.mail.example.com", "mail.example.com", "example.com",
            ])
        #expect(BlockedEmailDomains.candidates("a@example.com") == ["example.com"])
    }
}
