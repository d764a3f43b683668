import Testing

@testable import Verification

/// `Target.parse`, the one address→target function: phones in E.164 by their country's rules (libphonenumber),
/// emails with an IDNA 2008 domain and an NFC local part (libidn2, Foundation), and the folded mailbox.
@Suite struct CanonicalTargetTests {
    /// A country calling code, a national number as a client sends it, and the target key or the refusal.
    static let phones: [(Int, String, Result<String, ResultCode>)] = [
        (86, "13800138000", .success("8613800138000")),
        (86, "013800138000", .success("8613800138000")),  // trunk prefix 0
        (86, " 13800138000 ", .success("8613800138000")),
        (86, "１３８００１３８０００", .success("8613800138000")),  // fullwidth digits
        (44, "07911123456", .success("447911123456")),
        (44, "7911123456", .success("447911123456")),
        (33, "0612345678", .success("33612345678")),
        (49, "015123456789", .success("4915123456789")),
        (39, "0612345678", .success("390612345678")),  // Italy keeps its leading 0
        (7, "89123456789", .success("79123456789")),  // Russia's trunk prefix is 8
        (1, "2015550123", .success("12015550123")),
        (1, "12015550123", .success("12015550123")),
        (81, "09012345678", .success("819012345678")),
        (852, "91234567", .success("85291234567")),
        (800, "12345678", .success("80012345678")),  // non-geographic
        (8, "613800138000", .failure(.countryCode)),  // 8 is no country code: not 86 in disguise
        (999, "12345678", .failure(.countryCode)),
        (0, "13800138000", .failure(.countryCode)),
        (1000, "13800138000", .failure(.countryCode)),
        (86, "1234", .failure(.phoneFormat)),  // too short for China
        (86, "8613800138000", .failure(.phoneFormat)),  // the country code again
        (44, "7700900123", .failure(.phoneFormat)),  // Ofcom's drama range: cannot exist
        (44, "00447911123456", .failure(.phoneFormat)),
        (39, "612345678", .failure(.phoneFormat)),
        (86, "12345678901234567890", .failure(.phoneFormat)),  // 20 digits
        (86, "123456789012345678901", .failure(.phoneFormat)),  // 21: refused before libphonenumber
        (86, "+8613800138000", .failure(.phoneFormat)),
        (86, "138 0013 8000", .failure(.phoneFormat)),
        (86, "138-0013-8000", .failure(.phoneFormat)),
        (86, "\u{200F}13800138000", .failure(.phoneFormat)),  // RTL mark
        (86, "١٣٨٠٠١٣٨٠٠٠", .failure(.phoneFormat)),  // Arabic-Indic digits
        (86, "13800138000\u{0}", .failure(.phoneFormat)),
        (86, "", .failure(.phoneFormat)),
    ]

    @Test func phonesAreE164ByTheirCountrysRules() {
        for (code, number, expected) in Self.phones {
            let parsed = Target.parse(channel: .sms, account: number, countryCode: code).map(\.key)
            #expect(parsed == expected, "\(code) \(number.debugDescription)")
        }
    }

    @Test func aPhoneTargetHoldsTheNationalSignificantNumber() throws {
        let target = try Target.parse(channel: .sms, account: "07911123456", countryCode: 44).get()
        #expect(target == .phone(countryCode: 44, number: "7911123456"))
        #expect(target.nationalNumber == "7911123456" && target.countryCode == 44 && target.mailbox == nil)
        #expect(Target.parse(channel: .sms, account: "13800138000", countryCode: nil) == .failure(.parameterMissing))
    }

    /// An address as a client sends it, and its canonical form or nil (34101).
    static let emails: [(String, String?)] = [
        ("  Alice.B+tag@Example.COM ", "alice.b+tag@example.com"),
        ("ü@bücher.de", "ü@xn--bcher-kva.de"),
        ("ü@xn--bcher-kva.de", "ü@xn--bcher-kva.de"),
        ("Ü@BÜCHER.DE", "ü@xn--bcher-kva.de"),
        ("U\u{308}@XN--BCHER-KVA.DE", "ü@xn--bcher-kva.de"),  // decomposed: NFC
        ("a@faß.de", "a@xn--fa-hia.de"),  // non-transitional: not fass.de
        ("a@ｅｘａｍｐｌｅ.com", "a@example.com"),  // fullwidth letters map to ASCII
        ("a@例え。テスト", "a@xn--r8jz45g.xn--zckzah"),  // ideographic full stop
        ("用户@例子.中国", "用户@xn--fsqu00a.xn--fiqs8s"),
        ("аpple@аpple.com", "аpple@xn--pple-43d.com"),  // Cyrillic а: a different, canonical, address
        ("a@münchen.ⓓⓔ", "a@xn--mnchen-3ya.de"),
        ("a@ab--cd.com", "a@ab--cd.com"),  // an ASCII domain is not run through IDNA
        ("a@xn--zz.de", nil), ("a@xn--.de", nil), ("a@xn--a.de", nil), ("a@a.xn--ab--cd.com", nil),
        ("a@💩.la", nil), ("a@xn--ls8h.la", nil), ("a@a\u{200E}.com", nil), ("a@a٣.com", nil),
        ("a\u{200E}b@example.com", nil), ("a\u{200B}@example.com", nil), ("\u{FEFF}a@example.com", nil),
        ("a\u{E000}@example.com", nil), ("a@b｛c.com", nil), ("a｛@b.com", "a｛@b.com"),
        ("plain", nil), ("a@b", nil), ("a@@b.co", nil), ("a@b@c.co", nil), ("a b@c.co", nil), ("a@b .co", nil),
        ("a\t@b.co", nil), ("a\u{0}@b.co", nil), ("a@b.co\u{0}", nil), ("@b.co", nil), ("a@.co", nil), ("a@b.", nil),
        ("a@-b.co", nil), ("a{x}@b.co", nil), ("<a@b.co>", nil), (String(repeating: "a", count: 65) + "@b.co", nil),
        ("a@" + String(repeating: "ü", count: 64) + ".de", nil),
        ("a@b-.co", nil), ("a@b..co", nil), ("a@b.co.", nil), ("a@.b.co", nil), ("a@b.c-", nil), ("a@b.-c", nil),
        ("a@" + String(repeating: "b", count: 63) + ".co", "a@" + String(repeating: "b", count: 63) + ".co"),
        ("a@" + String(repeating: "b", count: 64) + ".co", nil), ("a@XN--BCHER-KVA.de", "a@xn--bcher-kva.de"),
        ("a@bxn--c.de", "a@bxn--c.de"), ("a@b.xn--zz", nil), ("Z@Z.CO", "z@z.co"), ("a[b]@c.co", "a[b]@c.co"),
        ("a@" + Array(repeating: String(repeating: "b", count: 62), count: 4).joined(separator: ".") + ".co", nil),
    ]

    @Test func emailsAreCanonical() {
        for (raw, expected) in Self.emails {
            let parsed = Target.parse(channel: .email, account: raw, countryCode: nil).map(\.key)
            #expect(parsed == (expected.map { .success($0) } ?? .failure(.emailFormat)), "\(raw.debugDescription)")
            // The canonical form is a fixed point: the SMTP driver checks its recipient with the same function.
            if let expected { #expect(AddressFormat.email(expected) == expected, "\(expected)") }
        }
    }

    /// An address, and the mailbox it folds to (nil: itself).
    static let mailboxes: [(String, String?)] = [
        ("x+news@example.com", "x@example.com"),
        ("x.y@example.com", nil),
        ("x@example.com", nil),
        ("+x@example.com", nil),
        ("a.b+c+d@gmail.com", "ab@gmail.com"),
        ("A.B@GoogleMail.com", "ab@gmail.com"),
        ("ab@googlemail.com", "ab@gmail.com"),
        ("ab@gmail.com", nil),
        (".@gmail.com", nil),
        ("ü+x@bücher.de", "ü@xn--bcher-kva.de"),
    ]

    @Test func mailboxesFoldPlusTagsAndGmailDots() throws {
        for (raw, expected) in Self.mailboxes {
            let target = try Target.parse(channel: .email, account: raw, countryCode: nil).get()
            #expect(target.mailbox == expected, "\(raw)")
            #expect(Target.email(target.key) == target, "the factory folds the same way")
        }
    }

    @Test func hostileInputIsRefusedWithoutACrash() {
        let huge = String(repeating: "9", count: 1 << 20)
        let nuls = String(repeating: "1\u{0}", count: 1 << 19)
        for value in [huge, nuls, huge + "@example.com", "a@" + huge + ".com", "a@xn--" + huge] {
            #expect(Target.parse(channel: .email, account: value, countryCode: nil) == .failure(.emailFormat))
            #expect(Target.parse(channel: .sms, account: value, countryCode: 86) == .failure(.phoneFormat))
        }
        #expect(PhoneNumberRules.canonical(countryCode: Int.max, national: "13800138000") == .failure(.countryCode))
    }

    /// Owner keys in the mirror split back into code and number, and move when not canonical.
    @Test func ownerKeysCanonicalize() {
        let pass = OwnerKeyCanonicalization(keys: KeyLayout())
        let cases: [(String, String?)] = [
            ("8613800138000", "8613800138000"), ("44" + "07911123456", "447911123456"),
            ("ü@bücher.de", "ü@xn--bcher-kva.de"), ("alice@example.com", "alice@example.com"),
            ("99912345678", nil), ("86", nil), ("not-an-address", nil),
        ]
        for (targetKey, expected) in cases {
            #expect(OwnerKeyCanonicalization.canonicalTarget(ofKey: targetKey)?.key == expected, "\(targetKey)")
        }
        let canonical = KeyLayout().owner(.phone(countryCode: 86, number: "13800138000"))
        #expect(pass.canonicalOwnerKey(of: canonical) == canonical)
        #expect(
            pass.canonicalOwnerKey(of: "verify:{0aa}:owner:4407911123456")
                == KeyLayout().owner(.phone(countryCode: 44, number: "7911123456")))
        #expect(pass.canonicalOwnerKey(of: "other:{0aa}:owner:8613800138000") == nil)
    }

    /// Not a pass/fail timing: prints the cost of the normalization for the report.
    @Test func measuresTheNormalization() {
        let inputs: [(Channel, String, Int?)] = [
            (.email, "Alice.Smith+news@Example.com", nil), (.email, "ü@bücher.de", nil),
            (.email, "ü@xn--bcher-kva.de", nil), (.sms, "13800138000", 86), (.sms, "07911123456", 44),
        ]
        for (channel, account, code) in inputs {
            let rounds = 20_000
            var accepted = 0
            let elapsed = ContinuousClock().measure {
                for _ in 0..<rounds {
                    if case .success = Target.parse(channel: channel, account: account, countryCode: code) {
                        accepted += 1
                    }
                }
            }
            #expect(accepted == rounds)
            let perCall = elapsed / rounds
            print("Target.parse \(channel) \(account.debugDescription): \(perCall) per call")
        }
    }
}
