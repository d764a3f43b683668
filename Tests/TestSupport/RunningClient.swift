import Logging
import RedisClient

/// Runs a `RedisClient` for the duration of `body`, after waiting until it connected.
public func withRedisClient<T: Sendable>(
    _ configuration: RedisConfiguration, _ body: @Sendable (RedisClient) async throws -> T
) async throws -> T {
    let client = RedisClient(configuration: configuration, logger: Logger(label: "test-redis"))
    return try await client.withRunning(connectTimeout: .seconds(10)) { connected in
        guard let connected else { throw TestFailure("Redis client did not connect") }
        return try await body(connected)
    }
}

/// Runs a `RedisClient` for `url`.
public func withRedisClient<T: Sendable>(url: String, _ body: @Sendable (RedisClient) async throws -> T) async throws
    -> T
{
    try await withRedisClient(try RedisConfiguration(url: url), body)
}
