import Crypto

/// How the mirror names the key of a login token (`verify:token:<aid>:<name>`).
public enum TokenNaming: String, Sendable, Equatable, CaseIterable {
    /// The token itself (Fresns' plaintext token).
    case plain
    /// The lowercase hex SHA-256 of the token's UTF-8 bytes: tokens stay out of key names (`SCAN`, `MONITOR`).
    case sha256

    /// The key name part for `token`.
    public func name(of token: String) -> String {
        switch self {
        case .plain: return token
        case .sha256: return SHA256.hash(data: Array(token.utf8)).withUnsafeBytes { Hex.encode($0) }
        }
    }
}
