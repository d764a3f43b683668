import Logging
import Synchronization

/// The request id: the incoming `X-Request-Id` when it is sane, otherwise a new one; echoed in the response
/// and attached to every log line written while the request runs.
public enum RequestID {
    /// The header that carries it, both ways.
    static let header = "X-Request-Id"

    /// The id of the request the current task serves, for log metadata.
    @TaskLocal public static var current: String?

    /// Adds `request_id` to every log line written inside a request.
    public static let metadataProvider = Logger.MetadataProvider {
        guard let id = RequestID.current else { return [:] }
        return ["request_id": .string(id)]
    }

    /// The id of a request that came with `given` (the header's value, if any).
    static func of(_ given: String?) -> String {
        given.flatMap(sanitized) ?? generate()
    }

    /// An incoming id is kept when it is 1–128 characters of `[A-Za-z0-9._-]`.
    static func sanitized(_ value: String) -> String? {
        guard (1...128).contains(value.utf8.count),
            value.utf8.allSatisfy({
                ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 46
                    || $0 == 95
            })
        else { return nil }
        return value
    }

    /// 16 hex digits, distinct within the process and unlikely to repeat across instances: a counter mixed with a
    /// random key of the process (SplitMix64's finalizer, a bijection). An id needs to be unique, not secret, so it
    /// costs no system call (each `getrandom` did).
    static func generate() -> String {
        var z = processKey &+ counter.wrappingAdd(1, ordering: .relaxed).oldValue &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        let hex = String(z, radix: 16)
        return String(repeating: "0", count: 16 - hex.utf8.count) + hex
    }

    private static let processKey = UInt64.random(in: .min ... .max)
    private static let counter = Atomic<UInt64>(0)
}
