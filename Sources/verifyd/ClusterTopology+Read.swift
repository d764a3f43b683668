import RedisClient

extension ClusterTopology {
    /// The cluster's map as `client` sees it now: `CLUSTER SHARDS`, or `CLUSTER SLOTS` on Redis 6.2, which has no
    /// `CLUSTER SHARDS`. For the commands that visit every primary (`doctor`, `mirror migrate`).
    static func read(through client: RedisClient) async throws -> ClusterTopology {
        do {
            return try ClusterTopology(shards: try await client.send("CLUSTER", "SHARDS"), seedHost: "127.0.0.1")
        } catch RedisError.server {
            return try ClusterTopology(slots: try await client.send("CLUSTER", "SLOTS"), seedHost: "127.0.0.1")
        }
    }
}
