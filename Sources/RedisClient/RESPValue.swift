/// A reply from Redis (RESP2), as parsed by hiredis.
public enum RESPValue: Sendable, Hashable {
    case simpleString(String)
    case error(String)
    case integer(Int64)
    case bulkString([UInt8])
    case null
    case array([RESPValue])

    /// The value as text: simple strings and bulk strings decoded as UTF-8, integers printed.
    public var string: String? {
        switch self {
        case .simpleString(let s): return s
        case .bulkString(let b): return String(decoding: b, as: UTF8.self)
        case .integer(let i): return String(i)
        default: return nil
        }
    }

    /// The value as an integer: integers, and strings holding a decimal integer.
    public var int: Int64? {
        switch self {
        case .integer(let i): return i
        case .bulkString, .simpleString: return string.flatMap { Int64($0) }
        default: return nil
        }
    }

    /// The raw bytes of a bulk or simple string.
    public var bytes: [UInt8]? {
        switch self {
        case .bulkString(let b): return b
        case .simpleString(let s): return Array(s.utf8)
        default: return nil
        }
    }

    /// The elements of an array reply.
    public var array: [RESPValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// An array of alternating names and values (HGETALL, stream entry fields) as a dictionary; nil otherwise.
    public var fieldMap: [String: String]? {
        guard let items = array else { return nil }
        var fields: [String: String] = [:]
        fields.reserveCapacity(items.count / 2)
        var index = 0
        while index + 1 < items.count {
            if let name = items[index].string { fields[name] = items[index + 1].string ?? "" }
            index += 2
        }
        return fields
    }

    /// True for the null bulk string or null array.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}
