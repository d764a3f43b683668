/// One argument of a Redis command: binary safe.
public enum RedisArgument: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case string(String)
    case bytes([UInt8])
    case integer(Int64)

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }

    /// The bytes sent on the wire for this argument.
    var wireBytes: [UInt8] {
        switch self {
        case .string(let s): return Array(s.utf8)
        case .bytes(let b): return b
        case .integer(let i): return Array(String(i).utf8)
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

    /// The command name, uppercased, for logs and metrics.
    public var name: String {
        if case .string(let s) = arguments.first { return s.uppercased() }
        return "?"
    }
}
