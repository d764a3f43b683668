import CPhoneNumberShim
import Testing

/// The shim's fast path (`verifyd_phone_parse`, without libphonenumber's `Parse`) against libphonenumber's whole
/// `Parse` (`verifyd_phone_parse_reference`): the same status and the same digits for every input. A libphonenumber
/// whose steps change under the fast path fails here.
@Suite struct PhoneNumberShimTests {
    private struct Answer: Equatable, CustomStringConvertible {
        var status: UInt32
        var e164: String
        var national: String
        var description: String { "\(status) \(e164) \(national)" }
    }

    private typealias Parser = (
        Int32, UnsafePointer<CChar>?, Int, UnsafeMutablePointer<CChar>?, UnsafeMutablePointer<CChar>?
    )
        -> verifyd_phone_status

    private static func answer(_ parse: Parser, _ code: Int, _ digits: String) -> Answer {
        var e164 = [CChar](repeating: 0, count: Int(VERIFYD_PHONE_DIGITS_CAPACITY))
        var national = [CChar](repeating: 0, count: Int(VERIFYD_PHONE_DIGITS_CAPACITY))
        let status = digits.withCString { parse(Int32(code), $0, digits.utf8.count, &e164, &national) }
        func text(_ buffer: [CChar]) -> String {
            status == VERIFYD_PHONE_OK
                ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
        }
        return Answer(status: status.rawValue, e164: text(e164), national: text(national))
    }

    /// SplitMix64: the same inputs on every run.
    private struct Digits {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func string(length: Int) -> String {
            String((0..<length).map { _ in Character(String(next() % 10)) })
        }
    }

    @Test func theFastPathAnswersAsLibphonenumbersParseForEveryInput() {
        var inputs: [(Int, String)] = [
            (44, "07911123456"), (44, "7911123456"), (39, "0612345678"), (39, "00000000"), (39, "312345678"),
            (54, "91123456789"), (54, "01115123456"), (54, "0111512345678"), (52, "15512345678"), (52, "0445512345678"),
            (7, "89161234567"), (7, "9161234567"), (1, "2025550100"), (1, "12025550100"), (86, "13800138000"),
            (86, "013800138000"), (800, "12345678"), (882, "123456789"), (33, "0612345678"), (49, "015112345678"),
            (61, "0412345678"), (55, "011987654321"), (55, "11987654321"), (852, "91234567"), (1, "1"), (1, "22"),
        ]
        var random = Digits()
        for code in 1...999 where verifyd_phone_is_assigned_calling_code(Int32(code)) == 1 {
            for length in 1...20 {
                for prefix in ["", "", "", "0", "00", "1", "8", "9", "15"] {
                    inputs.append((code, prefix + random.string(length: length)))
                }
            }
        }
        var statuses: [UInt32: Int] = [:]
        var stripped = 0
        var differences: [String] = []
        for (code, digits) in inputs {
            let fast = Self.answer(verifyd_phone_parse, code, digits)
            let reference = Self.answer(verifyd_phone_parse_reference, code, digits)
            statuses[fast.status, default: 0] += 1
            if fast.status == VERIFYD_PHONE_OK.rawValue, fast.national != digits { stripped += 1 }
            if fast != reference { differences.append("+\(code) \(digits): \(fast), Parse: \(reference)") }
        }
        #expect(differences.isEmpty, "\(differences.count) of \(inputs.count) differ: \(differences.prefix(5))")
        // The inputs reach every outcome, valid numbers among them, some of them with a trunk prefix taken off.
        #expect(statuses[VERIFYD_PHONE_OK.rawValue, default: 0] > 500, "\(statuses)")
        #expect(stripped > 50, "\(stripped) valid numbers lost a prefix")
        #expect(statuses[VERIFYD_PHONE_INVALID_NUMBER.rawValue, default: 0] > 1000, "\(statuses)")
        #expect(statuses[VERIFYD_PHONE_NOT_A_NUMBER.rawValue, default: 0] > 100, "\(statuses)")
    }
}
