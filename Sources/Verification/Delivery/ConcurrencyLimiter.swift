import Synchronization

/// At most `limit` calls at once (the worker's provider calls for one driver).
///
/// A lock, not an actor: a call that finds a free slot takes it without leaving its executor; only a call that has
/// to wait suspends, and a finishing call hands its slot to the longest waiting one.
public final class ConcurrencyLimiter: Sendable {
    private let limit: Int
    private let state = Mutex((running: 0, waiting: [CheckedContinuation<Void, Never>]()))

    /// A limiter of `limit` calls at once (at least 1).
    public init(limit: Int) { self.limit = max(1, limit) }

    /// Runs `operation` when a slot is free.
    public func run<T: Sendable>(_ operation: @Sendable () async throws -> T) async rethrows -> T {
        if !acquire(orQueue: nil) {
            await withCheckedContinuation { continuation in
                if acquire(orQueue: continuation) { continuation.resume() }
            }
        }
        defer { release() }
        return try await operation()
    }

    /// Takes a free slot (true), or queues `waiter`, when given, for the next slot let go (false).
    private func acquire(orQueue waiter: CheckedContinuation<Void, Never>?) -> Bool {
        state.withLock { state in
            guard state.running < limit else {
                if let waiter { state.waiting.append(waiter) }
                return false
            }
            state.running += 1
            return true
        }
    }

    /// Hands the slot to the longest waiting call, or frees it.
    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiting.isEmpty else {
                state.running -= 1
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}
