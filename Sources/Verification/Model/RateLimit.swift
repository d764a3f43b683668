import Foundation

/// One rate limit: at most `count` accepted sends per target in any rolling window of `window` seconds.
public struct RateLimit: Sendable, Hashable, CustomStringConvertible {
    public let count: Int
    public let window: Int

    /// A limit: a count of 1 to 1,000,000 and a window of one second to 31 days.
    public init?(count: Int, window: Int) {
        guard count > 0, count <= 1_000_000, window > 0, window <= 31 * 86400 else { return nil }
        self.count = count
        self.window = window
    }

    public var description: String { "\(count)/\(window)" }

    /// The largest count of a limit kept as an exact log (a target's, a mailbox's): the log holds that many times.
    public static let maxLoggedCount = 1000

    /// The Fresns limits: 1 per minute and 5 per 10 minutes.
    public static let fresnsDefault = [RateLimit(count: 1, window: 60)!, RateLimit(count: 5, window: 600)!]

    /// Parses `count/seconds` pairs separated by commas, for example `1/60,5/600`.
    public static func parseList(_ text: String) -> [RateLimit]? {
        var limits: [RateLimit] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pair = part.split(separator: "/")
            guard pair.count == 2,
                let count = Int(pair[0].trimmingCharacters(in: .whitespaces)),
                let window = Int(pair[1].trimmingCharacters(in: .whitespaces)),
                let limit = RateLimit(count: count, window: window)
            else { return nil }
            limits.append(limit)
        }
        return limits.isEmpty ? nil : limits
    }
}
