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

/// At most `limit` provider calls at once for one driver.
actor ConcurrencyLimiter {
    private let limit: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { self.limit = max(1, limit) }

    /// Runs `operation` when a slot is free.
    func run<T: Sendable>(_ operation: @Sendable () async throws -> T) async rethrows -> T {
        if running >= limit { await withCheckedContinuation { waiting.append($0) } } else { running += 1 }
        defer {
            if waiting.isEmpty { running -= 1 } else { waiting.removeFirst().resume() }
        }
        return try await operation()
    }
}

/// The entries a worker holds (delivering or waiting to retry), so it reads no more than it can handle and
/// keeps them from being taken over.
actor InFlightEntries {
    private(set) var ids: Set<String> = []
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// How many entries are held.
    var count: Int { ids.count }

    /// Holds `id`; false when it is already held (a claim of an entry this worker is still delivering).
    func add(_ id: String) -> Bool { ids.insert(id).inserted }

    /// Lets go of `id`.
    func remove(_ id: String) {
        ids.remove(id)
        for waiter in waiting { waiter.resume() }
        waiting.removeAll()
    }

    /// Returns once fewer than `limit` entries are held.
    func waitBelow(_ limit: Int) async {
        while count >= limit { await withCheckedContinuation { waiting.append($0) } }
    }
}
