/// Format rules for addresses, applied before anything reaches Redis or a provider.
public enum AddressFormat {
    /// The canonical email, or nil when it is not a plausible address: trimmed; exactly one `@`; the local part
    /// lowercased, in NFC, at most 64 bytes; the domain in its ASCII form (IDNA 2008), dotted, lowercased; at most
    /// 254 bytes; no whitespace, control, invisible character or `{ } < > "` (see `EmailNormalization`).
    public static func email(_ raw: String) -> String? {
        let value = raw.trimmingSpaces()
        guard (3...EmailNormalization.maxInputBytes).contains(value.utf8.count),
            // By its byte: a search by Character breaks the text into grapheme clusters first.
            let at = value.utf8.firstIndex(of: UInt8(ascii: "@")),
            let local = EmailNormalization.localPart(value[..<at]),
            let domain = EmailNormalization.domain(value[value.index(after: at)...])
        else { return nil }
        let email = local + "@" + domain
        return email.utf8.count <= 254 ? email : nil
    }

    /// The canonical (ASCII, IDNA 2008) form of an email domain, as the blocked domains and targets hold it, or nil.
    public static func emailDomain(_ raw: String) -> String? { EmailNormalization.domain(Substring(raw)) }

    /// The canonical phone of a country calling code and a national number (see `PhoneNumberRules`), or 34103 for an
    /// unassigned code and 34102 for anything that is not a valid number of that country.
    public static func phone(countryCode: Int, number raw: String) -> Result<PhoneNumberRules.Canonical, ResultCode> {
        PhoneNumberRules.canonical(countryCode: countryCode, national: raw)
    }

    /// Whether a country calling code is an assigned one.
    public static func isCountryCode(_ code: Int) -> Bool { PhoneNumberRules.isAssigned(code) }
}
