/// One JSON value as the request parser needs to see it: enough to tell missing, wrong type and numbers apart.
enum JSONScalar: Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    /// An object or an array.
    case structured

    /// True for null and for strings that are empty after trimming: what Fresns treats as "not given".
    var isBlank: Bool {
        switch self {
        case .null: return true
        case .string(let s):
            // Most values start with a visible ASCII byte: no need to walk their Characters.
            if let first = s.utf8.first, first > 0x20, first < 0x80 { return false }
            return s.allSatisfy(\.isWhitespace)
        default: return false
        }
    }

    /// The value as an integer: JSON integers, integral numbers, and strings of ASCII digits (with an optional sign).
    var integer: Int? {
        switch self {
        case .integer(let i): return Int(exactly: i)
        case .number(let d): return d.rounded() == d && abs(d) < 1e15 ? Int(d) : nil
        case .string(let s):
            let body = s.hasPrefix("-") || s.hasPrefix("+") ? s.dropFirst() : Substring(s)
            guard (1...15).contains(body.utf8.count), body.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
            return Int(s)
        default: return nil
        }
    }
}
