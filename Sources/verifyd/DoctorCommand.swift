import ArgumentParser
import Foundation
import Logging
import RedisClient
import SettingKit
import Verification
import VerifydApp

/// `verifyd doctor`: checks the configuration and the Redis it points to; each line says what it found.
struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the configuration and Redis (reachable, version ≥ 6.2, persistence, eviction policy).",
        discussion: settingsHelp(SettingGroup.all))
    @OptionGroup var options: SettingArguments

    /// How a finding weighs: `FAIL` makes the exit status 1.
    enum Verdict: String {
        case ok = "ok  "
        case warn = "warn"
        case fail = "FAIL"
    }

    func run() async throws {
        var failures = 0
        func report(_ verdict: Verdict, _ finding: String) {
            print("\(verdict.rawValue) \(finding)")
            if verdict == .fail { failures += 1 }
        }
        let (configuration, reader) = options.read(SettingGroup.all)
        for problem in reader.problems { report(.fail, "configuration: \(problem)") }
        if !reader.problems.isEmpty { throw ExitCode(1) }
        report(.ok, "configuration is valid")
        if configuration.dev {
            report(.warn, "VERIFYD_DEV is on: development mode, never for production")
        }
        let drivers = configuration.driverSummary
        if configuration.email == .log || configuration.sms == .log {
            report(
                .warn,
                "the development log driver is in use (email: \(drivers.email), sms: \(drivers.sms)): codes are printed, not sent"
            )
        }
        if configuration.send.enabledChannels.isEmpty {
            report(.fail, "no channel has a delivery driver: every send answers 32100")
        } else {
            report(.ok, "delivery drivers: email \(drivers.email), sms \(drivers.sms)")
        }

        var logger = Logger(label: "verifyd-doctor")
        logger.logLevel = .critical
        let client = RedisClient(configuration: configuration.redis, logger: logger, connectionName: "verifyd-doctor")
        try await client.withRunning(connectTimeout: .seconds(5)) { connected in
            guard let connected else {
                report(.fail, "Redis is unreachable at \(configuration.redis.redacted) (connect, AUTH, SELECT, PING)")
                throw ExitCode(1)
            }
            report(.ok, "Redis is reachable at \(configuration.redis.redacted)")
            let info = Self.fields(try await connected.send("INFO", "all").string ?? "")
            for (verdict, finding) in Self.findings(info) { report(verdict, finding) }
        }
        if failures > 0 { throw ExitCode(1) }
    }

    /// What INFO says about the version, persistence and eviction.
    static func findings(_ info: [String: String]) -> [(Verdict, String)] {
        var findings: [(Verdict, String)] = []
        let version = info["redis_version"] ?? "?"
        let parts = version.split(separator: ".").compactMap { Int($0) }
        if parts.count >= 2 && (parts[0], parts[1]) >= (6, 2) {
            findings.append((.ok, "Redis \(version) has XAUTOCLAIM and SMISMEMBER (6.2 or later)"))
        } else {
            findings.append((.fail, "Redis \(version) is older than 6.2: no XAUTOCLAIM or SMISMEMBER"))
        }
        if info["aof_enabled"] == "1" {
            findings.append((.ok, "AOF is on: queued codes survive a restart"))
        } else {
            findings.append((.warn, "AOF is off: a restart loses queued codes"))
        }
        let policy = info["maxmemory_policy"] ?? "?"
        if policy.hasPrefix("allkeys") {
            findings.append((.fail, "maxmemory-policy is \(policy): the outbox and the mirror (no TTL) may be evicted"))
        } else if policy != "noeviction" {
            findings.append(
                (.warn, "maxmemory-policy is \(policy): codes, limits and tokens (with a TTL) may be evicted"))
        } else {
            findings.append((.ok, "maxmemory-policy is noeviction: nothing is evicted"))
        }
        return findings
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
