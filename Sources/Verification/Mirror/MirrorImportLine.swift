/// One line of a `verifyd mirror import` file: `{"aid":"…","email":"…","countryCode":86,"purePhone":"…"}`.
public enum MirrorImportLine {
    /// The account on the line, or why it is skipped.
    public static func parse(_ line: Substring) -> Result<MirrorWriter.Account, MirrorError> {
        guard let object = JSONObjectReader.members(line.utf8) else {
            return .failure(MirrorError("not a JSON object"))
        }
        guard case .string(let aid)? = object["aid"] else {
            return .failure(MirrorError("aid missing or not a string"))
        }
        func text(_ key: String) -> Result<String?, MirrorError> {
            switch object[key] {
            case nil, .null?: return .success(nil)
            case .string(let s)?: return .success(s)
            case .integer(let i)?: return .success(String(i))
            default: return .failure(MirrorError("\(key) must be a string"))
            }
        }
        let email: String?
        let phone: String?
        switch (text("email"), text("purePhone")) {
        case (.success(let e), .success(let p)): (email, phone) = (e, p)
        case (.failure(let error), _), (_, .failure(let error)): return .failure(error)
        }
        var countryCode: Int?
        if let value = object["countryCode"], !value.isBlank {
            guard let number = value.integer else { return .failure(MirrorError("countryCode must be a number")) }
            countryCode = number
        }
        return MirrorWriter.Account.validated(aid: aid, email: email, countryCode: countryCode, purePhone: phone)
    }
}
