import ArgumentParser
import Foundation
import Logging
import RedisClient
import Verification
import VerifydHTTP

/// `verifyd doctor`: checks the configuration and the Redis it points to, and says what is wrong.
struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the configuration and Redis (reachable, version ≥ 6.2, persistence, eviction policy).")
    @OptionGroup var options: ConfigurationOptions

    func run() async throws {
        var failures = 0
        func report(_ ok: Bool, _ text: String, warnOnly: Bool = false) {
            print("\(ok ? "ok  " : (warnOnly ? "warn" : "FAIL")) \(text)")
            if !ok && !warnOnly { failures += 1 }
        }
        let configuration: VerifydConfiguration
        switch VerifydConfiguration.load(environment: options.environment()) {
        case .failure(let error):
            for problem in error.problems { report(false, "configuration: \(problem)") }
            throw ExitCode(1)
        case .success(let value):
            configuration = value
            report(true, "configuration is valid")
        }
        report(!configuration.dev, "VERIFYD_DEV is off", warnOnly: true)
        report(configuration.email != .log && configuration.sms != .log, "no channel uses the development log driver", warnOnly: true)
        report(!configuration.send.enabledChannels.isEmpty, "at least one channel has a delivery driver")

        var logger = Logger(label: "verifyd-doctor")
        logger.logLevel = .critical
        let client = RedisClient(configuration: configuration.redis, logger: logger, connectionName: "verifyd-doctor")
        try await client.withRunning(connectTimeout: .seconds(5)) { connected in
            guard let connected else {
                report(false, "Redis reachable at \(configuration.redis.redacted) (connect, AUTH, SELECT, PING)")
                throw ExitCode(1)
            }
            report(true, "Redis reachable at \(configuration.redis.redacted)")
            let info = Self.fields(try await connected.send("INFO", "all").string ?? "")
            let version = info["redis_version"] ?? "?"
            let parts = version.split(separator: ".").compactMap { Int($0) }
            report(parts.count >= 2 && (parts[0], parts[1]) >= (6, 2), "Redis version \(version) ≥ 6.2 (XAUTOCLAIM, SMISMEMBER)")
            report(info["aof_enabled"] == "1", "AOF persistence is on (aof_enabled=\(info["aof_enabled"] ?? "?")); without it a restart loses queued codes", warnOnly: true)
            let policy = info["maxmemory_policy"] ?? "?"
            report(!policy.hasPrefix("allkeys"), "maxmemory-policy \(policy) never evicts keys without a TTL (outbox, mirror)")
            report(policy == "noeviction", "maxmemory-policy noeviction: volatile-* policies may evict codes, limits and tokens", warnOnly: true)
        }
        if failures > 0 { throw ExitCode(1) }
    }

    /// `key:value` lines of INFO.
    static func fields(_ info: String) -> [String: String] {
        var fields: [String: String] = [:]
        for line in info.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        return fields
    }
}
