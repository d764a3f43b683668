import Logging

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

    /// 16 random hex digits.
    static func generate() -> String {
        var rng = SystemRandomNumberGenerator()
        let hex = String(rng.next() as UInt64, radix: 16)  // one getrandom call per id
        return String(repeating: "0", count: 16 - hex.utf8.count) + hex
    }
}
