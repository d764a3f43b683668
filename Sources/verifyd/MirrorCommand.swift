import ArgumentParser
import Foundation
import Logging
import RedisClient
import SettingKit
import Verification
import VerifydApp

/// `verifyd mirror …`: fill and inspect the account/session mirror the main application writes.
struct Mirror: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fill and inspect the mirror of accounts and login tokens.",
        subcommands: [Import.self, Get.self, Put.self, Delete.self, Token.self, Stats.self, Migrate.self])

    /// `mirror import FILE`.
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import JSON lines {\"aid\",\"email\",\"countryCode\",\"purePhone\"} from FILE (- for stdin).")
        @Argument(help: "a file of JSON lines, or - for standard input") var file: String
        @OptionGroup var options: SettingArguments

        func run() async throws {
            try await withMirror(options) { writer in
                let data: Data
                if file == "-" {
                    data = FileHandle.standardInput.readDataToEndOfFile()
                } else {
                    guard let contents = FileManager.default.contents(atPath: file) else {
                        throw ValidationError("cannot read \(file)")
                    }
                    data = contents
                }
                let lines = String(decoding: data, as: UTF8.self).split(
                    omittingEmptySubsequences: false, whereSeparator: \.isNewline)
                let progress = ImportProgress(total: lines.count)
                var batch: [MirrorWriter.Account] = []
                for (index, line) in lines.enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                    switch MirrorImportLine.parse(line) {
                    case .success(let account): batch.append(account)
                    case .failure(let error):
                        progress.skip()
                        FileHandle.standardError.write(Data("line \(index + 1): \(error), skipped\n".utf8))
                    }
                    if batch.count == 1000 {
                        try await writer.putMany(batch)
                        progress.imported(batch.count, at: index + 1)
                        batch.removeAll(keepingCapacity: true)
                    }
                }
                try await writer.putMany(batch)
                progress.imported(batch.count, at: lines.count)
                progress.finish()
            }
        }
    }

    /// `mirror get AID`.
    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print one account of the mirror as JSON.")
        @Argument var aid: String
        @OptionGroup var options: SettingArguments

        func run() async throws {
            try await withMirror(options) { writer in
                guard let fields = try await writer.get(aid: aid) else {
                    throw ValidationError("no account \(aid) in the mirror")
                }
                let data = try JSONSerialization.data(
                    withJSONObject: fields.merging(["aid": aid]) { a, _ in a }, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            }
        }
    }

    /// `mirror put AID`.
    struct Put: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write one account (and its index entries).")
        @Argument var aid: String
        @Option(name: .customLong("account-email"), help: "the account's email") var email: String?
        @Option(name: .customLong("account-country-code"), help: "the account's country calling code") var countryCode:
            Int?
        @Option(name: .customLong("account-phone"), help: "the account's national number") var phone: String?
        @OptionGroup var options: SettingArguments

        func run() async throws {
            let account = try MirrorWriter.Account.validated(
                aid: aid, email: email, countryCode: countryCode, purePhone: phone
            )
            .mapError { ValidationError($0.description) }.get()
            try await withMirror(options) { writer in try await writer.put(account) }
            print("ok")
        }
    }

    /// `mirror delete AID`.
    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete one account and its index entries.")
        @Argument var aid: String
        @OptionGroup var options: SettingArguments

        func run() async throws {
            try await withMirror(options) { writer in
                print(try await writer.delete(aid: aid) ? "deleted" : "no such account")
            }
        }
    }

    /// `mirror token add|revoke AID TOKEN`.
    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add or revoke a login token.")
        @Argument(help: "add or revoke") var action: String
        @Argument var aid: String
        @Argument var token: String
        @Option(help: "seconds the token stays valid (add)") var ttl: Int?
        @OptionGroup var options: SettingArguments

        func run() async throws {
            try await withMirror(options) { writer in
                switch action {
                case "add":
                    try await writer.addToken(aid: aid, token: token, ttl: ttl)
                    print("ok")
                case "revoke": print(try await writer.revokeToken(aid: aid, token: token) ? "revoked" : "no such token")
                default: throw ValidationError("expected add or revoke")
                }
            }
        }
    }

    /// `mirror stats`.
    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Count accounts, tokens aside, and queued codes.")
        @OptionGroup var options: SettingArguments

        func run() async throws {
            try await withMirror(options) { writer in
                for (name, value) in try await writer.stats() { print("\(name): \(value)") }
            }
        }
    }
}

extension Mirror {
    /// `mirror migrate`.
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert the legacy standalone layout (index hashes, one outbox) to the sharded layout, and "
                + "move owner keys to their canonical address.",
            discussion: "Idempotent: run it again after a crash, or to pick up what an old instance wrote meanwhile.")
        @OptionGroup var options: SettingArguments

        func run() async throws {
            try await withMirror(options) { writer in
                try await withScanNodes(writer.redis) { nodes in
                    let migration = MirrorMigration(redis: writer.redis, keys: writer.keys, scanNodes: nodes)
                    let report = try await migration.run { report in
                        FileHandle.standardError.write(
                            Data(
                                ("\rowner keys \(report.owners), codes and logs \(report.keys), queued \(report.entries), "
                                    + "canonicalized \(report.canonicalized)").utf8))
                    }
                    FileHandle.standardError.write(Data("\n".utf8))
                    print(
                        "migrated: \(report.owners) owner keys, \(report.keys) codes and send logs, "
                            + "\(report.entries) queued deliveries and dead letters; skipped \(report.skipped) index "
                            + "entries; moved \(report.canonicalized) owner keys to their canonical address, left "
                            + "\(report.unreadableOwners) unreadable ones"
                    )
                }
            }
        }

        /// Runs `body` with the nodes whose keys SCAN lists: nil on a standalone Redis (the client itself), a client
        /// for each primary on a cluster.
        private func withScanNodes(_ client: RedisClient, _ body: ([RedisClient]?) async throws -> Void) async throws {
            guard client.configuration.isCluster else { return try await body(nil) }
            let nodes = try await ClusterTopology.read(through: client).primaries.map {
                Doctor.node($0, of: client.configuration)
            }
            try await withClients(nodes[...], connected: [], body)
        }

        private func withClients(
            _ nodes: ArraySlice<RedisConfiguration>, connected: [RedisClient],
            _ body: ([RedisClient]?) async throws -> Void
        ) async throws {
            guard let node = nodes.first else { return try await body(connected) }
            var logger = Logger(label: "verifyd-mirror")
            logger.logLevel = .error
            let client = RedisClient(configuration: node, logger: logger, connectionName: "verifyd-mirror")
            try await client.withRunning(connectTimeout: .seconds(5)) { running in
                guard let running else { throw ValidationError("cannot reach the cluster node \(node.redacted)") }
                try await withClients(nodes.dropFirst(), connected: connected + [running], body)
            }
        }
    }
}

/// Runs `body` with a mirror writer on the configured Redis and key prefix.
func withMirror(_ options: SettingArguments, _ body: (MirrorWriter) async throws -> Void) async throws {
    try await withConnectedRedis(options, name: "verifyd-mirror") { redis, keys in
        try await body(MirrorWriter(redis: redis, keys: keys))
    }
}

/// Runs `body` with a connected Redis client for the settings of `SettingGroup.mirror` (the URL and the key layout),
/// quiet below errors; a Redis that cannot be reached in 5 s is a validation error.
func withConnectedRedis(
    _ options: SettingArguments, name: String, _ body: (RedisClient, KeyLayout) async throws -> Void
) async throws {
    let configuration = try options.load(SettingGroup.mirror)
    var logger = Logger(label: name)
    logger.logLevel = .error
    let client = RedisClient(configuration: configuration.redis, logger: logger, connectionName: name)
    try await client.withRunning(connectTimeout: .seconds(5)) { connected in
        guard let connected else { throw ValidationError("cannot reach Redis at \(configuration.redis.redacted)") }
        try await body(connected, configuration.keys)
    }
}

/// A progress bar on a terminal, a summary line otherwise.
final class ImportProgress {
    private let total: Int
    private let terminal = isatty(STDERR_FILENO) == 1
    private let started = Date()
    private var done = 0
    private var skipped = 0

    init(total: Int) { self.total = total }

    func skip() { skipped += 1 }

    func imported(_ count: Int, at line: Int) {
        done += count
        guard terminal, total > 0 else { return }
        let width = 30
        let filled = min(width, width * line / total)
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        FileHandle.standardError.write(Data("\r[\(bar)] \(line)/\(total) lines, \(done) imported".utf8))
    }

    func finish() {
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
        let seconds = String(format: "%.1f", Date().timeIntervalSince(started))
        print("imported \(done) accounts, skipped \(skipped) lines, in \(seconds) s")
    }
}
