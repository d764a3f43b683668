import RedisClient
import SettingKit
import Verification

/// Where Redis is and how verifyd's keys are named there.
enum RedisGroup {
    static let url = Setting<RedisConfiguration>(
        "VERIFYD_REDIS_URL", group: .redis,
        format: "redis://[user:password@]host[:port][/db], redis+cluster://host:port[,host:port…] or unix:///path",
        default: RedisConfiguration(endpoint: .tcp(host: "127.0.0.1", port: 6379)),
        defaultText: "redis://127.0.0.1:6379",
        secrecy: .urlCredentials, help: "the Redis server, or seed nodes of a Redis Cluster"
    ) { text in
        do { return .success(try RedisConfiguration(url: text)) } catch { return .failure(SettingProblem("\(error)")) }
    }
    static let timeout = Setting<Duration>.milliseconds(
        "VERIFYD_REDIS_TIMEOUT_MS", group: .redis, default: url.fallback.commandTimeout, in: 10...60000,
        help: "deadline of each Redis command"
    )
    static let poolSize = Setting<Int>.integer(
        "VERIFYD_REDIS_POOL_SIZE", group: .redis, default: url.fallback.poolSize, in: 1...64,
        help: "pipelined Redis connections per process")
    static let keyPrefix = Setting<KeyLayout>(
        "VERIFYD_KEY_PREFIX", group: .redis, format: "text without braces or spaces", default: KeyLayout(),
        defaultText: "verify:", help: "prefix of every Redis key"
    ) { prefix in
        prefix.contains(where: { $0 == "{" || $0 == "}" || $0.isWhitespace })
            ? .failure(SettingProblem("must not contain braces or spaces")) : .success(KeyLayout(prefix: prefix))
    }

    static let mirrorTokens = Setting<TokenNaming>(
        "VERIFYD_MIRROR_TOKENS", group: .redis, format: "plain or sha256", default: .plain, defaultText: "plain",
        help: "how the mirror names login tokens: verify:token:<aid>:<token> or :<hex SHA-256 of the token>"
    ) { text in
        TokenNaming(rawValue: text.lowercased()).map { .success($0) }
            ?? .failure(SettingProblem("expected plain or sha256"))
    }

    static let waitReplicas = Setting<Int>.integer(
        "VERIFYD_REDIS_WAIT_REPLICAS", group: .redis, default: 0, in: 0...8,
        help: "replicas that must confirm a code (Redis WAIT) before its send answers 200; 0 does not wait")
    static let waitTimeout = Setting<Duration>.milliseconds(
        "VERIFYD_REDIS_WAIT_TIMEOUT_MS", group: .redis, default: ReplicaAcknowledgement.defaultTimeout, in: 1...5000,
        help: "how long a send waits for those replicas before answering 503")

    static func read(into configuration: inout VerifydConfiguration, _ read: inout SettingsReader) {
        configuration.redis = read(url)
        configuration.redis.commandTimeout = read(timeout)
        configuration.redis.poolSize = read(poolSize)
        configuration.keys = read(keyPrefix)
        configuration.keys.tokenNaming = read(mirrorTokens)
        let replicas = read(waitReplicas)
        let timeout = read(waitTimeout)
        configuration.send.replicaAcknowledgement =
            replicas > 0 ? ReplicaAcknowledgement(replicas: replicas, timeout: timeout) : nil
    }
}
