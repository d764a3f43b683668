/// A strict JSON (RFC 8259) reader for flat bodies: one object whose members become `JSONScalar`s.
///
/// Nested objects and arrays are checked without recursion (at most `maxDepth` deep) and kept as `.structured`.
/// Invalid UTF-8, unpaired surrogates, control characters in strings and anything after the object fail.
/// Of duplicate members the last one wins. About ten times cheaper than `JSONDecoder` on request bodies.
enum JSONObjectReader {
    /// How deep nested values may go inside the object.
    static let maxDepth = 64

    /// The members of the JSON object in `bytes`, or nil when `bytes` is not exactly one valid JSON object.
    static func members(_ bytes: some Collection<UInt8>) -> [String: JSONScalar]? {
        if let result = bytes.withContiguousStorageIfAvailable({ parse($0) }) { return result }
        return Array(bytes).withUnsafeBufferPointer { parse($0) }
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> [String: JSONScalar]? {
        var scanner = JSONScanner(bytes: bytes)
        do {
            scanner.skipWhitespace()
            let object = try scanner.object()
            scanner.skipWhitespace()
            return scanner.atEnd ? object : nil
        } catch {
            return nil
        }
    }
}

/// Not valid JSON.
struct JSONSyntaxError: Error {}

/// A cursor over JSON text; every method consumes what it reads or throws `JSONSyntaxError`.
private struct JSONScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    var atEnd: Bool { index == bytes.count }

    mutating func skipWhitespace() {
        while index < bytes.count,
            bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09
        {
            index += 1
        }
    }

    mutating func expect(_ byte: UInt8) throws(JSONSyntaxError) {
        guard index < bytes.count, bytes[index] == byte else { throw JSONSyntaxError() }
        index += 1
    }

    mutating func object() throws(JSONSyntaxError) -> [String: JSONScalar] {
        try expect(UInt8(ascii: "{"))
        // Room for a request's members from the start: growing from empty rehashes every member at 1, 2 and 4.
        var members: [String: JSONScalar] = Dictionary(minimumCapacity: 8)
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return members
        }
        while true {
            skipWhitespace()
            let name = try string()
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            members[name] = try value()
            skipWhitespace()
            guard index < bytes.count else { throw JSONSyntaxError() }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else {
                try expect(UInt8(ascii: "}"))
                return members
            }
        }
    }

    mutating func value() throws(JSONSyntaxError) -> JSONScalar {
        guard index < bytes.count else { throw JSONSyntaxError() }
        switch bytes[index] {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            try skipNested()
            return .structured
        default:
            return try scalar()
        }
    }

    mutating func scalar() throws(JSONSyntaxError) -> JSONScalar {
        guard index < bytes.count else { throw JSONSyntaxError() }
        switch bytes[index] {
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        default: return try number()
        }
    }

    /// Checks an object or array, without recursion, and moves past it.
    mutating func skipNested() throws(JSONSyntaxError) {
        var closers: [UInt8] = []
        var needValue = true
        while true {
            skipWhitespace()
            guard index < bytes.count else { throw JSONSyntaxError() }
            let byte = bytes[index]
            if needValue {
                if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
                    guard closers.count < JSONObjectReader.maxDepth else { throw JSONSyntaxError() }
                    index += 1
                    closers.append(byte == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]"))
                    skipWhitespace()
                    if index < bytes.count, bytes[index] == closers.last {
                        index += 1
                        closers.removeLast()
                        needValue = false
                    } else if closers.last == UInt8(ascii: "}") {
                        try memberName()
                    }
                } else {
                    _ = try scalar()
                    needValue = false
                }
            } else if byte == UInt8(ascii: ",") {
                index += 1
                if closers.last == UInt8(ascii: "}") {
                    skipWhitespace()
                    try memberName()
                }
                needValue = true
            } else {
                guard byte == closers.last else { throw JSONSyntaxError() }
                index += 1
                closers.removeLast()
            }
            if !needValue, closers.isEmpty { return }
        }
    }

    /// A member's name and its colon.
    mutating func memberName() throws(JSONSyntaxError) {
        _ = try string()
        skipWhitespace()
        try expect(UInt8(ascii: ":"))
    }

    mutating func literal(_ word: StaticString) throws(JSONSyntaxError) {
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count else { throw JSONSyntaxError() }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { throw JSONSyntaxError() }
        index += count
    }

    mutating func number() throws(JSONSyntaxError) -> JSONScalar {
        let start = index
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard digit() else { throw JSONSyntaxError() }
        if bytes[index] == UInt8(ascii: "0") { index += 1 } else { skipDigits() }
        var integral = true
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            integral = false
            index += 1
            guard digit() else { throw JSONSyntaxError() }
            skipDigits()
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            integral = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard digit() else { throw JSONSyntaxError() }
            skipDigits()
        }
        let negative = bytes[start] == UInt8(ascii: "-")
        let digits = (negative ? start + 1 : start)..<index
        if integral, digits.count <= 18 {  // 18 digits always fit in an Int64: no text, no overflow check
            var value: Int64 = 0
            for position in digits { value = value * 10 + Int64(bytes[position] &- UInt8(ascii: "0")) }
            return .integer(negative ? -value : value)
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        if integral, let value = Int64(text) { return .integer(value) }
        guard let value = Double(text) else { throw JSONSyntaxError() }
        return .number(value)
    }

    private func digit() -> Bool {
        index < bytes.count && bytes[index] >= UInt8(ascii: "0") && bytes[index] <= UInt8(ascii: "9")
    }

    private mutating func skipDigits() {
        while digit() { index += 1 }
    }

    mutating func string() throws(JSONSyntaxError) -> String {
        try expect(UInt8(ascii: "\""))
        let start = index
        var escaped = false
        var ascii = true
        while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
            guard bytes[index] >= 0x20 else { throw JSONSyntaxError() }
            if bytes[index] >= 0x80 { ascii = false }
            if bytes[index] == UInt8(ascii: "\\") {
                escaped = true
                index += 1
            }
            index += 1
        }
        guard index < bytes.count else { throw JSONSyntaxError() }
        let raw = UnsafeBufferPointer(rebasing: bytes[start..<index])
        index += 1
        // ASCII is valid UTF-8: the common case skips `String(validating:)`, which is generic over the encoding and
        // looks up type metadata at run time on every call.
        if ascii && !escaped { return String(decoding: raw, as: UTF8.self) }
        let text =
            escaped ? String(validating: try Self.unescape(raw), as: UTF8.self) : String(validating: raw, as: UTF8.self)
        guard let text else { throw JSONSyntaxError() }
        return text
    }

    /// The bytes of a string's body with its escapes resolved (`\uXXXX` as UTF-8, surrogates paired).
    private static func unescape(_ raw: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = 0
        while i < raw.count {
            let byte = raw[i]
            i += 1
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                continue
            }
            guard i < raw.count else { throw JSONSyntaxError() }
            let kind = raw[i]
            i += 1
            switch kind {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(kind)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var unit = try hex4(raw, at: &i)
                if (0xD800...0xDBFF).contains(unit) {
                    guard raw.count - i >= 6, raw[i] == UInt8(ascii: "\\"), raw[i + 1] == UInt8(ascii: "u") else {
                        throw JSONSyntaxError()
                    }
                    i += 2
                    let low = try hex4(raw, at: &i)
                    guard (0xDC00...0xDFFF).contains(low) else { throw JSONSyntaxError() }
                    unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(unit) else { throw JSONSyntaxError() }
                out.append(contentsOf: Unicode.UTF8.encode(scalar)!)
            default:
                throw JSONSyntaxError()
            }
        }
        return out
    }

    private static func hex4(_ raw: UnsafeBufferPointer<UInt8>, at i: inout Int) throws(JSONSyntaxError) -> UInt32 {
        guard raw.count - i >= 4 else { throw JSONSyntaxError() }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = raw[i]
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = byte - UInt8(ascii: "A") + 10
            default: throw JSONSyntaxError()
            }
            value = value << 4 | UInt32(nibble)
            i += 1
        }
        return value
    }
}
