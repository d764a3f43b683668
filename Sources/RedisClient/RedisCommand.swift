/// One argument of a Redis command: binary safe.
public enum RedisArgument: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case string(String)
    case bytes([UInt8])
    case integer(Int64)

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }

    /// Appends the bytes sent on the wire for this argument (no intermediate array).
    func appendWireBytes(to blob: inout [UInt8]) {
        switch self {
        case .string(let s): blob.append(contentsOf: s.utf8)
        case .bytes(let b): blob.append(contentsOf: b)
        case .integer(let i): blob.append(contentsOf: String(i).utf8)  // a small string: no heap allocation
        }
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
