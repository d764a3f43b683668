import RedisClient

/// Redis answered, but not as verifyd expects: a script error, a mirror key of the wrong type (written badly by
/// the main application), or a reply of an unexpected shape. Answered 500 (39500), unlike an unreachable Redis
/// (503). It names the kind of key, never an address.
public struct StoreFault: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of key or script involved, e.g. `mirror account`, `send script`.
    public let keyKind: String
    /// What Redis said, or what was wrong with its reply.
    public let detail: String

    /// A fault about `keyKind`.
    public init(keyKind: String, detail: String) {
        self.keyKind = keyKind
        self.detail = detail
    }

    public var description: String { "\(keyKind): \(detail)" }

    /// Runs `body`, turning a Redis error reply (`WRONGTYPE`, a Lua error) or a protocol error into a fault about
    /// `keyKind`; connectivity errors pass unchanged.
    public static func about<T>(_ keyKind: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as RedisError where !error.isConnectivity {
            switch error {
            case .server(let message): throw StoreFault(keyKind: keyKind, detail: message)
            default: throw StoreFault(keyKind: keyKind, detail: "\(error)")
            }
        }
    }
}
