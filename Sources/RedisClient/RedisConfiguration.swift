import Foundation

/// Where and how to reach Redis, parsed from a URL.
///
/// Forms: `redis://[:password@]host[:port][/db]`, `redis://user:password@host:port/db`,
/// `unix:///path/to/redis.sock` (optionally `?db=N&password=…&user=…`), and for a Redis Cluster
/// `redis+cluster://[user:password@]host:port[,host:port…]` (its seed nodes; database 0 only).
public struct RedisConfiguration: Sendable, Equatable {
    /// TCP host and port, a Unix socket path, or the seed nodes of a Redis Cluster.
    public enum Endpoint: Sendable, Equatable {
        case tcp(host: String, port: Int)
        case unix(path: String)
        /// A Redis Cluster, whose slot map is read from any of these nodes.
        case cluster(seeds: [Seed])
    }

    /// A cluster node to read the slot map from: a host and a port.
    public typealias Seed = ClusterTopology.Node

    public var endpoint: Endpoint
    public var username: String?
    public var password: String?
    public var database: Int
    /// Connections shared by all callers.
    public var poolSize: Int = 2
    /// Deadline for each command (and for connecting).
    public var commandTimeout: Duration = .seconds(1)
    /// Commands that may be pending on one connection before calls are refused.
    public var maxPendingPerConnection: Int = 2048
    /// Longest pause between reconnect attempts (jittered, exponential from 25 ms).
    public var maxReconnectDelay: Duration = .seconds(1)

    /// A configuration from its parts.
    public init(endpoint: Endpoint, username: String? = nil, password: String? = nil, database: Int = 0) {
        self.endpoint = endpoint
        self.username = username
        self.password = password
        self.database = database
    }

    /// Parses a `redis://` or `unix://` URL.
    public init(url: String) throws(RedisError) {
        if url.lowercased().hasPrefix(Self.clusterScheme) {
            self = try Self.parseCluster(url)
            return
        }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else {
            throw .invalidConfiguration("not a URL: expected redis://host:port/db or unix:///path")
        }
        let query = Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        var database = 0
        switch scheme {
        case "redis":
            guard let host = components.host, !host.isEmpty else { throw .invalidConfiguration("missing host") }
            let port = components.port ?? 6379
            guard (1...65535).contains(port) else { throw .invalidConfiguration("port out of range") }
            let path = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            if !path.isEmpty { database = try Self.parseDatabase(path) }
            let bareHost = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
            self.init(endpoint: .tcp(host: bareHost, port: port))
            username = components.percentEncodedUser.flatMap { $0.removingPercentEncoding }.flatMap {
                $0.isEmpty ? nil : $0
            }
            password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        case "unix":
            guard components.path.hasPrefix("/") else {
                throw .invalidConfiguration("unix socket path must be absolute")
            }
            self.init(endpoint: .unix(path: components.path))
            username = query["user"]
            password = query["password"]
        case "rediss":
            throw .invalidConfiguration("TLS (rediss://) is not supported; use a TLS proxy or a Unix socket")
        default:
            throw .invalidConfiguration("unsupported scheme \(scheme)://")
        }
        if let db = query["db"] { database = try Self.parseDatabase(db) }
        self.database = database
        if password?.isEmpty == true { password = nil }
    }

    static func parseDatabase(_ text: String) throws(RedisError) -> Int {
        guard let db = Int(text), db >= 0 else { throw .invalidConfiguration("database must be a number ≥ 0") }
        return db
    }

    /// A description without the password, for logs.
    public var redacted: String {
        let auth = password == nil ? "" : "\(username ?? ""):***@"
        switch endpoint {
        case .tcp(let host, let port): return "redis://\(auth)\(host):\(port)/\(database)"
        case .unix(let path): return "unix://\(path)?db=\(database)"
        case .cluster(let seeds):
            return "\(Self.clusterScheme)\(auth)\(seeds.map(\.description).joined(separator: ","))"
        }
    }

    /// True for a Redis Cluster (`redis+cluster://`).
    public var isCluster: Bool {
        if case .cluster = endpoint { return true }
        return false
    }
}
