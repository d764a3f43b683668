/// When to retry a transient failure: exponential from `base`, jittered ±25 %, at most `maximum`.
public struct RetryPolicy: Sendable, Equatable {
    /// The delay before the first retry (about 1 s by default).
    public var base: Duration
    /// The longest delay.
    public var maximum: Duration
    /// Attempts in all, the first included.
    public var maxAttempts: Int

    /// A policy; defaults: 1 s, 30 s, 5 attempts.
    public init(base: Duration = .seconds(1), maximum: Duration = .seconds(30), maxAttempts: Int = 5) {
        self.base = base
        self.maximum = maximum
        self.maxAttempts = maxAttempts
    }

    /// The delay after failed attempt `attempt` (1-based).
    public func delay(afterAttempt attempt: Int) -> Duration {
        let exponent = min(max(attempt - 1, 0), 20)
        let ceiling = min(maximum, base * (1 << exponent))
        return ceiling * Double.random(in: 0.75...1.25)
    }
}
