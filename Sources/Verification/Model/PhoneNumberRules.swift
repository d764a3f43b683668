import CPhoneNumberShim

/// Phone numbers by their country's rules (libphonenumber, through `CPhoneNumberShim`).
///
/// A national number is ASCII digits or fullwidth digits (U+FF10–U+FF19, which some phone keyboards send), at most
/// `maxDigits` of them, without spaces, separators or `+`; anything else is refused before the library sees it.
/// The library then strips the country's trunk prefix (a UK `07911…` is `7911…`), checks the length and the number
/// ranges, and answers the canonical E.164 form.
public enum PhoneNumberRules {
    /// The canonical form of a valid number.
    public struct Canonical: Sendable, Equatable {
        /// The E.164 digits without `+`: the country calling code followed by the national significant number.
        public let e164: String
        /// The national significant number (no trunk prefix; an Italian fixed line keeps its leading 0).
        public let national: String
    }

    /// The most digits a national number may have, trunk prefix included (E.164 numbers have at most 15).
    public static let maxDigits = 20

    /// Whether a country calling code is assigned (libphonenumber has rules for it: a country, a group of them, or a
    /// non-geographic service such as 800). Assigned codes are prefix-free, so code and number join unambiguously.
    public static func isAssigned(_ countryCode: Int) -> Bool {
        guard (1...999).contains(countryCode) else { return false }
        return verifyd_phone_is_assigned_calling_code(Int32(countryCode)) == 1
    }

    /// The canonical number, or 34103 (unassigned country code) or 34102 (not digits, or no such number).
    public static func canonical(countryCode: Int, national raw: String) -> Result<Canonical, ResultCode> {
        guard let digits = asciiDigits(raw.trimmingSpaces()) else { return .failure(.phoneFormat) }
        guard (1...999).contains(countryCode) else { return .failure(.countryCode) }
        var e164 = [CChar](repeating: 0, count: Int(VERIFYD_PHONE_DIGITS_CAPACITY))
        var national = [CChar](repeating: 0, count: Int(VERIFYD_PHONE_DIGITS_CAPACITY))
        let status = digits.withUnsafeBufferPointer { input in
            input.withMemoryRebound(to: CChar.self) { chars in
                verifyd_phone_parse(Int32(countryCode), chars.baseAddress, chars.count, &e164, &national)
            }
        }
        switch status {
        case VERIFYD_PHONE_OK:
            return .success(Canonical(e164: string(e164), national: string(national)))
        case VERIFYD_PHONE_INVALID_COUNTRY_CODE: return .failure(.countryCode)
        default: return .failure(.phoneFormat)
        }
    }

    /// The digits as ASCII bytes, or nil when the value is empty, too long, or holds anything but digits.
    static func asciiDigits(_ value: String) -> [UInt8]? {
        // Fullwidth digits take 3 UTF-8 bytes each: a longer string cannot be `maxDigits` digits.
        guard !value.isEmpty, value.utf8.count <= maxDigits * 3 else { return nil }
        var digits: [UInt8] = []
        digits.reserveCapacity(maxDigits)
        for scalar in value.unicodeScalars {
            switch scalar.value {
            case 0x30...0x39: digits.append(UInt8(scalar.value))
            case 0xFF10...0xFF19: digits.append(UInt8(scalar.value - 0xFF10 + 0x30))
            default: return nil
            }
        }
        return digits.count <= maxDigits ? digits : nil
    }

    private static func string(_ buffer: [CChar]) -> String {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
