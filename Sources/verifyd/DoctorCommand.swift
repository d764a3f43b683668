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
        abstract:
            "Check the configuration and Redis (reachable, version ≥ 6.2, persistence, eviction policy, replicas; on a "
            + "cluster its state, slot coverage and every primary).",
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
        let protectionsOff = configuration.protectionsOff
        for finding in protectionsOff { report(.warn, "protection off: \(finding)") }
        if protectionsOff.isEmpty { report(.ok, "every protection against abuse is on") }
        if configuration.send.enabledChannels.isEmpty {
            report(.fail, "no channel has a delivery driver: every send answers 32100")
        } else {
            report(.ok, "delivery drivers: email \(drivers.email), sms \(drivers.sms)")
        }

        try await Self.withClient(configuration.redis, connectTimeout: .seconds(5)) { connected in
            guard let connected else {
                if case .cluster(let seeds) = configuration.redis.endpoint,
                    let state = try await Self.clusterState(configuration.redis, seeds: seeds)
                {
                    report(.fail, "the cluster cannot be used from here: \(state)")
                    throw ExitCode(1)
                }
                report(.fail, "Redis is unreachable at \(configuration.redis.redacted) (connect, AUTH, SELECT, PING)")
                throw ExitCode(1)
            }
            report(.ok, "Redis is reachable at \(configuration.redis.redacted)")
            if configuration.send.enabledChannels.contains(.email),
                try await connected.send("SCARD", .string(configuration.keys.blockedEmailDomains)).int == 0
            {
                report(
                    .warn,
                    "protection off: no blocked email domains (verifyd domains import --disposable loads a common list)"
                )
            }
            let wanted = configuration.send.replicaAcknowledgement?.replicas ?? 0
            if configuration.redis.isCluster {
                for (verdict, finding) in try await Self.clusterFindings(connected, wantedReplicas: wanted) {
                    report(verdict, finding)
                }
            } else {
                let info = Self.fields(try await connected.send("INFO", "all").string ?? "")
                for (verdict, finding) in Self.findings(info) + Self.replicaFindings(info, wanted: wanted, node: nil) {
                    report(verdict, finding)
                }
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }

    /// A cluster: its state and slot coverage, then each primary's version, persistence, eviction and replicas.
    static func clusterFindings(_ client: RedisClient, wantedReplicas: Int) async throws -> [(Verdict, String)] {
        var findings: [(Verdict, String)] = []
        let info = fields(try await client.send("CLUSTER", "INFO").string ?? "")
        if info["cluster_state"] == "ok" {
            findings.append((.ok, "cluster_state is ok"))
        } else {
            findings.append((.fail, "cluster_state is \(info["cluster_state"] ?? "?"): the cluster refuses commands"))
        }
        let topology = try await ClusterTopology.read(through: client)
        if topology.coversAllSlots {
            findings.append((.ok, "all 16384 slots are served, by \(topology.primaries.count) primaries"))
        } else {
            findings.append((.fail, "some slots have no primary: sends to their shards answer 503"))
        }
        for primary in topology.primaries {
            let nodeInfo = try await Self.info(of: Self.node(primary, of: client.configuration), cluster: true)
            guard let nodeInfo else {
                findings.append((.fail, "primary \(primary) is unreachable"))
                continue
            }
            findings +=
                (Self.stateFindings(nodeInfo) + Self.findings(nodeInfo)
                + replicaFindings(nodeInfo, wanted: wantedReplicas, node: primary))
                .map { ($0.0, "primary \(primary): \($0.1)") }
        }
        return findings
    }

    /// What the first seed that answers says of the cluster (`cluster_state`, slots served), for a cluster the client
    /// cannot use (a slot unserved, or a primary it cannot reach); nil when no seed answers.
    static func clusterState(_ configuration: RedisConfiguration, seeds: [RedisConfiguration.Seed]) async throws
        -> String?
    {
        for seed in seeds {
            let info = try await withClient(node(seed, of: configuration), connectTimeout: .seconds(2)) {
                connected -> [String: String]? in
                guard let connected else { return nil }
                return fields(try await connected.send("CLUSTER", "INFO").string ?? "")
            }
            if let info {
                let state = info["cluster_state"] ?? "?"
                let slots = "\(info["cluster_slots_ok"] ?? "?") of 16384 slots served (seen from \(seed))"
                return state == "ok"
                    ? "cluster_state:ok and \(slots), but some primary does not answer this host"
                    : "cluster_state:\(state), \(slots)"
            }
        }
        return nil
    }

    /// What one primary says of the cluster: its own view may differ from the others' (a slot it dropped).
    static func stateFindings(_ info: [String: String]) -> [(Verdict, String)] {
        let state = info["cluster_state"] ?? "?"
        let slots = info["cluster_slots_ok"] ?? "?"
        guard state == "ok", slots == "16384" else {
            return [(.fail, "cluster_state is \(state) here, \(slots) of 16384 slots ok")]
        }
        return []
    }

    /// INFO (with `cluster`, CLUSTER INFO too) of one node through a client of its own, or nil when it does not
    /// answer within 5 s.
    static func info(of node: RedisConfiguration, cluster: Bool = false) async throws -> [String: String]? {
        try await withClient(node, connectTimeout: .seconds(5)) { connected in
            guard let connected else { return nil }
            let info = fields(try await connected.send("INFO", "all").string ?? "")
            guard cluster else { return info }
            return info.merging(fields(try await connected.send("CLUSTER", "INFO").string ?? "")) { _, new in new }
        }
    }

    /// Runs `body` with a quiet client of the doctor's own, or nil when it does not connect within `connectTimeout`.
    static func withClient<T>(
        _ configuration: RedisConfiguration, connectTimeout: Duration, _ body: (RedisClient?) async throws -> T
    ) async throws -> T {
        var logger = Logger(label: "verifyd-doctor")
        logger.logLevel = .critical
        let client = RedisClient(configuration: configuration, logger: logger, connectionName: "verifyd-doctor")
        return try await client.withRunning(connectTimeout: connectTimeout, body)
    }

    /// One node of a cluster, reached directly with the cluster's credentials.
    static func node(_ node: ClusterTopology.Node, of cluster: RedisConfiguration) -> RedisConfiguration {
        var configuration = cluster
        configuration.endpoint = .tcp(host: node.host, port: node.port)
        return configuration
    }

    /// Replicas connected to a primary, against `VERIFYD_REDIS_WAIT_REPLICAS`.
    static func replicaFindings(_ info: [String: String], wanted: Int, node: ClusterTopology.Node?) -> [(
        Verdict, String
    )] {
        let replicas = Int(info["connected_slaves"] ?? "0") ?? 0
        if wanted > replicas {
            return [
                (
                    .fail,
                    "\(replicas) replica(s) connected, VERIFYD_REDIS_WAIT_REPLICAS is \(wanted): every send answers 503"
                )
            ]
        }
        if replicas == 0 {
            let loss = node == nil ? "losing the server loses" : "losing this primary loses its shards'"
            return [(.warn, "no replica: \(loss) queued codes")]
        }
        return [(.ok, "\(replicas) replica(s) connected")]
    }

    /// What INFO says about the version, persistence and eviction.
    static func findings(_ info: [String: String]) -> [(Verdict, String)] {
        var findings: [(Verdict, String)] = []
        let version = info["redis_version"] ?? "?"
        let parts = version.split(separator: ".").compactMap { Int($0) }
        if parts.count >= 2 && (parts[0], parts[1]) >= (6, 2) {
            findings.append((.ok, "Redis \(version) has XAUTOCLAIM (6.2 or later)"))
        } else {
            findings.append((.fail, "Redis \(version) is older than 6.2: no XAUTOCLAIM"))
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
