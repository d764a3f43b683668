import NIOConcurrencyHelpers
import ServiceLifecycle

/// Whether the process is stopping; `/health/ready` answers 503 once it is.
public final class Readiness: Sendable {
    private let stopping = NIOLockedValueBox(false)

    /// Ready until told otherwise.
    public init() {}

    /// True once graceful shutdown began.
    public var isStopping: Bool { stopping.withLockedValue { $0 } }

    /// Marks the process as stopping.
    public func markStopping() { stopping.withLockedValue { $0 = true } }
}

/// The first service to hear of graceful shutdown: marks the process not ready, then waits `drainDelay`
/// so load balancers stop sending before the HTTP server stops accepting.
public struct ShutdownAnnouncer: Service {
    let readiness: Readiness
    let drainDelay: Duration

    /// An announcer for `readiness`.
    public init(readiness: Readiness, drainDelay: Duration) {
        self.readiness = readiness
        self.drainDelay = drainDelay
    }

    public func run() async throws {
        try? await gracefulShutdown()
        readiness.markStopping()
        if drainDelay > .zero { try? await Task.sleep(for: drainDelay) }
    }
}
