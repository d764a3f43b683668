/// One argument of a Redis command: binary safe.
public enum RedisArgument: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case string(String)
    case bytes([UInt8])
    case integer(Int64)

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }

    /// How many bytes this argument is on the wire.
    var wireLength: Int {
        switch self {
        case .string(let s): s.utf8.count
        case .bytes(let b): b.count
        case .integer(let i): (i < 0 ? 1 : 0) + RESPCommandEncoder.decimalLength(i.magnitude)
        }
    }

    /// Writes this argument's `wireLength` bytes at `start`; returns the end.
    func writeWireBytes(at start: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        switch self {
        case .string(var s):
            return s.withUTF8 { bytes in copy(bytes, to: start) }
        case .bytes(let b):
            return b.withUnsafeBufferPointer { bytes in copy(bytes, to: start) }
        case .integer(let i):
            guard i < 0 else { return RESPCommandEncoder.writeDecimal(i.magnitude, at: start) }
            start.pointee = UInt8(ascii: "-")
            return RESPCommandEncoder.writeDecimal(i.magnitude, at: start + 1)
        }
    }

    private func copy(_ bytes: UnsafeBufferPointer<UInt8>, to start: UnsafeMutablePointer<UInt8>)
        -> UnsafeMutablePointer<UInt8>
    {
        if let base = bytes.baseAddress { start.update(from: base, count: bytes.count) }
        return start + bytes.count
    }
}

/// A Redis command: its name and arguments.
public struct RedisCommand: Sendable, Hashable {
    /// The name followed by the arguments.
    public var arguments: [RedisArgument]

    /// A command such as `RedisCommand("SET", ["key", .bytes(value)])`.
    public init(_ name: String, _ arguments: [RedisArgument] = []) {
        self.arguments = [.string(name)] + arguments
    }

    /// A command whose name is the first of `all`.
    init(all: [RedisArgument]) {
        self.arguments = all
    }

    /// The command name, uppercased, for logs and metrics.
    public var name: String {
        if case .string(let s) = arguments.first { return s.uppercased() }
        return "?"
    }
}
