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

    @Test func clusterSeedsWithCredentials() throws {
        let c = try RedisConfiguration(url: "redis+cluster://app:p%40ss@10.0.0.1:7000,node-b:7001,[::1]:7002,node-c")
        #expect(
            c.endpoint
                == .cluster(seeds: [
                    .init(host: "10.0.0.1", port: 7000), .init(host: "node-b", port: 7001),
                    .init(host: "::1", port: 7002),
                    .init(host: "node-c", port: 6379),
                ]))
        #expect(c.username == "app" && c.password == "p@ss" && c.database == 0)
        #expect(c.isCluster)
        #expect(c.redacted == "redis+cluster://app:***@10.0.0.1:7000,node-b:7001,[::1]:7002,node-c:6379")
        #expect(!c.redacted.contains("p@ss"))
    }

    @Test func clusterWithPasswordOnlyOrNoAuth() throws {
        let password = try RedisConfiguration(url: "REDIS+CLUSTER://:pw@h:7000/")
        #expect(password.username == nil && password.password == "pw")
        #expect(password.redacted == "redis+cluster://:***@h:7000")
        let open = try RedisConfiguration(url: "redis+cluster://[::1]")
        #expect(open.endpoint == .cluster(seeds: [.init(host: "::1", port: 6379)]))
        #expect(open.password == nil && open.redacted == "redis+cluster://[::1]:6379")
        #expect(try !RedisConfiguration(url: "redis://h").isCluster)
    }

    @Test(arguments: [
        "redis+cluster://", "redis+cluster://h:7000,", "redis+cluster://,h:7000", "redis+cluster://h:0",
        "redis+cluster://h:70000", "redis+cluster://h:x", "redis+cluster://h:7000/1", "redis+cluster://h:7000/0",
        "redis+cluster://h:7000?db=1", "redis+cluster://::1:7000", "redis+cluster://[::1:7000",
        "redis+cluster://[::1]x",
        "redis+cluster://pw@:7000",
    ])
    func rejectsInvalidClusterURLs(_ url: String) {
        #expect(throws: RedisError.self) { try RedisConfiguration(url: url) }
    }
}
