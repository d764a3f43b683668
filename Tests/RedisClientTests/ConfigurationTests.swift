import Testing

@testable import RedisClient

/// `VERIFYD_REDIS_URL` forms.
@Suite struct ConfigurationTests {
    @Test func plainHostDefaults() throws {
        let c = try RedisConfiguration(url: "redis://127.0.0.1")
        #expect(c.endpoint == .tcp(host: "127.0.0.1", port: 6379))
        #expect(c.password == nil && c.username == nil && c.database == 0)
    }

    @Test func passwordOnlyWithDatabase() throws {
        let c = try RedisConfiguration(url: "redis://:s%40cret@redis.local:6380/3")
        #expect(c.endpoint == .tcp(host: "redis.local", port: 6380))
        #expect(c.username == nil)
        #expect(c.password == "s@cret")
        #expect(c.database == 3)
        #expect(!c.redacted.contains("s@cret"))
    }

    @Test func userAndPassword() throws {
        let c = try RedisConfiguration(url: "redis://app:pw@10.0.0.5:6379/1")
        #expect(c.username == "app" && c.password == "pw" && c.database == 1)
    }

    @Test func unixSocket() throws {
        let c = try RedisConfiguration(url: "unix:///run/redis/redis.sock?db=2&password=pw")
        #expect(c.endpoint == .unix(path: "/run/redis/redis.sock"))
        #expect(c.database == 2 && c.password == "pw")
    }

    @Test(arguments: [
        "", "localhost:6379", "http://x", "redis://", "redis://h/x", "redis://h:99999", "rediss://h", "unix://relative",
    ])
    func rejectsInvalidURLs(_ url: String) {
        #expect(throws: RedisError.self) { try RedisConfiguration(url: url) }
    }
}
