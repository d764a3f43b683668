/// Which key decides the cluster node of a command: nil for keyless commands, which any primary may serve.
///
/// EVAL/EVALSHA (and FCALL): the first key after numkeys. XREAD/XREADGROUP: the first key after `STREAMS`.
/// XGROUP/XINFO/OBJECT/MEMORY: the argument after the subcommand. Server and connection commands: none.
/// Every other command: its first argument.
enum RoutingKey {
    /// The routing key of `command`, or nil when any primary may serve it.
    static func of(_ command: RedisCommand) -> RedisArgument? {
        let arguments = command.arguments
        guard arguments.count > 1 else { return nil }
        let name = command.name
        switch name {
        case "EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO":
            guard arguments.count > 3, let keys = arguments[2].integerValue, keys > 0 else { return nil }
            return arguments[3]
        case "XREAD", "XREADGROUP":
            guard let streams = arguments.firstIndex(where: { $0.isWord("STREAMS") }), streams + 1 < arguments.count
            else { return nil }
            return arguments[streams + 1]
        case "XGROUP", "XINFO", "OBJECT", "MEMORY":
            return arguments.count > 2 ? arguments[2] : nil
        default:
            return keyless.contains(name) ? nil : arguments[1]
        }
    }

    /// The hash slot of `command`'s routing key, or nil for a keyless command.
    static func slot(of command: RedisCommand) -> Int? {
        of(command).map(slot(ofKey:))
    }

    /// The hash slot of one key.
    static func slot(ofKey key: RedisArgument) -> Int {
        switch key {
        case .string(let text): return HashSlot.of(text)
        case .bytes(let bytes): return HashSlot.of(bytes)
        case .integer(let number): return HashSlot.of(String(number))
        }
    }

    /// Commands that name no key.
    private static let keyless: Set<String> = [
        "PING", "ECHO", "TIME", "INFO", "SCRIPT", "FUNCTION", "CLUSTER", "DBSIZE", "CLIENT", "WAIT", "WAITAOF",
        "CONFIG", "COMMAND", "HELLO", "AUTH", "SELECT", "ACL", "ASKING", "READONLY", "READWRITE", "LASTSAVE",
        "RANDOMKEY", "SCAN", "FLUSHALL", "FLUSHDB", "SLOWLOG", "LATENCY", "MULTI", "EXEC", "DISCARD", "UNWATCH",
        "PUBLISH", "SAVE", "BGSAVE", "BGREWRITEAOF", "ROLE", "LOLWUT", "QUIT", "RESET", "SWAPDB", "KEYS",
    ]
}

extension RedisArgument {
    /// The argument as a number: integers, and strings holding a decimal integer.
    fileprivate var integerValue: Int64? {
        switch self {
        case .integer(let number): return number
        case .string(let text): return Int64(text)
        case .bytes(let bytes): return Int64(String(decoding: bytes, as: UTF8.self))
        }
    }

    /// Whether the argument is `word`, ignoring case.
    fileprivate func isWord(_ word: String) -> Bool {
        if case .string(let text) = self { return text.uppercased() == word }
        if case .bytes(let bytes) = self { return String(decoding: bytes, as: UTF8.self).uppercased() == word }
        return false
    }
}
