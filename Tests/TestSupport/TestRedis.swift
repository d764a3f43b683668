import Foundation

/// Where an end-to-end test's Redis runs. Suites that verifyd must pass on both take it as an argument.
public enum RedisBackend: String, Sendable, CustomStringConvertible {
    /// One `redis-server`.
    case standalone
    /// A cluster of three primaries, each with a third of the slots.
    case cluster
    /// A cluster of three primaries, each with a replica, for failover.
    case clusterWithReplicas

    /// The backends that every end-to-end suite runs on.
    public static let endToEnd: [RedisBackend] = [.standalone, .cluster]

    public var description: String { rawValue }
}

/// A started Redis of either kind, stopped with `stop()`.
public final class TestRedis: Sendable {
    /// The standalone server, or nil for a cluster.
    public let server: RedisServer?
    /// The cluster, or nil for a standalone server.
    public let cluster: RedisCluster?

    /// `redis://…` or `redis+cluster://…`.
    public var url: String { server?.url ?? cluster?.url ?? "" }

    private init(server: RedisServer?, cluster: RedisCluster?) {
        self.server = server
        self.cluster = cluster
    }

    /// Starts a Redis of `backend`'s kind; `arguments` go to a standalone server only.
    public static func start(_ backend: RedisBackend, arguments: [String] = []) async throws -> TestRedis {
        switch backend {
        case .standalone: return TestRedis(server: try await RedisServer.start(arguments: arguments), cluster: nil)
        case .cluster: return TestRedis(server: nil, cluster: try await RedisCluster.start(primaries: 3))
        case .clusterWithReplicas:
            return TestRedis(server: nil, cluster: try await RedisCluster.start(primaries: 3, replicasPerPrimary: 1))
        }
    }

    /// Stops every process.
    public func stop() {
        server?.stop()
        cluster?.stop()
    }
}
