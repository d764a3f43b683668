import Logging
import RedisClient

/// Runs a `RedisClient` for the duration of `body`, after waiting until it connected.
public func withRedisClient<T: Sendable>(
    _ configuration: RedisConfiguration, _ body: @Sendable (RedisClient) async throws -> T
) async throws -> T {
    let client = RedisClient(configuration: configuration, logger: Logger(label: "test-redis"))
    let task = Task { await client.runUntilCancelled() }
    defer { task.cancel() }
    guard await client.waitUntilConnected(timeout: .seconds(10)) else { throw TestFailure("Redis client did not connect") }
    let result = try await body(client)
    task.cancel()
    await task.value
    return result
}

/// Runs a `RedisClient` for `url`.
public func withRedisClient<T: Sendable>(url: String, _ body: @Sendable (RedisClient) async throws -> T) async throws -> T {
    try await withRedisClient(try RedisConfiguration(url: url), body)
}
