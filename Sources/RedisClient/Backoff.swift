/// Exponential reconnect delays with jitter, so many instances do not reconnect in lockstep.
struct Backoff: Sendable {
    var base: Duration = .milliseconds(25)
    var maximum: Duration

    /// The delay before attempt `attempt` (1-based): a random value in [½, 1] of min(max, base·2^(attempt-1)).
    func delay(attempt: Int) -> Duration {
        let exponent = min(max(attempt - 1, 0), 16)
        let ceiling = min(maximum, base * (1 << exponent))
        return ceiling * Double.random(in: 0.5...1.0)
    }
}
