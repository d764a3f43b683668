/// Everything that can go wrong talking to Redis.
public enum RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Redis answered with an error reply (`-ERR …`, `-NOSCRIPT …`).
    case server(String)
    /// No connection to Redis is up; the call failed at once instead of waiting.
    case unavailable
    /// The command's deadline passed; its connection was closed.
    case timeout
    /// The connection closed before the reply arrived.
    case connectionClosed
    /// Too many commands are pending on the connection; the call was refused.
    case overloaded
    /// The cluster answered CLUSTERDOWN or TRYAGAIN until the command's deadline: a slot is not served now.
    case clusterDown
    /// Redis sent bytes that are not RESP.
    case protocolError(String)
    /// The configuration (URL) is invalid.
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .server(let message): return "redis error: \(message)"
        case .unavailable: return "redis unavailable"
        case .timeout: return "redis command timed out"
        case .connectionClosed: return "redis connection closed"
        case .overloaded: return "too many pending redis commands"
        case .clusterDown: return "redis cluster down for the key's slot"
        case .protocolError(let message): return "redis protocol error: \(message)"
        case .invalidConfiguration(let message): return "invalid redis configuration: \(message)"
        }
    }

    /// True when the failure is about reaching Redis rather than the command itself.
    public var isConnectivity: Bool {
        switch self {
        case .server, .invalidConfiguration, .protocolError: return false
        default: return true
        }
    }
}
